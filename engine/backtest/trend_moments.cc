#include "backtest/trend_moments.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

namespace growthcast::backtest {
namespace {

double a_coef(double phi, int lag) {
  if (lag == 0) return 2 / (1 + phi);
  return -std::pow(phi, lag - 1) * (1 - phi) / (1 + phi);
}

double b_coef(int lag) {
  switch (lag) {
    case 0:
      return 6;
    case 1:
      return -4;
    case 2:
      return 1;
    default:
      return 0;
  }
}

// Least squares of c_k = z a_k + s b_k over the lags, with z, s >= 0 (the
// two-variable non-negative least squares: the free solution if it is
// non-negative, else the better of the two one-variable fits).
void fit(const std::vector<double>& c, double phi, ComponentMoments& out) {
  double aa = 0, ab = 0, bb = 0, ac = 0, bc = 0;
  for (std::size_t k = 0; k < c.size(); ++k) {
    const double a = a_coef(phi, static_cast<int>(k));
    const double b = b_coef(static_cast<int>(k));
    aa += a * a;
    ab += a * b;
    bb += b * b;
    ac += a * c[k];
    bc += b * c[k];
  }
  const double det = aa * bb - ab * ab;
  out.zeta2_raw = (ac * bb - bc * ab) / det;
  out.noise2_raw = (bc * aa - ac * ab) / det;
  if (out.zeta2_raw >= 0 && out.noise2_raw >= 0) {
    out.zeta2 = out.zeta2_raw;
    out.noise2 = out.noise2_raw;
  } else {
    auto rss = [&](double z, double s) {
      double sum = 0;
      for (std::size_t k = 0; k < c.size(); ++k) {
        const double r = c[k] - z * a_coef(phi, static_cast<int>(k)) -
                         s * b_coef(static_cast<int>(k));
        sum += r * r;
      }
      return sum;
    };
    const double z_only = std::max(0.0, ac / aa);
    const double s_only = std::max(0.0, bc / bb);
    if (rss(z_only, 0) <= rss(0, s_only)) {
      out.zeta2 = z_only;
      out.noise2 = 0;
    } else {
      out.zeta2 = 0;
      out.noise2 = s_only;
    }
  }
  out.autocov = c;
  out.zeta = std::sqrt(out.zeta2);
  out.noise = std::sqrt(out.noise2);
}

}  // namespace

double second_difference_autocov(double zeta2, double noise2, double phi,
                                 int lag) {
  if (lag < 0) lag = -lag;
  return zeta2 * a_coef(phi, lag) + noise2 * b_coef(lag);
}

Result<TrendMoments> estimate_trend_moments(
    const std::vector<std::vector<double>>& log_y,
    const TrendMomentOptions& options) {
  if (!(options.phi >= 0 && options.phi < 1))
    return fail("phi must be in [0, 1)", {}, 0, "phi");
  if (options.max_lag < 1)
    return fail("max_lag must be at least 1", {}, 0, "max_lag");
  const std::size_t n = log_y.size();
  if (n < 2) return fail("need at least 2 regions", {}, 0, "regions");
  const std::size_t years = log_y[0].size();
  const auto lags = static_cast<std::size_t>(options.max_lag);
  if (years < lags + 3)
    return fail("need at least max_lag + 3 = " + std::to_string(lags + 3) +
                    " years, have " + std::to_string(years),
                {}, 0, "years");
  for (std::size_t i = 0; i < n; ++i) {
    if (log_y[i].size() != years)
      return fail("region " + std::to_string(i) + " has " +
                      std::to_string(log_y[i].size()) + " years, region 0 " +
                      std::to_string(years),
                  {}, 0, "years");
    for (std::size_t t = 0; t < years; ++t)
      if (!std::isfinite(log_y[i][t]))
        return fail("value is not finite", {}, 0,
                    "region " + std::to_string(i) + ", year index " +
                        std::to_string(t));
  }

  // x[i][t] = D^2 ln Y, t = 0..T-1; demeaned per region if asked.
  const std::size_t T = years - 2;
  std::vector<std::vector<double>> x(n, std::vector<double>(T));
  for (std::size_t i = 0; i < n; ++i) {
    double mean = 0;
    for (std::size_t t = 0; t < T; ++t) {
      x[i][t] = log_y[i][t + 2] - 2 * log_y[i][t + 1] + log_y[i][t];
      mean += x[i][t];
    }
    mean /= static_cast<double>(T);
    if (options.demean)
      for (auto& v : x[i]) v -= mean;
  }
  std::vector<double> m(T, 0);
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t i = 0; i < n; ++i) m[t] += x[i][t];
    m[t] /= static_cast<double>(n);
  }
  const auto dn = static_cast<double>(n);
  std::vector<double> cp(lags + 1), cc(lags + 1);
  for (std::size_t k = 0; k <= lags; ++k) {
    double sum_d = 0, sum_m = 0;
    for (std::size_t t = k; t < T; ++t) {
      sum_m += m[t] * m[t - k];
      for (std::size_t i = 0; i < n; ++i)
        sum_d += (x[i][t] - m[t]) * (x[i][t - k] - m[t - k]);
    }
    const auto pairs = static_cast<double>(T - k);
    cp[k] = sum_d / ((dn - 1) * pairs);
    cc[k] = sum_m / pairs - cp[k] / dn;
  }

  TrendMoments out;
  out.regions = static_cast<int>(n);
  out.differences = static_cast<int>(T);
  out.phi = options.phi;
  out.max_lag = options.max_lag;
  fit(cc, options.phi, out.common);
  fit(cp, options.phi, out.regional);
  return out;
}

}  // namespace growthcast::backtest
