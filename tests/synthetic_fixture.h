// The fixture the Monte Carlo, conditioning and targets tests share: a
// calibration of a small noisy synthetic panel (2010-2019, noise sd 0.02,
// seed 11) with the observed driver ratios set to known constants
// (investment 0.40 and R&D 0.02 of GDP), and a scenario from TOML text.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "calibrate/calibration.h"
#include "calibrate/synthetic.h"
#include "scenario/scenario.h"

namespace growthcast::testing_fixture {

inline calibrate::CalibrationResult synthetic_calibration(int regions) {
  calibrate::SyntheticSpec spec;
  spec.regions = regions;
  spec.noise_sd = 0.02;
  spec.seed = 11;
  auto panel = calibrate::make_synthetic_panel(spec);
  const std::size_t n = panel.data.regions.size(),
                    years = panel.data.years.size();
  panel.data.drivers["investment_rate"].assign(
      n, std::vector<double>(years, 0.40));
  panel.data.drivers["rd_intensity"].assign(n,
                                            std::vector<double>(years, 0.02));
  auto r = calibrate::calibrate(panel.data, {}, {});
  if (!r) throw std::runtime_error(r.error().to_string());
  return *r;
}

inline scenario::Scenario scenario_from(const std::string& text) {
  auto s = scenario::parse_scenario(text, "test.toml");
  if (!s) throw std::runtime_error(s.error().to_string());
  return *s;
}

}  // namespace growthcast::testing_fixture
