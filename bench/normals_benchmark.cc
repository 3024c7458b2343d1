// Nanoseconds per standard normal of each random stream version (issue 20,
// "Cheaper normals"): the block path as the simulator calls it (512 draws x
// 32 normals of the shock stream, in rows) and RandomStream one normal at a
// time. Items per second are normals. bench/README.md has the figures.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "montecarlo/philox_lanes.h"
#include "montecarlo/random_stream.h"

namespace {

using growthcast::montecarlo::Stream;
using growthcast::montecarlo::StreamVersion;

void BM_BlockNormals(benchmark::State& state) {
  const auto version = StreamVersion(state.range(0));
  constexpr int kLanes = 512, kCount = 32;
  std::vector<double> rows(std::size_t(kLanes) * kCount);
  std::uint64_t first = 0;
  for (auto _ : state) {
    growthcast::montecarlo::block_normals(version, 3, 0, first, Stream::shocks,
                                          0, kCount, rows.data(), kLanes,
                                          kLanes);
    benchmark::DoNotOptimize(rows.data());
    benchmark::ClobberMemory();
    first += kLanes;
  }
  state.SetItemsProcessed(state.iterations() * kLanes * kCount);
}
BENCHMARK(BM_BlockNormals)->ArgName("version")->Arg(1)->Arg(2);

// Version 2's lanes by the build's own instruction set (AVX2 in an
// x86-64-v3 build; argument 0) and by AVX-512 where the CPU has it (1).
void BM_Version2Lanes(benchmark::State& state) {
  const bool avx512 = state.range(0) != 0;
  if (avx512 && !growthcast::montecarlo::philox_uniforms_vectorised()) {
    state.SkipWithError("no AVX-512 on this CPU");
    return;
  }
  constexpr int kLanes = 512, kCalls = 8;
  std::vector<double> rows(std::size_t(kLanes) * 4);
  std::uint64_t first = 0;
  for (auto _ : state) {
    for (std::uint32_t c = 0; c < kCalls; ++c)
      growthcast::montecarlo::float_normal_lanes(
          first, 0, std::uint32_t(Stream::shocks), c, 3, kLanes,
          {{rows.data(), rows.data() + kLanes, rows.data() + 2 * kLanes,
            rows.data() + 3 * kLanes}},
          avx512);
    benchmark::DoNotOptimize(rows.data());
    benchmark::ClobberMemory();
    first += kLanes;
  }
  state.SetItemsProcessed(state.iterations() * kLanes * kCalls * 4);
}
BENCHMARK(BM_Version2Lanes)->ArgName("avx512")->Arg(0)->Arg(1);

void BM_RandomStreamNormals(benchmark::State& state) {
  const auto version = StreamVersion(state.range(0));
  std::uint64_t draw = 0;
  constexpr int kCount = 32;
  for (auto _ : state) {
    growthcast::montecarlo::RandomStream stream(3, 0, draw++, Stream::shocks,
                                                version);
    double sum = 0;
    for (int i = 0; i < kCount; ++i) sum += stream.normal();
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kCount);
}
BENCHMARK(BM_RandomStreamNormals)->ArgName("version")->Arg(1)->Arg(2);

}  // namespace

BENCHMARK_MAIN();
