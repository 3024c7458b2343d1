// Random123's Philox4x64-10 for many counters at once, its words converted
// to uniforms as lane_normals needs them: the same bits as r123::Philox4x64
// with r123::uneg11 and r123::u01 on one counter at a time, computed eight
// counters at a time with AVX-512 where the CPU has it (chosen at run time,
// so results never depend on the machine; tests compare the two paths).
#pragma once

#include <Random123/philox.h>

#include <Random123/uniform.hpp>
#include <cstddef>
#include <cstdint>

#include "common/avx512.h"
#include "montecarlo/random_stream.h"

namespace growthcast::montecarlo {

// For lane = 0 .. lanes - 1, the words w of Philox4x64-10 at counter
// {first + lane, c1, c2, c3} and `key`, as x0[lane] = uneg11(w[0]),
// y0[lane] = u01(w[1]), x1[lane] = uneg11(w[2]), y1[lane] = u01(w[3]).
struct PhiloxUniforms {
  double *x0, *y0, *x1, *y1;
};

inline void philox_uniforms_scalar(std::uint64_t first, std::uint64_t c1,
                                   std::uint64_t c2, std::uint64_t c3,
                                   r123::Philox4x64::key_type key, int lanes,
                                   PhiloxUniforms out) {
  r123::Philox4x64 generator;
  r123::Philox4x64::ctr_type counter = {{first, c1, c2, c3}};
  for (int lane = 0; lane < lanes; ++lane, ++counter[0]) {
    const r123::Philox4x64::ctr_type w = generator(counter, key);
    out.x0[lane] = r123::uneg11<double>(w[0]);
    out.y0[lane] = u01_branchless(w[1]);
    out.x1[lane] = r123::uneg11<double>(w[2]);
    out.y1[lane] = u01_branchless(w[3]);
  }
}

#ifdef GROWTHCAST_AVX512
GROWTHCAST_AVX512_BEGIN

// The 128-bit products x * m as their high and low 64-bit halves, from four
// 32 x 32-bit products (AVX-512 multiplies 64-bit words only to the low
// half, and more slowly than these four make it).
struct Product128 {
  __m512i high, low;
};
GROWTHCAST_TARGET_AVX512 inline Product128 mulhilo64(__m512i x, __m512i m_low,
                                                     __m512i m_high) {
  const __m512i low32 = _mm512_set1_epi64(0xffffffff);
  const __m512i x_high = _mm512_srli_epi64(x, 32);
  const __m512i ll = _mm512_mul_epu32(x, m_low);
  const __m512i lh = _mm512_mul_epu32(x, m_high);
  const __m512i hl = _mm512_mul_epu32(x_high, m_low);
  const __m512i hh = _mm512_mul_epu32(x_high, m_high);
  // The middle 32-bit column in two steps, neither of which overflows:
  // (2^32 - 1)^2 + 2^32 - 1 < 2^64.
  const __m512i t = _mm512_add_epi64(hl, _mm512_srli_epi64(ll, 32));
  const __m512i u = _mm512_add_epi64(lh, _mm512_and_si512(t, low32));
  return {
      _mm512_add_epi64(_mm512_add_epi64(hh, _mm512_srli_epi64(t, 32)),
                       _mm512_srli_epi64(u, 32)),
      _mm512_add_epi64(ll, _mm512_slli_epi64(_mm512_add_epi64(lh, hl), 32))};
}

// philox_uniforms_scalar eight lanes at a time; returns the lanes done.
// The conversions are Random123's: a correctly rounded integer-to-double
// conversion (vcvtqq2pd, vcvtuqq2pd) times 2^-63 or 2^-64 plus half of it,
// as one multiply-add (GCC contracts Random123's expression the same way
// in this build, which the tests check).
GROWTHCAST_TARGET_AVX512 inline int philox_uniforms_avx512(
    std::uint64_t first, std::uint64_t c1, std::uint64_t c2, std::uint64_t c3,
    r123::Philox4x64::key_type key, int lanes, PhiloxUniforms out) {
  constexpr std::uint64_t kM0 = PHILOX_M4x64_0, kM1 = PHILOX_M4x64_1;
  const __m512i m0_low = _mm512_set1_epi64(std::int64_t(kM0 & 0xffffffff));
  const __m512i m0_high = _mm512_set1_epi64(std::int64_t(kM0 >> 32));
  const __m512i m1_low = _mm512_set1_epi64(std::int64_t(kM1 & 0xffffffff));
  const __m512i m1_high = _mm512_set1_epi64(std::int64_t(kM1 >> 32));
  const __m512i lane_offsets = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  const __m512d signed_factor = _mm512_set1_pd(1.0 / 9223372036854775808.0);
  const __m512d signed_half = _mm512_set1_pd(0.5 / 9223372036854775808.0);
  const __m512d unsigned_factor = _mm512_set1_pd(1.0 / 18446744073709551616.0);
  const __m512d unsigned_half = _mm512_set1_pd(0.5 / 18446744073709551616.0);
  int lane = 0;
  for (; lane + 8 <= lanes; lane += 8) {
    __m512i v0 = _mm512_add_epi64(
        _mm512_set1_epi64(std::int64_t(first + std::uint64_t(lane))),
        lane_offsets);
    __m512i v1 = _mm512_set1_epi64(std::int64_t(c1));
    __m512i v2 = _mm512_set1_epi64(std::int64_t(c2));
    __m512i v3 = _mm512_set1_epi64(std::int64_t(c3));
    std::uint64_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; ++round) {
      const Product128 p0 = mulhilo64(v0, m0_low, m0_high);
      const Product128 p1 = mulhilo64(v2, m1_low, m1_high);
      v0 = _mm512_xor_si512(_mm512_xor_si512(p1.high, v1),
                            _mm512_set1_epi64(std::int64_t(k0)));
      v1 = p1.low;
      v2 = _mm512_xor_si512(_mm512_xor_si512(p0.high, v3),
                            _mm512_set1_epi64(std::int64_t(k1)));
      v3 = p0.low;
      k0 += PHILOX_W64_0;
      k1 += PHILOX_W64_1;
    }
    // Random123's uneg11 (signed words) and u01 (unsigned).
    auto uneg11 = [&](__m512i w) GROWTHCAST_TARGET_AVX512 {
      return _mm512_fmadd_pd(_mm512_cvtepi64_pd(w), signed_factor, signed_half);
    };
    auto u01 = [&](__m512i w) GROWTHCAST_TARGET_AVX512 {
      return _mm512_fmadd_pd(_mm512_cvtepu64_pd(w), unsigned_factor,
                             unsigned_half);
    };
    _mm512_storeu_pd(out.x0 + lane, uneg11(v0));
    _mm512_storeu_pd(out.y0 + lane, u01(v1));
    _mm512_storeu_pd(out.x1 + lane, uneg11(v2));
    _mm512_storeu_pd(out.y1 + lane, u01(v3));
  }
  return lane;
}
GROWTHCAST_AVX512_END
#endif

