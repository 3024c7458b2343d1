#include "store/backtest_io.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace growthcast::store {
namespace {

template <class T>
int index_of(std::vector<T>& list, const T& value) {
  auto it = std::find(list.begin(), list.end(), value);
  if (it != list.end()) return int(it - list.begin());
  list.push_back(value);
  return int(list.size()) - 1;
}

}  // namespace

Status write_backtest(ResultFile& f,
                      const std::vector<backtest::ForecastPoint>& points,
                      const std::vector<backtest::ModelScores>& scores,
                      int horizon, const std::string& national) {
  const std::string g = "/backtest";
  std::vector<std::string> models, units;
  std::vector<std::int32_t> origins, horizons;
  for (const auto& s : scores) index_of(models, s.model);
  for (const auto& p : points) {
    index_of(models, p.model);
    index_of(units, p.unit);
    index_of(origins, std::int32_t(p.origin));
  }
  std::sort(origins.begin(), origins.end());
  for (int h = 1; h <= horizon; ++h) horizons.push_back(h);
  const std::size_t nm = models.size(), no = origins.size(), nu = units.size(),
                    nh = horizons.size();
  const double nan = std::nan("");
  std::map<std::string, std::vector<double>> cube;
  // The median is q50: a variable named "median" would be hidden by
  // xarray's Dataset.median.
  for (const char* name : {"q50", "q05", "q25", "q75", "q95", "actual"})
    cube[name].assign(nm * no * nu * nh, nan);
  for (const auto& p : points) {
    const std::size_t m = std::size_t(index_of(models, p.model));
    const std::size_t o = std::size_t(
        std::find(origins.begin(), origins.end(), p.origin) - origins.begin());
    const std::size_t u = std::size_t(index_of(units, p.unit));
    const std::size_t at =
        ((m * no + o) * nu + u) * nh + std::size_t(p.horizon - 1);
    cube["q50"][at] = p.median;
    cube["q05"][at] = p.q05;
    cube["q25"][at] = p.q25;
    cube["q75"][at] = p.q75;
    cube["q95"][at] = p.q95;
    cube["actual"][at] = p.actual;
  }
  std::map<std::string, std::vector<double>> table;
  for (const char* name :
       {"rmse", "bias", "coverage50", "coverage90", "n", "national_rmse",
        "national_bias", "national_coverage50", "national_coverage90"})
    table[name].assign(nm * nh, nan);
  for (const auto& s : scores) {
    const std::size_t m = std::size_t(index_of(models, s.model));
    const auto nat = std::find(s.units.begin(), s.units.end(), national);
    for (std::size_t h = 0; h < nh && h < s.by_horizon.size(); ++h) {
      const auto& x = s.by_horizon[h];
      table["rmse"][m * nh + h] = x.rmse;
      table["bias"][m * nh + h] = x.bias;
      table["coverage50"][m * nh + h] = x.coverage50;
      table["coverage90"][m * nh + h] = x.coverage90;
      table["n"][m * nh + h] = double(x.n);
      if (nat != s.units.end()) {
        const auto& y =
            s.by_unit_horizon[std::size_t(nat - s.units.begin())][h];
        table["national_rmse"][m * nh + h] = y.rmse;
        table["national_bias"][m * nh + h] = y.bias;
        table["national_coverage50"][m * nh + h] = y.coverage50;
        table["national_coverage90"][m * nh + h] = y.coverage90;
      }
    }
  }
  Status status = f.add_scale(g, "model", models);
  auto then = [&](auto&& step) {
    if (status) status = step();
  };
  then([&] { return f.add_scale(g, "origin", origins, "year"); });
  then([&] { return f.add_scale(g, "unit", units); });
  then([&] { return f.add_scale(g, "horizon", horizons, "years"); });
  const std::vector<std::string> dims4 = {"model", "origin", "unit", "horizon"};
  // Plain loop variables: clang 14 (the fuzz build) cannot capture
  // structured bindings in lambdas.
  for (const auto& entry : cube)
    then([&] {
      const std::string& name = entry.first;
      return f.add_dataset(
          g, name, entry.second, dims4, "as the panel's gdp",
          name == "actual" ? "GDP that happened" : "forecast GDP, " + name);
    });
  for (const auto& entry : table)
    then([&] {
      const std::string& name = entry.first;
      return f.add_dataset(
          g, name, entry.second, {"model", "horizon"}, "1",
          name == "n" ? "forecasts scored (regions)"
                      : name +
                            " of the log error of the median (ln median - ln "
                            "actual) or band coverage (fraction)");
    });
  then([&] { return f.set_attribute(g, "national_unit", national); });
  return status;
}

}  // namespace growthcast::store
