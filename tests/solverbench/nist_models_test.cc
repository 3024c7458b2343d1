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

// Automatic against numeric (central) derivatives at the certified values
// and at the first start: the certified RSS through both, and the
// Jacobians entry by entry to 1e-5 of the largest entry (at least 1) of
// the column (central differences with Ceres' relative step 1e-6
// agree to 1e-6 of the column at worst, Kirby2, 1e-9 for most problems).
TEST_F(NistModels, CeresCostFunctionsAgree) {
  for (const auto& p : *problems_) {
    for (const std::vector<double>* at : {&p.certified, &p.starts[0]}) {
      std::vector<std::vector<double>> jacobian(2);
      for (Derivative d :
           {Derivative::automatic, Derivative::numeric_central}) {
        auto cost = make_nist_cost_function(p, d);
        ASSERT_TRUE(cost) << cost.error().to_string();
        std::vector<double> r(static_cast<std::size_t>(p.observations));
        auto& jac = jacobian[d == Derivative::automatic ? 0 : 1];
        jac.assign(r.size() * static_cast<std::size_t>(p.parameters), 0.0);
        const double* blocks[] = {at->data()};
        double* jacobians[] = {jac.data()};
        ASSERT_TRUE((*cost)->Evaluate(blocks, r.data(), jacobians)) << p.name;
        double rss = 0;
        for (double v : r) rss += v * v;
        if (at == &p.certified) {
          EXPECT_TRUE(ReproducesCertifiedRss(p, rss)) << DerivativeToString(d);
        }
      }
      // Hahn1's cubic rational, steep in b7 (~1e-7 times x^3 up to 5e8),
      // is beyond central differences: they differ from the automatic
      // derivatives by 1e-2 of the column at the certified values and more
      // at start 1, so its Jacobians are not compared.
      if (p.name == "Hahn1") continue;
      const std::size_t cols = static_cast<std::size_t>(p.parameters);
      for (std::size_t c = 0; c < cols; ++c) {
        double scale = 1.0;
        for (std::size_t k = c; k < jacobian[0].size(); k += cols)
          scale = std::max(scale, std::fabs(jacobian[0][k]));
        for (std::size_t k = c; k < jacobian[0].size(); k += cols)
          ASSERT_NEAR(jacobian[0][k], jacobian[1][k], 1e-5 * scale)
              << p.name << (at == &p.certified ? " certified" : " start 1")
              << ", observation " << k / cols << ", parameter " << c;
      }
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
