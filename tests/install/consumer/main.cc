// Calibrates a small synthetic panel through the installed library. The
// headers are reachable with and without the growthcast/ prefix.
#include <growthcast/calibrate/synthetic.h>

#include <cstdio>

#include "calibrate/calibration.h"

int main() {
  growthcast::calibrate::SyntheticSpec spec;
  spec.regions = 5;
  auto panel = growthcast::calibrate::make_synthetic_panel(spec);
  auto result = growthcast::calibrate::calibrate(panel.data, {}, {});
  if (!result) return 1;
  // Noise-free data: alpha is recovered (SyntheticSpec's 0.35).
  const double alpha = result->shared("alpha");
  std::printf("alpha %.10f\n", alpha);
  return (alpha > 0.35 - 1e-8 && alpha < 0.35 + 1e-8) ? 0 : 1;
}
