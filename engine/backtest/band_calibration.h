// Band calibration from a backtest (issue 15, docs/backtest.md): for each
// horizon h,
//   c_h = max(1, sqrt(mean over points of ((median - actual) / sd)^2))
// over the earlier origins and all units whose error at h is known at the
// last data year (origin + h <= last_data_year and the actual given).
// Forecast draws are then spread around the median path by c_h. One-sided on
// purpose: calm years must not narrow the bands. Use one scale throughout,
// logs recommended (median and actual as ln Y, sd the sd of ln Y draws).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/error.h"

namespace growthcast::backtest {

struct BandPoint {
  int origin = 0;
  int horizon = 0;   // 1..max_horizon
  std::string unit;  // for messages only
  double median = 0;
  double sd = 0;      // > 0: the forecast's standard deviation
  double actual = 0;  // NaN when not known
};

struct BandCalibration {
  int last_data_year = 0;
  // [h - 1] for h = 1..max_horizon.
  std::vector<double> c;       // >= 1; 1 where no point was usable
  std::vector<double> rms;     // the root mean square; NaN where n == 0
  std::vector<std::size_t> n;  // points used
};

// Refuses (field named) a horizon outside 1..max_horizon, a non-finite
// median, a usable point whose sd is not positive and finite, or a
// non-finite actual other than NaN. Points with origin + horizon >
// last_data_year are ignored even when their actual is given.
Result<BandCalibration> calibrate_bands(const std::vector<BandPoint>& points,
                                        int last_data_year, int max_horizon);

}  // namespace growthcast::backtest
