// Nanoseconds per value of the streaming histogram's counting (issue 20,
// "all variables"): StreamingHistogram::add as count_draws calls it, a row
// of one block's 256 draws per cell, each value's slot computed and
// counted into 16-bit counts, with or without the row's moments, by each
// path. Items per second are values counted. Two sizes: one cell, whose
// row, table and counts stay in L1 (the counting's own cost), and the 315
// cells of one projection year of the 31-region run of all variables (9
// variables x 35 units), whose rows (630 KB) sit in L2 as the kernel
// leaves them and whose counts come from L3. Each cell is placed as the
// runner places it: from a pilot of 8,192 normal draws, its quantiles at
// pilot_levels() and its mean. bench/README.md has the figures.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "montecarlo/projection.h"
#include "montecarlo/quantiles.h"

namespace {

using growthcast::montecarlo::exact_quantiles;
using growthcast::montecarlo::kBlockDraws;
using growthcast::montecarlo::RowMoments;
using growthcast::montecarlo::StreamingHistogram;

struct Cells {
  StreamingHistogram histogram;
  std::vector<double> rows;  // [cell][kBlockDraws]
  std::vector<std::uint16_t> counts;

  explicit Cells(int cells) : histogram(cells) {
    constexpr std::int64_t kPilot = 8192;
    std::mt19937_64 random(7);
    std::normal_distribution<double> normal;
    const auto levels = StreamingHistogram::pilot_levels(kPilot);
    std::vector<double> pilot(kPilot), at(levels.size());
    rows.resize(std::size_t(cells) * kBlockDraws);
    for (int c = 0; c < cells; ++c) {
      // Cells of different levels and spreads, as the variables' are.
      const double mean = 100.0 + c, sd = 1.0 + 0.01 * (c % 50);
      double sum = 0.0;
      for (double& x : pilot) sum += x = mean + sd * normal(random);
      exact_quantiles(pilot.data(), kPilot, levels, at.data());
      histogram.place(c, pilot.data(), kPilot, at.data(), sum / kPilot);
      for (int d = 0; d < kBlockDraws; ++d)
        rows[std::size_t(c) * kBlockDraws + std::size_t(d)] =
            mean + sd * normal(random);
    }
    histogram.finish_placing();
    counts.assign(histogram.total_slots(), 0);
  }
};

// Arguments: path (0 scalar, 1 AVX2, 2 AVX-512), moments (0/1), cells.
void BM_Counting(benchmark::State& state) {
  const auto path = StreamingHistogram::Path(state.range(0));
  const bool moments = state.range(1) != 0;
  const int cells = int(state.range(2));
  if (!StreamingHistogram::available(path)) {
    state.SkipWithError("this build or CPU has no such path");
    return;
  }
  Cells data(cells);
  const StreamingHistogram& h = data.histogram;
  std::vector<RowMoments> sums(static_cast<std::size_t>(cells));
  std::int64_t rounds = 0;
  for (auto _ : state) {
    // 16-bit counts hold 255 rounds of 256 values in one slot.
    if (++rounds % 255 == 0)
      std::fill(data.counts.begin(), data.counts.end(), std::uint16_t(0));
    for (int c = 0; c < cells; ++c) {
      RowMoments& m = sums[std::size_t(c)];
      h.add_using(path, data.counts.data(), c,
                  data.rows.data() + std::size_t(c) * kBlockDraws, kBlockDraws,
                  c + 1 < cells ? c + 1 : -1, moments ? &m : nullptr);
    }
    benchmark::DoNotOptimize(data.counts.data());
    benchmark::DoNotOptimize(sums.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * cells * kBlockDraws);
}
BENCHMARK(BM_Counting)
    ->ArgNames({"path", "moments", "cells"})
    ->ArgsProduct({{0, 1, 2}, {0, 1}, {1, 315}});

}  // namespace

BENCHMARK_MAIN();
