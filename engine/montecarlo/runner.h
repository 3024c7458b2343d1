// The Monte Carlo runner: draws in fixed blocks spread over OpenMP threads,
// each draw keyed by (seed, scenario index, draw index), reduced in block
// order, so results do not depend on the number of threads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/cancel.h"
#include "common/error.h"
#include "montecarlo/bulk_values.h"
#include "montecarlo/projection.h"
#include "montecarlo/quantiles.h"

namespace growthcast::montecarlo {

struct RunOptions {
  int threads = 0;  // 0: OpenMP's default
  // Exact quantiles need draws x cells x 8 bytes; above this a streaming
  // histogram is used.
  std::size_t exact_memory_bytes = std::size_t(1) << 30;
  // The streaming mode's statistics (the pilot's values, the slot counts
  // of every thread, the sums per chunk) take about this much at most: a
  // forecast with more cells takes them in tiles of cells (whole
  // [variable][unit] rows), each tile a pass over all draws that keeps only
  // its cells' statistics. Every cell's result is the same bits whatever
  // the tiles.
  std::size_t streaming_memory_bytes = std::size_t(3) << 29;  // 1.5 GiB
  bool keep_paths = false;  // keep every draw (requires the exact mode)
  // Called with the fraction done, from the calling thread only.
  std::function<void(double)> progress;
  // Set from another thread to stop the run between chunks of draws:
  // run_scenario then returns cancelled() (common/cancel.h).
  const CancelFlag* cancel = nullptr;
};

struct ScenarioForecast {
  std::string name, file, text;
  std::vector<std::string> units;  // output regions, then groups
  std::vector<bool> is_group;
  std::vector<int> years;  // T+1..horizon
  std::int64_t draws = 0;
  std::uint64_t seed = 0;
  std::uint64_t scenario_index = 0;
  int random_stream = int(kDefaultStreamVersion);  // StreamVersion
  bool parameter_uncertainty = true, shock_uncertainty = true;
  std::int64_t parameter_redraws = 0;
  bool exact = true;
  std::string quantile_method;
  std::int64_t uncertified_quantiles = 0;  // streaming: resolved exactly
  // Conditioning (conditioning.h): the years every reported region's GDP
  // is pinned to outturns, the outturns file, and the scenario's own pins,
  // one line each "unit<TAB>year<TAB>level|growth<TAB>value" (empty
  // without).
  std::vector<int> outturn_years;
  std::string outturns_file;
  std::string conditions;
  // The variables reported (ProjectionSetup::outputs), ascending: only
  // these have cells.
  std::vector<int> variables = all_variables();
  // [cell][quantile], [cell]; cell = cell(var, unit, h).
  std::vector<double> quantiles, mean, sd;
  DrawValues paths;  // [cell][draw] when kept
  int cells() const {
    return int(units.size() * years.size() * variables.size());
  }
  // The position of a variable among `variables`, or -1 when not reported.
  int slot(int variable) const {
    for (std::size_t i = 0; i < variables.size(); ++i)
      if (variables[i] == variable) return int(i);
    return -1;
  }
  bool reports(int variable) const { return slot(variable) >= 0; }
  // Cell index of (variable, unit, h); the variable must be reported.
  int cell(int variable, int unit, int h) const {
    return (slot(variable) * int(units.size()) + unit) * int(years.size()) + h;
  }
};

Result<ScenarioForecast> run_scenario(const ProjectionSetup& setup,
                                      const scenario::Scenario& scenario,
                                      std::uint64_t scenario_index,
                                      std::int64_t draws, std::uint64_t seed,
                                      const RunOptions& options);

}  // namespace growthcast::montecarlo
