// Stream version 2's normals many draws at a time (philox_lanes.h), the
// loop compiled for the build's instruction set and for AVX-512. Compiled
// with -fno-math-errno so that the square root vectorises; every operation
// is exactly rounded, so both give RandomStream's bits (tested).
#include <algorithm>
#include <cstdint>

#include "common/avx512.h"

#ifdef __AVX2__
#include <immintrin.h>
#endif
#include "montecarlo/float_normals.h"
#include "montecarlo/philox_lanes.h"
#include "montecarlo/random_stream.h"

namespace growthcast::montecarlo {
namespace {

// The normals of words[.][0 .. count - 1] into out's rows from `start`.
[[gnu::always_inline]] inline void box_muller_rows(
    const std::uint32_t (*words)[512], int start, int count, NormalRows out) {
  double* const o0 = out.row[0] + start;
  double* const o1 = out.row[1] + start;
  double* const o2 = out.row[2] + start;
  double* const o3 = out.row[3] + start;
#pragma omp simd
  for (int i = 0; i < count; ++i) {
    const float_normals::Four z = float_normals::box_muller(
        words[0][i], words[1][i], words[2][i], words[3][i]);
    o0[i] = z.z0;
    o1[i] = z.z1;
    o2[i] = z.z2;
    o3[i] = z.z3;
  }
}

[[gnu::always_inline]] inline void float_normal_lanes_body(
    std::uint64_t first, std::uint32_t scenario, std::uint32_t stream,
    std::uint32_t call, std::uint64_t seed, int lanes, NormalRows out) {
  const auto key = philox32_key(seed);
  const std::uint32_t k0 = key[0], k1 = key[1];
  double* const o0 = out.row[0];
  double* const o1 = out.row[1];
  double* const o2 = out.row[2];
  double* const o3 = out.row[3];
#pragma omp simd
  for (int lane = 0; lane < lanes; ++lane) {
    const float_normals::Words w =
        float_normals::philox4x32_10(std::uint32_t(first + std::uint64_t(lane)),
                                     scenario, stream, call, k0, k1);
    const float_normals::Four z =
        float_normals::box_muller(w.w[0], w.w[1], w.w[2], w.w[3]);
    o0[lane] = z.z0;
    o1[lane] = z.z1;
    o2[lane] = z.z2;
    o3[lane] = z.z3;
  }
}

#ifdef __AVX2__
// float_normal_lanes_avx512's Philox (below) 8 lanes at a time with AVX2.
struct Product32x8 {
  __m256i high, low;
};
inline Product32x8 mulhilo32(__m256i x, __m256i m) {
  const __m256i even = _mm256_mul_epu32(x, m);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m);
  return {_mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA),
          _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA)};
}

void float_normal_lanes_default(std::uint64_t first, std::uint32_t scenario,
                                std::uint32_t stream, std::uint32_t call,
                                std::uint64_t seed, int lanes, NormalRows out) {
  constexpr int kChunk = 512;
  alignas(32) std::uint32_t words[4][kChunk];
  const auto key = philox32_key(seed);
  const __m256i m0 = _mm256_set1_epi32(int(PHILOX_M4x32_0));
  const __m256i m1 = _mm256_set1_epi32(int(PHILOX_M4x32_1));
  const __m256i offsets = _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0);
  for (int start = 0; start < lanes; start += kChunk) {
    const int count = std::min(kChunk, lanes - start);
    int lane = 0;
    for (; lane + 8 <= count; lane += 8) {
      __m256i c0 = _mm256_add_epi32(
          _mm256_set1_epi32(int(std::uint32_t(first + std::uint64_t(start) +
                                              std::uint64_t(lane)))),
          offsets);
      __m256i c1 = _mm256_set1_epi32(int(scenario));
      __m256i c2 = _mm256_set1_epi32(int(stream));
      __m256i c3 = _mm256_set1_epi32(int(call));
      std::uint32_t k0 = key[0], k1 = key[1];
      for (int round = 0; round < 10; ++round) {
        const Product32x8 p0 = mulhilo32(c0, m0);
        const Product32x8 p1 = mulhilo32(c2, m1);
        c0 = _mm256_xor_si256(_mm256_xor_si256(p1.high, c1),
                              _mm256_set1_epi32(int(k0)));
        c1 = p1.low;
        c2 = _mm256_xor_si256(_mm256_xor_si256(p0.high, c3),
                              _mm256_set1_epi32(int(k1)));
        c3 = p0.low;
        k0 += PHILOX_W32_0;
        k1 += PHILOX_W32_1;
      }
      _mm256_store_si256(reinterpret_cast<__m256i*>(words[0] + lane), c0);
      _mm256_store_si256(reinterpret_cast<__m256i*>(words[1] + lane), c1);
      _mm256_store_si256(reinterpret_cast<__m256i*>(words[2] + lane), c2);
      _mm256_store_si256(reinterpret_cast<__m256i*>(words[3] + lane), c3);
    }
    for (; lane < count; ++lane) {
      const float_normals::Words w = float_normals::philox4x32_10(
          std::uint32_t(first + std::uint64_t(start) + std::uint64_t(lane)),
          scenario, stream, call, key[0], key[1]);
      for (int j = 0; j < 4; ++j) words[j][lane] = w.w[j];
    }
    box_muller_rows(words, start, count, out);
  }
}
#else
void float_normal_lanes_default(std::uint64_t first, std::uint32_t scenario,
                                std::uint32_t stream, std::uint32_t call,
                                std::uint64_t seed, int lanes, NormalRows out) {
  float_normal_lanes_body(first, scenario, stream, call, seed, lanes, out);
}
#endif

