// The parameter draws' square root F of the covariance
// (montecarlo/parameter_factor.h): the arrow factor of a calibration's
// covariance must reproduce it (F F' = Cov to rounding, as the dense
// Cholesky factor does) with O(N) terms, and a covariance without the
// arrow structure must get the dense factor.
#include "montecarlo/parameter_factor.h"

#include <gtest/gtest.h>

#include <cmath>

#include "synthetic_fixture.h"

namespace growthcast::montecarlo {
namespace {

// The free parameters' covariance of a calibration.
Eigen::MatrixXd free_covariance(const calibrate::CalibrationResult& cal,
                                std::vector<int>* free_index) {
  for (Eigen::Index k = 0; k < cal.estimate.size(); ++k)
    if (cal.parameter_status[std::size_t(k)] == models::ParameterStatus::free)
      free_index->push_back(int(k));
  const auto m = Eigen::Index(free_index->size());
  Eigen::MatrixXd c(m, m);
  for (Eigen::Index a = 0; a < m; ++a)
    for (Eigen::Index b = 0; b < m; ++b)
      c(a, b) = cal.covariance((*free_index)[std::size_t(a)],
                               (*free_index)[std::size_t(b)]);
  return c;
}

// max |F F' - C|_ab / sqrt(C_aa C_bb): F F' = C entry by entry, each
// relative to its entries' standard deviations.
double worst_relative_error(const ParameterFactor& f,
                            const Eigen::MatrixXd& c) {
  const Eigen::MatrixXd dense = Eigen::MatrixXd(f.matrix);
  const Eigen::MatrixXd product = dense * dense.transpose();
  double worst = 0.0;
  for (Eigen::Index a = 0; a < c.rows(); ++a)
    for (Eigen::Index b = 0; b < c.cols(); ++b)
      worst = std::max(worst, std::abs(product(a, b) - c(a, b)) /
                                  std::sqrt(c(a, a) * c(b, b)));
  return worst;
}

TEST(ParameterFactor, ArrowFactorReproducesTheCalibrationsCovariance) {
  // 31 regions of the synthetic panel (tfp_convergence: two regional
  // parameters each, plus the free shared ones).
  const auto cal = testing_fixture::synthetic_calibration(31);
  ASSERT_TRUE(cal.covariance_ok);
  std::vector<int> free_index;
  const Eigen::MatrixXd c = free_covariance(cal, &free_index);
  const models::ParameterLayout layout = cal.layout();
  const ParameterFactor arrow =
      factor_covariance(cal.covariance, free_index, layout);
  ASSERT_TRUE(arrow.arrow);
  // Rounding: the covariance's entries are sums of a handful of products
  // (calibration.cc, arrow_covariance), so 1e-12 of the entries' scale
  // leaves three orders of magnitude above double's 1e-16.
  EXPECT_LT(worst_relative_error(arrow, c), 1e-12);
  EXPECT_LT(arrow.relative_error, 1e-12);
  // The dense Cholesky factor meets the same bound: both are square roots.
  const ParameterFactor dense = dense_factor(c);
  EXPECT_LT(worst_relative_error(dense, c), 1e-12);
  // Terms: each regional row its block (lower triangle) and the shared
  // columns, each shared row the shared lower triangle; the dense factor
  // has the whole lower triangle, m (m + 1) / 2.
  const int m = int(free_index.size());
  const int shared = m - 31 * layout.regional;
  ASSERT_GT(shared, 0);
  const int kr = layout.regional;
  EXPECT_EQ(arrow.matrix.nonZeros(),
            31 * (kr * (kr + 1) / 2 + kr * shared) + shared * (shared + 1) / 2);
  EXPECT_EQ(dense.matrix.nonZeros(), m * (m + 1) / 2);
}

TEST(ParameterFactor, CrossRegionCovarianceGetsTheDenseFactor) {
  const auto cal = testing_fixture::synthetic_calibration(6);
  std::vector<int> free_index;
  Eigen::MatrixXd full = cal.covariance;
  // Regions 0 and 1 correlated beyond the shared parameters: plus v v'
  // (still positive definite) with v half the standard deviation of their
  // first parameters, so their covariance grows by a quarter of the
  // product of the standard deviations.
  const int a = 0, b = cal.layout().regional_index(1, 0);
  Eigen::VectorXd v = Eigen::VectorXd::Zero(full.rows());
  v[a] = 0.5 * std::sqrt(full(a, a));
  v[b] = 0.5 * std::sqrt(full(b, b));
  full += v * v.transpose();
  calibrate::CalibrationResult changed = cal;
  changed.covariance = full;
  const Eigen::MatrixXd c = free_covariance(changed, &free_index);
  const ParameterFactor f = factor_covariance(full, free_index, cal.layout());
  EXPECT_FALSE(f.arrow);
  EXPECT_LT(worst_relative_error(f, c), 1e-12);
  // The unchanged covariance is an arrow.
  EXPECT_TRUE(
      factor_covariance(cal.covariance, free_index, cal.layout()).arrow);
}

}  // namespace
}  // namespace growthcast::montecarlo
