#include "pipeline/sweep_run.h"

#include "pipeline/forecast_context.h"
#include "store/result_io.h"

namespace growthcast::pipeline {

Status check_sweep_axes(const sweep::SweepDefinition& def) {
  for (const auto& axis : def.axes) {
    // One version per sweep, so that its points merge (run_sweep.cc).
    if (axis.key == "random_stream")
      return fail(
          "the sweep's random stream version is one for all points "
          "(the base scenario's random_stream, or --random-stream); "
          "an axis cannot vary it",
          def.file, axis.line, "axes." + axis.key);
    if (axis.key == "seed" || axis.key == "draws")
      return fail("the sweep's " + axis.key +
                      " is one for all points (the top-level key, or "
                      "--" +
                      axis.key + "); an axis cannot vary it",
                  def.file, axis.line, "axes." + axis.key);
  }
  return ok();
}

Result<sweep::SweepDefinition> read_sweep_with(
    const std::string& file, std::int64_t draws,
    std::optional<std::uint64_t> seed) {
  auto def = sweep::read_sweep(file);
  if (!def) return def;
  if (auto s = check_sweep_axes(*def); !s) return tl::unexpected(s.error());
  sweep::apply_overrides(*def, draws, seed);
  return def;
}

sweep::SweepJob sweep_job(const sweep::SweepDefinition& def,
                          const calibrate::CalibrationResult& cal,
                          std::int64_t first, std::int64_t last,
                          const std::string& out) {
  sweep::SweepJob job;
  job.definition = &def;
  job.calibration = &cal;
  job.calibration_sha256 = store::calibration_digest(cal);
  job.groups = default_groups(cal);
  job.first = first;
  job.last = last;
  job.out = out;
  job.history = history_of(cal, job.groups);
  job.write_context = [&cal, groups = job.groups](store::ResultFile& f) {
    return write_context(f, cal, groups);
  };
  return job;
}

}  // namespace growthcast::pipeline