#ifdef GROWTHCAST_AVX512
GROWTHCAST_AVX512_BEGIN

// The 32 x 32 -> 64-bit products x * m of 16 lanes as their high and low
// halves: vpmuludq multiplies the even 32-bit lanes (and, shifted, the odd
// ones) into 64 bits, and the halves are blended back into place. GCC's
// own vectorisation of the scalar loop took about twice as long.
struct Product64 {
  __m512i high, low;
};
GROWTHCAST_TARGET_AVX512 inline Product64 mulhilo32(__m512i x, __m512i m) {
  const __m512i even = _mm512_mul_epu32(x, m);
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(x, 32), m);
  return {_mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd),
          _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32))};
}

// Philox4x32-10 (float_normals::philox4x32_10) for 16 counters
// {first + 0..15, c1, c2, c3} at a time, then the Box-Muller loop over the
// words; the tests compare it with RandomStream.
GROWTHCAST_TARGET_AVX512 void float_normal_lanes_avx512(
    std::uint64_t first, std::uint32_t scenario, std::uint32_t stream,
    std::uint32_t call, std::uint64_t seed, int lanes, NormalRows out) {
  constexpr int kChunk = 512;
  alignas(64) std::uint32_t words[4][kChunk];
  const auto key = philox32_key(seed);
  const __m512i m0 = _mm512_set1_epi32(int(PHILOX_M4x32_0));
  const __m512i m1 = _mm512_set1_epi32(int(PHILOX_M4x32_1));
  const __m512i offsets =
      _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  for (int start = 0; start < lanes; start += kChunk) {
    const int count = std::min(kChunk, lanes - start);
    int lane = 0;
    for (; lane + 16 <= count; lane += 16) {
      __m512i c0 = _mm512_add_epi32(
          _mm512_set1_epi32(int(std::uint32_t(first + std::uint64_t(start) +
                                              std::uint64_t(lane)))),
          offsets);
      __m512i c1 = _mm512_set1_epi32(int(scenario));
      __m512i c2 = _mm512_set1_epi32(int(stream));
      __m512i c3 = _mm512_set1_epi32(int(call));
      std::uint32_t k0 = key[0], k1 = key[1];
      for (int round = 0; round < 10; ++round) {
        const Product64 p0 = mulhilo32(c0, m0);
        const Product64 p1 = mulhilo32(c2, m1);
        c0 = _mm512_xor_si512(_mm512_xor_si512(p1.high, c1),
                              _mm512_set1_epi32(int(k0)));
        c1 = p1.low;
        c2 = _mm512_xor_si512(_mm512_xor_si512(p0.high, c3),
                              _mm512_set1_epi32(int(k1)));
        c3 = p0.low;
        k0 += PHILOX_W32_0;
        k1 += PHILOX_W32_1;
      }
      _mm512_store_si512(words[0] + lane, c0);
      _mm512_store_si512(words[1] + lane, c1);
      _mm512_store_si512(words[2] + lane, c2);
      _mm512_store_si512(words[3] + lane, c3);
    }
    for (; lane < count; ++lane) {
      const float_normals::Words w = float_normals::philox4x32_10(
          std::uint32_t(first + std::uint64_t(start) + std::uint64_t(lane)),
          scenario, stream, call, key[0], key[1]);
      for (int j = 0; j < 4; ++j) words[j][lane] = w.w[j];
    }
    box_muller_rows(words, start, count, out);
  }
}
GROWTHCAST_AVX512_END
#endif

}  // namespace

// float_normal_lanes_default by the fastest path this CPU has (`vectorise`
// false: the build's own code, for tests).
void float_normal_lanes(std::uint64_t first, std::uint32_t scenario,
                        std::uint32_t stream, std::uint32_t call,
                        std::uint64_t seed, int lanes, NormalRows out,
                        bool vectorise) {
#ifdef GROWTHCAST_AVX512
  if (vectorise) {
    float_normal_lanes_avx512(first, scenario, stream, call, seed, lanes, out);
    return;
  }
#else
  (void)vectorise;
#endif
  float_normal_lanes_default(first, scenario, stream, call, seed, lanes, out);
}

}  // namespace growthcast::montecarlo
