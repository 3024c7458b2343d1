// Conditional forecasts (docs/conditioning.md): every draw meets its pins;
// on a linear Gaussian case the conditional mean and variance are the
// closed-form conditional normal's; what no pin touches keeps its
// unconditional law; outturns make the fan equal the data; pins that cannot
// be met are refused; results do not depend on the threads.
#include "montecarlo/conditioning.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <span>

#include "montecarlo/runner.h"
#include "scenario/scenario.h"
#include "synthetic_fixture.h"

namespace growthcast::montecarlo {
namespace {

// The shared synthetic calibration (6 regions; tests/synthetic_fixture.h),
// made once.
using testing_fixture::calibration;

using testing_fixture::scenario_from;

// Common and trend shocks on, with fixed sizes (the synthetic calibration
// estimates none), so that every kind of innovation is conditioned; pins
// prepared again since K depends on them.
ProjectionSetup setup_of(const scenario::Scenario& sc, bool common = true,
                         bool trend = true) {
  auto p = make_setup(calibration(), sc, {});
  if (!p) throw std::runtime_error(p.error().to_string());
  p->common_shocks = common;
  p->shock_sigma_common = 0.6 * p->sigma;
  p->trend_shocks = trend;
  p->trend_sigma_common = 0.004;
  p->trend_sigma_regional = 0.003;
  p->trend_persistence = 0.7;
  if (auto s = condition_setup(*p, sc, nullptr); !s)
    throw std::runtime_error(s.error().to_string());
  return std::move(*p);
}

ScenarioForecast run(const ProjectionSetup& p, const scenario::Scenario& sc,
                     std::int64_t draws, std::uint64_t seed, int threads = 1) {
  RunOptions options;
  options.keep_paths = true;
  options.threads = threads;
  auto r = run_scenario(p, sc, 0, draws, seed, options);
  if (!r) throw std::runtime_error(r.error().to_string());
  return std::move(*r);
}

// Draw d of a cell from the kept paths ([cell][draw]).
double value(const ScenarioForecast& r, int variable, int unit, int h,
             std::int64_t d) {
  return r.paths[std::size_t(r.cell(variable, unit, h)) * std::size_t(r.draws) +
                 std::size_t(d)];
}

const char* kPinned = R"(name = "pinned"
horizon = 2026
draws = 1000
seed = 5
regions = ["R1", "R2", "R3", "R4", "R5", "R6"]
[groups]
"G" = ["R4", "R5"]
[drivers.rd_intensity]
path = "ramp"
target = 0.03
by = 2024
uncertainty = { dist = "normal", sd = 0.002 }
[[conditions]]
region = "R1"
year = 2021
level = 150.0
[[conditions]]
region = "R2"
year = 2022
growth = 0.05
[[conditions]]
group = "G"
year = 2023
level = 400.0
[[conditions]]
group = "G"
year = 2024
growth = -0.01
[[conditions]]
region = "R1"
year = 2020
growth = 0.07
)";

// (a) Every draw meets every pin: with parameter, driver, level (common and
// regional) and trend shocks all drawn, the pinned values equal the pins to
// 1e-12 in ln Y (the correction repeats until kPinTolerance = 1e-13; the
// rest is the rounding of exp and log).
TEST(Conditioning, EveryDrawMeetsEveryPin) {
  const auto sc = scenario_from(kPinned);
  const auto p = setup_of(sc);
  ASSERT_TRUE(p.conditioning);
  const auto r = run(p, sc, 1000, 5);
  // Units: R1..R6 are 0..5, G is 6; years 2020.. are h = 0..
  for (std::int64_t d = 0; d < r.draws; ++d) {
    EXPECT_NEAR(std::log(value(r, kGdp, 0, 1, d)), std::log(150.0), 1e-12);
    EXPECT_NEAR(std::log1p(value(r, kGdpGrowth, 1, 2, d)), std::log(1.05),
                1e-12);
    EXPECT_NEAR(std::log(value(r, kGdp, 6, 3, d)), std::log(400.0), 1e-12);
    EXPECT_NEAR(std::log1p(value(r, kGdpGrowth, 6, 4, d)), std::log(0.99),
                1e-12);
    EXPECT_NEAR(std::log1p(value(r, kGdpGrowth, 0, 0, d)), std::log(1.07),
                1e-12);
  }
  // The pins leave the other cells spread: R3 in 2023 still has a band.
  EXPECT_GT(r.sd[std::size_t(r.cell(kGdp, 2, 3))], 0.0);
  // What the file records.
  EXPECT_EQ(r.conditions,
            "R1\t2021\tlevel\t150\nR2\t2022\tgrowth\t0.050000000000000003\n"
            "G\t2023\tlevel\t400\nG\t2024\tgrowth\t-0.01\n"
            "R1\t2020\tgrowth\t0.070000000000000007\n");
}

// A conditioned run takes glibc's log and exp under random stream version 3
// too (docs/architecture.md, "Error budget of version 3": version 3's float
// polynomials move in steps of about 1e-8, and the pins are met to 1e-13),
// so versions 2 and 3 give the same bits; the run above is version 3's.
TEST(Conditioning, Version3IsVersion2WhenConditioned) {
  const auto sc = scenario_from(kPinned);
  auto p3 = setup_of(sc);
  ASSERT_EQ(p3.random_stream, StreamVersion::v3);
  auto p2 = setup_of(sc);
  p2.random_stream = StreamVersion::v2;
  const auto r3 = run(p3, sc, 300, 5);
  const auto r2 = run(p2, sc, 300, 5);
  ASSERT_EQ(r3.paths.size(), r2.paths.size());
  EXPECT_TRUE(std::equal(
      r3.paths.begin(), r3.paths.end(), r2.paths.begin(),
      [](double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }));
}

// (b) A linear Gaussian case, in closed form. Without parameter or driver
// uncertainty, ln Y_i of the first projection year is mu_i + s_i: mu_i is
// fixed (the model at T + 1 from the data, plus rho u_T) and s_i = sigma_p
// e_i + sigma_c e + zeta_p h_i + zeta_c h (the trend's first step). So
// (ln Y_1, ln Y_2) is normal with Var = sigma^2 + zeta_p^2 + zeta_c^2 and
// Cov = sigma_c^2 + zeta_c^2, and given ln Y_1 = b, ln Y_2 has mean
// mu_2 + Cov / Var (b - mu_1) and variance Var - Cov^2 / Var (the
// conditional normal). mu comes from a run without shocks (exact).
// Tolerances: 4.5 standard errors of the sample mean (sd / sqrt(N)) and of
// the sample variance (var sqrt(2 / (N - 1))); flake budget under a change
// of seed about 1.4e-5 for the two checks (fixed seed here).
TEST(Conditioning, ConditionalMeanAndVarianceMatchTheConditionalNormal) {
  const std::string head = R"(name = "linear"
horizon = 2020
seed = 3
[uncertainty]
parameters = false
)";
  auto fixed_sc = scenario_from(head + "shocks = false\n");
  auto mu_setup = setup_of(fixed_sc, false, false);
  std::vector<double> mu(std::size_t(mu_setup.cells()));
  simulate_draw(mu_setup, 3, 0, 0, mu.data(), 1);
  const double mu1 = std::log(mu[std::size_t(mu_setup.cell(kGdp, 0, 0))]);
  const double mu2 = std::log(mu[std::size_t(mu_setup.cell(kGdp, 1, 0))]);

