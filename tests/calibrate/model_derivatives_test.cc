// The registered models' residual functors: Ceres' automatic derivatives
// (what calibrate uses) against Ceres' numeric derivatives of the same
// functor (ceres::NumericDiffCostFunction, central differences), at
// points away from the optimum, with spillovers on and off, and for
// tfp_convergence at kappa = 0.3, at kappa = 1e-3 (the expm1 branch of the
// convergence factor) and at kappa = 1e-7 and 0 (its series branch).
#include <ceres/autodiff_cost_function.h>
#include <ceres/numeric_diff_cost_function.h>
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "calibrate/synthetic.h"
#include "models/registry.h"

namespace growthcast::calibrate {
namespace {

namespace models = growthcast::models;

std::vector<models::RegionSeries> series_of(const CalibrationData& d) {
  std::vector<models::RegionSeries> out(d.regions.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    for (std::size_t t = 0; t < d.years.size(); ++t) {
      out[i].ln_gdp.push_back(std::log(d.gdp[i][t]));
      out[i].ln_capital.push_back(std::log(d.capital[i][t]));
      out[i].ln_labour.push_back(std::log(d.labour[i][t]));
      out[i].rd.push_back(d.rd[i][t]);
    }
    out[i].rd_growth = models::rd_mean_log_growth(out[i].rd);
  }
  return out;
}

// Jacobians of one region's residuals by both cost functions, compared
// entry by entry, to 1e-6 of max(1, |J|): central differences with Ceres'
// default relative step 1e-6 agree to ~5e-8 here, and a wrong derivative
// term (a missing chain-rule factor, a derivative lost in a branch) is off
// by far more. (Ceres 2.1's RIDDERS was tried first and returned wrong
// Jacobians for the fifth and later parameter blocks: 0 for delta_S, where
// a hand central difference agrees with the automatic one.)
template <class M, std::size_t... I>
void expect_derivatives_agree(const std::vector<models::RegionSeries>& series,
                              int region, const typename M::Config& config,
                              std::array<double, M::kRegional> regional,
                              std::array<double, M::kShared> shared,
                              std::index_sequence<I...>) {
  using Auto = ceres::AutoDiffCostFunction<typename M::Residual, ceres::DYNAMIC,
                                           M::kRegional, ((void)I, 1)...>;
  using Numeric = ceres::NumericDiffCostFunction<typename M::Residual,
                                                 ceres::CENTRAL, ceres::DYNAMIC,
                                                 M::kRegional, ((void)I, 1)...>;
  auto* f = M::make_residual(&series, region, config);
  const int n = f->num_residuals();
  Auto automatic(f, n);
  Numeric numeric(M::make_residual(&series, region, config),
                  ceres::TAKE_OWNERSHIP, n);
  std::vector<const double*> blocks = {regional.data()};
  for (double& v : shared) blocks.push_back(&v);
  const std::size_t nb = blocks.size();
  std::vector<std::vector<double>> ja(nb), jn(nb);
  std::vector<double*> pa(nb), pn(nb);
  for (std::size_t b = 0; b < nb; ++b) {
    const std::size_t width = b == 0 ? M::kRegional : 1;
    ja[b].assign(std::size_t(n) * width, 0.0);
    jn[b].assign(std::size_t(n) * width, 0.0);
    pa[b] = ja[b].data();
    pn[b] = jn[b].data();
  }
  std::vector<double> ra(static_cast<std::size_t>(n)),
      rn(static_cast<std::size_t>(n));
  ASSERT_TRUE(automatic.Evaluate(blocks.data(), ra.data(), pa.data()));
  ASSERT_TRUE(numeric.Evaluate(blocks.data(), rn.data(), pn.data()));
  EXPECT_EQ(ra, rn);
  double largest = 0, worst = 0;
  for (std::size_t b = 0; b < nb; ++b)
    for (std::size_t k = 0; k < ja[b].size(); ++k) {
      largest = std::max(largest, std::abs(ja[b][k]));
      worst = std::max(worst, std::abs(ja[b][k] - jn[b][k]) /
                                  std::max(1.0, std::abs(ja[b][k])));
      EXPECT_NEAR(ja[b][k], jn[b][k], 1e-6 * std::max(1.0, std::abs(ja[b][k])))
          << M::kName << " block " << b << " entry " << k;
    }
  EXPECT_GT(largest, 0.1);  // not a vacuous comparison of zeros
  // Seen: at most 6e-8 over every case here (central differences, step
  // 1e-6 |x|: truncation and rounding error both near 1e-8).
  EXPECT_LT(worst, 1e-6);
}

template <class M>
void expect_derivatives_agree(const std::vector<models::RegionSeries>& series,
                              int region, const typename M::Config& config,
                              std::array<double, M::kRegional> regional,
                              std::array<double, M::kShared> shared) {
  expect_derivatives_agree<M>(series, region, config, regional, shared,
                              std::make_index_sequence<M::kShared>{});
}

CalibrationData panel() {
  SyntheticSpec spec;
  spec.regions = 5;
  spec.noise_sd = 0.02;
  spec.seed = 3;
  return make_synthetic_panel(spec).data;
}

TEST(ModelDerivatives, CobbDouglasRdAutomaticEqualsNumeric) {
  const auto series = series_of(panel());
  using M = models::CobbDouglasRd;
  // {alpha, beta, gamma, delta_S, phi}; away from any optimum.
  for (bool spillover : {false, true})
    for (bool tied : {true, false})
      for (int region : {0, 3}) {
        SCOPED_TRACE(::testing::Message()
                     << "spillover " << spillover << " tied " << tied
                     << " region " << region);
        M::Config config;
        config.spillover = spillover;
        config.beta_tied = tied;
        expect_derivatives_agree<M>(series, region, config, {1.3, 0.021},
                                    {0.37, 0.55, 0.11, 0.17, 0.06});
      }
}

TEST(ModelDerivatives,
     TfpConvergenceAutomaticEqualsNumericIncludingKappaNearZero) {
  const auto series = series_of(panel());
  using M = models::TfpConvergence;
  for (double kappa : {0.3, 1e-3, 1e-7, 0.0})
    for (int region : {1, 4}) {
      SCOPED_TRACE(::testing::Message()
                   << "kappa " << kappa << " region " << region);
      M::Config config;
      // {alpha, beta, gamma, delta_S, kappa, g_F}
      expect_derivatives_agree<M>(series, region, config, {1.1, 0.035},
                                  {0.41, 0.59, 0.08, 0.14, kappa, 0.0073});
    }
}

}  // namespace
}  // namespace growthcast::calibrate
