// A sweep as the command line and the Python module run one: the sweep
// file with the caller's draws and seed, refused when an axis varies
// either, and the job that computes its points from one calibration.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "calibrate/calibration.h"
#include "sweep/run_sweep.h"
#include "sweep/sweep_file.h"

namespace growthcast::pipeline {

// One seed and one number of draws per sweep (its top-level keys or
// --seed / --draws): points that varied them could not be written or
// merged into one file, and the run failed only after the first point.
Status check_sweep_axes(const sweep::SweepDefinition& def);

// Reads `file`, checks its axes and applies the overrides (draws -1 and
// no seed: the file's).
Result<sweep::SweepDefinition> read_sweep_with(
    const std::string& file, std::int64_t draws,
    std::optional<std::uint64_t> seed);

// The job computing points [first, last) of `def` from `cal` into `out`,
// with the default groups, the history and the context (/calibration,
// /accounting) a forecast file holds. `def` and `cal` must outlive it.
sweep::SweepJob sweep_job(const sweep::SweepDefinition& def,
                          const calibrate::CalibrationResult& cal,
                          std::int64_t first, std::int64_t last,
                          const std::string& out);

}  // namespace growthcast::pipeline