  const double b = mu1 + 0.03;  // a pin 3 log points above the median
  auto sc = scenario_from(head +
                          "[[conditions]]\nregion = \"R1\"\nyear = "
                          "2020\nlevel = " +
                          std::to_string(std::exp(b)) + "\n");
  // std::to_string rounds the level; the pin is its logarithm.
  const double pin = std::log(*sc.conditions[0].level);
  const auto p = setup_of(sc);
  const double sigma_c = p.shock_sigma_common;
  const double var = p.sigma * p.sigma +
                     p.trend_sigma_regional * p.trend_sigma_regional +
                     p.trend_sigma_common * p.trend_sigma_common;
  const double cov =
      sigma_c * sigma_c + p.trend_sigma_common * p.trend_sigma_common;
  const double mean_expected = mu2 + cov / var * (pin - mu1);
  const double var_expected = var - cov * cov / var;

  const std::int64_t n = 20000;
  const auto r = run(p, sc, n, 3);
  double sum = 0.0, sum2 = 0.0;
  for (std::int64_t d = 0; d < n; ++d) {
    ASSERT_NEAR(std::log(value(r, kGdp, 0, 0, d)), pin, 1e-12);
    const double x = std::log(value(r, kGdp, 1, 0, d));
    sum += x;
    sum2 += x * x;
  }
  const double mean = sum / double(n);
  const double sample_var = (sum2 - double(n) * mean * mean) / double(n - 1);
  EXPECT_NEAR(mean, mean_expected, 4.5 * std::sqrt(var_expected / double(n)));
  EXPECT_NEAR(sample_var, var_expected,
              4.5 * var_expected * std::sqrt(2.0 / double(n - 1)));
  // The unconditional spread is wider: conditioning took Cov^2 / Var out.
  ASSERT_GT(cov * cov / var, 0.1 * var_expected);
}

