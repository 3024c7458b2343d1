// The Monte Carlo of a forecast's scenarios, for the command line
// (cli/forecast_command.cc) and the Python module (python/core.cc) alike:
// the checks before any work, the outturns, each scenario's setup
// conditioned on them with its policy targets checked, then per scenario
// the targets solved, the run, and the draws reaching each target.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "calibrate/calibration.h"
#include "common/error.h"
#include "montecarlo/conditioning.h"
#include "montecarlo/runner.h"
#include "scenario/scenario.h"
#include "targets/solve.h"

namespace growthcast::pipeline {

// Every scenario fits the calibration's regions and last data year, and no
// two share a name (names must be unique within one result).
Status check_forecast_scenarios(
    const calibrate::CalibrationResult& cal,
    const std::vector<scenario::Scenario>& scenarios);

// The scenarios of one forecast made ready to run.
struct PreparedForecast {
  // One per scenario, conditioned on its outturns.
  std::vector<montecarlo::ProjectionSetup> setups;
  // Per scenario, the outturns file it is conditioned on (empty: none).
  std::vector<std::string> outturn_files;
  // Each outturns file, read once; `outturn_inputs` lists them in the
  // order the scenarios first name them.
  std::map<std::string, montecarlo::ObservedGdp> observed;
  std::vector<std::string> outturn_inputs;
};

// Reads the outturns (`outturns` when not empty, else each scenario's own
// `outturns` key, where an unreadable file is reported at that line) and
// makes each scenario's setup with `groups`, conditioned on its outturns,
// its targets checked: every input read and checked before any work.
Result<PreparedForecast> prepare_forecast(
    const calibrate::CalibrationResult& cal,
    const std::vector<scenario::Scenario>& scenarios,
    const std::vector<montecarlo::Group>& groups, const std::string& outturns);

struct ForecastRuns {
  std::vector<montecarlo::ScenarioForecast> runs;
  // Per scenario, its solved targets (empty without [[targets]]).
  std::vector<std::vector<targets::TargetResult>> targets;
};

// Runs the prepared scenarios in order, scenario k with index k: its
// targets solved (the instrument paths that meet them replace the
// scenario's), `draws` draws (else the scenario's) from `seed` (else the
// scenario's) with `options`, then the draws reaching each target counted.
// `progress(k, fraction)`, when given, follows scenario k's run and is
// called with fraction 1 when it is done.
Result<ForecastRuns> run_forecast(
    const calibrate::CalibrationResult& cal,
    const std::vector<scenario::Scenario>& scenarios,
    PreparedForecast& prepared, std::optional<std::int64_t> draws,
    std::optional<std::uint64_t> seed, const montecarlo::RunOptions& options,
    const std::function<void(std::size_t, double)>& progress = {});

}  // namespace growthcast::pipeline
