// Stream version 2's normals many draws at a time (philox_lanes.h), the
// loop compiled for the build's instruction set and for AVX-512. Compiled
// with -fno-math-errno so that the square root vectorises; every operation
// is exactly rounded, so both give RandomStream's bits (tested).
#include <cstdint>

#include "common/avx512.h"
#include "montecarlo/float_normals.h"
#include "montecarlo/philox_lanes.h"
#include "montecarlo/random_stream.h"

namespace growthcast::montecarlo {
namespace {

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

void float_normal_lanes_default(std::uint64_t first, std::uint32_t scenario,
                                std::uint32_t stream, std::uint32_t call,
                                std::uint64_t seed, int lanes, NormalRows out) {
  float_normal_lanes_body(first, scenario, stream, call, seed, lanes, out);
}

#ifdef GROWTHCAST_AVX512
GROWTHCAST_TARGET_AVX512 void float_normal_lanes_avx512(
    std::uint64_t first, std::uint32_t scenario, std::uint32_t stream,
    std::uint32_t call, std::uint64_t seed, int lanes, NormalRows out) {
  float_normal_lanes_body(first, scenario, stream, call, seed, lanes, out);
}
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
