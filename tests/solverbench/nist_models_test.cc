// Each NIST functor, evaluated at the certified parameter values, gives the
// certified residual sum of squares (the "Residual Sum of Squares:" line of
// each file in data/nist/) to 6 significant digits, in double and through
// Ceres' automatic and numeric (central) cost functions.
#include "models/nist/nist_models.h"

#include <ceres/cost_function.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "closeness.h"
#include "solverbench/nist_cost.h"

namespace growthcast::solverbench {
namespace {

// 6 significant digits: relative difference below 5e-6 (half a unit in the
// sixth digit); the test uses 1e-6.
constexpr double kSixDigits = 1e-6;

class NistModels : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto p = read_nist_problems(std::filesystem::path(GROWTHCAST_SOURCE_DIR) /
                                "data" / "nist");
    ASSERT_TRUE(p) << p.error().to_string();
    problems_ = new std::vector<NistProblem>(std::move(*p));
  }
  static void TearDownTestSuite() { delete problems_; }
  static std::vector<NistProblem>* problems_;
};
std::vector<NistProblem>* NistModels::problems_ = nullptr;

double relative(double a, double b) { return std::fabs(a - b) / std::fabs(b); }

// Lanczos1's certified RSS, 1.4307867721E-25, lies below what its
// 11-digit certified parameters can reproduce in double precision: rounding
// b to 11 digits moves the residuals by ~1e-11, giving an RSS of ~4e-21 at
// the printed values (NIST computed the certified values in 128-bit
// arithmetic). For it the check is that the RSS at the certified values is
// at that rounding level; bench_test checks the solvers' minimum instead.
constexpr double kLanczos1RoundingRss = 1e-20;

::testing::AssertionResult ReproducesCertifiedRss(const NistProblem& p,
                                                  double rss) {
  const bool ok = p.name == "Lanczos1"
                      ? rss < kLanczos1RoundingRss
                      : relative(rss, p.certified_rss) < kSixDigits;
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << p.name << ": computed " << rss << ", certified " << p.certified_rss;
}

TEST_F(NistModels, CertifiedResidualSumOfSquares) {
  for (const auto& p : *problems_) {
    auto rss = nist_residual_sum_of_squares(p, p.certified);
    ASSERT_TRUE(rss) << rss.error().to_string();
    EXPECT_TRUE(ReproducesCertifiedRss(p, *rss));
  }
}

TEST_F(NistModels, CeresCostFunctionsAgree) {
  for (const auto& p : *problems_) {
    for (Derivative d : {Derivative::automatic, Derivative::numeric_central}) {
      auto cost = make_nist_cost_function(p, d);
      ASSERT_TRUE(cost) << cost.error().to_string();
      std::vector<double> r(static_cast<std::size_t>(p.observations));
      std::vector<double> jac(r.size() *
                              static_cast<std::size_t>(p.parameters));
      const double* blocks[] = {p.certified.data()};
      double* jacobians[] = {jac.data()};
      ASSERT_TRUE((*cost)->Evaluate(blocks, r.data(), jacobians)) << p.name;
      double rss = 0;
      for (double v : r) rss += v * v;
      EXPECT_TRUE(ReproducesCertifiedRss(p, rss)) << DerivativeToString(d);
      for (double v : jac) ASSERT_TRUE(std::isfinite(v)) << p.name;
    }
  }
}

TEST(NistFunctor, RejectsNonFiniteResidual) {
  // Misra1c: 1 + 2*b2*x < 0 makes the square root NaN; the functor says so.
  const double x[] = {100.0}, y[] = {1.0};
  models::nist::Misra1c f(x, y, 1);
  const double b[] = {1.0, -1.0};
  double r = 0;
  EXPECT_FALSE(f(b, &r));
}

}  // namespace
}  // namespace growthcast::solverbench
