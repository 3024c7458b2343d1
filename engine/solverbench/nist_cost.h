// The NIST functors (models/nist/nist_models.h) wrapped as Ceres cost
// functions, chosen by dataset name.
#pragma once

#include <memory>
#include <vector>

#include "common/error.h"
#include "solverbench/config.h"
#include "solverbench/nist_problem.h"

namespace ceres {
class CostFunction;
}

namespace growthcast::solverbench {

// AutoDiffCostFunction or NumericDiffCostFunction (CENTRAL) over the
// problem's functor, with one residual per observation. The cost function
// points into `problem`'s data, which must outlive it. Fails for a dataset
// name without a functor, or when the functor's parameter or predictor count
// disagrees with the file.
Result<std::unique_ptr<ceres::CostFunction>> make_nist_cost_function(
    const NistProblem& problem, Derivative derivative);

// The residuals y_i - f(x_i; b) (log y for Nelson) evaluated in double
// through the same functor.
Result<std::vector<double>> nist_residuals(const NistProblem& problem,
                                           const std::vector<double>& b);

// Sum of squared residuals at b.
Result<double> nist_residual_sum_of_squares(const NistProblem& problem,
                                            const std::vector<double>& b);

}  // namespace growthcast::solverbench
