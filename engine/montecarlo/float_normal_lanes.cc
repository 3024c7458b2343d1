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

// Philox4x32-10 (float_normals::philox4x32_10) for Lanes::kWidth counters
// {first + 0 .. kWidth - 1, c1, c2, c3} at a time, then the Box-Muller loop
// over the words; the tests compare it with RandomStream. `Lanes` is a
// vector of 32-bit words (Avx2Lanes, Avx512Lanes below) with the operations
// the rounds need. The template itself is compiled for the build's target,
// so its AVX-512 instantiation must never run as a function of its own: an
// AVX-512 vector passed from it to Avx512Lanes would take another ABI
// (what -Wpsabi warns of, silenced here; at -O0 the values came out wrong).
// It is always inlined into its kernel, so at every optimisation level the
// lane operations are called from AVX-512 code, and the kernels are
// [[gnu::flatten]] so that from -O1 on those calls are inlined as well.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
template <class Lanes>
[[gnu::always_inline]] inline void philox_lanes_box_muller(
    std::uint64_t first, std::uint32_t scenario, std::uint32_t stream,
    std::uint32_t call, std::uint64_t seed, int lanes, NormalRows out) {
  using Vector = typename Lanes::Vector;
  constexpr int kWidth = Lanes::kWidth;
  constexpr int kChunk = 512;
  alignas(Vector) std::uint32_t words[4][kChunk];
  const auto key = philox32_key(seed);
  const Vector m0 = Lanes::set1(PHILOX_M4x32_0);
  const Vector m1 = Lanes::set1(PHILOX_M4x32_1);
  const Vector offsets = Lanes::offsets();
  for (int start = 0; start < lanes; start += kChunk) {
    const int count = std::min(kChunk, lanes - start);
    int lane = 0;
    for (; lane + kWidth <= count; lane += kWidth) {
      Vector c0 =
          Lanes::add(Lanes::set1(std::uint32_t(first + std::uint64_t(start) +
                                               std::uint64_t(lane))),
                     offsets);
      Vector c1 = Lanes::set1(scenario);
      Vector c2 = Lanes::set1(stream);
      Vector c3 = Lanes::set1(call);
      std::uint32_t k0 = key[0], k1 = key[1];
      for (int round = 0; round < 10; ++round) {
        const auto p0 = Lanes::mulhilo(c0, m0);
        const auto p1 = Lanes::mulhilo(c2, m1);
        c0 = Lanes::xor3(p1.high, c1, Lanes::set1(k0));
        c1 = p1.low;
        c2 = Lanes::xor3(p0.high, c3, Lanes::set1(k1));
        c3 = p0.low;
        k0 += PHILOX_W32_0;
        k1 += PHILOX_W32_1;
      }
      Lanes::store(words[0] + lane, c0);
      Lanes::store(words[1] + lane, c1);
      Lanes::store(words[2] + lane, c2);
      Lanes::store(words[3] + lane, c3);
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
#pragma GCC diagnostic pop

#ifdef __AVX2__
// Eight 32-bit lanes with AVX2. mulhilo: the 32 x 32 -> 64-bit products
// x * m as their high and low halves: vpmuludq multiplies the even 32-bit
// lanes (and, shifted, the odd ones) into 64 bits, and the halves are
// blended back into place. GCC's own vectorisation of the scalar loop took
// about twice as long.
struct Avx2Lanes {
  using Vector = __m256i;
  static constexpr int kWidth = 8;
  struct Product {
    Vector high, low;
  };
  static Vector set1(std::uint32_t x) { return _mm256_set1_epi32(int(x)); }
  static Vector offsets() { return _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0); }
  static Vector add(Vector a, Vector b) { return _mm256_add_epi32(a, b); }
  static Vector xor3(Vector a, Vector b, Vector c) {
    return _mm256_xor_si256(_mm256_xor_si256(a, b), c);
  }
  static Product mulhilo(Vector x, Vector m) {
    const Vector even = _mm256_mul_epu32(x, m);
    const Vector odd = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m);
    return {_mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA),
            _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA)};
  }
  static void store(std::uint32_t* p, Vector v) {
    _mm256_store_si256(reinterpret_cast<Vector*>(p), v);
  }
};

[[gnu::flatten]] void float_normal_lanes_default(
    std::uint64_t first, std::uint32_t scenario, std::uint32_t stream,
    std::uint32_t call, std::uint64_t seed, int lanes, NormalRows out) {
  philox_lanes_box_muller<Avx2Lanes>(first, scenario, stream, call, seed, lanes,
                                     out);
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

// Avx2Lanes with 16 lanes in AVX-512 registers.
struct Avx512Lanes {
  using Vector = __m512i;
  static constexpr int kWidth = 16;
  struct Product {
    Vector high, low;
  };
  GROWTHCAST_TARGET_AVX512 static Vector set1(std::uint32_t x) {
    return _mm512_set1_epi32(int(x));
  }
  GROWTHCAST_TARGET_AVX512 static Vector offsets() {
    return _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1,
                            0);
  }
  GROWTHCAST_TARGET_AVX512 static Vector add(Vector a, Vector b) {
    return _mm512_add_epi32(a, b);
  }
  GROWTHCAST_TARGET_AVX512 static Vector xor3(Vector a, Vector b, Vector c) {
    return _mm512_xor_si512(_mm512_xor_si512(a, b), c);
  }
  GROWTHCAST_TARGET_AVX512 static Product mulhilo(Vector x, Vector m) {
    const Vector even = _mm512_mul_epu32(x, m);
    const Vector odd = _mm512_mul_epu32(_mm512_srli_epi64(x, 32), m);
    return {_mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd),
            _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32))};
  }
  GROWTHCAST_TARGET_AVX512 static void store(std::uint32_t* p, Vector v) {
    _mm512_store_si512(p, v);
  }
};

GROWTHCAST_TARGET_AVX512 [[gnu::flatten]] void float_normal_lanes_avx512(
    std::uint64_t first, std::uint32_t scenario, std::uint32_t stream,
    std::uint32_t call, std::uint64_t seed, int lanes, NormalRows out) {
  philox_lanes_box_muller<Avx512Lanes>(first, scenario, stream, call, seed,
                                       lanes, out);
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
