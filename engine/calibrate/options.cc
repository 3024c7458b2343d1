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

ModelOptions::ModelOptions()
    : shared(models::find_model(model)->default_settings()) {}

std::optional<ModelOptions> ModelOptions::for_model(std::string_view name) {
  const models::ModelInfo* info = models::find_model(name);
  if (!info) return std::nullopt;
  ModelOptions out;
  out.model = std::string(name);
  out.shared = info->default_settings();
  return out;
}

const models::ModelInfo& ModelOptions::info() const {
  return *models::find_model(model);
}

ParameterSetting& ModelOptions::operator[](std::string_view name) {
  return shared[std::size_t(index(name))];
}
const ParameterSetting& ModelOptions::operator[](std::string_view name) const {
  return shared[std::size_t(index(name))];
}

bool ModelOptions::IsValid(std::string* error) const {
  const models::ModelInfo* model_info = models::find_model(model);
  if (!model_info) {
    *error = "model: unknown '" + model + "' (" + models::model_names() + ")";
    return false;
  }
  if (int(shared.size()) != model_info->shared_count()) {
    *error = "model: " + std::to_string(shared.size()) +
             " parameter settings for the " +
             std::to_string(model_info->shared_count()) + " of " + model;
    return false;
  }
  for (int k = 0; k < model_info->shared_count(); ++k) {
    const std::string name(model_info->shared(k).name);
    const ParameterSetting& p = shared[std::size_t(k)];
    if (p.tied) continue;
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
  bool valid = true;
  models::visit_model(model, [&]<class M>(std::type_identity<M>) {
    valid = M::validate(shared, error);
  });
  return valid;
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

}  // namespace growthcast::calibrate
