// Policy targets solved for an instrument (docs/targets.md): for each
// [[targets]] entry of a scenario, the level L of a driver ramp (from each
// instrument region's baseline in the last data year T to L in year `by`,
// then held) that puts the target unit's GDP in the target year on the
// target, on the central path; then, after the Monte Carlo with that path,
// the share of draws that reach the target.
//
// The central path is the projection at the calibration's estimates with
// every shock innovation zero (the AR(1) level shock decays from its last
// residual, as in every draw) and every drawn driver target at its centre:
// one deterministic draw of the scenario with parameter, shock and driver
// uncertainty switched off. It is close to, but not the same as, the Monte
// Carlo median.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "calibrate/calibration.h"
#include "common/error.h"
#include "montecarlo/projection.h"
#include "scenario/scenario.h"

namespace growthcast::targets {

// Targets are met to this relative tolerance: |Y / target - 1| <= kTolerance
// on the central path, else the target is reported unreachable.
inline constexpr double kTolerance = 1e-6;

// An observed GDP of a unit (region or group) in a year after the panel's
// last year, when one is known (outturns): a ratio's or growth's base year
// then takes it instead of the central path's value. nullopt: not observed.
using ObservedGdp =
    std::function<std::optional<double>(const std::string& unit, int year)>;

struct TargetResult {
  scenario::TargetSpec spec;
  int unit = 0;  // the target unit's index among the setup's units
  // The base year's GDP (ratio and growth; NaN for level) and where it came
  // from: "panel", "outturn" or "central path".
  double base_value = 0.0;
  std::string base_source;
  double target_value = 0.0;   // the GDP level to reach
  double level = 0.0;          // the solved ramp level L
  double central_value = 0.0;  // the outcome on the central path at L
  bool reachable = false;      // |central / target - 1| <= kTolerance
  std::string bound;           // "lower" or "upper" when L sits on one
  int solver_iterations = 0;
  std::string solver_termination;
  // Per instrument region (indices into setup.regions), the driver's value
  // in each projection year T+1..horizon.
  std::vector<int> path_regions;
  std::vector<std::vector<double>> path;
  // After the Monte Carlo (count_reaching).
  std::int64_t draws = 0, draws_reaching = 0;
  double probability() const {
    return draws > 0 ? double(draws_reaching) / double(draws) : 0.0;
  }
};

// The checks of a scenario's targets against the data and projection:
// the unit is a region or group the scenario reports, the years lie in the
// projection (target year) or panel and projection (base year), the
// instrument's regions are calibrated and have a baseline, `by` is after
// the last data year, and the instrument has no [drivers] path of its own.
// Errors name the scenario file, line and targets[i].key.
Status check_targets(const montecarlo::ProjectionSetup& setup,
                     const scenario::Scenario& sc);

// Checks and solves the scenario's targets jointly (one unknown each) with
// Ceres, then writes the solved paths into `setup`'s driver paths, so the
// Monte Carlo run with `setup` uses them. Unreachable targets are not
// errors: their level is the closest attainable one within the bounds.
Result<std::vector<TargetResult>> solve_targets(
    montecarlo::ProjectionSetup& setup, const scenario::Scenario& sc,
    const calibrate::CalibrationResult& cal,
    const ObservedGdp& observed = nullptr);

// The central path of `setup` (as defined above), cell by cell
// (ProjectionSetup::cell).
std::vector<double> central_path(const montecarlo::ProjectionSetup& setup);

// Counts, for draws 0..draws-1 of the scenario (the same draws as
// montecarlo::run_scenario with this seed and index), those whose outcome
// reaches each target (GDP >= target_value). Integer counts, so the result
// does not depend on `threads`.
void count_reaching(const montecarlo::ProjectionSetup& setup,
                    std::uint64_t seed, std::uint64_t scenario_index,
                    std::int64_t draws, int threads,
                    std::vector<TargetResult>& results);

// A short table: per target, the target, the solved level (or the bound
// hit), the central outcome and the probability of reaching it.
std::string format_targets(const std::string& scenario,
                           const std::vector<TargetResult>& results);

}  // namespace growthcast::targets
