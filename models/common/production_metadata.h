// What the production-function models declare alike: the panel series they
// are fitted to, the states the projection carries (capital, knowledge),
// the drivers a scenario sets (investment, R&D intensity, labour growth,
// depreciation) with their default baselines, the check of a fixed delta_S
// and the constant-returns tie beta = 1 - alpha. A new model of the same
// family takes these rather than repeating them (docs/adding-a-model.md).
#pragma once

#include <array>
#include <string>
#include <vector>

#include "models/model_info.h"

namespace growthcast::models {

inline std::vector<std::string_view> production_inputs() {
  return {"gdp", "capital", "labour", "rd"};
}

inline std::vector<StateInfo> production_states() {
  return {{"capital", "capital stock K", "as the calibration's capital"},
          {"knowledge", "R&D knowledge stock S",
           "as the calibration's rd (stock)"}};
}

inline std::vector<DriverInfo> production_drivers() {
  return {{"investment_rate", "s: investment / GDP",
           "mean of nominal investment / nominal GDP over the last five data "
           "years"},
          {"rd_intensity", "r: R&D spending / GDP",
           "mean of nominal R&D / nominal GDP over the last five data years"},
          {"labour_growth", "n: annual growth of labour",
           "mean annual growth of labour over the last five data years"},
          {"depreciation", "delta_K: depreciation rate of capital",
           "0.096, the rate the shipped capital stock was built with"}};
}

// A fixed depreciation rate of the knowledge stock must lie in (0, 1): the
// initial stock R_t0 / (g + delta_S) and the recursion need it.
inline bool validate_fixed_delta_s(const ParameterSetting& delta_s,
                                   std::string* error) {
  if (!delta_s.free && !(delta_s.value > 0.0 && delta_s.value < 1.0)) {
    *error = "delta_S: fixed value must lie in (0, 1)";
    return false;
  }
  return true;
}

// Constant returns in capital and labour: beta = 1 - alpha when beta is
// tied. `Alpha` and `Beta` are the shared parameters' indices.
template <int Alpha, int Beta>
struct ConstantReturnsTie {
  template <typename T>
  static void apply(bool tied, T* shared) {
    if (tied) shared[Beta] = T(1.0) - shared[Alpha];
  }
  // d beta / d alpha = -1: the covariance of beta follows from alpha's.
  // The (tied, source, sign) triples.
  static std::vector<std::array<int, 3>> derivatives(bool tied) {
    if (!tied) return {};
    return {{Beta, Alpha, -1}};
  }
};

}  // namespace growthcast::models
