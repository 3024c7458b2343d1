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

// A checkpointed point, if it exists and belongs to this sweep.
std::optional<montecarlo::ScenarioForecast> load_point(
    const std::filesystem::path& file, const std::string& sweep_id,
    std::int64_t k) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  auto read = store::read_forecast(file);
  // A point from a build for another instruction set is computed again:
  // its last bits could differ from this build's.
  if (!read || !read->sweep || read->sweep->sweep_id != sweep_id ||
      read->runs.size() != 1 || read->sweep->point_index != std::vector{k} ||
      read->instruction_set != growthcast::instruction_set())
    return std::nullopt;
  return std::move(read->runs.front());
}

Status write_point(const SweepJob& job, const std::filesystem::path& dir,
                   std::int64_t k, const montecarlo::ScenarioForecast& run) {
  auto file = store::ResultFile::create(point_file(dir, k));
  if (!file) return tl::unexpected(file.error());
  const store::SweepInfo info = sweep_info(*job.definition, {k});
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

  // Fault injection for the tests of failing ranks: the point named by
  // GROWTHCAST_FAULT_POINT fails as a broken input would.
  const char* fault = std::getenv("GROWTHCAST_FAULT_POINT");
  while (auto k = pool.next()) {
    if (job.resume && load_point(point_file(dir, *k), def.id, *k)) continue;
    if (fault != nullptr && std::to_string(*k) == fault)
      return fail("fault injected at point " + std::to_string(*k) +
                      " (GROWTHCAST_FAULT_POINT)",
                  def.file);
    auto scenario = def.point(*k);
    if (!scenario) return tl::unexpected(scenario.error());
    auto setup =
        montecarlo::make_setup(*job.calibration, *scenario, job.groups);
    if (!setup) return tl::unexpected(setup.error());
    auto run = montecarlo::run_scenario(*setup, *scenario, std::uint64_t(*k),
                                        scenario->draws, scenario->seed,
                                        job.run_options);
    if (!run) return tl::unexpected(run.error());
    if (auto s = write_point(job, dir, *k, *run); !s) return s;
  }
  pool.barrier();
  if (pool.rank() != 0) return ok();

  // Rank 0 joins the points, in order, into the result.
  std::vector<montecarlo::ScenarioForecast> runs;
  std::vector<std::int64_t> points;
  for (std::int64_t k = job.first; k < job.last; ++k) {
    auto run = load_point(point_file(dir, k), def.id, k);
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
  const store::SweepInfo info = sweep_info(def, points);
  if (auto s = file->write_provenance(job.provenance); !s) return s;
  if (job.write_context)
    if (auto s = job.write_context(*file); !s) return s;
  if (auto s = store::write_forecast(*file, runs, job.history, &info); !s)
    return s;
  if (auto s = file->commit(); !s) return s;
  std::filesystem::remove_all(dir, ec);
  return ok();
}

Result<MergedSweep> merge_shards(
    const std::vector<std::filesystem::path>& shards) {
  if (shards.empty()) return usage_error("no shard files given", "shards");
  MergedSweep merged;
  struct Point {
    montecarlo::ScenarioForecast run;
    std::string file;
    std::vector<double> numbers;      // per axis
    std::vector<std::string> labels;  // per axis
  };
  std::map<std::int64_t, Point> by_point;
  std::string id, first_file, instruction_set;
  std::uint64_t seed = 0;
  for (const auto& path : shards) {
    auto read = store::read_forecast(path);
    if (!read) return tl::unexpected(read.error());
    if (!read->sweep)
      return fail("not a sweep shard (no sweep_id)", path.string());
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
      first_file = path.string();
      merged.history = read->history;
      merged.sweep = *read->sweep;
      seed = read->runs.empty() ? 0 : read->runs.front().seed;
    } else if (read->sweep->sweep_id != id) {
      return fail("this shard belongs to a different sweep than '" +
                      first_file + "' (sweep_id " +
                      read->sweep->sweep_id.substr(0, 12) + " vs " +
                      id.substr(0, 12) + ")",
                  path.string(), 0, "sweep_id");
    }
    for (std::size_t i = 0; i < read->runs.size(); ++i) {
      const std::int64_t k = read->sweep->point_index[i];
      if (read->runs[i].seed != seed)
        return fail("point " + std::to_string(k) + " was run with seed " +
                        std::to_string(read->runs[i].seed) + ", not " +
                        std::to_string(seed) + " as in '" + first_file + "'",
                    path.string(), 0, "seed");
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
