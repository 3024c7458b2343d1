#include "sweep/run_sweep.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "common/version.h"

namespace growthcast::sweep {
namespace {

std::filesystem::path point_file(const std::filesystem::path& dir,
                                 std::int64_t k) {
  char name[64];
  std::snprintf(name, sizeof name, "point_%09lld.h5",
                static_cast<long long>(k));
  return dir / name;
}

// A checkpointed point, if it exists and belongs to this sweep. A point of
// another sweep definition, or from another build or instruction set, is
// computed again (its last bits could differ from this build's); a point
// that cannot be read, whose content no longer matches its digest, or that
// was computed from another calibration is refused, naming its file.
Result<std::optional<montecarlo::ScenarioForecast>> load_point(
    const std::filesystem::path& file, const std::string& sweep_id,
    const std::string& calibration_sha256, std::int64_t k, int random_stream) {
  std::error_code ec;
  const auto status = std::filesystem::symlink_status(file, ec);
  if (status.type() == std::filesystem::file_type::not_found)
    return std::nullopt;
  if (status.type() != std::filesystem::file_type::regular)
    return fail("checkpoint point is not a regular file", file.string());
  auto read = store::read_forecast(file);
  if (!read) {
    Error e = read.error();
    e.message = "checkpoint point " + std::to_string(k) +
                " cannot be resumed: " + e.message +
                " (remove the checkpoint folder to start again)";
    return tl::unexpected(e);
  }
  if (!read->sweep || read->sweep->sweep_id != sweep_id ||
      read->instruction_set != growthcast::instruction_set() ||
      read->build != store::build_label())
    return std::nullopt;
  // A point drawn from another random stream version (or written before
  // versions were recorded: version 1) is computed again.
  if (read->runs.size() == 1 &&
      read->runs.front().random_stream != random_stream)
    return std::nullopt;
  auto refuse = [&](const std::string& what, const std::string& field) {
    return fail("checkpoint point " + std::to_string(k) + " " + what +
                    " (remove the checkpoint folder to start again)",
                file.string(), 0, field);
  };
  if (read->runs.size() != 1 || read->sweep->point_index != std::vector{k})
    return refuse("holds other points than point " + std::to_string(k),
                  "point_index");
  if (!read->digests) return refuse("has no content digest", "sha256");
  if (read->sweep->calibration_sha256 != calibration_sha256)
    return refuse("was computed from another calibration (SHA-256 " +
                      read->sweep->calibration_sha256.substr(0, 12) +
                      ", this run's " + calibration_sha256.substr(0, 12) + ")",
                  "calibration_sha256");
  return std::optional(std::move(read->runs.front()));
}

// The random stream version point k is drawn from (its scenario's
// random_stream, else the default; the points were checked by parse_sweep).
int point_stream(const SweepDefinition& def, std::int64_t k) {
  auto scenario = def.point(k);
  return scenario && scenario->random_stream
             ? *scenario->random_stream
             : int(montecarlo::kDefaultStreamVersion);
}

Status write_point(const SweepJob& job, const std::filesystem::path& dir,
                   std::int64_t k, const montecarlo::ScenarioForecast& run) {
  auto file = store::ResultFile::create(point_file(dir, k));
  if (!file) return tl::unexpected(file.error());
  store::SweepInfo info = sweep_info(*job.definition, {k});
  info.calibration_sha256 = job.calibration_sha256;
  if (auto s = store::write_forecast(*file, {run}, job.history, &info); !s)
    return s;
  // The standard provenance (which build computed the point) for --resume.
  if (auto s = file->write_provenance({}); !s) return s;
  return file->commit();
}

}  // namespace

std::filesystem::path checkpoint_dir(const std::filesystem::path& out) {
  return std::filesystem::path(out.string() + ".checkpoint");
}

store::SweepInfo sweep_info(const SweepDefinition& def,
                            const std::vector<std::int64_t>& points) {
  store::SweepInfo info;
  info.sweep_id = def.id;
  info.total_points = def.points();
  info.point_index = points;
  for (std::size_t a = 0; a < def.axes.size(); ++a) {
    store::SweepAxisValues axis;
    axis.key = def.axes[a].key;
    const auto& first = def.axes[a].values.front();
    axis.numeric = std::holds_alternative<double>(first) ||
                   std::holds_alternative<std::int64_t>(first);
    for (std::int64_t k : points) {
      const AxisValue& v = def.axes[a].values[def.coordinates(k)[a]];
      if (axis.numeric) {
        if (const auto* d = std::get_if<double>(&v))
          axis.numbers.push_back(*d);
        else if (const auto* i = std::get_if<std::int64_t>(&v))
          axis.numbers.push_back(double(*i));
        else
          axis.numbers.push_back(std::nan(""));
      } else {
        axis.labels.push_back(AxisValueToString(v));
      }
    }
    info.axes.push_back(std::move(axis));
  }
  return info;
}

Status run_sweep(const SweepJob& job, WorkPool& pool) {
  const SweepDefinition& def = *job.definition;
  const auto dir = checkpoint_dir(job.out);
  std::error_code ec;
  // Every point must fit the data (regions, years) before any checkpoint
  // is created, so a bad sweep leaves nothing behind.
  for (std::int64_t k = job.first; k < job.last; ++k) {
    auto scenario = def.point(k);
    if (!scenario) return tl::unexpected(scenario.error());
    if (auto s = scenario::check_against_data(
            *scenario, job.calibration->regions, job.calibration->years.back());
        !s) {
      Error e = s.error();
      e.message = "point " + std::to_string(k) + ": " + e.message;
      e.file = def.file;
      return tl::unexpected(e);
    }
  }
  // A checkpoint folder that is a symbolic link (or anything but a folder)
  // would have point files written wherever it leads: refused.
  const auto dir_status = std::filesystem::symlink_status(dir, ec);
  if (dir_status.type() == std::filesystem::file_type::symlink)
    return fail("the checkpoint folder '" + dir.string() +
                    "' is a symbolic link: refusing to write point files "
                    "where it leads; remove it",
                job.out.string(), 0, "--out");
  if (dir_status.type() != std::filesystem::file_type::not_found &&
      dir_status.type() != std::filesystem::file_type::directory)
    return fail("the checkpoint path '" + dir.string() +
                    "' exists and is not a folder; remove it",
                job.out.string(), 0, "--out");
  // Every rank sees the same folder state before rank 0 changes it.
  const bool had_checkpoint = std::filesystem::exists(dir, ec);
  pool.barrier();
  if (had_checkpoint && !job.resume)
    return fail("a checkpoint of an interrupted run exists at '" +
                    dir.string() +
                    "': pass --resume to continue it, or remove it",
                job.out.string(), 0, "--resume");
  if (pool.rank() == 0) std::filesystem::create_directories(dir, ec);
  pool.barrier();
  if (!std::filesystem::is_directory(dir, ec))
    return fail("cannot create the checkpoint folder '" + dir.string() + "'",
                job.out.string(), 0, "--out");

  // What --resume will reuse, checked and said before any work: the points
  // of this job whose checkpoint file belongs to this sweep, build and
  // calibration are kept, the others computed again; a point that must be
  // refused (edited, short, of another calibration) is refused here.
  if (job.resume && pool.rank() == 0) {
    std::int64_t kept = 0;
    for (std::int64_t k = job.first; k < job.last; ++k) {
      auto loaded = load_point(point_file(dir, k), def.id,
                               job.calibration_sha256, k, point_stream(def, k));
      if (!loaded) return tl::unexpected(loaded.error());
      if (*loaded) ++kept;
    }
    const std::int64_t total = job.last - job.first;
    if (job.note)
      job.note("resume: kept " + std::to_string(kept) + " of " +
               std::to_string(total) + " points from '" + dir.string() +
               "', computing " + std::to_string(total - kept));
  }

  // Fault injection for the tests of failing ranks: the point named by
  // GROWTHCAST_FAULT_POINT fails as a broken input would.
  const char* fault = std::getenv("GROWTHCAST_FAULT_POINT");
  while (auto k = pool.next()) {
    // Stopped from outside: the points done so far stay in the checkpoint.
    if (is_cancelled(job.run_options.cancel)) return cancelled();
    if (job.resume) {
      auto loaded =
          load_point(point_file(dir, *k), def.id, job.calibration_sha256, *k,
                     point_stream(def, *k));
      if (!loaded) return tl::unexpected(loaded.error());
      if (*loaded) {
        if (job.point_done) job.point_done(*k, true);
        continue;
      }
    }
    if (fault != nullptr && std::to_string(*k) == fault)
      return fail("fault injected at point " + std::to_string(*k) +
                      " (GROWTHCAST_FAULT_POINT)",
                  def.file);
    auto scenario = def.point(*k);
    if (!scenario) return tl::unexpected(scenario.error());
    // The sweep writes no record of outturns; better refused than ignored.
    if (scenario->outturns)
      return fail(
          "a sweep cannot condition on outturns yet: run `forecast "
          "--outturns` on the point's scenario instead",
          def.file, 0, "outturns");
    auto setup =
        montecarlo::make_setup(*job.calibration, *scenario, job.groups);
    if (!setup) return tl::unexpected(setup.error());
    auto run = montecarlo::run_scenario(*setup, *scenario, std::uint64_t(*k),
                                        scenario->draws, scenario->seed,
                                        job.run_options);
    if (!run) return tl::unexpected(run.error());
    if (auto s = write_point(job, dir, *k, *run); !s) return s;
    if (job.point_done) job.point_done(*k, false);
  }
  pool.barrier();
  if (pool.rank() != 0) return ok();

  // Rank 0 joins the points, in order, into the result.
  std::vector<montecarlo::ScenarioForecast> runs;
  std::vector<std::int64_t> points;
  for (std::int64_t k = job.first; k < job.last; ++k) {
    auto loaded = load_point(point_file(dir, k), def.id, job.calibration_sha256,
                             k, point_stream(def, k));
    if (!loaded) return tl::unexpected(loaded.error());
    auto& run = *loaded;
    if (!run)
      return fail(
          "point " + std::to_string(k) + " is missing from the checkpoint",
          dir.string());
    run->scenario_index = std::uint64_t(k);
    runs.push_back(std::move(*run));
    points.push_back(k);
  }
  auto file = store::ResultFile::create(job.out);
  if (!file) return tl::unexpected(file.error());
  store::SweepInfo info = sweep_info(def, points);
  info.calibration_sha256 = job.calibration_sha256;
  if (auto s = file->write_provenance(job.provenance); !s) return s;
  if (job.write_context)
    if (auto s = job.write_context(*file); !s) return s;
  if (auto s = store::write_forecast(*file, runs, job.history, &info); !s)
    return s;
  if (is_cancelled(job.run_options.cancel)) return cancelled();
  if (auto s = file->commit(); !s) return s;
  std::filesystem::remove_all(dir, ec);
  return ok();
}

Result<MergedSweep> merge_shards(
    const std::vector<std::filesystem::path>& shards,
    const std::string& calibration_sha256) {
  if (shards.empty()) return usage_error("no shard files given", "shards");
  MergedSweep merged;
  struct Point {
    montecarlo::ScenarioForecast run;
    std::string file;
    std::vector<double> numbers;      // per axis
    std::vector<std::string> labels;  // per axis
  };
  std::map<std::int64_t, Point> by_point;
  std::string id, first_file, instruction_set, build;
  std::uint64_t seed = 0;
  int random_stream = 0;
  for (const auto& path : shards) {
    auto read = store::read_forecast(path);
    if (!read) return tl::unexpected(read.error());
    if (!read->sweep)
      return fail("not a sweep shard (no sweep_id)", path.string());
    // Each point's content digest was verified by read_forecast; a shard
    // without them cannot be checked.
    if (!read->digests)
      return fail(
          "this shard has no content digests (written by an older "
          "growthcast?): run it again with this build",
          path.string(), 0, "sha256");
    if (!calibration_sha256.empty() &&
        read->sweep->calibration_sha256 != calibration_sha256)
      return fail("this shard was computed from another calibration (SHA-256 " +
                      read->sweep->calibration_sha256.substr(0, 12) +
                      ") than the one given to merge (" +
                      calibration_sha256.substr(0, 12) +
                      "): pass the calibration the sweep used",
                  path.string(), 0, "calibration_sha256");
    if (!id.empty() &&
        read->sweep->calibration_sha256 != merged.sweep.calibration_sha256)
      return fail("this shard was computed from another calibration (SHA-256 " +
                      read->sweep->calibration_sha256.substr(0, 12) +
                      ") than '" + first_file + "' (" +
                      merged.sweep.calibration_sha256.substr(0, 12) + ")",
                  path.string(), 0, "calibration_sha256");
    if (!id.empty() && read->build != build)
      return fail("this shard was computed by growthcast " + read->build +
                      ", '" + first_file + "' by " + build +
                      ": run all shards with one build",
                  path.string(), 0, "build");
    // Builds for different instruction sets agree only to the last bits
    // (cmake/Arch.cmake), so their shards would not merge into the file
    // one run writes.
    const std::string& arch = read->instruction_set;
    if (id.empty()) {
      instruction_set = arch;
    } else if (arch != instruction_set) {
      return fail("this shard was computed by a growthcast built for '" + arch +
                      "', '" + first_file + "' by one built for '" +
                      instruction_set +
                      "': their results differ in the last bits; run all "
                      "shards with one build",
                  path.string(), 0, "instruction_set");
    }
    if (id.empty()) {
      id = read->sweep->sweep_id;
      build = read->build;
      first_file = path.string();
      merged.history = read->history;
      merged.sweep = *read->sweep;
      seed = read->runs.empty() ? 0 : read->runs.front().seed;
      random_stream = read->runs.empty() ? 0 : read->runs.front().random_stream;
    } else if (read->sweep->sweep_id != id) {
      return fail("this shard belongs to a different sweep than '" +
                      first_file + "' (sweep_id " +
                      read->sweep->sweep_id.substr(0, 12) + " vs " +
                      id.substr(0, 12) + ")",
                  path.string(), 0, "sweep_id");
    }
    // The same axes in every shard (a shard's axis values are indexed by
    // the first shard's axes below).
    bool same_axes = read->sweep->axes.size() == merged.sweep.axes.size();
    for (std::size_t a = 0; same_axes && a < merged.sweep.axes.size(); ++a)
      same_axes = read->sweep->axes[a].key == merged.sweep.axes[a].key &&
                  read->sweep->axes[a].numeric == merged.sweep.axes[a].numeric;
    if (!same_axes)
      return fail(
          "this shard's sweep axes differ from those of '" + first_file + "'",
          path.string(), 0, "sweep_axes");
    for (std::size_t i = 0; i < read->runs.size(); ++i) {
      const std::int64_t k = read->sweep->point_index[i];
      if (read->runs[i].seed != seed)
        return fail("point " + std::to_string(k) + " was run with seed " +
                        std::to_string(read->runs[i].seed) + ", not " +
                        std::to_string(seed) + " as in '" + first_file + "'",
                    path.string(), 0, "seed");
      // Other draws for the same seed: the merged sweep would not be one.
      if (read->runs[i].random_stream != random_stream)
        return fail("point " + std::to_string(k) +
                        " was drawn from random stream " +
                        std::to_string(read->runs[i].random_stream) + ", not " +
                        std::to_string(random_stream) + " as in '" +
                        first_file + "': run all shards with one version",
                    path.string(), 0, "random_stream");
      if (auto it = by_point.find(k); it != by_point.end())
        return fail("point " + std::to_string(k) +
                        " is in this shard and in '" + it->second.file +
                        "': the shards overlap",
                    path.string(), 0, "point_index");
      Point point{std::move(read->runs[i]), path.string(), {}, {}};
      for (const auto& axis : read->sweep->axes) {
        point.numbers.push_back(axis.numeric ? axis.numbers[i] : 0.0);
        point.labels.push_back(axis.numeric ? std::string() : axis.labels[i]);
      }
      by_point.emplace(k, std::move(point));
    }
  }
  // Missing points, as ranges.
  std::string missing;
  std::int64_t k = 0;
  const std::int64_t total = merged.sweep.total_points;
  while (k < total) {
    if (by_point.count(k)) {
      ++k;
      continue;
    }
    std::int64_t end = k;
    while (end + 1 < total && !by_point.count(end + 1)) ++end;
    missing += (missing.empty() ? "" : ", ") + std::to_string(k) +
               (end > k ? "-" + std::to_string(end) : "");
    k = end + 1;
  }
  if (!missing.empty())
    return fail("points " + missing + " of " + std::to_string(total) +
                    " are in no shard: run the missing shards first",
                first_file, 0, "point_index");
  // Axis values per point: each shard carries its points' values.
  std::vector<store::SweepAxisValues> axes = merged.sweep.axes;
  for (auto& axis : axes) {
    axis.numbers.clear();
    axis.labels.clear();
  }
  merged.sweep.point_index.clear();
  for (auto& [point, entry] : by_point) {
    entry.run.scenario_index = std::uint64_t(point);
    merged.runs.push_back(std::move(entry.run));
    merged.sweep.point_index.push_back(point);
    for (std::size_t a = 0; a < axes.size(); ++a) {
      if (axes[a].numeric)
        axes[a].numbers.push_back(entry.numbers[a]);
      else
        axes[a].labels.push_back(entry.labels[a]);
    }
  }
  merged.sweep.axes = std::move(axes);
  return merged;
}

}  // namespace growthcast::sweep
