// Method-of-moments estimates of the trend shocks of issue 15, from second
// differences of log output (docs/backtest.md, "Trend shocks").
//
// Model, for regions i = 1..N and years t:
//   ln Y_i,t = a_i + g_i t + w_i,t + eps_i,t
//   w_i,t    = w_i,t-1 + v_i,t
//   v_i,t    = phi v_i,t-1 + zeta_c h_t + zeta_p h_i,t
//   eps_i,t  = sigma_c e_t + sigma_p e_i,t
// h_t, h_i,t, e_t, e_i,t independent standard white noise; v stationary
// (0 <= phi < 1; phi = 0: the growth rate gets white-noise shocks, the log
// level a random walk around the trend). The second difference removes the
// level and the linear trend:
//   x_i,t = D^2 ln Y_i,t = (v_i,t - v_i,t-1) + (eps_i,t - 2 eps_i,t-1 +
//   eps_i,t-2)
// and for each component (common: zeta_c, sigma_c; regional: zeta_p,
// sigma_p) its autocovariance at lag k is
//   C_k = zeta^2 a_k(phi) + sigma^2 b_k
//   a_0 = 2 / (1 + phi),  a_k = -phi^(k-1) (1 - phi) / (1 + phi)  (k >= 1)
//   b_0 = 6,  b_1 = -4,  b_2 = 1,  b_k = 0  (k >= 3).
// (phi = 0: C_0 = 2 zeta^2 + 6 sigma^2, C_1 = -zeta^2 - 4 sigma^2,
// C_2 = sigma^2, C_k = 0 beyond: sigma^2 = C_2, zeta^2 = -C_1 - 4 C_2.)
//
// Common and regional parts: with m_t = (1/N) sum_i x_i,t (cross-region
// mean) and d_i,t = x_i,t - m_t,
//   E[d_i,t d_i,t-k] = (1 - 1/N) Cp_k     (pooled over i: Cp_k)
//   Cov(m_t, m_t-k)  = Cc_k + Cp_k / N.
// The sample moments are
//   Cp_k^ = sum_i sum_t d_i,t d_i,t-k / ((N - 1)(T - k))
//   Cc_k^ = sum_t m_t m_t-k / (T - k) - Cp_k^ / N
// over the T second differences, and (zeta^2, sigma^2) of each component
// solve the least-squares fit of C_k^ = zeta^2 a_k + sigma^2 b_k over
// k = 0..max_lag (exactly identified for max_lag = 1; phi = 0 and max_lag
// = 2 is the default). With `demean`, each region's x_i,t has its time mean
// removed first (a quadratic trend in ln Y, e.g. steady deceleration; the
// mean of an over-differenced series is (D ln Y_T - D ln Y_1) / (T - 1), so
// this costs almost nothing). phi is taken as given, not estimated.
#pragma once

#include <vector>

#include "common/error.h"

namespace growthcast::backtest {

struct TrendMomentOptions {
  double phi = 0;   // AR(1) coefficient of the growth shocks, in [0, 1)
  int max_lag = 2;  // autocovariances used: lags 0..max_lag, >= 1
  bool demean = true;
};

// The moments and estimates of one component (common or regional).
struct ComponentMoments {
  std::vector<double> autocov;  // C_k^, k = 0..max_lag
  // Least-squares solutions, which can be negative in a sample...
  double zeta2_raw = 0, noise2_raw = 0;
  // ... and the estimates: the fit redone with a negative one fixed at 0.
  double zeta2 = 0, noise2 = 0;
  double zeta = 0, noise = 0;  // square roots of zeta2 and noise2
};

struct TrendMoments {
  ComponentMoments common;    // zeta_c, sigma_c
  ComponentMoments regional;  // zeta_p, sigma_p
  int regions = 0;            // N
  int differences = 0;        // T, second differences per region
  double phi = 0;
  int max_lag = 0;
};

// Estimates from log_y[region][year]: N >= 2 regions, the same consecutive
// years for each, all finite, at least max_lag + 3 years (T >= max_lag + 1).
// Refuses a bad phi or max_lag (field named) and a non-finite value (field
// "region <i>, year index <t>").
Result<TrendMoments> estimate_trend_moments(
    const std::vector<std::vector<double>>& log_y,
    const TrendMomentOptions& options = {});

// The model's autocovariance of D^2 ln Y at `lag` for one component.
double second_difference_autocov(double zeta2, double noise2, double phi,
                                 int lag);

}  // namespace growthcast::backtest
