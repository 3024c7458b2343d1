// Scores and benchmarks on tiny examples computed by hand.
#include "backtest/scores.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace growthcast::backtest {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

ForecastPoint point(std::string unit, int horizon, double median, double q05,
                    double q25, double q75, double q95, double actual) {
  return ForecastPoint{2019, horizon, "m", std::move(unit), median, q05,
                       q25,  q75,     q95, actual};
}

// One model, two units, origin 2019, horizons 1 and 2:
//   A h1: median 110, band50 [100, 120], band90 [90, 130], actual 100:
//         e = ln(110/100) = ln 1.1 = 0.0953101798; in both (100 <= 100).
//   A h2: median 120, [110, 130], [100, 140], actual 150:
//         e = ln(120/150) = ln 0.8 = -0.2231435513; in neither.
//   B h1: median 50, [45, 55], [40, 60], actual 50: e = 0; in both.
//   B h2: actual unknown (NaN): not scored.
TEST(ScoresTest, HandExample) {
  std::vector<ForecastPoint> points = {
      point("A", 1, 110, 90, 100, 120, 130, 100),
      point("A", 2, 120, 100, 110, 130, 140, 150),
      point("B", 1, 50, 40, 45, 55, 60, 50),
      point("B", 2, 60, 40, 45, 65, 70, kNaN),
  };
  auto scores = score_forecasts(points, 2);
  ASSERT_TRUE(scores) << scores.error().to_string();
  ASSERT_EQ(scores->size(), 1u);
  const ModelScores& m = (*scores)[0];
  EXPECT_EQ(m.model, "m");
  EXPECT_EQ(m.units, (std::vector<std::string>{"A", "B"}));
  const double e1 = 0.0953101798, e2 = -0.2231435513, tol = 1e-9;

  // h = 1: errors {e1, 0}: bias e1/2 = 0.0476550899, RMSE sqrt(e1^2/2) =
  // 0.0673944745, both bands hold both points.
  EXPECT_EQ(m.by_horizon[0].n, 2u);
  EXPECT_NEAR(m.by_horizon[0].bias, 0.0476550899, tol);
  EXPECT_NEAR(m.by_horizon[0].rmse, 0.0673944745, tol);
  EXPECT_EQ(m.by_horizon[0].coverage50, 1.0);
  EXPECT_EQ(m.by_horizon[0].coverage90, 1.0);
  // h = 2: one error e2: bias e2, RMSE |e2|, no band holds it.
  EXPECT_EQ(m.by_horizon[1].n, 1u);
  EXPECT_NEAR(m.by_horizon[1].bias, e2, tol);
  EXPECT_NEAR(m.by_horizon[1].rmse, -e2, tol);
  EXPECT_EQ(m.by_horizon[1].coverage50, 0.0);
  EXPECT_EQ(m.by_horizon[1].coverage90, 0.0);
  // Unit A: {e1, e2}: bias (e1 + e2)/2 = -0.0639166858, RMSE
  // sqrt((e1^2 + e2^2)/2) = 0.1715766226, one of two in each band.
  EXPECT_EQ(m.by_unit[0].n, 2u);
  EXPECT_NEAR(m.by_unit[0].bias, -0.0639166858, tol);
  EXPECT_NEAR(m.by_unit[0].rmse, 0.1715766226, tol);
  EXPECT_EQ(m.by_unit[0].coverage50, 0.5);
  EXPECT_EQ(m.by_unit[0].coverage90, 0.5);
  // Unit B: only h = 1 is known, error 0.
  EXPECT_EQ(m.by_unit[1].n, 1u);
  EXPECT_EQ(m.by_unit[1].rmse, 0.0);
  EXPECT_EQ(m.by_unit[1].coverage90, 1.0);
  // Unit B, h = 2: nothing known, so NaN.
  EXPECT_EQ(m.by_unit_horizon[1][1].n, 0u);
  EXPECT_TRUE(std::isnan(m.by_unit_horizon[1][1].rmse));
  EXPECT_TRUE(std::isnan(m.by_unit_horizon[1][1].coverage50));
  EXPECT_NEAR(m.by_unit_horizon[0][1].bias, e2, tol);
  // Pooled {e1, e2, 0}: bias (e1 + e2)/3 = -0.0426111238, RMSE
  // sqrt((e1^2 + e2^2)/3) = 0.1400917257, 2 of 3 in each band.
  EXPECT_EQ(m.pooled.n, 3u);
  EXPECT_NEAR(m.pooled.bias, -0.0426111238, tol);
  EXPECT_NEAR(m.pooled.rmse, 0.1400917257, tol);
  EXPECT_NEAR(m.pooled.coverage50, 2.0 / 3.0, 1e-15);
  EXPECT_NEAR(m.pooled.coverage90, 2.0 / 3.0, 1e-15);
  EXPECT_NEAR(m.pooled.bias, (e1 + e2) / 3, tol);
}

