# The instruction set growthcast is compiled for (GROWTHCAST_ARCH, passed as
# -march). The Monte Carlo kernels are vector code whose speed depends on it:
# x86-64-v3 (AVX2 + FMA) runs them about 1.5x faster than the x86-64 baseline
# (bench/README.md). Default: x86-64-v3 when this machine has AVX2, FMA and
# BMI2, else the compiler's default. "native" and "" (the compiler's default)
# are accepted too.
#
# The engine's libraries pass -march on to whatever links them (installed
# targets too): mixing instruction sets changes Eigen's alignment and so the
# layout of types shared across the boundary.
#
# Results are bit-identical for one build across threads, MPI ranks and
# shards. Builds for different instruction sets may differ in the last bits
# (vector maths and fused multiply-add), so a cluster job should run one
# build everywhere: built for the oldest CPU it will meet.
include(CheckCXXCompilerFlag)
if(NOT DEFINED GROWTHCAST_ARCH)
  set(arch_default "")
  check_cxx_compiler_flag(-march=x86-64-v3 growthcast_compiler_has_v3)
  if(growthcast_compiler_has_v3)
    try_run(growthcast_host_v3_run growthcast_host_v3_compiled
      SOURCE_FROM_CONTENT host_v3.cc [[
int main() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                 __builtin_cpu_supports("bmi2")
             ? 0
             : 1;
}
]])
    if(growthcast_host_v3_compiled AND growthcast_host_v3_run EQUAL 0)
      set(arch_default x86-64-v3)
    endif()
  endif()
  set(GROWTHCAST_ARCH "${arch_default}" CACHE STRING
      "-march for growthcast (x86-64-v3 by default where the build machine has it; empty: the compiler's default)")
endif()
if(GROWTHCAST_ARCH)
  add_compile_options(-march=${GROWTHCAST_ARCH})
endif()
message(STATUS "growthcast: instruction set ${GROWTHCAST_ARCH}")
