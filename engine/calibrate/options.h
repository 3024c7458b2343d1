// What the user chooses for a calibration: how each shared parameter is
// treated (free, fixed, bounded, with a prior) and how Ceres solves. Both
// structs have defaults that reproduce DESIGN.md and a validator whose
// message names the offending field.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "models/cobb_douglas_rd.h"

namespace growthcast::calibrate {

struct GaussianPrior {
  double mean = 0.0;
  double sd = 1.0;
};

struct ParameterSetting {
  bool free = true;
  double value = 0.0;  // the fixed value, or the starting value when free
  double lower = -1e300;
  double upper = 1e300;
  std::optional<GaussianPrior> prior;
};

struct ModelOptions {
  // Indexed by models::Shared. Defaults: alpha free in [0.05, 0.95] from
  // 0.4; beta = 1 - alpha; gamma free in [0, 1] from 0.1; delta_S fixed at
  // 0.15 (bounds [0.01, 0.5] when freed); phi off (fixed at 0).
  std::array<ParameterSetting, models::kSharedCount> shared = {{
      {true, 0.4, 0.05, 0.95, std::nullopt},
      {false, 0.6, 0.0, 1.0, std::nullopt},
      {true, 0.1, 0.0, 1.0, std::nullopt},
      {false, 0.15, 0.01, 0.5, std::nullopt},
      {false, 0.0, -1.0, 1.0, std::nullopt},
  }};
  // Constant returns in K and L: beta is not a parameter but 1 - alpha.
  bool beta_is_one_minus_alpha = true;

  ParameterSetting& operator[](models::Shared p) {
    return shared[static_cast<int>(p)];
  }
  const ParameterSetting& operator[](models::Shared p) const {
    return shared[static_cast<int>(p)];
  }
  // phi enters the model only when it is free or fixed away from zero.
  bool spillover() const;

  bool IsValid(std::string* error) const;
};

enum class LossKind { none, huber, cauchy };

struct SolverOptions {
  // The Schur complement eliminates each region's {a_i, lambda_i} block and
  // solves a dense system in the few shared parameters: the structure of
  // this problem (bench/README.md: 5-9x faster than DENSE_QR, and it scales
  // to thousands of regions).
  std::string linear_solver = "dense_schur";  // ceres::LinearSolverType names
  std::string trust_region = "levenberg_marquardt";  // or "dogleg"
  LossKind loss = LossKind::none;
  double loss_scale = 1.0;
  // A large first radius makes the first step a near-undamped Gauss-Newton
  // step: the model is linear in logs when delta_S is fixed, and a damped
  // start leaves errors in weakly identified directions that cost-based
  // steps cannot remove once the cost change is below rounding.
  double initial_trust_region_radius = 1e16;
  int max_iterations = 500;
  double function_tolerance = 1e-14;
  double gradient_tolerance = 1e-14;
  double parameter_tolerance = 1e-14;
  int threads = 1;
  bool allow_no_convergence = false;

  bool IsValid(std::string* error) const;
};

std::string LossKindToString(LossKind kind);
bool StringToLossKind(const std::string& text, LossKind* kind);

// Index of a shared parameter by name, or -1.
int SharedParameterIndex(const std::string& name);

}  // namespace growthcast::calibrate
