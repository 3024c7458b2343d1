#include "backtest/scores.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <utility>

namespace growthcast::backtest {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Running sums of one score.
struct Sums {
  std::size_t n = 0, n_bands = 0, in50 = 0, in90 = 0;
  double sum_e = 0, sum_e2 = 0;

  void add(const ForecastPoint& p) {
    const double e = std::log(p.median) - std::log(p.actual);
    ++n;
    sum_e += e;
    sum_e2 += e * e;
    if (std::isnan(p.q05)) return;
    ++n_bands;
    if (p.q25 <= p.actual && p.actual <= p.q75) ++in50;
    if (p.q05 <= p.actual && p.actual <= p.q95) ++in90;
  }

  Score score() const {
    Score s;
    s.n = n;
    s.n_bands = n_bands;
    const double dn = static_cast<double>(n);
    const double db = static_cast<double>(n_bands);
    s.rmse = n ? std::sqrt(sum_e2 / dn) : kNaN;
    s.bias = n ? sum_e / dn : kNaN;
    s.coverage50 = n_bands ? static_cast<double>(in50) / db : kNaN;
    s.coverage90 = n_bands ? static_cast<double>(in90) / db : kNaN;
    return s;
  }
};

std::string where(const ForecastPoint& p) {
  return "model '" + p.model + "', unit '" + p.unit + "', origin " +
         std::to_string(p.origin) + ", horizon " + std::to_string(p.horizon);
}

Status check(const ForecastPoint& p, int max_horizon) {
  if (p.horizon < 1 || p.horizon > max_horizon)
    return fail("horizon outside 1.." + std::to_string(max_horizon) + " for " +
                    where(p),
                {}, 0, "horizon");
  if (!(p.median > 0) || !std::isfinite(p.median))
    return fail("median must be positive and finite for " + where(p), {}, 0,
                "median");
  if (!std::isnan(p.actual) && !(p.actual > 0 && std::isfinite(p.actual)))
    return fail("actual must be positive and finite, or NaN, for " + where(p),
                {}, 0, "actual");
  const int missing = std::isnan(p.q05) + std::isnan(p.q25) +
                      std::isnan(p.q75) + std::isnan(p.q95);
  if (missing == 4) return ok();
  if (missing != 0)
    return fail("quantiles must be all given or all NaN for " + where(p), {}, 0,
                "quantiles");
  if (!(p.q05 <= p.q25 && p.q25 <= p.median && p.median <= p.q75 &&
        p.q75 <= p.q95) ||
      !std::isfinite(p.q05) || !std::isfinite(p.q95))
    return fail(
        "quantiles must be finite with q05 <= q25 <= median <= q75 "
        "<= q95 for " +
            where(p),
        {}, 0, "quantiles");
  return ok();
}

}  // namespace

Result<std::vector<ModelScores>> score_forecasts(
    const std::vector<ForecastPoint>& points, int max_horizon) {
  if (max_horizon < 1)
    return fail("max_horizon must be at least 1", {}, 0, "horizon");
  std::set<std::tuple<std::string, std::string, int, int>> seen;
  std::map<std::string, std::size_t> model_index;
  std::vector<ModelScores> out;
  struct ModelSums {
    std::map<std::string, std::size_t> unit_index;
    std::vector<Sums> by_horizon, by_unit;
    std::vector<std::vector<Sums>> by_unit_horizon;
    Sums pooled;
  };
  std::vector<ModelSums> sums;
  const auto h_count = static_cast<std::size_t>(max_horizon);

  for (const auto& p : points) {
    if (auto s = check(p, max_horizon); !s) return tl::unexpected(s.error());
    if (!seen.emplace(p.model, p.unit, p.origin, p.horizon).second)
      return fail("two points for " + where(p), {}, 0, "origin");
    auto [mit, new_model] = model_index.emplace(p.model, out.size());
    if (new_model) {
      out.push_back(ModelScores{p.model});
      sums.push_back(ModelSums{});
      sums.back().by_horizon.resize(h_count);
    }
    ModelScores& m = out[mit->second];
    ModelSums& ms = sums[mit->second];
    auto [uit, new_unit] = ms.unit_index.emplace(p.unit, m.units.size());
    if (new_unit) {
      m.units.push_back(p.unit);
      ms.by_unit.emplace_back();
      ms.by_unit_horizon.emplace_back(h_count);
    }
    if (std::isnan(p.actual)) continue;
    const auto h = static_cast<std::size_t>(p.horizon - 1);
    ms.by_horizon[h].add(p);
    ms.by_unit[uit->second].add(p);
    ms.by_unit_horizon[uit->second][h].add(p);
    ms.pooled.add(p);
  }

  for (std::size_t k = 0; k < out.size(); ++k) {
    const ModelSums& ms = sums[k];
    ModelScores& m = out[k];
    for (const auto& s : ms.by_horizon) m.by_horizon.push_back(s.score());
    for (const auto& s : ms.by_unit) m.by_unit.push_back(s.score());
    for (const auto& row : ms.by_unit_horizon) {
      m.by_unit_horizon.emplace_back();
      for (const auto& s : row) m.by_unit_horizon.back().push_back(s.score());
    }
    m.pooled = ms.pooled.score();
  }
  return out;
}

