// Writes the runs' kept paths ([cell][draw] in memory) into one variable's
// chunked paths dataset [scenario, draw, region, year], block by block.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "montecarlo/runner.h"
#include "store/result_file.h"

namespace growthcast::store {

// Draws per block: the dataset's chunk length along draw.
inline constexpr std::size_t kPathsDrawBlock = 1000;

// Writes every block of `dataset` (created with chunks [1, kPathsDrawBlock,
// units, years]) for variable `variable`: NaN where a run has no paths,
// fewer draws or does not report a region. `units` and `years` are the
// dataset's axes.
Status write_paths(ResultFile& file, const std::string& dataset,
                   const std::vector<montecarlo::ScenarioForecast>& runs,
                   int variable, const std::vector<std::string>& units,
                   const std::vector<std::int32_t>& years,
                   std::int64_t max_draws);

// Where a run's cell of one variable sits in a [unit][year] row of the
// file: `at` = unit * years + year, on the file's unit and year axes.
struct CellPosition {
  std::size_t cell, at;
};
// Every (unit, year) cell of `run` for `variable`, in the run's unit then
// year order.
std::vector<CellPosition> cell_positions(
    const montecarlo::ScenarioForecast& run, int variable,
    const std::vector<std::string>& units,
    const std::vector<std::int32_t>& years);

// One block's transpose, exposed for its test: block[d * width + at] =
// paths[cell * stride + first + d] for d < have and every (cell, at) of
// targets; the rest of block is left as it was.
void transpose_paths_block(const double* paths, std::size_t stride,
                           std::size_t first, std::size_t have,
                           const std::vector<CellPosition>& targets,
                           std::size_t width, double* block);

}  // namespace growthcast::store
