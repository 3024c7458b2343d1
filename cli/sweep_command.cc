#include "cli/sweep_command.h"

#include <cstdio>
#include <iostream>

#include "cli/common.h"
#include "cli/forecast_common.h"
#include "cli/progress.h"
#include "pipeline/sweep_run.h"
#include "sweep/run_sweep.h"

namespace growthcast::cli {

void add_sweep_commands(CLI::App& app, SweepFlags& sweep, MergeFlags& merge) {
  auto* cmd = app.add_subcommand(
      "sweep",
      "Run every point of a sweep (a base scenario x axes) into one HDF5 "
      "file; under mpirun the points are shared out across ranks");
  cmd->add_option("sweep", sweep.sweep, "Sweep TOML file")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", sweep.out, "Output HDF5 file")->required();
  cmd->add_option("--shard", sweep.shard,
                  "Compute only shard K of N (K/N, 0-based): the points "
                  "[K*P/N, (K+1)*P/N); join shards with `growthcast merge`");
  cmd->add_flag("--resume", sweep.resume,
                "Continue an interrupted run from its checkpoint "
                "(<out>.checkpoint)");
  cmd->add_option("--calibration", sweep.calibration,
                  "Calibration result (default: the sweep's `calibration`, "
                  "else the shipped panel calibrated with the defaults)");
  cmd->add_option("--draws", sweep.draws,
                  "Draws per point (overrides the sweep and base files)");
  cmd->add_option("--seed", sweep.seed,
                  "Random seed, 0 to 2^64-1 (overrides the sweep and base "
                  "files)");
  add_random_stream_option(*cmd, sweep.random_stream);
  cmd->add_option("--threads", sweep.threads, "OpenMP threads per process")
      ->check(threads_validator());
  cmd->add_option("--outputs", sweep.outputs,
                  "Variables to summarise at every point, comma-separated "
                  "(e.g. gdp,gdp_growth; default: the base scenario's "
                  "`outputs`, else all)");
  cmd->add_option("--memory", sweep.memory_mib,
                  "MiB per point for exact quantiles")
      ->capture_default_str()
      ->check(memory_validator());
  add_quiet_flag(*cmd, sweep.quiet);

  auto* m = app.add_subcommand(
      "merge",
      "Join the shard files of one sweep into the file a single run "
      "would write");
  m->add_option("shards", merge.shards, "Shard files")
      ->required()
      ->check(CLI::ExistingFile);
  m->add_option("--out", merge.out, "Output HDF5 file")->required();
  m->add_option("--calibration", merge.calibration,
                "Check that the shards were computed from this calibration "
                "(by SHA-256); the merged file holds the calibration the "
                "shards used either way");
}

int sweep_main(SweepFlags& flags, const std::string& command_line) {
  if (auto s = check_output_path(flags.out, {flags.sweep, flags.calibration});
      !s)
    return report(s.error());
  auto overrides = check_run_overrides(flags.draws, flags.seed);
  if (!overrides) return report(overrides.error());
  sweep::Shard shard;
  if (!flags.shard.empty()) {
    auto parsed = sweep::parse_shard(flags.shard);
    if (!parsed) return report(parsed.error());
    shard = *parsed;
  }
  auto def = pipeline::read_sweep_with(
      flags.sweep, overrides->draws.value_or(-1), overrides->seed);
  if (!def) return report(def.error());
  if (!flags.outputs.empty()) {
    auto outputs = scenario::parse_output_list(flags.outputs, "--outputs");
    if (!outputs) return report(outputs.error());
    def->outputs_override = *outputs;
  }

  def->random_stream_override = flags.random_stream;
  // More shards than points would leave a shard with nothing to compute:
  // refused before any work, so nothing (no checkpoint) is left behind.
  if (shard.count > def->points())
    return report(usage_error("the sweep has " + std::to_string(def->points()) +
                                  " points, fewer than the " +
                                  std::to_string(shard.count) +
                                  " shards asked for: use at most " +
                                  std::to_string(def->points()) + " shards",
                              "--shard")
                      .value());
  if (!def->calibration.empty())
    if (auto s = check_output_path(flags.out, {def->calibration}); !s)
      return report(s.error());
  store::Provenance provenance;
  provenance.command_line = command_line;
  provenance.input_files.push_back(flags.sweep);
  if (def->base_file != def->file)
    provenance.input_files.push_back(def->base_file);
  const std::string calibration_file =
      flags.calibration.empty() ? def->calibration : flags.calibration;
  auto cal = load_calibration(calibration_file, provenance.input_files);
  if (!cal && flags.calibration.empty() && !def->calibration.empty())
    return report(fail("cannot use the calibration '" + def->calibration +
                           "': " + cal.error().to_string(),
                       def->file, def->calibration_line, "calibration")
                      .value());
  if (!cal) return report(cal.error());

  const auto [first, last] = sweep::shard_range(shard, def->points());
  sweep::SweepJob job = pipeline::sweep_job(*def, *cal, first, last, flags.out);
  job.resume = flags.resume;
  job.run_options.threads = flags.threads;
  job.run_options.exact_memory_bytes =
      std::size_t(flags.memory_mib * 1048576.0);
  job.provenance = provenance;

  job.note = [](const std::string& line) {
    std::cerr << "growthcast: " << line << "\n";
  };

  auto pool = sweep::WorkPool::create(job.first, job.last);
  // Points done on this process (and the fraction of the one under way).
  // Under mpirun the ranks share the points as they come, so a rank's
  // total is its even share, an estimate.
  const std::int64_t points = job.last - job.first;
  const int ranks = pool->size();
  std::string what = "sweep";
  if (ranks > 1)
    what += " (rank " + std::to_string(pool->rank()) + " of " +
            std::to_string(ranks) + ")";
  ProgressMeter progress(what, double((points + ranks - 1) / ranks),
                         ranks > 1 ? "points (about)" : "points",
                         ProgressMeter::mode_for(flags.quiet));
  std::int64_t done = 0;
  job.run_options.progress = [&](double fraction) {
    progress.set(double(done) + fraction);
  };
  job.point_done = [&](std::int64_t k, bool resumed) {
    ++done;
    // The point and its axis values, so a log says which point took long.
    const store::SweepInfo info = sweep::sweep_info(*def, {k});
    std::string values;
    for (const auto& axis : info.axes) {
      values += (values.empty() ? "" : ", ") + axis.key + " = ";
      if (axis.numeric) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", axis.numbers.front());
        values += buf;
      } else {
        values += axis.labels.front();
      }
    }
    progress.step(double(done),
                  "point " + std::to_string(k) +
                      (resumed ? " taken from the checkpoint" : " done") +
                      (values.empty() ? "" : " (" + values + ")"));
  };
  const Status status = sweep::run_sweep(job, *pool);
  progress.finish();
  if (!status) {
    report(status.error());
    // One failing rank ends the run; nothing is renamed into place.
    if (pool->size() > 1) pool->abort(status.error().exit_code);
    return status.error().exit_code;
  }
  if (pool->rank() == 0)
    std::cout << "Wrote " << flags.out << ": points " << job.first << "-"
              << job.last - 1 << " of " << def->points() << " on "
              << pool->size() << " process(es)\n";
  return 0;
}

