// The registry of models: every model the engine can calibrate, project and
// store, by name. Adding a model means adding its folder under models/ and
// one line to GROWTHCAST_MODELS below (docs/adding-a-model.md). The stages
// instantiate their templates for each entry, as Ceres instantiates its
// specialised Schur eliminators, and pick one by name at run time.
#pragma once

#include <string_view>
#include <type_traits>
#include <vector>

#include "models/cobb_douglas_rd/model.h"
#include "models/model_info.h"
#include "models/tfp_convergence/model.h"

// X(Type) for each registered model, in the order `growthcast models`
// lists them.
#define GROWTHCAST_MODELS(X)             \
  X(::growthcast::models::CobbDouglasRd) \
  X(::growthcast::models::TfpConvergence)

namespace growthcast::models {

// The reference model: what the library's option structs default to.
inline constexpr const char* kDefaultModel = "cobb_douglas_rd";
// What the command line calibrates and forecasts with unless told
// otherwise: the model with the best out-of-sample record (README,
// "Backtest": its bands hold 90-96% of outturns at the 90% level).
inline constexpr const char* kDefaultCommandLineModel = "tfp_convergence";

// Every registered model's metadata.
inline std::vector<const ModelInfo*> all_models() {
  std::vector<const ModelInfo*> out;
#define GROWTHCAST_MODEL_INFO(M) out.push_back(&M::info());
  GROWTHCAST_MODELS(GROWTHCAST_MODEL_INFO)
#undef GROWTHCAST_MODEL_INFO
  return out;
}

// The model called `name`, or nullptr.
inline const ModelInfo* find_model(std::string_view name) {
  for (const ModelInfo* m : all_models())
    if (m->name == name) return m;
  return nullptr;
}

// "cobb_douglas_rd, tfp_convergence": for messages.
inline std::string model_names() {
  std::string out;
  for (const ModelInfo* m : all_models())
    out += (out.empty() ? "" : ", ") + std::string(m->name);
  return out;
}

// Calls f(std::type_identity<M>{}) for the model called `name` and returns
// true, or returns false when no model has that name.
template <class F>
bool visit_model(std::string_view name, F&& f) {
  bool found = false;
#define GROWTHCAST_MODEL_VISIT(M)         \
  if (!found && M::info().name == name) { \
    found = true;                         \
    f(std::type_identity<M>{});           \
  }
  GROWTHCAST_MODELS(GROWTHCAST_MODEL_VISIT)
#undef GROWTHCAST_MODEL_VISIT
  return found;
}

}  // namespace growthcast::models
