#include <algorithm>
#include <cmath>
#include <limits>

#include "montecarlo/runner.h"
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
                      const ForecastHistory& history) {
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
  if (any_paths) {
    std::vector<std::int32_t> draw_index(static_cast<std::size_t>(max_draws));
    for (std::int64_t d = 0; d < max_draws; ++d)
      draw_index[std::size_t(d)] = std::int32_t(d);
    if (auto s = f.add_scale(g, "draw", draw_index, "1"); !s) return s;
  }

  for (int var = 0; var < kVariableCount; ++var) {
    const std::string vg = g + "/" + montecarlo::VariableName(var);
    const std::string units_attr = montecarlo::VariableUnits(var);
    std::vector<double> quantiles(S * U * Y * Q, kNaN), mean(S * U * Y, kNaN),
        sd(S * U * Y, kNaN);
    for (std::size_t k = 0; k < S; ++k) {
      const auto& run = runs[k];
      for (std::size_t u = 0; u < run.units.size(); ++u) {
        const std::size_t uu = std::size_t(index_of(units, run.units[u]));
        for (std::size_t h = 0; h < run.years.size(); ++h) {
          const std::size_t yy =
              std::size_t(std::find(years.begin(), years.end(), run.years[h]) -
                          years.begin());
          const std::size_t cell = std::size_t(run.cell(var, int(u), int(h)));
          const std::size_t at = (k * U + uu) * Y + yy;
          mean[at] = run.mean[cell];
          sd[at] = run.sd[cell];
          for (std::size_t q = 0; q < Q; ++q)
            quantiles[at * Q + q] = run.quantiles[cell * Q + q];
        }
      }
    }
    if (auto s = f.add_dataset(vg, "quantiles", quantiles,
                               {"/forecast/scenario", "/forecast/region",
                                "/forecast/year", "/forecast/quantile"},
                               units_attr);
        !s)
      return s;
    if (auto s = f.add_dataset(
            vg, "mean", mean,
            {"/forecast/scenario", "/forecast/region", "/forecast/year"},
            units_attr);
        !s)
      return s;
    if (auto s = f.add_dataset(
            vg, "sd", sd,
            {"/forecast/scenario", "/forecast/region", "/forecast/year"},
            units_attr, "standard deviation over draws");
        !s)
      return s;
    if (any_paths) {
      std::vector<double> paths(S * std::size_t(max_draws) * U * Y, kNaN);
      for (std::size_t k = 0; k < S; ++k) {
        const auto& run = runs[k];
        if (run.paths.empty()) continue;
        for (std::size_t u = 0; u < run.units.size(); ++u) {
          const std::size_t uu = std::size_t(index_of(units, run.units[u]));
          for (std::size_t h = 0; h < run.years.size(); ++h) {
            const std::size_t yy = std::size_t(
                std::find(years.begin(), years.end(), run.years[h]) -
                years.begin());
            const std::size_t cell = std::size_t(run.cell(var, int(u), int(h)));
            for (std::int64_t d = 0; d < run.draws; ++d)
              paths[((k * std::size_t(max_draws) + std::size_t(d)) * U + uu) *
                        Y +
                    yy] =
                  run.paths[cell * std::size_t(run.draws) + std::size_t(d)];
          }
        }
      }
      if (auto s = f.add_dataset(vg, "paths", paths,
                                 {"/forecast/scenario", "/forecast/draw",
                                  "/forecast/region", "/forecast/year"},
                                 units_attr, "every draw");
          !s)
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
  if (auto s = f.add_scale(hg, "history_year", hist_years, "year"); !s)
    return s;
  if (auto s =
          f.add_dataset(hg, "gdp", hist, {"/forecast/region", "history_year"},
                        "as the calibration's gdp", "observed GDP");
      !s)
    return s;
  return ok();
}

}  // namespace growthcast::store