int merge_main(MergeFlags& flags, const std::string& command_line) {
  {
    std::vector<std::string> inputs = flags.shards;
    inputs.push_back(flags.calibration);
    if (auto s = check_output_path(flags.out, inputs); !s)
      return report(s.error());
  }
  std::vector<std::filesystem::path> paths(flags.shards.begin(),
                                           flags.shards.end());
  auto merged = sweep::merge_shards(paths);
  if (!merged) return report(merged.error());
  store::Provenance provenance;
  provenance.command_line = command_line;
  for (const auto& p : paths) provenance.input_files.push_back(p);
  // Every shard was computed from one calibration (merge_shards checked
  // their digests agree) and holds it as /calibration: the merged file
  // takes it from there, so it says what the points were computed from
  // (a window from `calibrate --from 2012` stays 2012-2019).
  auto cal = store::read_calibration(paths.front());
  if (!cal) return report(cal.error());
  const std::string& used = merged->sweep.calibration_sha256;
  if (const std::string digest = store::calibration_digest(*cal);
      digest != used)
    return report(
        fail("the shard's /calibration (SHA-256 " + digest.substr(0, 12) +
                 ") is not the calibration its points were computed from (" +
                 used.substr(0, 12) +
                 "): the shard was changed after it was "
                 "written; run it again",
             paths.front().string(), 0, "/calibration")
            .value());
  if (!flags.calibration.empty()) {
    auto given = load_calibration(flags.calibration, provenance.input_files);
    if (!given) return report(given.error());
    if (const std::string digest = store::calibration_digest(*given);
        digest != used)
      return report(
          fail("the shards were computed from another calibration (SHA-256 " +
                   used.substr(0, 12) + ") than the one given to merge (" +
                   digest.substr(0, 12) +
                   "): leave out --calibration to use the shards' own, or "
                   "pass the calibration the sweep used",
               flags.calibration, 0, "--calibration")
              .value());
  }
  const auto groups = default_groups(*cal);
  auto written = write_result(flags.out, provenance, [&](store::ResultFile& f) {
    if (auto s = write_context(f, *cal, groups); !s) return s;
    return store::write_forecast(f, merged->runs, merged->history,
                                 &merged->sweep);
  });
  if (!written) return report(written.error());
  std::cout << "Wrote " << flags.out << ": " << merged->runs.size()
            << " points from " << paths.size() << " shard(s)\n";
  return 0;
}

}  // namespace growthcast::cli
