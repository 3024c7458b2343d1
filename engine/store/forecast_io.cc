#include <algorithm>
#include <cmath>
#include <limits>

#include "montecarlo/runner.h"
#include "store/paths_writer.h"
#include "store/result_io.h"

namespace growthcast::store {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int index_of(const std::vector<std::string>& v, const std::string& x) {
  return int(std::find(v.begin(), v.end(), x) - v.begin());
}

}  // namespace

Status write_forecast(ResultFile& f,
                      const std::vector<montecarlo::ScenarioForecast>& runs,
                      const ForecastHistory& history, const SweepInfo* sweep) {
  using montecarlo::kQuantileLevels;
  using montecarlo::kVariableCount;
  const std::string g = "/forecast";
  if (runs.empty()) return fail("no scenarios to write");
  // Union of units (first appearance order) and of years.
  std::vector<std::string> units;
  std::vector<double> is_group;
  for (const auto& run : runs)
    for (std::size_t u = 0; u < run.units.size(); ++u)
      if (index_of(units, run.units[u]) == int(units.size())) {
        units.push_back(run.units[u]);
        is_group.push_back(run.is_group[u]);
      }
  std::vector<std::int32_t> years;
  for (const auto& run : runs)
    for (int y : run.years)
      if (std::find(years.begin(), years.end(), y) == years.end())
        years.push_back(y);
  std::sort(years.begin(), years.end());
  std::vector<std::string> names;
  for (const auto& run : runs) names.push_back(run.name);
  for (std::size_t a = 0; a < names.size(); ++a)
    for (std::size_t b = 0; b < a; ++b)
      if (names[a] == names[b])
        return fail("two scenarios are named '" + names[a] +
                        "'; names must be unique within one result",
                    runs[a].file, 0, "name");

  const std::size_t S = runs.size(), U = units.size(), Y = years.size(),
                    Q = kQuantileLevels.size();
  if (auto s = f.add_scale(g, "scenario", names); !s) return s;
  if (auto s = f.add_scale(g, "region", units); !s) return s;
  if (auto s = f.add_scale(g, "year", years, "year"); !s) return s;
  if (auto s = f.add_scale(g, "quantile", kQuantileLevels, "1"); !s) return s;
  if (auto s = f.add_dataset(g, "is_group", is_group, {"region"}, "1",
                             "1 for a group (members summed per draw)");
      !s)
    return s;

  // Which units each scenario reports (the region axis is their union).
  std::vector<double> reports(S * U, 0.0);
  for (std::size_t k = 0; k < S; ++k)
    for (const auto& unit : runs[k].units)
      reports[k * U + std::size_t(index_of(units, unit))] = 1.0;
  if (auto s = f.add_dataset(g, "reports", reports, {"scenario", "region"}, "1",
                             "1 where the scenario reports the region");
      !s)
    return s;
  if (sweep != nullptr) {
    if (auto s = f.set_attribute(g, "sweep_id", sweep->sweep_id); !s) return s;
    if (auto s = f.set_attribute(g, "sweep_points", sweep->total_points); !s)
      return s;
    std::string keys, kinds;
    for (const auto& axis : sweep->axes) {
      keys += (keys.empty() ? "" : "\n") + axis.key;
      kinds += axis.numeric ? "n" : "s";
    }
    if (auto s = f.set_attribute(g, "sweep_axes", keys); !s) return s;
    if (auto s = f.set_attribute(g, "sweep_axis_kinds", kinds); !s) return s;
    std::vector<double> points(sweep->point_index.begin(),
                               sweep->point_index.end());
    if (auto s = f.add_dataset(g, "point_index", points, {"scenario"}, "1",
                               "the point's index in the sweep (0..N-1)");
        !s)
      return s;
    for (const auto& axis : sweep->axes) {
      if (axis.numeric) {
        if (auto s = f.add_dataset(g, axis.key, axis.numbers, {"scenario"}, "1",
                                   "sweep axis value of each point");
            !s)
          return s;
      } else {
        // String values: stored as the text of each point, one attribute
        // per point, since string datasets here are dimension scales.
        for (std::size_t k = 0; k < axis.labels.size(); ++k)
          if (auto s = f.set_attribute(
                  g, axis.key + "[" + std::to_string(k) + "]", axis.labels[k]);
              !s)
            return s;
      }
    }
  }

  // Per-scenario facts.
  std::vector<double> draws, seeds, redraws, uncertified, param_unc, shock_unc,
      exact;
  for (const auto& run : runs) {
    draws.push_back(double(run.draws));
    seeds.push_back(double(run.seed));
    redraws.push_back(double(run.parameter_redraws));
    uncertified.push_back(double(run.uncertified_quantiles));
    param_unc.push_back(run.parameter_uncertainty);
    shock_unc.push_back(run.shock_uncertainty);
    exact.push_back(run.exact);
  }
  struct Facts {
    const char* name;
    const std::vector<double>* values;
    const char* long_name;
  };
  for (const Facts& fact :
       {Facts{"draws", &draws, "draws per scenario"},
        Facts{"seed", &seeds, "random seed"},
        Facts{"parameter_redraws", &redraws,
              "parameter draws outside the bounds, redrawn"},
        Facts{"uncertified_quantiles", &uncertified,
              "streaming quantiles resolved by an exact second pass"},
        Facts{"parameter_uncertainty", &param_unc, "1 if theta was drawn"},
        Facts{"shock_uncertainty", &shock_unc, "1 if AR(1) shocks were drawn"},
        Facts{"exact_quantiles", &exact, "1 exact, 0 streaming histogram"}})
    if (auto s = f.add_dataset(g, fact.name, *fact.values, {"scenario"}, "1",
                               fact.long_name);
        !s)
      return s;
  for (std::size_t k = 0; k < S; ++k) {
    const std::string prefix = "scenario_" + std::to_string(k) + "_";
    for (const auto& [key, value] :
         {std::pair<std::string, std::string>{"file", runs[k].file},
          {"toml", runs[k].text},
          {"quantile_method", runs[k].quantile_method}})
      if (auto s = f.set_attribute(g, prefix + key, value); !s) return s;
  }

  const bool any_paths = std::any_of(
      runs.begin(), runs.end(), [](const auto& r) { return !r.paths.empty(); });
  std::int64_t max_draws = 0;
  for (const auto& run : runs) max_draws = std::max(max_draws, run.draws);
  std::vector<std::int32_t> draw_index;
  if (any_paths) {
    draw_index.resize(static_cast<std::size_t>(max_draws));
    for (std::int64_t d = 0; d < max_draws; ++d)
      draw_index[std::size_t(d)] = std::int32_t(d);
    if (auto s = f.add_scale(g, "draw", draw_index, "1"); !s) return s;
  }

  for (int var = 0; var < kVariableCount; ++var) {
    const std::string vg = g + "/" + montecarlo::VariableName(var);
    // Each variable's group carries its own copies of the coordinate
    // scales, so xarray.open_dataset(path, group="forecast/gdp") shows
    // labelled coordinates (xarray does not look up a parent group's).
    if (auto s = f.add_scale(vg, "scenario", names); !s) return s;
    if (auto s = f.add_scale(vg, "region", units); !s) return s;
    if (auto s = f.add_scale(vg, "year", years, "year"); !s) return s;
    if (auto s = f.add_scale(vg, "quantile", kQuantileLevels, "1"); !s)
      return s;
    if (any_paths)
      if (auto s = f.add_scale(vg, "draw", draw_index, "1"); !s) return s;
    const std::string units_attr = montecarlo::VariableUnits(var);
    std::vector<double> quantiles(S * U * Y * Q, kNaN), mean(S * U * Y, kNaN),
        sd(S * U * Y, kNaN);
    for (std::size_t k = 0; k < S; ++k) {
      const auto& run = runs[k];
      for (const auto& [cell, position] :
           cell_positions(run, var, units, years)) {
        const std::size_t at = k * U * Y + position;
        mean[at] = run.mean[cell];
        sd[at] = run.sd[cell];
        for (std::size_t q = 0; q < Q; ++q)
          quantiles[at * Q + q] = run.quantiles[cell * Q + q];
      }
    }
    if (auto s = f.add_dataset(vg, "quantiles", quantiles,
                               {"scenario", "region", "year", "quantile"},
                               units_attr);
        !s)
      return s;
    if (auto s = f.add_dataset(vg, "mean", mean, {"scenario", "region", "year"},
                               units_attr);
        !s)
      return s;
    if (auto s = f.add_dataset(vg, "sd", sd, {"scenario", "region", "year"},
                               units_attr, "standard deviation over draws");
        !s)
      return s;
    if (any_paths) {
      // Written in blocks of draws into a chunked dataset, so no copy of
      // all paths is ever held.
      const std::string path = vg + "/paths";
      if (auto s = f.create_chunked_dataset(
              vg, "paths", {"scenario", "draw", "region", "year"},
              {1, kPathsDrawBlock, U, Y}, units_attr, "every draw");
          !s)
        return s;
      if (auto s = write_paths(f, path, runs, var, units, years, max_draws); !s)
        return s;
    }
  }

  // Observed history for the fan charts.
  std::vector<std::int32_t> hist_years(history.years.begin(),
                                       history.years.end());
  std::vector<double> hist(U * hist_years.size(), kNaN);
  for (std::size_t u = 0; u < history.units.size(); ++u) {
    const int uu = index_of(units, history.units[u]);
    if (uu == int(U)) continue;
    for (std::size_t t = 0; t < hist_years.size(); ++t)
      hist[std::size_t(uu) * hist_years.size() + t] = history.gdp[u][t];
  }
  const std::string hg = g + "/history";
  if (auto s = f.add_scale(hg, "region", units); !s) return s;
  if (auto s = f.add_scale(hg, "history_year", hist_years, "year"); !s)
    return s;
  if (auto s = f.add_dataset(hg, "gdp", hist, {"region", "history_year"},
                             "as the calibration's gdp", "observed GDP");
      !s)
    return s;
  return ok();
}