// Whether philox_uniforms() takes eight lanes at a time on this CPU.
inline bool philox_uniforms_vectorised() { return cpu_has_avx512(); }

// philox_uniforms_scalar by the fastest path this CPU has (`vectorise`
// false: one counter at a time, for tests).
inline void philox_uniforms(std::uint64_t first, std::uint64_t c1,
                            std::uint64_t c2, std::uint64_t c3,
                            r123::Philox4x64::key_type key, int lanes,
                            PhiloxUniforms out,
                            bool vectorise = philox_uniforms_vectorised()) {
  int done = 0;
#ifdef GROWTHCAST_AVX512
  if (vectorise)
    done = philox_uniforms_avx512(first, c1, c2, c3, key, lanes, out);
#else
  (void)vectorise;
#endif
  if (done < lanes)
    philox_uniforms_scalar(
        first + std::uint64_t(done), c1, c2, c3, key, lanes - done,
        {out.x0 + done, out.y0 + done, out.x1 + done, out.y1 + done});
}

// Stream version 2: the normals of Philox4x32 call `call` of stream
// `stream` for draws first .. first + lanes - 1 of scenario `scenario`
// under `seed`, normal 4 call + i of draw first + lane at out.row[i][lane],
// bit for bit RandomStream's (float_normals.h: exact operations only, so
// vector and scalar code agree). By AVX-512 where the CPU has it
// (`vectorise` false: the build's own instruction set, for tests); both
// are in float_normal_lanes.cc.
struct NormalRows {
  double* row[4];
};
void float_normal_lanes(std::uint64_t first, std::uint32_t scenario,
                        std::uint32_t stream, std::uint32_t call,
                        std::uint64_t seed, int lanes, NormalRows out,
                        bool vectorise = philox_uniforms_vectorised());

// The block path's normals of either version as the simulator makes them
// (projection.cc): normals index0 .. index0 + count - 1 (index0 a multiple
// of 4) of stream `stream` of draws first .. first + lanes - 1, normal j of
// draw first + lane at out[j * stride + lane]; `out` has room for count
// rounded up to 4 rows. For benchmarks and tests.
void block_normals(StreamVersion version, std::uint64_t seed,
                   std::uint64_t scenario, std::uint64_t first, Stream stream,
                   std::uint64_t index0, int count, double* out,
                   std::size_t stride, int lanes);

}  // namespace growthcast::montecarlo
