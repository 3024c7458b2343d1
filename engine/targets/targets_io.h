// The solved targets in a forecast result file: /forecast/targets
// (docs/hdf5-layout.md), written through the store's ResultFile.
#pragma once

#include <vector>

#include "common/error.h"
#include "montecarlo/runner.h"
#include "store/result_file.h"
#include "targets/solve.h"

namespace growthcast::targets {

// targets[k] are the targets of runs[k] (empty for a scenario without);
// writes nothing when no scenario has any.
Status write_targets(store::ResultFile& f,
                     const std::vector<montecarlo::ScenarioForecast>& runs,
                     const std::vector<std::vector<TargetResult>>& targets);

// The Monte Carlo median of the target's outcome (the run's 0.5 quantile).
double median_outcome(const montecarlo::ScenarioForecast& run,
                      const TargetResult& r);

}  // namespace growthcast::targets
