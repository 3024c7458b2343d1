// Band calibration c_h on a hand-made example.
#include "backtest/band_calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace growthcast::backtest {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Last data year 2019, horizons 1..3, z = (median - actual) / sd:
//   h = 1: origin 2017, (0 - 0.2) / 0.1 = -2; origin 2018, (0 + 0.1) / 0.1
//          = 1; origin 2016 has no actual (ignored).
//          rms = sqrt((4 + 1) / 2) = sqrt(2.5) = 1.5811388301, c_1 = 1.58...
//   h = 2: origin 2017, (0.05 - 0) / 0.1 = 0.5; origin 2018 ends in 2020,
//          after the last data year, ignored although an actual is given
//          (its sd of 0 is not even looked at).
//          rms = 0.5, c_2 = max(1, 0.5) = 1 (one-sided).
//   h = 3: origin 2017 ends in 2020: no point, c_3 = 1, rms NaN.
TEST(BandCalibrationTest, HandExample) {
  std::vector<BandPoint> points = {
      {2017, 1, "A", 0, 0.1, 0.2},  {2018, 1, "B", 0, 0.1, -0.1},
      {2016, 1, "A", 0, 0.1, kNaN}, {2017, 2, "A", 0.05, 0.1, 0},
      {2018, 2, "A", 0, 0, 0.9},    {2017, 3, "A", 0, 0.1, 5},
  };
  auto c = calibrate_bands(points, 2019, 3);
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->last_data_year, 2019);
  EXPECT_EQ(c->n, (std::vector<std::size_t>{2, 1, 0}));
  EXPECT_NEAR(c->rms[0], 1.5811388301, 1e-10);
  EXPECT_NEAR(c->c[0], 1.5811388301, 1e-10);
  EXPECT_NEAR(c->rms[1], 0.5, 1e-12);
  EXPECT_EQ(c->c[1], 1.0);
  EXPECT_TRUE(std::isnan(c->rms[2]));
  EXPECT_EQ(c->c[2], 1.0);
}

TEST(BandCalibrationTest, RefusesBadPoints) {
  EXPECT_EQ(calibrate_bands({{2017, 4, "A", 0, 0.1, 0}}, 2019, 3).error().field,
            "horizon");
  EXPECT_EQ(calibrate_bands({{2017, 1, "A", 0, 0, 0}}, 2019, 3).error().field,
            "sd");
  EXPECT_EQ(
      calibrate_bands({{2017, 1, "A", kNaN, 1, 0}}, 2019, 3).error().field,
      "median");
}

}  // namespace
}  // namespace growthcast::backtest