Result<std::vector<ForecastPoint>> benchmark_forecasts(
    const std::vector<UnitSeries>& series, const BenchmarkOptions& options) {
  if (options.max_horizon < 1)
    return fail("max_horizon must be at least 1", {}, 0, "horizon");
  if (options.trend_years < 1)
    return fail("trend_years must be at least 1", {}, 0, "trend_years");
  if (options.window_years < 0 || options.window_years == 1)
    return fail("window_years must be 0 (all years) or at least 2", {}, 0,
                "window_years");
  std::vector<ForecastPoint> out;
  for (const auto& s : series) {
    const auto n_years = static_cast<long>(s.values.size());
    // ln Y of a year that must be known history; NaN when it is not.
    auto log_at = [&](long year) {
      const long t = year - s.first_year;
      if (t < 0 || t >= n_years) return kNaN;
      const double v = s.values[static_cast<std::size_t>(t)];
      return v > 0 && std::isfinite(v) ? std::log(v) : kNaN;
    };
    auto actual_at = [&](long year) {
      const long t = year - s.first_year;
      return t < n_years ? s.values[static_cast<std::size_t>(t)] : kNaN;
    };
    for (int origin : options.origins) {
      const long o = origin;
      const long start =
          options.window_years == 0
              ? s.first_year
              : std::max<long>(s.first_year, o - options.window_years + 1);
      // Every year of the history used must be known and positive.
      const long from = std::min<long>(start, o - options.trend_years);
      for (long y = from; y <= o; ++y)
        if (std::isnan(log_at(y)))
          return fail("origin " + std::to_string(origin) +
                          " needs a positive, finite value for year " +
                          std::to_string(y) + " (history from " +
                          std::to_string(from) + ")",
                      {}, 0, s.unit);
      if (start >= o)
        return fail("origin " + std::to_string(origin) +
                        " leaves no years of history for the drift",
                    {}, 0, s.unit);
      const double y0 = log_at(o);
      const double trend =
          (y0 - log_at(o - options.trend_years)) / options.trend_years;
      const double drift =
          (y0 - log_at(start)) / static_cast<double>(o - start);
      for (int h = 1; h <= options.max_horizon; ++h) {
        const double actual = actual_at(o + h);
        for (auto [model, g] : {std::pair{kNaiveTrendModel, trend},
                                std::pair{kRandomWalkDriftModel, drift}}) {
          ForecastPoint p;
          p.origin = origin;
          p.horizon = h;
          p.model = model;
          p.unit = s.unit;
          p.median = std::exp(y0 + h * g);
          p.q05 = p.q25 = p.q75 = p.q95 = kNaN;
          p.actual = actual;
          out.push_back(std::move(p));
        }
      }
    }
  }
  return out;
}

}  // namespace growthcast::backtest
