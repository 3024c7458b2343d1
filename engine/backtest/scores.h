// Scores of forecasts against what happened, and the two benchmarks they are
// compared with (docs/backtest.md).
//
// Every number is about levels (GRP of a region, or of a group summed per
// draw) and is scored on logs:
//   log error  e = ln(median) - ln(actual)   (> 0: the forecast was too high)
//   RMSE       sqrt(mean e^2)
//   bias       mean e
//   coverage50 share of points with q25 <= actual <= q75
//   coverage90 share of points with q05 <= actual <= q95
// Points whose actual is unknown (NaN) are skipped; points without bands
// (quantiles NaN, as for the benchmarks) count for RMSE and bias only.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/error.h"

namespace growthcast::backtest {

// One forecast of one unit at one horizon, from one origin.
struct ForecastPoint {
  int origin = 0;   // last data year the forecast was made with
  int horizon = 0;  // 1..H; the target year is origin + horizon
  std::string model;
  std::string unit;  // a region or a group
  double median = 0;
  // Quantiles of the forecast distribution; all four NaN for a point
  // forecast (no band), otherwise q05 <= q25 <= median <= q75 <= q95.
  double q05 = 0, q25 = 0, q75 = 0, q95 = 0;
  double actual = 0;  // NaN when not known
};

struct Score {
  std::size_t n = 0;        // points with a known actual
  double rmse = 0;          // NaN when n == 0
  double bias = 0;          // NaN when n == 0
  std::size_t n_bands = 0;  // of those, points with bands
  double coverage50 = 0;    // NaN when n_bands == 0
  double coverage90 = 0;    // NaN when n_bands == 0
};

// All scores of one model.
struct ModelScores {
  std::string model;
  std::vector<std::string> units;  // in order of first appearance
  std::vector<Score> by_horizon;   // [h - 1], pooled over units, origins
  std::vector<Score> by_unit;      // [unit], pooled over horizons, origins
  std::vector<std::vector<Score>> by_unit_horizon;  // [unit][h - 1]
  Score pooled;                                     // everything
};

// Scores per model (in order of first appearance), horizon, unit and
// pooled. Refuses (field named) a horizon outside 1..max_horizon, a median
// or actual that is not positive, unordered or partly missing quantiles,
// and two points for the same model, unit, origin and horizon.
Result<std::vector<ModelScores>> score_forecasts(
    const std::vector<ForecastPoint>& points, int max_horizon);

// A unit's history and outturns: levels for consecutive years from
// first_year. NaN = not known (after the last data year, say).
struct UnitSeries {
  std::string unit;
  int first_year = 0;
  std::vector<double> values;
};

struct BenchmarkOptions {
  std::vector<int> origins;
  int max_horizon = 5;
  // Years of history the naive trend averages over (the last ones up to the
  // origin).
  int trend_years = 5;
  // Years of the window the random walk's drift is estimated on: the years
  // origin - window_years + 1 .. origin, cut at the series' first year;
  // 0 = every year from the series' first year.
  int window_years = 0;
};

// Model names of the benchmarks' points.
inline constexpr const char* kNaiveTrendModel = "naive_trend";
inline constexpr const char* kRandomWalkDriftModel = "random_walk_drift";

// The two benchmarks, from history up to each origin only:
//   naive trend:        g = (ln Y_o - ln Y_{o-n}) / n, n = trend_years
//                       (the mean log growth of the last n years);
//   random walk + drift: d = (ln Y_o - ln Y_s) / (o - s), s = the window's
//                       first year (the mean log growth of the window);
//   forecast ln Y_{o+h} = ln Y_o + h g  (or + h d).
// Points with no bands (quantiles NaN) and the actual from the series (NaN
// beyond it), one per unit, origin, horizon and benchmark, ready for
// score_forecasts. Refuses (field = the unit) an origin whose history is
// not in the series, positive and finite.
Result<std::vector<ForecastPoint>> benchmark_forecasts(
    const std::vector<UnitSeries>& series, const BenchmarkOptions& options);

}  // namespace growthcast::backtest