TEST(ScoresTest, RefusesBadPoints) {
  auto horizon = score_forecasts({point("A", 3, 1, 1, 1, 1, 1, 1)}, 2);
  ASSERT_FALSE(horizon);
  EXPECT_EQ(horizon.error().field, "horizon");
  auto order = score_forecasts({point("A", 1, 1, 0.5, 1.2, 1.5, 2, 1)}, 2);
  ASSERT_FALSE(order);
  EXPECT_EQ(order.error().field, "quantiles");
  auto partial = score_forecasts({point("A", 1, 1, kNaN, 1, 1, 2, 1)}, 2);
  ASSERT_FALSE(partial);
  EXPECT_EQ(partial.error().field, "quantiles");
  auto twice = score_forecasts(
      {point("A", 1, 1, 1, 1, 1, 1, 1), point("A", 1, 2, 1, 1, 2, 2, 1)}, 2);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().field, "origin");
  auto median = score_forecasts({point("A", 1, 0, 0, 0, 0, 0, 1)}, 2);
  ASSERT_FALSE(median);
  EXPECT_EQ(median.error().field, "median");
}

// ln Y of unit U, 2010..2017: 0, 0.10, 0.18, 0.25, 0.31, 0.36, 0.40, 0.45
// (2017 is the outturn). Origin 2016, horizons 1 and 2 (2018 unknown).
//   naive 5-year trend: g = (ln Y_2016 - ln Y_2011) / 5 = (0.40 - 0.10) / 5
//     = 0.06; forecasts 0.46 (2017) and 0.52 (2018); error 2017 = 0.01.
//   random walk with drift, whole window from 2010: d = 0.40 / 6 =
//     0.0666667; forecasts 0.4666667, 0.5333333; error 2017 = 0.0166667.
//   drift on a 3-year window 2014-2016: d = (0.40 - 0.31) / 2 = 0.045.
TEST(ScoresTest, BenchmarksByHand) {
  UnitSeries u{"U", 2010, {}};
  for (double l : {0.0, 0.10, 0.18, 0.25, 0.31, 0.36, 0.40, 0.45})
    u.values.push_back(std::exp(l));
  BenchmarkOptions options;
  options.origins = {2016};
  options.max_horizon = 2;
  auto points = benchmark_forecasts({u}, options);
  ASSERT_TRUE(points) << points.error().to_string();
  ASSERT_EQ(points->size(), 4u);  // 2 horizons x 2 benchmarks
  auto find = [&](const std::string& model, int h) {
    for (const auto& p : *points)
      if (p.model == model && p.horizon == h) return p;
    ADD_FAILURE() << model << " h" << h;
    return ForecastPoint{};
  };
  EXPECT_NEAR(std::log(find(kNaiveTrendModel, 1).median), 0.46, 1e-12);
  EXPECT_NEAR(std::log(find(kNaiveTrendModel, 2).median), 0.52, 1e-12);
  EXPECT_NEAR(std::log(find(kRandomWalkDriftModel, 2).median), 0.40 + 0.8 / 6,
              1e-12);
  EXPECT_TRUE(std::isnan(find(kNaiveTrendModel, 2).actual));
  EXPECT_TRUE(std::isnan(find(kNaiveTrendModel, 1).q05));

  auto scores = score_forecasts(*points, 2);
  ASSERT_TRUE(scores) << scores.error().to_string();
  ASSERT_EQ(scores->size(), 2u);
  for (const auto& m : *scores) {
    const double e = m.model == kNaiveTrendModel ? 0.01 : 0.4 / 6 - 0.05;
    EXPECT_EQ(m.pooled.n, 1u);
    EXPECT_NEAR(m.pooled.bias, e, 1e-12);
    EXPECT_NEAR(m.pooled.rmse, e, 1e-12);
    EXPECT_EQ(m.pooled.n_bands, 0u);  // no bands: coverage NaN
    EXPECT_TRUE(std::isnan(m.pooled.coverage90));
  }

  options.window_years = 3;
  auto windowed = benchmark_forecasts({u}, options);
  ASSERT_TRUE(windowed) << windowed.error().to_string();
  for (const auto& p : *windowed) {
    if (p.model == kRandomWalkDriftModel && p.horizon == 1) {
      EXPECT_NEAR(std::log(p.median), 0.445, 1e-12);
    }
  }

  // Origin 2014 needs 2009 for the 5-year trend: refused, the unit named.
  options.origins = {2014};
  auto early = benchmark_forecasts({u}, options);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().field, "U");
}

}  // namespace
}  // namespace growthcast::backtest
