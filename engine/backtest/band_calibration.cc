#include "backtest/band_calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace growthcast::backtest {

Result<BandCalibration> calibrate_bands(const std::vector<BandPoint>& points,
                                        int last_data_year, int max_horizon) {
  if (max_horizon < 1)
    return fail("max_horizon must be at least 1", {}, 0, "horizon");
  const auto h_count = static_cast<std::size_t>(max_horizon);
  std::vector<double> sum(h_count, 0);
  BandCalibration out;
  out.last_data_year = last_data_year;
  out.n.assign(h_count, 0);
  for (const auto& p : points) {
    const std::string where = "unit '" + p.unit + "', origin " +
                              std::to_string(p.origin) + ", horizon " +
                              std::to_string(p.horizon);
    if (p.horizon < 1 || p.horizon > max_horizon)
      return fail(
          "horizon outside 1.." + std::to_string(max_horizon) + " for " + where,
          {}, 0, "horizon");
    if (!std::isfinite(p.median))
      return fail("median is not finite for " + where, {}, 0, "median");
    if (!std::isnan(p.actual) && !std::isfinite(p.actual))
      return fail("actual is infinite for " + where, {}, 0, "actual");
    // Known at the last data year: long long so origin + horizon cannot
    // overflow.
    if (static_cast<long long>(p.origin) + p.horizon > last_data_year ||
        std::isnan(p.actual))
      continue;
    if (!(p.sd > 0) || !std::isfinite(p.sd))
      return fail("sd must be positive and finite for " + where, {}, 0, "sd");
    const double z = (p.median - p.actual) / p.sd;
    const auto h = static_cast<std::size_t>(p.horizon - 1);
    sum[h] += z * z;
    ++out.n[h];
  }
  for (std::size_t h = 0; h < h_count; ++h) {
    if (out.n[h] == 0) {
      out.rms.push_back(std::numeric_limits<double>::quiet_NaN());
      out.c.push_back(1);
      continue;
    }
    out.rms.push_back(std::sqrt(sum[h] / static_cast<double>(out.n[h])));
    out.c.push_back(std::max(1.0, out.rms.back()));
  }
  return out;
}

}  // namespace growthcast::backtest
