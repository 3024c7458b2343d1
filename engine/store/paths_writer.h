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

// One block's transpose, exposed for its test: block[d * width + at] =
// paths[cell * stride + first + d] for d < have and every (cell, at) of
// targets; the rest of block is left as it was.
struct PathsTarget {
  std::size_t cell, at;
};
void transpose_paths_block(const double* paths, std::size_t stride,
                           std::size_t first, std::size_t have,
                           const std::vector<PathsTarget>& targets,
                           std::size_t width, double* block);

}  // namespace growthcast::store
