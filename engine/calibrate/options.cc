#include "calibrate/options.h"

#include <ceres/types.h>

#include <cmath>

namespace growthcast::calibrate {
namespace {

std::string format(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

}  // namespace

bool ModelOptions::spillover() const {
  const auto& phi = (*this)[models::Shared::phi];
  return phi.free || phi.value != 0.0;
}

bool ModelOptions::IsValid(std::string* error) const {
  for (int k = 0; k < models::kSharedCount; ++k) {
    const std::string name(models::kSharedNames[k]);
    const ParameterSetting& p = shared[k];
    if (k == static_cast<int>(models::Shared::beta) && beta_is_one_minus_alpha)
      continue;
    if (!std::isfinite(p.value)) {
      *error = name + ": value must be finite";
      return false;
    }
    if (!(p.lower <= p.upper)) {
      *error = name + ": lower bound " + format(p.lower) +
               " is above the upper bound " + format(p.upper);
      return false;
    }
    if (p.free && (p.value < p.lower || p.value > p.upper)) {
      *error = name + ": starting value " + format(p.value) +
               " is outside its bounds [" + format(p.lower) + ", " +
               format(p.upper) + "]";
      return false;
    }
    if (p.prior && !(p.prior->sd > 0.0 && std::isfinite(p.prior->mean))) {
      *error = name + ": prior sd must be positive and the mean finite";
      return false;
    }
  }
  const auto& delta = (*this)[models::Shared::delta_S];
  if (!delta.free && !(delta.value > 0.0 && delta.value < 1.0)) {
    *error = "delta_S: fixed value must lie in (0, 1)";
    return false;
  }
  return true;
}

bool SolverOptions::IsValid(std::string* error) const {
  ceres::LinearSolverType linear;
  if (!ceres::StringToLinearSolverType(linear_solver, &linear)) {
    *error = "linear_solver: unknown '" + linear_solver + "'";
    return false;
  }
  ceres::TrustRegionStrategyType strategy;
  if (!ceres::StringToTrustRegionStrategyType(trust_region, &strategy)) {
    *error = "trust_region: unknown '" + trust_region + "'";
    return false;
  }
  if (loss != LossKind::none && !(loss_scale > 0.0)) {
    *error = "loss_scale: must be positive";
    return false;
  }
  if (max_iterations < 1) {
    *error = "max_iterations: must be at least 1";
    return false;
  }
  if (!(function_tolerance >= 0 && gradient_tolerance >= 0 &&
        parameter_tolerance >= 0)) {
    *error = "tolerances: must be non-negative";
    return false;
  }
  if (threads < 1) {
    *error = "threads: must be at least 1";
    return false;
  }
  return true;
}

std::string LossKindToString(LossKind kind) {
  switch (kind) {
    case LossKind::none:
      return "none";
    case LossKind::huber:
      return "huber";
    case LossKind::cauchy:
      return "cauchy";
  }
  return "none";
}

bool StringToLossKind(const std::string& text, LossKind* kind) {
  if (text == "none")
    *kind = LossKind::none;
  else if (text == "huber")
    *kind = LossKind::huber;
  else if (text == "cauchy")
    *kind = LossKind::cauchy;
  else
    return false;
  return true;
}

int SharedParameterIndex(const std::string& name) {
  for (int k = 0; k < models::kSharedCount; ++k)
    if (models::kSharedNames[k] == name) return k;
  return -1;
}

}  // namespace growthcast::calibrate
