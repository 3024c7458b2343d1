// The calibration's own cost (calibrate/half_squared_norm.h) against the
// cost Ceres' residual block evaluation gives for the same residuals at the
// same address: the Gauss-Newton steps by QR report and compare costs
// without a ceres::Problem, and these must be Ceres' bits.
#include "calibrate/half_squared_norm.h"

#include <ceres/ceres.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace growthcast::calibrate {
namespace {

// Residuals equal to the parameters (n of each).
class Identity final : public ceres::CostFunction {
 public:
  explicit Identity(int n) {
    set_num_residuals(n);
    mutable_parameter_block_sizes()->push_back(n);
  }
  bool Evaluate(double const* const* parameters, double* residuals,
                double** /*jacobians*/) const override {
    std::memcpy(residuals, parameters[0],
                sizeof(double) * std::size_t(num_residuals()));
    return true;
  }
};

// Every length from 1 to 64 at four alignments (0 to 3 doubles past a
// 64-byte boundary; Eigen's reduction of the squares loads them unaligned
// from the first, so the alignment must not matter), values spread over
// six decades so that the order of the sum shows in the last bits. Eigen's
// own reduction compiled for x86-64-v3 (four-double packets) differed from
// Ceres in 64 of these 256 cases, this file's without the alignment rule
// Eigen does not apply (packets from the first 16-byte boundary) in 54.
TEST(HalfSquaredNorm, EqualsCeresResidualBlockCost) {
  std::mt19937_64 random(20261207);
  std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
  std::uniform_int_distribution<int> decade(-3, 3);
  int compared = 0;
  for (int n = 1; n <= 64; ++n) {
    std::vector<double> values(static_cast<std::size_t>(n));
    for (double& v : values)
      v = mantissa(random) * std::pow(10.0, decade(random));
    ceres::Problem problem;
    const auto id =
        problem.AddResidualBlock(new Identity(n), nullptr, values.data());
    alignas(64) double buffer[64 + 8];
    for (int offset = 0; offset < 4; ++offset) {
      double* residuals = buffer + offset;
      double ceres_cost = 0.0;
      ASSERT_TRUE(problem.EvaluateResidualBlock(id, false, &ceres_cost,
                                                residuals, nullptr));
      const double ours = half_squared_norm(residuals, n);
      EXPECT_EQ(std::memcmp(&ours, &ceres_cost, sizeof ours), 0)
          << "n " << n << ", offset " << offset << ": " << ours << " against "
          << ceres_cost;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 256);
}

}  // namespace
}  // namespace growthcast::calibrate