namespace {

template <class T>
Status take(Result<T> r, T* out) {
  if (!r) return tl::unexpected(r.error());
  *out = std::move(*r);
  return ok();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

Result<ForecastFile> read_forecast(const std::filesystem::path& path) {
  using montecarlo::kQuantileLevels;
  using montecarlo::kVariableCount;
  auto opened = ResultReader::open(path);
  if (!opened) return tl::unexpected(opened.error());
  const ResultReader& r = *opened;
  const std::string g = "/forecast/";
  if (!r.exists("/forecast"))
    return fail("not a forecast result (no /forecast group)", path.string());
  std::vector<std::string> names, units;
  std::vector<std::int32_t> years;
  std::vector<double> is_group, reports, draws, seeds, redraws, uncertified,
      param_unc, shock_unc, exact;
  Status s = ok();
  auto step = [&](Status next) {
    if (s && !next) s = next;
  };
  step(take(r.read_strings(g + "scenario"), &names));
  step(take(r.read_strings(g + "region"), &units));
  step(take(r.read_ints(g + "year"), &years));
  for (auto [name, target] : {std::pair{"is_group", &is_group},
                              {"reports", &reports},
                              {"draws", &draws},
                              {"seed", &seeds},
                              {"parameter_redraws", &redraws},
                              {"uncertified_quantiles", &uncertified},
                              {"parameter_uncertainty", &param_unc},
                              {"shock_uncertainty", &shock_unc},
                              {"exact_quantiles", &exact}})
    step(take(r.read_doubles(g + name), target));
  if (!s) return tl::unexpected(s.error());
  const std::size_t S = names.size(), U = units.size(), Y = years.size(),
                    Q = kQuantileLevels.size();
  if (reports.size() != S * U || draws.size() != S)
    return fail("forecast datasets have inconsistent sizes", path.string());

  std::vector<std::vector<double>> quantiles(kVariableCount),
      mean(kVariableCount), sd(kVariableCount);
  for (int var = 0; var < kVariableCount; ++var) {
    const std::string vg = g + montecarlo::VariableName(var) + "/";
    step(take(r.read_doubles(vg + "quantiles"), &quantiles[var]));
    step(take(r.read_doubles(vg + "mean"), &mean[var]));
    step(take(r.read_doubles(vg + "sd"), &sd[var]));
  }
  if (!s) return tl::unexpected(s.error());

  ForecastFile out;
  if (auto arch = r.string_attribute("/", "instruction_set"))
    out.instruction_set = *arch;
  for (std::size_t k = 0; k < S; ++k) {
    montecarlo::ScenarioForecast run;
    run.name = names[k];
    const std::string prefix = "/forecast";
    const std::string key = "scenario_" + std::to_string(k) + "_";
    step(take(r.string_attribute(prefix, key + "file"), &run.file));
    step(take(r.string_attribute(prefix, key + "toml"), &run.text));
    step(take(r.string_attribute(prefix, key + "quantile_method"),
              &run.quantile_method));
    std::vector<std::size_t> local;  // union index of each reported unit
    for (std::size_t u = 0; u < U; ++u)
      if (reports[k * U + u] != 0.0) {
        run.units.push_back(units[u]);
        run.is_group.push_back(is_group[u] != 0.0);
        local.push_back(u);
      }
    run.years.assign(years.begin(), years.end());
    run.draws = std::int64_t(draws[k]);
    run.seed = std::uint64_t(seeds[k]);
    run.scenario_index = k;
    run.parameter_redraws = std::int64_t(redraws[k]);
    run.uncertified_quantiles = std::int64_t(uncertified[k]);
    run.parameter_uncertainty = param_unc[k] != 0.0;
    run.shock_uncertainty = shock_unc[k] != 0.0;
    run.exact = exact[k] != 0.0;
    const std::size_t cells = std::size_t(run.cells());
    run.quantiles.resize(cells * Q);
    run.mean.resize(cells);
    run.sd.resize(cells);
    for (int var = 0; var < kVariableCount; ++var)
      for (std::size_t u = 0; u < local.size(); ++u)
        for (std::size_t h = 0; h < Y; ++h) {
          const std::size_t cell = std::size_t(run.cell(var, int(u), int(h)));
          const std::size_t at = (k * U + local[u]) * Y + h;
          run.mean[cell] = mean[var][at];
          run.sd[cell] = sd[var][at];
          for (std::size_t q = 0; q < Q; ++q)
            run.quantiles[cell * Q + q] = quantiles[var][at * Q + q];
        }
    out.runs.push_back(std::move(run));
  }

  std::vector<std::int32_t> hist_years;
  std::vector<double> hist;
  step(take(r.read_ints(g + "history/history_year"), &hist_years));
  step(take(r.read_doubles(g + "history/gdp"), &hist));
  if (!s) return tl::unexpected(s.error());
  out.history.years.assign(hist_years.begin(), hist_years.end());
  out.history.units = units;
  for (std::size_t u = 0; u < U; ++u)
    out.history.gdp.emplace_back(
        hist.begin() + std::ptrdiff_t(u * hist_years.size()),
        hist.begin() + std::ptrdiff_t((u + 1) * hist_years.size()));

  if (r.exists(g + "point_index")) {
    SweepInfo sweep;
    std::vector<double> points;
    std::string keys, kinds;
    step(take(r.string_attribute("/forecast", "sweep_id"), &sweep.sweep_id));
    step(take(r.int_attribute("/forecast", "sweep_points"),
              &sweep.total_points));
    step(take(r.read_doubles(g + "point_index"), &points));
    step(take(r.string_attribute("/forecast", "sweep_axes"), &keys));
    step(take(r.string_attribute("/forecast", "sweep_axis_kinds"), &kinds));
    if (!s) return tl::unexpected(s.error());
    for (double p : points) sweep.point_index.push_back(std::int64_t(p));
    const auto key_list = split_lines(keys);
    for (std::size_t a = 0; a < key_list.size(); ++a) {
      SweepAxisValues axis;
      axis.key = key_list[a];
      axis.numeric = a < kinds.size() && kinds[a] == 'n';
      if (axis.numeric) {
        step(take(r.read_doubles(g + axis.key), &axis.numbers));
      } else {
        for (std::size_t k = 0; k < S; ++k) {
          std::string label;
          step(take(r.string_attribute(
                        "/forecast", axis.key + "[" + std::to_string(k) + "]"),
                    &label));
          axis.labels.push_back(label);
        }
      }
      sweep.axes.push_back(std::move(axis));
    }
    if (!s) return tl::unexpected(s.error());
    out.sweep = std::move(sweep);
  }
  return out;
}

}  // namespace growthcast::store
