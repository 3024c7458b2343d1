// The one place for numeric closeness in tests, and the tolerances they use.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace growthcast::testing {

struct Tolerance {
  // Noise-free recovery and two exact solvers of the same problem.
  static constexpr double kSolverAgreement = 1e-8;
  // Two independent computations of the same closed-form quantity.
  static constexpr double kRoundoff = 1e-10;
  // A value of the kernel under random stream version 3 (float polynomial
  // log and exp) against the same equation by hand with glibc: version 3's
  // stated error budget (docs/architecture.md, "Error budget of version 3").
  static constexpr double kVersion3Budget = 1e-7;
};

// |computed - expected| <= tol * max(1, |expected|): relative for large
// values, absolute near zero.
inline ::testing::AssertionResult IsClose(double computed, double expected,
                                          double tol) {
  const double scale = std::max(1.0, std::fabs(expected));
  const double diff = std::fabs(computed - expected);
  if (std::isfinite(computed) && diff <= tol * scale)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "computed " << computed << ", expected " << expected << ", |diff| "
         << diff << " > " << tol << " * " << scale;
}

}  // namespace growthcast::testing
