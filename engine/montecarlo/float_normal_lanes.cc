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
// 8 lanes of 32 bits with AVX2, for philox_lane_loop.inc.
namespace avx2 {
struct Lanes {
  using Vector = __m256i;
  static constexpr int kWidth = 8;
  [[gnu::always_inline]] static Vector broadcast(std::uint32_t x) {
    return _mm256_set1_epi32(int(x));
  }
  // {c, c + 1, .., c + 7}
  [[gnu::always_inline]] static Vector counters(std::uint32_t c) {
    return _mm256_add_epi32(broadcast(c),
                            _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0));
  }
  [[gnu::always_inline]] static Vector xor3(Vector a, Vector b, Vector c) {
    return _mm256_xor_si256(_mm256_xor_si256(a, b), c);
  }
  // The 32 x 32 -> 64-bit products x * m as their high and low halves:
  // vpmuludq multiplies the even 32-bit lanes (and, shifted, the odd ones)
  // into 64 bits, and the halves are blended back into place.
  [[gnu::always_inline]] static void mulhilo(Vector x, Vector m, Vector& high,
                                             Vector& low) {
    const Vector even = _mm256_mul_epu32(x, m);
    const Vector odd = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m);
    high = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    low = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  }
  [[gnu::always_inline]] static void store(std::uint32_t* to, Vector v) {
    _mm256_store_si256(reinterpret_cast<Vector*>(to), v);
  }
};
#define GROWTHCAST_LANE_TARGET
#include "montecarlo/philox_lane_loop.inc"
#undef GROWTHCAST_LANE_TARGET
}  // namespace avx2

void float_normal_lanes_default(std::uint64_t first, std::uint32_t scenario,
                                std::uint32_t stream, std::uint32_t call,
                                std::uint64_t seed, int lanes, NormalRows out) {
  avx2::philox_normals(first, scenario, stream, call, seed, lanes, out);
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
// 16 lanes of 32 bits with AVX-512, as avx2::Lanes (GCC's own
// vectorisation of the scalar loop took about twice as long).
namespace avx512 {
struct Lanes {
  using Vector = __m512i;
  static constexpr int kWidth = 16;
  [[gnu::always_inline]] GROWTHCAST_TARGET_AVX512 static Vector broadcast(
      std::uint32_t x) {
    return _mm512_set1_epi32(int(x));
  }
  [[gnu::always_inline]] GROWTHCAST_TARGET_AVX512 static Vector counters(
      std::uint32_t c) {
    return _mm512_add_epi32(
        broadcast(c),
        _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
  }
  [[gnu::always_inline]] GROWTHCAST_TARGET_AVX512 static Vector xor3(Vector a,
                                                                     Vector b,
                                                                     Vector c) {
    return _mm512_xor_si512(_mm512_xor_si512(a, b), c);
  }
  [[gnu::always_inline]] GROWTHCAST_TARGET_AVX512 static void mulhilo(
      Vector x, Vector m, Vector& high, Vector& low) {
    const Vector even = _mm512_mul_epu32(x, m);
    const Vector odd = _mm512_mul_epu32(_mm512_srli_epi64(x, 32), m);
    high = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
    low = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
  }
  [[gnu::always_inline]] GROWTHCAST_TARGET_AVX512 static void store(
      std::uint32_t* to, Vector v) {
    _mm512_store_si512(to, v);
  }
};
#define GROWTHCAST_LANE_TARGET GROWTHCAST_TARGET_AVX512
#include "montecarlo/philox_lane_loop.inc"
#undef GROWTHCAST_LANE_TARGET
}  // namespace avx512
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
    avx512::philox_normals(first, scenario, stream, call, seed, lanes, out);
    return;
  }
#else
  (void)vectorise;
#endif
  float_normal_lanes_default(first, scenario, stream, call, seed, lanes, out);
}

}  // namespace growthcast::montecarlo
