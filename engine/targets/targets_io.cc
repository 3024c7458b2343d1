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
      {"probability", "1", "share of draws whose GDP reaches the target",
       [](const Run&, std::size_t, const T& r) { return r.probability(); }},
  };
  for (const Column& c : kColumns) {
    std::vector<double> values;
    for (const auto& [k, r] : all) values.push_back(c.value(runs[k], k, *r));
    if (auto s =
            f.add_dataset(g, c.name, values, {"target"}, c.units, c.long_name);
        !s)
      return s;
  }
  // Indices and counts as integers, the yes/no as a CF flag (issue 17).
  std::vector<std::int64_t> scenario_index, at_bound, draws_reaching,
      solver_iterations;
  std::vector<bool> reachable;
  for (const auto& [k, r] : all) {
    scenario_index.push_back(std::int64_t(k));
    at_bound.push_back(r->bound == "lower" ? -1 : r->bound == "upper" ? 1 : 0);
    draws_reaching.push_back(r->draws_reaching);
    solver_iterations.push_back(r->solver_iterations);
    reachable.push_back(r->reachable);
  }
  const std::pair<const char*, const std::vector<std::int64_t>*> ints[] = {
      {"scenario_index", &scenario_index},
      {"at_bound", &at_bound},
      {"draws_reaching", &draws_reaching},
      {"solver_iterations", &solver_iterations}};
  const char* int_names[] = {"index of the scenario in /forecast/scenario",
                             "-1 at the lower bound, 1 at the upper, else 0",
                             "number of draws whose GDP reaches the target",
                             "Ceres iterations of the joint solve"};
  for (std::size_t c = 0; c < std::size(ints); ++c)
    if (auto s = f.add_int64_dataset(g, ints[c].first, *ints[c].second,
                                     {"target"}, "1", int_names[c]);
        !s)
      return s;
  if (auto s = f.add_flag_dataset(
          g, "reachable", reachable, {"target"},
          "true when the central path meets the target to 1e-6 relative");
      !s)
    return s;
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
