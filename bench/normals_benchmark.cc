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
