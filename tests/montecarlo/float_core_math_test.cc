// Stream version 3's logarithm and exponential (float_core_math.h;
// docs/architecture.md, "Error budget of version 3"): within their error
// bounds against long double, the same bits one value at a time and in
// vector loops (AVX2, and AVX-512 where the CPU has it), and a version 3
// run within the stated budget of the version 2 run with the same normals.
#include "montecarlo/float_core_math.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "common/avx512.h"
#include "montecarlo/runner.h"
#include "scenario/scenario.h"
#include "synthetic_fixture.h"

namespace growthcast::montecarlo {
namespace {

namespace fcm = float_core_math;

// Arguments spread over the ranges the kernel takes logs and exponentials
// of: stocks and levels from 1e-3 to 1e12 (logs), log levels and log
// indices in [-50, 50] (exponentials); a geometric and a uniform sweep with
// an irrational step so that mantissas are varied.
std::vector<double> log_arguments() {
  std::vector<double> v;
  for (double x = 1e-3; x < 1e12; x *= 1.000123456789) v.push_back(x);
  return v;
}
std::vector<double> exp_arguments() {
  std::vector<double> v;
  for (double x = -50.0; x < 50.0; x += 0.000731234567) v.push_back(x);
  return v;
}

// One value at a time, through a function the compiler does not inline
// into a loop (so not vectorised).
[[gnu::noinline]] double log_one(double x) { return fcm::log(x); }
[[gnu::noinline]] double exp_one(double x) { return fcm::exp(x); }

// The loops GCC vectorises (x86-64-v3: 4 doubles, 8 floats a register).
[[gnu::noinline]] void log_lanes(const double* in, double* out, int n) {
#pragma omp simd
  for (int i = 0; i < n; ++i) out[i] = fcm::log(in[i]);
}
[[gnu::noinline]] void exp_lanes(const double* in, double* out, int n) {
#pragma omp simd
  for (int i = 0; i < n; ++i) out[i] = fcm::exp(in[i]);
}
#ifdef GROWTHCAST_AVX512
// The same loops compiled for AVX-512 (8 doubles, 16 floats a register).
GROWTHCAST_TARGET_AVX512 [[gnu::noinline]] void log_lanes_avx512(
    const double* in, double* out, int n) {
#pragma omp simd
  for (int i = 0; i < n; ++i) out[i] = fcm::log(in[i]);
}
GROWTHCAST_TARGET_AVX512 [[gnu::noinline]] void exp_lanes_avx512(
    const double* in, double* out, int n) {
#pragma omp simd
  for (int i = 0; i < n; ++i) out[i] = fcm::exp(in[i]);
}
#endif

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// The bounds in float_core_math.h's header, measured here: the log's
// error is absolute (what a log level carries into ln Y), the
// exponential's relative (a level's).
TEST(FloatCoreMath, WithinTheirErrorBounds) {
  double log_error = 0.0, exp_error = 0.0;
  for (double x : log_arguments())
    log_error = std::max(
        log_error,
        double(std::fabs((long double)fcm::log(x) - std::log((long double)x))));
  for (double x : exp_arguments()) {
    const long double exact = std::exp((long double)x);
    exp_error =
        std::max(exp_error,
                 double(std::fabs(((long double)fcm::exp(x) - exact) / exact)));
  }
  EXPECT_LT(log_error, 2e-8);
  EXPECT_LT(exp_error, 2e-8);
  std::printf("max |log error| %.3g absolute, |exp error| %.3g relative\n",
              log_error, exp_error);
}

TEST(FloatCoreMath, SpecialValues) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(std::isnan(fcm::log(-1.0)));
  EXPECT_TRUE(std::isnan(fcm::log(std::nan(""))));
  EXPECT_TRUE(std::isnan(fcm::log(inf)));
  EXPECT_EQ(fcm::log(1.0), 0.0);  // x = 0, c = 0, e = 0: exactly
  EXPECT_EQ(fcm::exp(0.0), 1.0);  // k = 0, r = 0, c = 0: exactly
  EXPECT_EQ(fcm::exp(800.0), inf);
  EXPECT_TRUE(std::isnan(fcm::exp(std::nan(""))));
  // Below -708 the result stays e^-708 (the header says so).
  EXPECT_EQ(fcm::exp(-1000.0), fcm::exp(-708.0));
  EXPECT_NEAR(fcm::exp(-708.0) / std::exp(-708.0), 1.0, 1e-7);
}

// Determinism (docs/architecture.md): every operation is exactly rounded,
// so the vector loops give the scalar function's bits for every value.
TEST(FloatCoreMath, LanesGiveTheScalarBits) {
  for (const bool log_case : {true, false}) {
    const std::vector<double> in = log_case ? log_arguments() : exp_arguments();
    const int n = int(in.size());
    std::vector<double> one(in.size()), lanes(in.size());
    for (int i = 0; i < n; ++i)
      one[std::size_t(i)] =
          log_case ? log_one(in[std::size_t(i)]) : exp_one(in[std::size_t(i)]);
    (log_case ? log_lanes : exp_lanes)(in.data(), lanes.data(), n);
    EXPECT_TRUE(same_bits(one, lanes)) << (log_case ? "log" : "exp");
#ifdef GROWTHCAST_AVX512
    if (cpu_has_avx512()) {
      std::vector<double> wide(in.size());
      (log_case ? log_lanes_avx512 : exp_lanes_avx512)(in.data(), wide.data(),
                                                       n);
      EXPECT_TRUE(same_bits(one, wide)) << (log_case ? "log" : "exp");
    }
#endif
  }
}

using testing_fixture::fnv1a;

// The same bits in every build: the hashes of the values over the sweeps
// above, printed by a program that computed them one at a time and in
// `omp simd` loops, built with GCC 12 for -march=x86-64, x86-64-v2,
// x86-64-v3 and x86-64-v4 at -O3, and at -O1 with and without
// -fsanitize=address,undefined: one hash per function for all of them.
TEST(FloatCoreMath, SameBitsInEveryBuild) {
  std::vector<double> values;
  for (double x : log_arguments()) values.push_back(log_one(x));
  EXPECT_EQ(fnv1a(values.data(), values.size()), 0x321a332a04345af2ull);
  values.clear();
  for (double x : exp_arguments()) values.push_back(exp_one(x));
  EXPECT_EQ(fnv1a(values.data(), values.size()), 0x9a39accf880e0c48ull);
}

const std::string kScenario =
    std::string("name = \"t\"\nhorizon = 2026\nseed = 5\n") +
    testing_fixture::kEveryUncertainty;

// A run of kScenario with stream `version` on the synthetic calibration by
// Ceres alone, the one Version2KeepsItsBits' hash was recorded on
// (tests/synthetic_fixture.h).
ScenarioForecast run_version(int version, std::int64_t draws) {
  const auto& cal = testing_fixture::ceres_only_calibration();
  const auto sc = testing_fixture::scenario_from(
      "random_stream = " + std::to_string(version) + "\n" + kScenario);
  auto setup = make_setup(cal, sc, {});
  if (!setup) throw std::runtime_error(setup.error().to_string());
  RunOptions options;
  options.keep_paths = true;
  auto r = run_scenario(*setup, sc, 0, draws, sc.seed, options);
  if (!r) throw std::runtime_error(r.error().to_string());
  return *r;
}

// The error budget of version 3 (docs/architecture.md): versions 2 and 3
// draw the same normals, so their runs differ only by the log and exp.
// Per draw, levels (GDP, capital, knowledge, the TFP index) within 1e-7
// relative, GDP growth g within 1e-7 (1 + |g|) (the ratio Y_t / Y_t-1's
// relative error) and the contributions (log points) within 1e-7 absolute; the
// exact quantiles, order statistics of the draws, within the same. The bound:
// under 2e-8 absolute per log and relative per exponential (the test above), a
// year's ln Y taking alpha, beta and gamma (sum about 1) of the logs' errors
// and the feedback through capital and knowledge a small share of it a year;
// measured 2e-8 on the 16-year provincial forecast (docs/architecture.md), 5x
// inside the budget. The fixture's horizon is short: with every uncertainty on,
// its draws explode in later years (in both versions).
TEST(FloatCoreMath, Version3WithinTheBudgetOfVersion2) {
  const auto v2 = run_version(2, 1000);
  const auto v3 = run_version(3, 1000);
  ASSERT_EQ(v3.random_stream, 3);
  ASSERT_EQ(v2.paths.size(), v3.paths.size());
  ASSERT_EQ(v2.cells(), v3.cells());
  bool differs = false;
  const int per_variable = int(v2.units.size() * v2.years.size());
  const std::size_t levels = kQuantileLevels.size();
  for (int k = 0; k < v2.cells(); ++k) {
    const int variable = v2.variables[std::size_t(k / per_variable)];
    const bool level = variable == kGdp || variable == kCapital ||
                       variable == kKnowledge || variable == kTfp;
    // GDP growth is Y_t / Y_t-1 - 1: its error is the ratio's, relative.
    auto within = [&](double a, double b) {
      const double scale = level                    ? std::fabs(b)
                           : variable == kGdpGrowth ? 1.0 + std::fabs(b)
                                                    : 1.0;
      return std::fabs(a - b) <= 1e-7 * scale;
    };
    for (std::size_t d = 0; d < std::size_t(v2.draws); ++d) {
      const std::size_t at = std::size_t(k) * std::size_t(v2.draws) + d;
      const double a = v3.paths[at], b = v2.paths[at];
      differs = differs || a != b;
      ASSERT_TRUE(within(a, b))
          << "cell " << k << " draw " << d << ": " << a << " vs " << b;
    }
    for (std::size_t q = 0; q < levels; ++q) {
      const std::size_t at = std::size_t(k) * levels + q;
      ASSERT_TRUE(within(v3.quantiles[at], v2.quantiles[at])) << "cell " << k;
    }
  }
  EXPECT_TRUE(differs);  // the versions do compute differently
}

// Version 2 keeps its bits beside version 3: the hash of every value of a
// run with every uncertainty on, printed by this test when version 3 was
// added, by the build whose `forecast --random-stream 2` files equal those
// of 4ed0906 (version 2 the default, before version 3) in every dataset
// (compared with h5py on the 31 provinces and the golden scenarios). An
// optimised build's bits: the sanitizer build (-O1) calls glibc's scalar
// log and exp, whose last bits differ (stream_version_test.cc).
TEST(FloatCoreMath, Version2KeepsItsBits) {
  const auto r = run_version(2, 600);
  EXPECT_EQ(r.random_stream, 2);
  const std::uint64_t hash = fnv1a(r.paths.data(), r.paths.size());
#ifndef GROWTHCAST_UNVECTORISED_BUILD
  EXPECT_EQ(hash, 15047368835208206554ull);
#endif
}

}  // namespace
}  // namespace growthcast::montecarlo
