// AVX-512 kernels compiled into builds for AVX2 and FMA and chosen at run
// time where the CPU has AVX-512 (F, DQ, VL): a build for x86-64-v3 still
// runs on any AVX2 machine, and each kernel gives the same bits as its
// AVX2 and scalar versions, so the choice never changes a result.
#pragma once

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#define GROWTHCAST_AVX512 1
// The attribute of every AVX-512 kernel.
#define GROWTHCAST_TARGET_AVX512 \
  __attribute__((target("avx512f,avx512dq,avx512vl")))
// Around AVX-512 kernels: GCC 12's intrinsics start from
// _mm512_undefined_*() values and are reported as reading them
// uninitialized where they are inlined (GCC bug 105593). clang (the fuzz
// build) has neither the bug nor the warning, and warns of the unknown
// warning group instead.
#if defined(__clang__)
#define GROWTHCAST_AVX512_BEGIN
#define GROWTHCAST_AVX512_END
#else
#define GROWTHCAST_AVX512_BEGIN  \
  _Pragma("GCC diagnostic push") \
      _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"")
#define GROWTHCAST_AVX512_END _Pragma("GCC diagnostic pop")
#endif
#endif

namespace growthcast {

// Whether this build has the AVX-512 kernels and this CPU can run them.
inline bool cpu_has_avx512() {
#ifdef GROWTHCAST_AVX512
  static const bool has = __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512dq") &&
                          __builtin_cpu_supports("avx512vl");
  return has;
#else
  return false;
#endif
}

}  // namespace growthcast
