#include "calibrate/synthetic.h"

#include <cmath>
#include <random>

namespace growthcast::calibrate {
namespace {

// Uniform in [0, 1) from the generator's raw 64 bits: portable across
// standard libraries, unlike std::uniform_real_distribution.
double unit_uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

}  // namespace

SyntheticPanel make_synthetic_panel(const SyntheticSpec& spec) {
  std::mt19937_64 rng(spec.seed);
  SyntheticPanel out;
  CalibrationData& d = out.data;
  d.source = "synthetic";
  for (int t = 0; t < spec.years; ++t) d.years.push_back(spec.first_year + t);
  const double sqrt12 = std::sqrt(12.0);
  for (int i = 0; i < spec.regions; ++i) {
    d.regions.push_back("R" + std::to_string(i + 1));
    const double k0 = 1000.0 * (1.0 + 9.0 * unit_uniform(rng));
    const double l0 = 500.0 * (1.0 + 9.0 * unit_uniform(rng));
    const double r0 = 5.0 * (1.0 + 9.0 * unit_uniform(rng));
    const double gk = 0.04 + 0.08 * unit_uniform(rng);
    const double gl = -0.01 + 0.03 * unit_uniform(rng);
    const double gr = 0.05 + 0.15 * unit_uniform(rng);
    out.a.push_back(0.5 + unit_uniform(rng));
    out.lambda.push_back(0.005 + 0.03 * unit_uniform(rng));
    std::vector<double> k, l, r;
    for (int t = 0; t < spec.years; ++t) {
      // Wiggles keep the regressors from being collinear with the trend.
      k.push_back(k0 * std::exp(gk * t + 0.03 * (unit_uniform(rng) - 0.5)));
      l.push_back(l0 * std::exp(gl * t + 0.03 * (unit_uniform(rng) - 0.5)));
      r.push_back(r0 * std::exp(gr * t + 0.10 * (unit_uniform(rng) - 0.5)));
    }
    std::vector<double> stock(r.size());
    models::knowledge_stock<double>(r, models::rd_mean_log_growth(r),
                                    spec.delta_s, stock.data());
    std::vector<double> y;
    for (int t = 0; t < spec.years; ++t) {
      const double noise = spec.noise_sd * sqrt12 * (unit_uniform(rng) - 0.5);
      y.push_back(std::exp(models::CobbDouglasRd::log_output<double, double>(
                               out.a.back(), out.lambda.back(), t, spec.alpha,
                               spec.beta, spec.gamma, 0.0, std::log(k[t]),
                               std::log(l[t]), std::log(stock[t]), 0.0, false) +
                           noise));
    }
    d.gdp.push_back(y);
    d.capital.push_back(k);
    d.labour.push_back(l);
    d.rd.push_back(r);
  }
  return out;
}

}  // namespace growthcast::calibrate
