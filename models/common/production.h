// What the production-function models share: the data of one region over
// the calibration window, the R&D knowledge stock by perpetual inventory
// (Griliches), the state transitions of capital, labour and knowledge, and
// the spillover weights W. Written once, templated on the scalar type:
// Ceres evaluates them with Jets, the projection and the accounting with
// double.
#pragma once

#include <cmath>
#include <span>
#include <vector>

namespace growthcast::models {

// The data of one region over the calibration window t0..T.
struct RegionSeries {
  std::vector<double> ln_gdp;
  std::vector<double> ln_capital;
  std::vector<double> ln_labour;
  std::vector<double> rd;  // real R&D spending, levels
  double rd_growth = 0.0;  // rd_mean_log_growth(rd)
};

// Mean log growth of R&D spending over the window, the g of the initial
// stock S_t0 = R_t0 / (g + delta_S). It depends on data only.
inline double rd_mean_log_growth(std::span<const double> rd) {
  if (rd.size() < 2) return 0.0;
  return (std::log(rd.back()) - std::log(rd.front())) /
         static_cast<double>(rd.size() - 1);
}

// Perpetual-inventory knowledge stock:
//   S_t0 = R_t0 / (g + delta),  S_t = (1 - delta) S_t-1 + R_t.
// Returns false when g + delta <= 0 (no finite initial stock), so a solver
// rejects the point instead of clamping it.
template <typename T>
bool knowledge_stock(std::span<const double> rd, double growth, const T& delta,
                     T* stock) {
  const T denominator = growth + delta;
  if (!(denominator > 0.0)) return false;
  stock[0] = rd[0] / denominator;
  for (std::size_t t = 1; t < rd.size(); ++t)
    stock[t] = (1.0 - delta) * stock[t - 1] + rd[t];
  return true;
}

// The exogenous drivers of one region-year in the projection.
template <typename T>
struct DriverValues {
  T investment_rate;  // s: investment / GDP
  T rd_intensity;     // r: R&D spending / GDP
  T labour_growth;    // n
  T depreciation;     // delta_K
};

// One year of the accumulation equations, from last year's Y, K, L, S:
//   L_t = L_t-1 (1 + n),  K_t = (1 - delta_K) K_t-1 + s Y_t-1,
//   S_t = (1 - delta_S) S_t-1 + r Y_t-1.
template <typename T>
struct FactorStates {
  T capital, labour, knowledge;
};
template <typename T, typename D>
FactorStates<T> accumulate_factors(const D& drivers, T delta_s, T y, T k, T l,
                                   T s) {
  FactorStates<T> next;
  next.labour = l * (1.0 + drivers.labour_growth);
  next.capital = (1.0 - drivers.depreciation) * k + drivers.investment_rate * y;
  next.knowledge = (1.0 - delta_s) * s + drivers.rd_intensity * y;
  return next;
}

// Spillover weights W: row-normalised equal weights, w_ij = 1 / (N - 1)
// for j != i. The one definition: calibration takes region i's row, the
// projection the same weighted sum written as (sum_j S_j - S_i) / (N - 1).
inline std::vector<double> spill_weights(std::size_t regions, std::size_t i) {
  std::vector<double> w(regions, regions > 1 ? 1.0 / double(regions - 1) : 0);
  w[i] = 0.0;
  return w;
}
inline constexpr const char* kSpillWeightsName = "row-normalised equal weights";
template <typename T>
T spill_from_total(const T& total, const T& own, std::size_t regions) {
  return (total - own) / double(regions - 1);
}

// A Gaussian prior on one parameter as a residual scale (theta - mean) / sd.
// Beside data residuals e ~ N(0, sigma^2), scale = sigma makes the sum of
// squares sigma^2 times the negative log posterior (docs/architecture.md,
// "Priors").
struct GaussianPriorResidual {
  double mean;
  double sd;
  double scale = 1.0;
  template <typename T>
  bool operator()(const T* theta, T* residual) const {
    residual[0] = scale * (theta[0] - mean) / sd;
    return true;
  }
};

}  // namespace growthcast::models