// (c) Where no pin reaches: with regional shocks only (no common factor,
// no spillover in the synthetic model's default), a pin on R1 leaves R3's
// innovations untouched (K's rows for them are 0), so R3's draws are the
// unconditioned ones bit for bit; and its law, compared with a run of
// another seed by a two-sample Kolmogorov-Smirnov test, is the
// unconditional one (critical value 1.95 sqrt(2 / N) for alpha = 0.001:
// the flake budget under a change of seeds).
TEST(Conditioning, WhatNoPinReachesKeepsItsUnconditionalLaw) {
  const std::string head = R"(name = "apart"
horizon = 2023
seed = 9
)";
  const auto sc = scenario_from(
      head + "[[conditions]]\nregion = \"R1\"\nyear = 2022\ngrowth = 0.0\n");
  const auto free_sc = scenario_from(head);
  const auto p = setup_of(sc, false, false);
  // A conditioned run takes glibc's arithmetic (version 2's) under version 3
  // (Version3IsVersion2WhenConditioned), so the unconditioned run it is
  // compared with bit for bit is version 2's.
  auto q = setup_of(free_sc, false, false);
  q.random_stream = StreamVersion::v2;
  const std::int64_t n = 4000;
  const auto conditioned = run(p, sc, n, 9);
  const auto same_seed = run(q, free_sc, n, 9);
  const auto other_seed = run(q, free_sc, n, 10);
  for (int h = 0; h < 4; ++h) {
    std::vector<double> a, b;
    for (std::int64_t d = 0; d < n; ++d) {
      ASSERT_EQ(value(conditioned, kGdp, 2, h, d),
                value(same_seed, kGdp, 2, h, d));
      a.push_back(value(conditioned, kGdp, 2, h, d));
      b.push_back(value(other_seed, kGdp, 2, h, d));
    }
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    double ks = 0.0;
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
      if (a[i] <= b[j])
        ++i;
      else
        ++j;
      ks = std::max(ks, std::abs(double(i) - double(j)) / double(n));
    }
    EXPECT_LT(ks, 1.95 * std::sqrt(2.0 / double(n))) << "h = " << h;
  }
  // R1 itself is moved: its 2022 growth is 0 in every draw.
  for (std::int64_t d = 0; d < n; ++d)
    ASSERT_NEAR(value(conditioned, kGdpGrowth, 0, 2, d), 0.0, 1e-12);
}

