// Policy targets (engine/targets, docs/targets.md): the solve meets a
// reachable target, checked by an independent re-projection through the
// scenario's own [drivers] ramp; an unreachable one is reported at its
// bound; equivalent specifications solve alike; the probability of reaching
// equals the share of the kept draws that reach; threads change nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "calibrate/synthetic.h"
#include "montecarlo/runner.h"
#include "scenario/scenario.h"
#include "synthetic_fixture.h"
#include "targets/solve.h"

namespace growthcast::targets {
namespace {

// The shared synthetic calibration (4 regions; tests/synthetic_fixture.h),
// made once.
const calibrate::CalibrationResult& calibration() {
  return testing_fixture::calibration(4);
}

using testing_fixture::scenario_from;

const std::string kHead = R"(name = "t"
horizon = 2026
draws = 2000
seed = 7
[groups]
"G" = ["R1", "R2", "R3", "R4"]
)";

std::string target(const std::string& outcome, const std::string& driver,
                   double upper) {
  return kHead + "[[targets]]\ngdp_of = \"G\"\nyear = 2026\n" + outcome +
         "\ndriver = \"" + driver +
         "\"\nregions = [\"R1\", \"R2\", \"R3\", \"R4\"]\nby = 2023\n"
         "lower = 0.0\nupper = " +
         std::to_string(upper) + "\n";
}

// A number as TOML text that reads back to the same double.
std::string exact(double x) {
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", x);
  return text;
}

struct Solved {
  montecarlo::ProjectionSetup setup;
  std::vector<TargetResult> results;
};

Solved solve(const scenario::Scenario& sc) {
  auto setup = montecarlo::make_setup(calibration(), sc, {});
  if (!setup) throw std::runtime_error(setup.error().to_string());
  auto r = solve_targets(*setup, sc, calibration());
  if (!r) throw std::runtime_error(r.error().to_string());
  return {std::move(*setup), std::move(*r)};
}

// GDP of group G in `year` on a projection with no uncertainty whose
// `driver` ramps to `level` by 2023 in every region, set through the
// scenario's [drivers] table rather than the target code.
double reprojected(const std::string& driver, double level, int year) {
  char text[256];
  std::snprintf(text, sizeof text,
                "[uncertainty]\nparameters = false\nshocks = false\n"
                "[drivers.%s]\npath = \"ramp\"\ntarget = %.17g\nby = 2023\n",
                driver.c_str(), level);
  const auto sc = scenario_from(kHead + text);
  auto setup = montecarlo::make_setup(calibration(), sc, {});
  if (!setup) throw std::runtime_error(setup.error().to_string());
  std::vector<double> cells(std::size_t(setup->cells()));
  montecarlo::simulate_draw(*setup, 0, 0, 0, cells.data(), 1);
  const int unit = setup->units() - 1;  // the group, after the regions
  return cells[std::size_t(
      setup->cell(montecarlo::kGdp, unit, year - setup->last_year - 1))];
}

TEST(Targets, ReachableRatioIsMetOnAnIndependentReprojection) {
  for (const std::string driver : {"rd_intensity", "investment_rate"}) {
    // 2% more growth over 2020-2026 than with the driver at its baseline
    // (0.02 and 0.40 in the synthetic panel).
    const double held = driver == "rd_intensity" ? 0.02 : 0.40;
    const double ratio = 1.02 * reprojected(driver, held, 2026) /
                         reprojected(driver, held, 2020);
    const auto sc = scenario_from(target(
        "ratio = " + exact(ratio) + "\nratio_to_year = 2020", driver, 0.9));
    const Solved s = solve(sc);
    ASSERT_EQ(s.results.size(), 1u);
    const TargetResult& r = s.results[0];
    EXPECT_TRUE(r.reachable) << driver;
    EXPECT_EQ(r.bound, "") << driver;
    EXPECT_EQ(r.base_source, "central path");
    // The target's definition: GDP 2026 = ratio x GDP 2020, both on the
    // projection at the solved level; required to 1e-6 relative.
    const double y2026 = reprojected(driver, r.level, 2026);
    const double y2020 = reprojected(driver, r.level, 2020);
    EXPECT_NEAR(y2026 / (ratio * y2020), 1.0, 1e-6) << driver;
    EXPECT_NEAR(r.central_value / y2026, 1.0, 1e-12) << driver;
    // The path the Monte Carlo gets: baseline 0.40 or 0.02 in 2019 (the
    // synthetic panel's constant ratios), the level from 2023 on.
    const double base = driver == "rd_intensity" ? 0.02 : 0.40;
    ASSERT_EQ(r.path.size(), 4u);
    EXPECT_NEAR(r.path[0][0], base + (r.level - base) / 4.0, 1e-12);
    EXPECT_EQ(r.path[0].back(), r.level);
  }
}

TEST(Targets, UnreachableTargetIsReportedAtItsBound) {
  // 10% more than the growth factor over 2020-2026 that R&D intensity at
  // its upper bound, 5%, gives: more R&D gives more GDP, so the closest
  // attainable value is at that bound.
  const double ratio = 1.1 * reprojected("rd_intensity", 0.05, 2026) /
                       reprojected("rd_intensity", 0.05, 2020);
  const auto sc =
      scenario_from(target("ratio = " + exact(ratio) + "\nratio_to_year = 2020",
                           "rd_intensity", 0.05));
  const Solved s = solve(sc);
  const TargetResult& r = s.results[0];
  EXPECT_FALSE(r.reachable);
  EXPECT_EQ(r.bound, "upper");
  EXPECT_EQ(r.level, 0.05);
  const double y2026 = reprojected("rd_intensity", 0.05, 2026);
  EXPECT_NEAR(r.central_value / y2026, 1.0, 1e-12);
  EXPECT_LT(r.central_value, r.target_value);
  EXPECT_NE(format_targets("t", s.results).find("NOT REACHABLE"),
            std::string::npos);
}

TEST(Targets, GrowthAndLevelMatchTheEquivalentRatio) {
  // Average growth g from 2020 to 2026 is the ratio (1 + g)^6; g a little
  // above the baseline's.
  const double g = std::pow(reprojected("investment_rate", 0.40, 2026) /
                                reprojected("investment_rate", 0.40, 2020),
                            1.0 / 6.0) -
                   1.0 + 0.002;
  const Solved by_ratio = solve(scenario_from(target(
      "ratio = " + exact(std::pow(1.0 + g, 6)) + "\nratio_to_year = 2020",
      "investment_rate", 0.9)));
  const Solved by_growth = solve(
      scenario_from(target("growth = " + exact(g) + "\ngrowth_from = 2020",
                           "investment_rate", 0.9)));
  EXPECT_TRUE(by_ratio.results[0].reachable);
  EXPECT_NEAR(by_growth.results[0].level, by_ratio.results[0].level, 1e-7);
  // The level that the ratio target reached, given as a level.
  char level[64];
  std::snprintf(level, sizeof level, "level = %.17g",
                by_ratio.results[0].target_value);
  const Solved by_level =
      solve(scenario_from(target(level, "investment_rate", 0.9)));
  EXPECT_TRUE(by_level.results[0].reachable);
  EXPECT_NEAR(by_level.results[0].level, by_ratio.results[0].level, 1e-7);
}

TEST(Targets, ProbabilityIsTheShareOfKeptDrawsAndThreadFree) {
  // A target at the central path's own 2026 value, under full uncertainty:
  // its probability must be the share of the run's draws at or above it.
  const double ratio = 1.01 * reprojected("investment_rate", 0.40, 2026) /
                       reprojected("investment_rate", 0.40, 2020);
  auto sc =
      scenario_from(target("ratio = " + exact(ratio) + "\nratio_to_year = 2020",
                           "investment_rate", 0.9));
  Solved s = solve(sc);
  ASSERT_TRUE(s.results[0].reachable);
  montecarlo::RunOptions options;
  options.keep_paths = true;
  options.threads = 2;
  auto run = montecarlo::run_scenario(s.setup, sc, 0, 2000, sc.seed, options);
  ASSERT_TRUE(run) << run.error().to_string();
  std::vector<TargetResult> one = s.results, two = s.results;
  count_reaching(s.setup, sc.seed, 0, 2000, 1, one);
  count_reaching(s.setup, sc.seed, 0, 2000, 2, two);
  EXPECT_EQ(one[0].draws_reaching, two[0].draws_reaching);
  const int unit = s.setup.units() - 1;
  const int cell = run->cell(montecarlo::kGdp, unit, 2026 - 2020);
  std::int64_t reaching = 0;
  for (std::int64_t d = 0; d < 2000; ++d)
    reaching += run->paths[std::size_t(cell) * 2000 + std::size_t(d)] >=
                one[0].target_value;
  EXPECT_EQ(one[0].draws_reaching, reaching);
  // And the quantiles bracket it: the target lies between the run's 25%
  // and 75% quantiles exactly when P is between 0.25 and 0.75 (the
  // central path is near the median, so P is near one half).
  const double q25 = run->quantiles[std::size_t(cell) * 7 + 2];
  const double q75 = run->quantiles[std::size_t(cell) * 7 + 4];
  EXPECT_GT(one[0].target_value, q25);
  EXPECT_LT(one[0].target_value, q75);
  EXPECT_GT(one[0].probability(), 0.25);
  EXPECT_LT(one[0].probability(), 0.75);
}

TEST(Targets, BadSpecificationsAreRefused) {
  auto message = [](const std::string& text) {
    auto s = scenario::parse_scenario(text, "test.toml");
    return s ? std::string("accepted") : s.error().to_string();
  };
  EXPECT_EQ(message(target("ratio = 1.3", "rd_intensity", 0.1)),
            "test.toml:7: field 'targets[0].ratio_to_year': missing required "
            "key 'ratio_to_year' (the year whose GDP the ratio multiplies)");
  EXPECT_EQ(message(target("ratio = 1.3\nratio_to_year = 2020\nlevel = 5",
                           "rd_intensity", 0.1)),
            "test.toml:12: field 'targets[0].ratio': gives more than one "
            "outcome; give one of 'level', 'ratio' and 'growth'");
  // Two targets moving one driver of one region.
  const std::string one =
      target("ratio = 1.3\nratio_to_year = 2020", "rd_intensity", 0.1);
  EXPECT_EQ(message(one + one.substr(kHead.size())),
            "test.toml:23: field 'targets[1].regions': rd_intensity of 'R1' "
            "is already the instrument of targets[0]; each target needs an "
            "instrument of its own");
}

}  // namespace
}  // namespace growthcast::targets
