#include "fuzz/fuzz_inputs.h"

namespace growthcast::fuzz {

const std::vector<std::string>& target_names() {
  static const std::vector<std::string> names = {
      "fuzz_panel_csv", "fuzz_scenario_toml", "fuzz_sweep_toml",
      "fuzz_nist",      "fuzz_forecast_h5",   "fuzz_calibration_h5"};
  return names;
}

bool run_target(const std::string& name, std::string_view data) {
  if (name == "fuzz_panel_csv") return panel_csv(data);
  if (name == "fuzz_scenario_toml") return scenario_toml(data);
  if (name == "fuzz_sweep_toml") return sweep_toml(data);
  if (name == "fuzz_forecast_h5") return forecast_h5(data);
  if (name == "fuzz_calibration_h5") return calibration_h5(data);
  return nist(data);
}

}  // namespace growthcast::fuzz