// (d) Outturns: every reported region is pinned in every outturn year, so
// the fan there is the data (every quantile, zero width) and widens after.
// The outturns here are the unconditioned medians times 1.02, 0.97, ...
TEST(Conditioning, OutturnsMakeTheFanEqualTheData) {
  const auto sc = scenario_from(R"(name = "from outturns"
horizon = 2026
seed = 4
regions = ["R1", "R2", "R3"]
)");
  auto p = setup_of(sc);
  const auto free_run = run(p, sc, 600, 4);
  ObservedGdp observed;
  observed.file = "outturns.csv";
  observed.years = {2018, 2019, 2020, 2021, 2022};  // 2018-19: in the data
  const double factor[] = {1.0, 1.0, 1.02, 0.97, 1.01};
  for (int i = 0; i < 3; ++i) {
    observed.regions.push_back("R" + std::to_string(i + 1));
    observed.gdp.emplace_back();
    for (int t = 0; t < 5; ++t) {
      const int h = std::max(0, t - 2);
      observed.gdp.back().push_back(
          free_run.quantiles[std::size_t(free_run.cell(kGdp, i, h)) * 7 + 3] *
          factor[t]);
    }
  }
  ASSERT_TRUE(condition_setup(p, sc, &observed));
  const auto r = run(p, sc, 600, 4);
  EXPECT_EQ(r.outturn_years, (std::vector<int>{2020, 2021, 2022}));
  for (int i = 0; i < 3; ++i) {
    for (int h = 0; h < 3; ++h) {
      const double data = observed.gdp[std::size_t(i)][std::size_t(h + 2)];
      for (int q = 0; q < 7; ++q)
        EXPECT_NEAR(
            r.quantiles[std::size_t(r.cell(kGdp, i, h)) * 7 + std::size_t(q)] /
                data,
            1.0, 1e-12);
    }
    // 2023 onwards: a band again.
    EXPECT_GT(r.sd[std::size_t(r.cell(kGdp, i, 3))], 1e-6 * r.mean[0]);
  }
}

// Observed R&D intensities replace the rd_intensity path in their years
// only: the knowledge stock (S_t = (1 - delta_S) S_t-1 + R_t, R_t the
// intensity times output) of 2020 is unchanged, that of 2021 grows with a
// higher observed intensity than the path's 0.02.
TEST(Conditioning, ObservedRdIntensityReplacesThePathInItsYears) {
  const auto sc = scenario_from(R"(name = "rd"
horizon = 2023
seed = 2
regions = ["R1"]
)");
  // What condition_setup takes from outturns: 2021's intensity of R1.
  auto p = setup_of(sc, false, false);
  ObservedGdp observed;
  observed.file = "outturns.csv";
  observed.years = {2021};
  observed.regions = {"R1"};
  observed.gdp = {{100.0}};
  observed.rd_intensity = {{0.05}};
  ASSERT_TRUE(condition_setup(p, sc, &observed));
  ASSERT_EQ(p.observed_rd_intensity.size(), 6u);
  EXPECT_EQ(p.observed_rd_intensity[0][1], 0.05);
  EXPECT_TRUE(std::isnan(p.observed_rd_intensity[0][0]));
  EXPECT_TRUE(std::isnan(p.observed_rd_intensity[1][1]));
  // Its effect, without the GDP pin.
  auto q = setup_of(sc, false, false);
  const auto before = run(q, sc, 200, 2);
  q.observed_rd_intensity = p.observed_rd_intensity;
  const auto after = run(q, sc, 200, 2);
  for (std::int64_t d = 0; d < 200; ++d) {
    ASSERT_EQ(value(after, kKnowledge, 0, 0, d),
              value(before, kKnowledge, 0, 0, d));
    ASSERT_GT(value(after, kKnowledge, 0, 1, d),
              value(before, kKnowledge, 0, 1, d));
  }
}

