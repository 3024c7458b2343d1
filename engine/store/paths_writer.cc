#include "store/paths_writer.h"

#include <omp.h>

#include <algorithm>
#include <future>
#include <limits>

#include "common/lanes.h"

namespace growthcast::store {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Four cells' rows of four draws in, four draws' rows of four cells out: a
// 4 x 4 transpose in registers (two rounds of shuffles).
void transpose_4x4(const double* const row[4], std::size_t d, double* out,
                   std::size_t width) {
  const Lanes a = load_lanes(row[0] + d), b = load_lanes(row[1] + d),
              c = load_lanes(row[2] + d), e = load_lanes(row[3] + d);
  const Lanes ab_even = __builtin_shufflevector(a, b, 0, 4, 2, 6);
  const Lanes ab_odd = __builtin_shufflevector(a, b, 1, 5, 3, 7);
  const Lanes ce_even = __builtin_shufflevector(c, e, 0, 4, 2, 6);
  const Lanes ce_odd = __builtin_shufflevector(c, e, 1, 5, 3, 7);
  store_lanes(out, __builtin_shufflevector(ab_even, ce_even, 0, 1, 4, 5));
  store_lanes(out + width, __builtin_shufflevector(ab_odd, ce_odd, 0, 1, 4, 5));
  store_lanes(out + 2 * width,
              __builtin_shufflevector(ab_even, ce_even, 2, 3, 6, 7));
  store_lanes(out + 3 * width,
              __builtin_shufflevector(ab_odd, ce_odd, 2, 3, 6, 7));
}

}  // namespace

std::vector<CellPosition> cell_positions(
    const montecarlo::ScenarioForecast& run, int variable,
    const std::vector<std::string>& units,
    const std::vector<std::int32_t>& years) {
  std::vector<CellPosition> positions;
  for (std::size_t u = 0; u < run.units.size(); ++u) {
    const auto uu = std::size_t(
        std::find(units.begin(), units.end(), run.units[u]) - units.begin());
    for (std::size_t h = 0; h < run.years.size(); ++h) {
      const auto yy = std::size_t(
          std::find(years.begin(), years.end(), run.years[h]) - years.begin());
      positions.push_back({std::size_t(run.cell(variable, int(u), int(h))),
                           uu * years.size() + yy});
    }
  }
  return positions;
}

void transpose_paths_block(const double* paths, std::size_t stride,
                           std::size_t first, std::size_t have,
                           const std::vector<CellPosition>& targets,
                           std::size_t width, double* block) {
  std::size_t i = 0;
  while (i < targets.size()) {
    const CellPosition& t = targets[i];
    bool quad = i + 4 <= targets.size();
    for (std::size_t j = 1; quad && j < 4; ++j)
      quad = targets[i + j].cell == t.cell + j && targets[i + j].at == t.at + j;
    if (quad) {
      // Four cells that sit side by side in both layouts: four draws at a
      // time through the register transpose, so each draw's row gets 32
      // contiguous bytes per store instead of four scattered doubles.
      const double* row[4];
      for (std::size_t j = 0; j < 4; ++j)
        row[j] = paths + (t.cell + j) * stride + first;
      std::size_t d = 0;
      for (; d + 4 <= have; d += 4)
        transpose_4x4(row, d, block + d * width + t.at, width);
      for (; d < have; ++d)
        for (std::size_t j = 0; j < 4; ++j)
          block[d * width + t.at + j] = row[j][d];
      i += 4;
    } else {
      const double* from = paths + t.cell * stride + first;
      for (std::size_t d = 0; d < have; ++d) block[d * width + t.at] = from[d];
      ++i;
    }
  }
}

Status write_paths(ResultFile& file, const std::string& dataset,
                   const std::vector<montecarlo::ScenarioForecast>& runs,
                   int variable, const std::vector<std::string>& units,
                   const std::vector<std::int32_t>& years,
                   std::int64_t max_draws) {
  const std::size_t U = units.size(), Y = years.size(), width = U * Y;
  // Where each run's cells of this variable go in a draw's row.
  std::vector<std::vector<CellPosition>> targets;
  for (const auto& run : runs)
    targets.push_back(cell_positions(run, variable, units, years));
  // Every block of every scenario, in file order.
  struct Block {
    std::size_t run, first, count;
  };
  std::vector<Block> blocks;
  for (std::size_t k = 0; k < runs.size(); ++k)
    for (std::size_t d0 = 0; d0 < std::size_t(max_draws); d0 += kPathsDrawBlock)
      blocks.push_back(
          {k, d0, std::min(kPathsDrawBlock, std::size_t(max_draws) - d0)});

  std::vector<double> buffers[2];
  auto fill = [&](std::size_t b) {
    const Block& block = blocks[b];
    const auto& run = runs[block.run];
    const std::size_t run_draws =
        run.paths.empty() ? 0 : std::size_t(run.draws);
    const std::size_t have =
        block.first < run_draws ? std::min(block.count, run_draws - block.first)
                                : 0;
    std::vector<double>& buffer = buffers[b % 2];
    buffer.resize(block.count * width);
    if (have < block.count || targets[block.run].size() < width)
      std::fill(buffer.begin(), buffer.end(), kNaN);
    transpose_paths_block(run.paths.data(), run_draws, block.first, have,
                          targets[block.run], width, buffer.data());
  };
  // The next block is transposed on another core while this one is written
  // (HDF5 is called from this thread only); a pure copy, so the bytes do not
  // depend on it.
  const auto policy =
      omp_get_max_threads() > 1 ? std::launch::async : std::launch::deferred;
  std::future<void> next;
  if (!blocks.empty()) next = std::async(policy, fill, std::size_t(0));
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    next.get();
    if (b + 1 < blocks.size()) next = std::async(policy, fill, b + 1);
    const Block& block = blocks[b];
    if (auto s = file.write_block(dataset, {block.run, block.first, 0, 0},
                                  {1, block.count, U, Y}, buffers[b % 2]);
        !s)
      return s;  // `next` joins its transpose before the buffers go
    file.start_writeback();
  }
  return ok();
}

}  // namespace growthcast::store
