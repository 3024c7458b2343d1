// Running a sweep's points (all, or one shard's) across the processes of a
// work pool, with a checkpoint folder beside the output so a killed run
// resumes where it stopped, and merging shard files into one result.
#pragma once

#include <filesystem>
#include <functional>
#include <vector>

#include "calibrate/calibration.h"
#include "montecarlo/runner.h"
#include "store/result_io.h"
#include "sweep/sweep_file.h"
#include "sweep/work_pool.h"

namespace growthcast::sweep {

struct SweepJob {
  const SweepDefinition* definition = nullptr;
  const calibrate::CalibrationResult* calibration = nullptr;
  // store::calibration_digest(*calibration): recorded with every point,
  // checked on --resume.
  std::string calibration_sha256;
  std::vector<montecarlo::Group> groups;
  std::int64_t first = 0, last = 0;  // the points to compute
  std::filesystem::path out;
  bool resume = false;
  montecarlo::RunOptions run_options;
  store::Provenance provenance;
  store::ForecastHistory history;
  // Writes what else the result holds (/calibration, /accounting).
  std::function<Status(store::ResultFile&)> write_context;
  // Called on the process that ran point k (or took it from the
  // checkpoint: resumed), after it is saved; for progress only.
  std::function<void(std::int64_t k, bool resumed)> point_done;
  // Told (on rank 0, before any point is computed) what --resume found:
  // "kept N of M points ..." so a user and a test can see what was reused.
  std::function<void(const std::string&)> note;
};

// The checkpoint folder of an output path: "<out>.checkpoint".
std::filesystem::path checkpoint_dir(const std::filesystem::path& out);

// Computes the job's points on this process's share of the pool, then (on
// rank 0) writes the result file and removes the checkpoint. Returns an
// error on the rank where it happened; the caller aborts the run.
Status run_sweep(const SweepJob& job, WorkPool& pool);

// Axis values per point, for the result's coordinate datasets.
store::SweepInfo sweep_info(const SweepDefinition& def,
                            const std::vector<std::int64_t>& points);

// Joins shard files into one result identical to a single run's. Refuses
// shards of different sweeps, seeds, builds or calibrations (when
// `calibration_sha256` is given, each shard's must equal it), shards whose
// content does not match their digests, overlapping shards and missing
// points (naming the missing ranges).
struct MergedSweep {
  std::vector<montecarlo::ScenarioForecast> runs;
  store::ForecastHistory history;
  store::SweepInfo sweep;
};
Result<MergedSweep> merge_shards(
    const std::vector<std::filesystem::path>& shards,
    const std::string& calibration_sha256 = {});

}  // namespace growthcast::sweep
