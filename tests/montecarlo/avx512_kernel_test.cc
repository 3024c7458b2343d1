// Stream version 3's projection years in AVX-512 lanes give the AVX2
// kernel's bits (ProjectionSetup::avx512, docs/architecture.md,
// "Determinism"): whole runs of every model, with and without spillovers,
// groups, every source of uncertainty, all variables and GDP only,
// compared byte for byte. The expected values are the AVX2 kernel's own
// run on the same inputs: float_core_math.h's log and exp are exactly
// rounded operations only, and the rest of the kernel is IEEE arithmetic
// the compiler writes the same way for 4 and 8 lanes, so any difference
// is a bug in the AVX-512 kernel (or in its choice of arithmetic).
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "common/avx512.h"
#include "montecarlo/projection.h"
#include "montecarlo/runner.h"
#include "synthetic_fixture.h"

namespace growthcast::montecarlo {
namespace {

using testing_fixture::fnv1a;

// A run with every uncertainty on, two groups (one overlapping the
// other's members), with `outputs` (a TOML line or nothing) and the given
// stream version; `avx512` is ProjectionSetup::avx512.
ScenarioForecast run(const calibrate::CalibrationResult& cal,
                     const std::string& outputs, int version, bool avx512,
                     bool* used_avx512) {
  const auto sc = testing_fixture::scenario_from(
      "name = \"t\"\nhorizon = 2026\nseed = 11\nrandom_stream = " +
      std::to_string(version) + "\n" + outputs +
      "\n[groups]\nNorth = [\"R1\", \"R2\", \"R3\"]\n"
      "Coast = [\"R3\", \"R5\"]\n" +
      testing_fixture::kEveryUncertainty);
  auto setup = make_setup(cal, sc, {});
  if (!setup) throw std::runtime_error(setup.error().to_string());
  setup->avx512 = avx512;
  *used_avx512 = BlockSimulator(*setup).avx512();
  RunOptions options;
  options.keep_paths = true;
  options.threads = 2;
  // 600 draws: a full block (rows written in place) and a partial one.
  auto r = run_scenario(*setup, sc, 0, 600, sc.seed, options);
  if (!r) throw std::runtime_error(r.error().to_string());
  return *r;
}

const calibrate::CalibrationResult& calibration(const std::string& which) {
  static const auto cobb_douglas = testing_fixture::synthetic_calibration(6);
  static const auto spillover = [] {
    // cobb_douglas_rd with spillovers: phi fixed at 0.05 (free, its
    // draws on this small panel make some paths explode).
    calibrate::ModelOptions m;
    m["phi"].free = false;
    m["phi"].value = 0.05;
    return testing_fixture::synthetic_calibration(6, m);
  }();
  static const auto convergence = testing_fixture::synthetic_calibration(
      6, *calibrate::ModelOptions::for_model("tfp_convergence"));
  if (which == "cobb_douglas_rd") return cobb_douglas;
  if (which == "spillover") return spillover;
  return convergence;
}

template <class V>
bool same_bytes(const V& a, const V& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(Avx512Kernel, SameBytesAsAvx2) {
  if (!cpu_has_avx512())
    GTEST_SKIP() << "this CPU (or build) has no AVX-512: only the AVX2 "
                    "kernel runs";
  for (const std::string model :
       {"cobb_douglas_rd", "spillover", "tfp_convergence"}) {
    const auto& cal = calibration(model);
    if (model == "spillover") {
      ASSERT_NE(cal.shared("phi"), 0.0);  // the spillover terms are on
    }
    for (const std::string outputs :
         {"", "outputs = [\"gdp\", \"gdp_growth\"]", "outputs = [\"gdp\"]"}) {
      SCOPED_TRACE(model + " " + outputs);
      bool wide = false, narrow = true;
      const auto b = run(cal, outputs, 3, false, &narrow);
      const auto a = run(cal, outputs, 3, true, &wide);
      ASSERT_TRUE(wide);
      ASSERT_FALSE(narrow);
      ASSERT_FALSE(a.paths.empty());
      EXPECT_TRUE(same_bytes(a.paths, b.paths))
          << std::hex << fnv1a(a.paths.data(), a.paths.size()) << " vs "
          << fnv1a(b.paths.data(), b.paths.size());
      EXPECT_TRUE(same_bytes(a.quantiles, b.quantiles));
      EXPECT_TRUE(same_bytes(a.mean, b.mean));
    }
  }
}

// Versions 1 and 2 use glibc's log and exp, whose libmvec AVX-512
// variants may give other bits than the AVX2 ones: they never take the
// AVX-512 kernel.
TEST(Avx512Kernel, OnlyVersion3) {
  for (int version : {1, 2}) {
    bool used = true;
    run(calibration("tfp_convergence"), "", version, true, &used);
    EXPECT_FALSE(used) << "version " << version;
  }
}

}  // namespace
}  // namespace growthcast::montecarlo
