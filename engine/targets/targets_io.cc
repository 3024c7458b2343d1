#include "targets/targets_io.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "montecarlo/quantiles.h"

namespace growthcast::targets {

double median_outcome(const montecarlo::ScenarioForecast& run,
                      const TargetResult& r) {
  const auto& levels = montecarlo::kQuantileLevels;
  const std::size_t q = std::size_t(
      std::find(levels.begin(), levels.end(), 0.5) - levels.begin());
  const int h = r.spec.year - run.years.front();
  return run.quantiles[std::size_t(run.cell(montecarlo::kGdp, r.unit, h)) *
                           levels.size() +
                       q];
}

Status write_targets(store::ResultFile& f,
                     const std::vector<montecarlo::ScenarioForecast>& runs,
                     const std::vector<std::vector<TargetResult>>& targets) {
  const std::string g = "/forecast/targets";
  std::vector<std::string> labels, regions;
  std::vector<std::int32_t> years;
  std::vector<std::pair<std::size_t, const TargetResult*>> all;
  for (std::size_t k = 0; k < targets.size(); ++k)
    for (const auto& r : targets[k]) {
      labels.push_back(runs[k].name + "/targets[" +
                       std::to_string(r.spec.index) + "]");
      all.emplace_back(k, &r);
      for (const auto& name : r.spec.regions)
        if (std::find(regions.begin(), regions.end(), name) == regions.end())
          regions.push_back(name);
      for (int y : runs[k].years)
        if (std::find(years.begin(), years.end(), y) == years.end())
          years.push_back(y);
    }
  if (all.empty()) return ok();
  std::sort(years.begin(), years.end());
  if (auto s = f.add_scale(g, "target", labels); !s) return s;
  if (auto s = f.add_scale(g, "instrument_region", regions); !s) return s;
  if (auto s = f.add_scale(g, "year", years, "year"); !s) return s;

  const double nan = std::nan("");
  struct Column {
    const char* name;
    const char* units;
    const char* long_name;
    double (*value)(const montecarlo::ScenarioForecast&, std::size_t,
                    const TargetResult&);
  };
  using Run = montecarlo::ScenarioForecast;
  using T = TargetResult;
  static const Column kColumns[] = {
      {"scenario_index", "1", "index of the scenario in /forecast/scenario",
       [](const Run&, std::size_t k, const T&) { return double(k); }},
      {"target_year", "year", "the year whose GDP is targeted",
       [](const Run&, std::size_t, const T& r) { return double(r.spec.year); }},
      {"base_year", "year",
       "ratio_to_year or growth_from (NaN for a level target)",
       [](const Run&, std::size_t, const T& r) {
         return r.spec.kind == scenario::TargetSpec::Kind::level
                    ? std::nan("")
                    : double(r.spec.base_year);
       }},
      {"base_value", "as the calibration's gdp",
       "GDP in the base year (panel, outturn or central path; NaN for a "
       "level target)",
       [](const Run&, std::size_t, const T& r) { return r.base_value; }},
      {"target_value", "as the calibration's gdp", "the GDP level to reach",
       [](const Run&, std::size_t, const T& r) { return r.target_value; }},
      {"central_value", "as the calibration's gdp",
       "GDP on the central path with the solved instrument",
       [](const Run&, std::size_t, const T& r) { return r.central_value; }},
      {"median_value", "as the calibration's gdp",
       "the Monte Carlo median of the targeted GDP",
       [](const Run& run, std::size_t, const T& r) {
         return median_outcome(run, r);
       }},
      {"level", "1", "the solved level of the instrument's ramp",
       [](const Run&, std::size_t, const T& r) { return r.level; }},
      {"lower", "1", "the level's lower bound",
       [](const Run&, std::size_t, const T& r) { return r.spec.lower; }},
      {"upper", "1", "the level's upper bound",
       [](const Run&, std::size_t, const T& r) { return r.spec.upper; }},
      {"by", "year", "the year the ramp reaches its level",
       [](const Run&, std::size_t, const T& r) { return double(r.spec.by); }},
      {"reachable", "1",
       "1 when the central path meets the target to 1e-6 relative",
       [](const Run&, std::size_t, const T& r) {
         return r.reachable ? 1.0 : 0.0;
       }},
      {"at_bound", "1", "-1 at the lower bound, 1 at the upper, else 0",
       [](const Run&, std::size_t, const T& r) {
         return r.bound == "lower" ? -1.0 : r.bound == "upper" ? 1.0 : 0.0;
       }},
      {"probability", "1", "share of draws whose GDP reaches the target",
       [](const Run&, std::size_t, const T& r) { return r.probability(); }},
      {"draws_reaching", "1", "number of draws whose GDP reaches the target",
       [](const Run&, std::size_t, const T& r) {
         return double(r.draws_reaching);
       }},
      {"solver_iterations", "1", "Ceres iterations of the joint solve",
       [](const Run&, std::size_t, const T& r) {
         return double(r.solver_iterations);
       }},
  };
  for (const Column& c : kColumns) {
    std::vector<double> values;
    for (const auto& [k, r] : all) values.push_back(c.value(runs[k], k, *r));
    if (auto s =
            f.add_dataset(g, c.name, values, {"target"}, c.units, c.long_name);
        !s)
      return s;
  }
  // The solved driver path, per instrument region and year.
  std::vector<double> path(all.size() * regions.size() * years.size(), nan);
  for (std::size_t t = 0; t < all.size(); ++t) {
    const TargetResult& r = *all[t].second;
    const int first_year = runs[all[t].first].years.front();
    for (std::size_t j = 0; j < r.spec.regions.size(); ++j) {
      const std::size_t reg = std::size_t(
          std::find(regions.begin(), regions.end(), r.spec.regions[j]) -
          regions.begin());
      for (std::size_t h = 0; h < r.path[j].size(); ++h) {
        const std::size_t y = std::size_t(
            std::find(years.begin(), years.end(), first_year + int(h)) -
            years.begin());
        path[(t * regions.size() + reg) * years.size() + y] = r.path[j][h];
      }
    }
  }
  if (auto s = f.add_dataset(g, "path", path,
                             {"target", "instrument_region", "year"}, "1",
                             "the instrument's solved path (NaN outside its "
                             "regions)");
      !s)
    return s;
  // Text per target, as attributes (string datasets here are scales).
  for (std::size_t t = 0; t < all.size(); ++t) {
    const TargetResult& r = *all[t].second;
    const std::string i = "[" + std::to_string(t) + "]";
    const char* kinds[] = {"level", "ratio", "growth"};
    const std::pair<std::string, std::string> text[] = {
        {"gdp_of", r.spec.gdp_of},
        {"kind", kinds[int(r.spec.kind)]},
        {"driver", scenario::DriverToString(r.spec.driver)},
        {"base_source", r.base_source},
        {"bound", r.bound},
        {"solver_termination", r.solver_termination}};
    for (const auto& [name, value] : text)
      if (auto s = f.set_attribute(g, name + i, value); !s) return s;
  }
  return ok();
}

}  // namespace growthcast::targets
