// What the user chooses for a calibration: how each shared parameter is
// treated (free, fixed, bounded, with a prior) and how Ceres solves. Both
// structs have defaults (the model page in docs/models/) and a validator whose
// message names the offending field.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/cancel.h"
#include "models/registry.h"

namespace growthcast::calibrate {

using models::GaussianPrior;
using models::ParameterSetting;

// The model and how each of its shared parameters is treated. The defaults
// are the model's own (models/NAME/model.h; for cobb_douglas_rd: alpha free
// in [0.05, 0.95] from 0.4; beta = 1 - alpha; gamma free in [0, 1] from 0.1;
// delta_S fixed at 0.15, bounds [0.01, 0.5] when freed; phi off).
struct ModelOptions {
  std::string model = models::kDefaultModel;
  std::vector<ParameterSetting> shared;  // in the model's order

  ModelOptions();  // the default model with its defaults
  // The defaults of a registered model, or nullopt for an unknown name.
  static std::optional<ModelOptions> for_model(std::string_view name);

  const models::ModelInfo& info() const;
  // Index of a shared parameter by name, or -1.
  int index(std::string_view name) const { return info().shared_index(name); }
  // The setting of a shared parameter by name (which must exist).
  ParameterSetting& operator[](std::string_view name);
  const ParameterSetting& operator[](std::string_view name) const;

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
  // Gauss-Newton steps by a Householder QR of the region blocks before
  // Ceres, which is not run when they meet the tolerances below (a model
  // linear in its free parameters: two steps). Only without a robust loss.
  bool gauss_newton_by_qr = true;
  int max_iterations = 500;
  double function_tolerance = 1e-14;
  double gradient_tolerance = 1e-14;
  double parameter_tolerance = 1e-14;
  int threads = 1;
  bool allow_no_convergence = false;
  // Set from another thread to stop the solver after its current
  // iteration (SOLVER_ABORT): calibrate() then returns cancelled().
  const CancelFlag* cancel = nullptr;

  bool IsValid(std::string* error) const;
};

std::string LossKindToString(LossKind kind);
bool StringToLossKind(const std::string& text, LossKind* kind);

}  // namespace growthcast::calibrate
