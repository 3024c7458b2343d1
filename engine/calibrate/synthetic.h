// Synthetic panels generated from known parameters with the model's own
// equation, so a calibration's right answer is known (tests, benchmarks).
#pragma once

#include <cstdint>

#include "calibrate/calibration.h"

namespace growthcast::calibrate {

struct SyntheticSpec {
  int regions = 31;
  int first_year = 2010;
  int years = 10;
  double alpha = 0.35;
  double beta = 0.65;
  double gamma = 0.08;
  double delta_s = 0.15;
  // Log residuals are noise_sd times a centred uniform draw scaled to unit
  // variance; zero gives noise-free data.
  double noise_sd = 0.0;
  std::uint64_t seed = 1;
};

struct SyntheticPanel {
  CalibrationData data;
  std::vector<double> a, lambda;  // the true region parameters
};

// Inputs K, L, R grow along region-specific trends with deterministic
// wiggles (std::mt19937_64, whose output the standard fixes), Y follows
// ln Y = a + lambda t + alpha ln K + beta ln L + gamma ln S + noise.
SyntheticPanel make_synthetic_panel(const SyntheticSpec& spec);

}  // namespace growthcast::calibrate
