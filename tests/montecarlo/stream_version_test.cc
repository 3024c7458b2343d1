// The random stream's versions (docs/architecture.md, "Determinism"):
// version 1 reproduces the numbers growthcast wrote before version 2 bit for
// bit; version 2's normals are the same bits one at a time (RandomStream)
// and in lanes (the block path, both vector paths), its Philox4x32 is
// Random123's, and its normals follow N(0, 1) (moments, Kolmogorov-Smirnov,
// tails) with the float logarithm and sine/cosine within their error bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "montecarlo/philox_lanes.h"
#include "montecarlo/random_stream.h"
#include "montecarlo/runner.h"
#include "scenario/scenario.h"
#include "synthetic_fixture.h"

namespace growthcast::montecarlo {
namespace {

// Every source of uncertainty on, so each stream is used.
const std::string kAll =
    std::string("name = \"t\"\nhorizon = 2026\nseed = 11\n") +
    testing_fixture::kEveryUncertainty;

using testing_fixture::fnv1a;

// kAll after `extra` on the synthetic calibration by Ceres alone (6
// regions; tests/synthetic_fixture.h), the one the pinned hash below was
// recorded on, every path kept.
ScenarioForecast run_all(const std::string& extra, std::int64_t draws) {
  RunOptions options;
  options.keep_paths = true;
  return testing_fixture::run_forecast(
      testing_fixture::ceres_only_calibration(),
      testing_fixture::scenario_from(extra + kAll), draws, options);
}

// Expected values printed (%a) by growthcast at commit 84d0383, before
// stream version 2 existed, with the same calls (RandomStream had no
// version argument; run_scenario drew from Philox4x64 then).
TEST(StreamVersion, Version1IsTheStreamWrittenBeforeVersion2) {
  RandomStream s(20260101, 3, 12345, Stream::shocks, StreamVersion::v1);
  const double normals[] = {0x1.0fd4405905e72p-4,  -0x1.22ee483d86b78p-1,
                            -0x1.4c8aefdbbed2bp+0, 0x1.bda21f533ecf8p-2,
                            0x1.ead4c392755dfp+0,  0x1.860d235174babp-1};
  for (double want : normals) {
    const double got = s.normal();
    EXPECT_EQ(std::memcmp(&got, &want, sizeof got), 0) << got << " " << want;
  }
  RandomStream u(20260101, 3, 12345, Stream::drivers, StreamVersion::v1);
  const double got = u.uniform(), want = 0x1.38c013265d77ep-3;
  EXPECT_EQ(std::memcmp(&got, &want, sizeof got), 0);
  // A whole run: 600 draws (two blocks) x 6 regions + groups x 9 variables x
  // 7 years, every byte.
  const auto r = run_all("random_stream = 1\n", 600);
  ASSERT_EQ(r.random_stream, 1);
  ASSERT_EQ(r.paths.size(), 226800u);
  // The hash the old code's optimised (vectorised) build gave. The
  // sanitizer build's scalar log/exp give other last bits for the same
  // normals (tests/montecarlo/CMakeLists.txt), so there only the normals
  // above are compared bit for bit.
#ifndef GROWTHCAST_UNVECTORISED_BUILD
  EXPECT_EQ(fnv1a(r.paths.data(), r.paths.size()), 10122408666178191654ull);
#endif
}

TEST(StreamVersion, NewestIsTheDefaultAndDiffers) {
  const auto r = run_all("", 600);
  EXPECT_EQ(r.random_stream, kNewestStreamVersion);
  EXPECT_NE(fnv1a(r.paths.data(), r.paths.size()), 10122408666178191654ull);
}

TEST(StreamVersion, ScenarioKeyIsCheckedWithItsLine) {
  auto parsed = scenario::parse_scenario(
      "name = \"t\"\nhorizon = 2025\nrandom_stream = 4\n", "s.toml");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().line, 3);
  EXPECT_EQ(parsed.error().field, "random_stream");
}

// The written-out Philox4x32-10 is Random123's.
TEST(StreamVersion, Philox4x32IsRandom123s) {
  r123::Philox4x32 philox;
  for (std::uint32_t i = 0; i < 20000; ++i) {
    const std::uint32_t k0 = i * 2654435761u, k1 = ~i;
    const auto want = philox({{i, 7 * i, 3, i >> 3}}, {{k0, k1}});
    const auto got = float_normals::philox4x32_10(i, 7 * i, 3, i >> 3, k0, k1);
    for (int j = 0; j < 4; ++j) ASSERT_EQ(got.w[j], want[j]) << i;
  }
}

// The lanes (both vector paths where the CPU has them) give RandomStream's
// normals bit for bit, for runs of lanes that are not multiples of 16.
TEST(StreamVersion, Version2LanesEqualRandomStream) {
  const std::uint64_t seed = 0xfedcba9876543210ull;
  for (bool vectorise : {false, true}) {
    for (int lanes : {1, 7, 16, 45, 512}) {
      std::vector<double> rows(4 * std::size_t(lanes));
      const std::uint32_t call = 5;
      float_normal_lanes(1000, 3, std::uint32_t(Stream::shocks), call, seed,
                         lanes,
                         {{rows.data(), rows.data() + lanes,
                           rows.data() + 2 * lanes, rows.data() + 3 * lanes}},
                         vectorise);
      for (int lane = 0; lane < lanes; ++lane) {
        RandomStream s(seed, 3, 1000 + std::uint64_t(lane), Stream::shocks,
                       StreamVersion::v2);
        for (std::uint32_t c = 0; c < call; ++c)
          for (int j = 0; j < 4; ++j) s.normal();
        for (int j = 0; j < 4; ++j) {
          const double want = s.normal();
          const double got = rows[std::size_t(j * lanes + lane)];
          ASSERT_EQ(std::memcmp(&got, &want, sizeof got), 0)
              << (vectorise ? "vector" : "build") << " lanes " << lanes
              << " lane " << lane << " normal " << j;
        }
      }
    }
  }
}

// The float logarithm and sine/cosine against the double library functions
// (correctly rounded to within an ulp of double): the transform's only
// error, which the normals' distribution tests below bound in effect.
TEST(StreamVersion, FloatLogAndSinCosWithinTheirErrorBound) {
  double worst_log = 0, worst_trig = 0;
  for (std::uint32_t w = 0; w < (1u << 22); ++w) {
    const std::uint32_t word = w * 1021u + (w >> 7);  // spread over 2^32
    const float u = float_normals::radius_uniform(word);
    const double exact = -2.0 * std::log(double(u));
    const double got = float_normals::minus_two_log(u);
    // Relative to max(|exact|, 2^-23): near u = 1 the result is near 0.
    worst_log =
        std::max(worst_log, std::abs(got - exact) / std::max(exact, 0x1p-23));
    const float x = float_normals::angle_uniform(word);
    const auto [s, c] = float_normals::sincospi(x);
    const double pi = 3.14159265358979323846;
    worst_trig = std::max({worst_trig, std::abs(s - std::sin(pi * double(x))),
                           std::abs(c - std::cos(pi * double(x)))});
  }
  // Float's unit roundoff is 2^-24 = 6e-8: a few units at most.
  EXPECT_LT(worst_log, 4 * 0x1p-24) << worst_log;
  EXPECT_LT(worst_trig, 4 * 0x1p-24) << worst_trig;
}

// Version 2 normals against N(0, 1): 4 million normals (a million draws'
// first four of the shock stream). Mean, variance, skewness and excess
// kurtosis within 5 standard errors (sd of the sample mean 1/sqrt(n),
// variance sqrt(2/n), skewness sqrt(6/n), kurtosis sqrt(24/n)); the
// Kolmogorov-Smirnov statistic below 1.95/sqrt(n) (p = 0.001); the
// share beyond 3 and 4 sd within 5 binomial sd of 2 Phi(-3) = 2.6998e-3 and
// 2 Phi(-4) = 6.334e-5 (Abramowitz and Stegun, table 26.1).
TEST(StreamVersion, Version2NormalsAreStandardNormal) {
  const std::int64_t draws = 1000000;
  std::vector<double> z;
  z.reserve(std::size_t(4 * draws));
  std::vector<double> rows(4 * kBlockDraws);
  for (std::int64_t first = 0; first < draws; first += kBlockDraws) {
    float_normal_lanes(
        std::uint64_t(first), 0, std::uint32_t(Stream::shocks), 0, 20260101,
        kBlockDraws,
        {{rows.data(), rows.data() + kBlockDraws, rows.data() + 2 * kBlockDraws,
          rows.data() + 3 * kBlockDraws}});
    z.insert(z.end(), rows.begin(), rows.end());
  }
  const double n = double(z.size());
  double m1 = 0, m2 = 0, m3 = 0, m4 = 0, beyond3 = 0, beyond4 = 0;
  for (double x : z) {
    m1 += x;
    m2 += x * x;
    m3 += x * x * x;
    m4 += x * x * x * x;
    beyond3 += std::abs(x) > 3;
    beyond4 += std::abs(x) > 4;
  }
  m1 /= n, m2 /= n, m3 /= n, m4 /= n;
  EXPECT_NEAR(m1, 0.0, 5 / std::sqrt(n));
  EXPECT_NEAR(m2, 1.0, 5 * std::sqrt(2 / n));
  EXPECT_NEAR(m3, 0.0, 5 * std::sqrt(6 / n));
  EXPECT_NEAR(m4 - 3, 0.0, 5 * std::sqrt(24 / n));
  const double p3 = 2.6998e-3, p4 = 6.334e-5;
  EXPECT_NEAR(beyond3 / n, p3, 5 * std::sqrt(p3 * (1 - p3) / n));
  EXPECT_NEAR(beyond4 / n, p4, 5 * std::sqrt(p4 * (1 - p4) / n));
  std::sort(z.begin(), z.end());
  double d = 0;
  for (std::size_t i = 0; i < z.size(); ++i) {
    const double cdf = 0.5 * std::erfc(-z[i] / std::sqrt(2.0));
    d = std::max(
        {d, std::abs(cdf - double(i) / n), std::abs(double(i + 1) / n - cdf)});
  }
  EXPECT_LT(d, 1.95 / std::sqrt(n)) << d;
  // The radius bound: |z| <= sqrt(66 ln 2) (float_normals.h).
  EXPECT_LE(std::max(-z.front(), z.back()), std::sqrt(66 * std::log(2.0)));
}

}  // namespace
}  // namespace growthcast::montecarlo
