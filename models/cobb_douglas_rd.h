// The reference model `cobb_douglas_rd` (DESIGN.md, "The reference model"):
// Cobb-Douglas production in capital, labour and an R&D knowledge stock,
// with region-specific TFP levels a_i and trends lambda_i.
//
//   ln Yhat_i,t = a_i + lambda_i (t - t0) + alpha ln K_i,t + beta ln L_i,t
//                 + gamma ln S_i,t [+ phi ln Sspill_i,t]
//
// One equation, two uses: Ceres evaluates these templates with Jets to
// differentiate them, the projection with double. Nothing here knows about
// files, solvers or threads.
#pragma once

#include <array>
#include <cmath>
#include <span>
#include <string_view>
#include <vector>

namespace growthcast::models {

// The parameters shared by all regions, in the order of the parameter vector.
enum class Shared : int { alpha = 0, beta, gamma, delta_S, phi };
inline constexpr int kSharedCount = 5;
inline constexpr std::array<std::string_view, kSharedCount> kSharedNames = {
    "alpha", "beta", "gamma", "delta_S", "phi"};

// Mean log growth of R&D spending over the window, the g of the initial
// stock S_t0 = R_t0 / (g + delta_S). It depends on data only.
inline double rd_mean_log_growth(std::span<const double> rd) {
  if (rd.size() < 2) return 0.0;
  return (std::log(rd.back()) - std::log(rd.front())) /
         static_cast<double>(rd.size() - 1);
}

// Perpetual-inventory knowledge stock (Griliches):
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

// The production equation for one region-year, in logs. `ln_spill` is
// ignored unless `spillover` is set.
template <typename T, typename Input>
T log_output(const T& a, const T& lambda, double years_since_t0, const T& alpha,
             const T& beta, const T& gamma, const T& phi, const Input& ln_k,
             const Input& ln_l, const T& ln_s, const T& ln_spill,
             bool spillover) {
  T value =
      a + lambda * years_since_t0 + alpha * ln_k + beta * ln_l + gamma * ln_s;
  if (spillover) value += phi * ln_spill;
  return value;
}

// The data of one region over the calibration window t0..T.
struct RegionSeries {
  std::vector<double> ln_gdp;
  std::vector<double> ln_capital;
  std::vector<double> ln_labour;
  std::vector<double> rd;  // real R&D spending, levels
  double rd_growth = 0.0;  // rd_mean_log_growth(rd)
};

// Residuals e_i,t = ln Y_i,t - ln Yhat_i,t of one region over the window.
// Parameter blocks: {a_i, lambda_i}, alpha, beta, gamma, delta_S, phi.
// When `beta_is_one_minus_alpha` (constant returns in K and L) the beta block
// is ignored and 1 - alpha used. `spill_weights` is the region's row of the
// row-normalised W (w_ii = 0), or empty when phi is off.
class CobbDouglasRdResidual {
 public:
  CobbDouglasRdResidual(const std::vector<RegionSeries>* all_regions,
                        int region, std::vector<double> spill_weights,
                        bool beta_is_one_minus_alpha)
      : all_(all_regions),
        region_(region),
        weights_(std::move(spill_weights)),
        constant_returns_(beta_is_one_minus_alpha) {}

  int num_residuals() const {
    return static_cast<int>((*all_)[region_].ln_gdp.size());
  }

  template <typename T>
  bool operator()(const T* region_params, const T* alpha, const T* beta,
                  const T* gamma, const T* delta, const T* phi,
                  T* residuals) const {
    const RegionSeries& own = (*all_)[region_];
    const std::size_t years = own.ln_gdp.size();
    std::vector<T> stock(years);
    if (!knowledge_stock<T>(own.rd, own.rd_growth, *delta, stock.data()))
      return false;
    const bool spillover = !weights_.empty();
    std::vector<T> spill(spillover ? years : 0, T(0.0));
    if (spillover && !spill_stock(*delta, spill)) return false;
    const T beta_used = constant_returns_ ? T(1.0) - *alpha : *beta;
    for (std::size_t t = 0; t < years; ++t) {
      using std::log;
      const T ln_spill = spillover ? log(spill[t]) : T(0.0);
      residuals[t] = own.ln_gdp[t] -
                     log_output<T, double>(region_params[0], region_params[1],
                                           static_cast<double>(t), *alpha,
                                           beta_used, *gamma, *phi,
                                           own.ln_capital[t], own.ln_labour[t],
                                           log(stock[t]), ln_spill, spillover);
    }
    return true;
  }

 private:
  // Sspill_i,t = sum_j w_ij S_j,t.
  template <typename T>
  bool spill_stock(const T& delta, std::vector<T>& spill) const {
    std::vector<T> other(spill.size());
    for (std::size_t j = 0; j < all_->size(); ++j) {
      if (weights_[j] == 0.0) continue;
      const RegionSeries& series = (*all_)[j];
      if (!knowledge_stock<T>(series.rd, series.rd_growth, delta, other.data()))
        return false;
      for (std::size_t t = 0; t < spill.size(); ++t)
        spill[t] += weights_[j] * other[t];
    }
    return true;
  }

  const std::vector<RegionSeries>* all_;
  int region_;
  std::vector<double> weights_;
  bool constant_returns_;
};

// A Gaussian prior on one parameter as a residual (theta - mean) / sd.
struct GaussianPriorResidual {
  double mean;
  double sd;
  template <typename T>
  bool operator()(const T* theta, T* residual) const {
    residual[0] = (theta[0] - mean) / sd;
    return true;
  }
};

}  // namespace growthcast::models