// (e) Pins that cannot be met are refused, naming the pin.
TEST(Conditioning, PinsThatCannotBeMetAreRefused) {
  const std::string head = R"(name = "bad"
horizon = 2022
)";
  auto refused = [&](const std::string& text, bool common) {
    const auto sc = scenario_from(head + text);
    auto p = make_setup(calibration(), sc, {});
    if (!p) return p.error().to_string();
    p->common_shocks = common;
    p->shock_sigma_common = common ? 0.5 * p->sigma : 0.0;
    p->trend_shocks = false;
    auto s = condition_setup(*p, sc, nullptr);
    return s ? std::string("accepted") : s.error().to_string();
  };
  const std::string pin =
      "[[conditions]]\nregion = \"R2\"\nyear = 2021\ngrowth = 0.05\n";
  EXPECT_EQ(refused(pin + pin, false),
            "test.toml:7: field 'conditions[1]': condition conditions[1] (R2 "
            "2021 growth 0.05) cannot be met together with the pins before it "
            "(it repeats condition conditions[0])");
  // Level in 2020 and 2021 fix the 2021 growth: more pins than shocks.
  EXPECT_EQ(refused("[[conditions]]\nregion = \"R2\"\nyear = 2020\nlevel = "
                    "100.0\n[[conditions]]\nregion = \"R2\"\nyear = "
                    "2021\nlevel = 110.0\n" +
                        pin,
                    false),
            "test.toml:11: field 'conditions[2]': condition conditions[2] (R2 "
            "2021 growth 0.05) cannot be met together with the pins before it "
            "(more pins than shocks: the pins before it already fix the "
            "shocks that move it)");
  EXPECT_EQ(refused(pin, false), "accepted");
  EXPECT_EQ(refused("[uncertainty]\nshocks = false\n" + pin, false),
            "test.toml:5: field 'conditions[0]': condition conditions[0] (R2 "
            "2021 growth 0.05) cannot be met: no shock of the model moves it "
            "(shock uncertainty is off, or its standard deviation is 0)");
  EXPECT_EQ(refused("[[conditions]]\nregion = \"R2\"\nyear = 2023\nlevel = "
                    "1.0\n",
                    false),
            "test.toml:5: field 'conditions[0].year': year 2023 is outside the "
            "projection (2020..2022): a condition pins a projected year");
  EXPECT_EQ(refused("[[conditions]]\ngroup = \"Nowhere\"\nyear = 2021\nlevel "
                    "= 1.0\n",
                    false),
            "test.toml:4: field 'conditions[0].group': unknown group "
            "'Nowhere' (groups of this scenario: none)");
}

// (f) Same seed, same bytes, with conditions on, for 1 and 2 threads over
// several work items (4,096 draws each) per thread.
TEST(Conditioning, ThreadsDoNotChangeTheBytes) {
  const auto sc = scenario_from(kPinned);
  const auto p = setup_of(sc);
  const std::int64_t n = 4 * 4096 + 100;
  const auto one = run(p, sc, n, 5, 1);
  const auto two = run(p, sc, n, 5, 2);
  auto same = [](std::span<const double> a, std::span<const double> b) {
    return a.size() == b.size() &&
           std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
  };
  EXPECT_TRUE(same(one.paths, two.paths));
  EXPECT_TRUE(same(one.quantiles, two.quantiles));
  EXPECT_TRUE(same(one.mean, two.mean));
  EXPECT_TRUE(same(one.sd, two.sd));
  // A draw alone gives the values it has inside a block.
  std::vector<double> alone(std::size_t(p.cells()));
  simulate_draw(p, 5, 0, 4097, alone.data(), 1);
  for (int c = 0; c < p.cells(); ++c)
    ASSERT_EQ(alone[std::size_t(c)],
              one.paths[std::size_t(c) * std::size_t(n) + 4097]);
}

}  // namespace
}  // namespace growthcast::montecarlo
