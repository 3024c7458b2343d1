// The Monte Carlo runner: determinism across threads and runs, the
// deterministic projection against the equations of
// docs/models/cobb_douglas_rd.md ("Projection") written out here,
// the one-year-ahead shock distribution (Kolmogorov-Smirnov), and the
// streaming quantiles' certified rank error against exact quantiles.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <span>

#include "closeness.h"
#include "montecarlo/random_stream.h"
#include "montecarlo/runner.h"
#include "scenario/scenario.h"
#include "synthetic_fixture.h"

namespace growthcast::montecarlo {
namespace {

using growthcast::testing::IsClose;
using growthcast::testing::Tolerance;

// The shared synthetic calibration (6 regions) and scenarios from TOML
// text (tests/synthetic_fixture.h).
using testing_fixture::calibration;
using testing_fixture::kEveryUncertainty;
using testing_fixture::scenario_from;

// Both random stream versions (random_stream.h).
class DrawsByVersion : public ::testing::TestWithParam<int> {};
INSTANTIATE_TEST_SUITE_P(Versions, DrawsByVersion, ::testing::Values(1, 2));

const char* kBase = R"(name = "t"
horizon = 2025
draws = 64
seed = 7
[groups]
"G" = ["R1", "R2", "R3"]
[drivers.rd_intensity]
path = "ramp"
target = 0.03
by = 2023
uncertainty = { dist = "normal", sd = 0.002 }
)";

ScenarioForecast run(const scenario::Scenario& sc, std::int64_t draws,
                     const RunOptions& options) {
  return testing_fixture::run_forecast(calibration(), sc, draws, options);
}

bool same_bits(std::span<const double> a, std::span<const double> b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// The runner hands out work in chunks of 4096 draws (kChunk in runner.cc):
// with fewer draws than two chunks the second thread has nothing to do, so
// the runs below have more than two chunks per thread.
constexpr std::int64_t kRunnerChunk = 4096;
constexpr std::int64_t kSeveralChunksPerThread = 4 * kRunnerChunk + 300;

TEST(MonteCarlo, BitIdenticalForOneAndTwoThreadsAndRepeatRuns) {
  const auto sc = scenario_from(kBase);
  RunOptions one, two;
  one.threads = 1;
  two.threads = 2;
  one.keep_paths = two.keep_paths = true;
  const std::int64_t draws = kSeveralChunksPerThread;
  const std::int64_t chunks = (draws + kRunnerChunk - 1) / kRunnerChunk;
  ASSERT_GT(chunks, 2 * two.threads);
  const auto a = run(sc, draws, one), b = run(sc, draws, two);
  EXPECT_TRUE(same_bits(a.quantiles, b.quantiles));
  EXPECT_TRUE(same_bits(a.mean, b.mean));
  EXPECT_TRUE(same_bits(a.sd, b.sd));
  EXPECT_TRUE(same_bits(a.paths, b.paths));
  EXPECT_EQ(a.parameter_redraws, b.parameter_redraws);
  RunOptions again = two;
  again.keep_paths = false;
  const auto c = run(sc, draws, again);
  EXPECT_TRUE(same_bits(b.quantiles, c.quantiles));
  EXPECT_TRUE(same_bits(b.mean, c.mean));
}

// The cancellation hook (common/cancel.h): a flag that is never set leaves
// every bit as without one, in both quantile modes; a flag set from the
// progress callback (the caller's thread, after the first chunk) ends the
// run with exit code 130 before the remaining chunks.
TEST(MonteCarlo, CancelFlagUnsetChangesNothingAndSetStopsTheRun) {
  const auto sc = scenario_from(kBase);
  const std::int64_t draws = kSeveralChunksPerThread;
  for (const std::size_t memory : {std::size_t(1) << 30, std::size_t(1)}) {
    RunOptions plain;
    plain.threads = 2;
    plain.exact_memory_bytes = memory;
    CancelFlag never{false};
    RunOptions watched = plain;
    watched.cancel = &never;
    const auto a = run(sc, draws, plain), b = run(sc, draws, watched);
    EXPECT_EQ(a.exact, memory > 1);
    EXPECT_TRUE(same_bits(a.quantiles, b.quantiles));
    EXPECT_TRUE(same_bits(a.mean, b.mean));
    EXPECT_TRUE(same_bits(a.sd, b.sd));
  }
  CancelFlag stop{false};
  int calls = 0;
  RunOptions options;
  options.threads = 1;
  options.cancel = &stop;
  options.progress = [&](double) {
    ++calls;
    stop = true;
  };
  auto setup = make_setup(calibration(), sc, {});
  ASSERT_TRUE(setup);
  auto r = run_scenario(*setup, sc, 0, draws, sc.seed, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().exit_code, 130);
  EXPECT_EQ(r.error().message, "interrupted");
  // One thread: the chunk that set the flag was the last one simulated.
  EXPECT_EQ(calls, 1);
}

TEST(MonteCarlo, StreamingModeIsBitIdenticalAcrossThreads) {
  const auto sc = scenario_from(kBase);
  RunOptions one, two;
  one.threads = 1;
  two.threads = 2;
  one.exact_memory_bytes = two.exact_memory_bytes = 1;  // force streaming
  ASSERT_GT((kSeveralChunksPerThread + kRunnerChunk - 1) / kRunnerChunk,
            2 * two.threads);
  const auto a = run(sc, kSeveralChunksPerThread, one),
             b = run(sc, kSeveralChunksPerThread, two);
  EXPECT_FALSE(a.exact);
  EXPECT_TRUE(same_bits(a.quantiles, b.quantiles));
  EXPECT_TRUE(same_bits(a.mean, b.mean));
  EXPECT_TRUE(same_bits(a.sd, b.sd));
}

// The streaming run of `sc` in tiles of a one-byte budget (every tile as
// small as the runner makes them), on 1 and 2 threads, against the run in
// one tile: the same bits and the same redraw and uncertified counts.
void expect_one_byte_tiles_give_the_same_bits(const scenario::Scenario& sc) {
  RunOptions whole, tiled_one, tiled_two;
  whole.threads = tiled_two.threads = 2;
  tiled_one.threads = 1;
  whole.exact_memory_bytes = tiled_one.exact_memory_bytes =
      tiled_two.exact_memory_bytes = 1;  // force streaming
  tiled_one.streaming_memory_bytes = tiled_two.streaming_memory_bytes = 1;
  const std::int64_t draws = 2 * kRunnerChunk + 300;
  const auto a = run(sc, draws, whole), b = run(sc, draws, tiled_one),
             c = run(sc, draws, tiled_two);
  EXPECT_FALSE(a.exact);
  for (const auto* t : {&b, &c}) {
    EXPECT_TRUE(same_bits(a.quantiles, t->quantiles));
    EXPECT_TRUE(same_bits(a.mean, t->mean));
    EXPECT_TRUE(same_bits(a.sd, t->sd));
    EXPECT_EQ(a.parameter_redraws, t->parameter_redraws);
    EXPECT_EQ(a.uncertified_quantiles, t->uncertified_quantiles);
  }
}

// Tiles of cells (RunOptions::streaming_memory_bytes) change which cells
// one pass over the draws counts, never a cell's statistics: a budget so
// small that every [variable][unit] row is a tile of its own gives the
// bits of the run in one tile, on 1 and 2 threads, with the redraws
// counted once.
TEST(MonteCarlo, StreamingTilesOfCellsGiveTheSameBits) {
  const auto sc = scenario_from(kBase);
  expect_one_byte_tiles_give_the_same_bits(sc);
}

// Tiles of regions (runner.cc, region_tiles): without spillovers, pins or
// groups across tiles, each tile of cells simulates only its own regions
// (region_tile_setup), and a region's draws are the same bits as in the
// whole panel's: its parameters from the panel's factor and normals, its
// shock normals by the panel's region index, the driver stream's ramp
// targets drawn in the panel's order. A budget of one byte makes each
// region (and the one-member group "G") a tile of its own; the drawn
// R&D ramp in every region makes each tile take the other regions'
// numbers of the driver stream. Both stream versions (version 1 draws
// parameters with the dense factor, every column in every row), 1 and 2
// threads, against the run in one tile.
const std::string kRegionTiles = std::string(R"(name = "t"
horizon = 2025
draws = 64
seed = 7
[groups]
"G" = ["R2"]
)") + kEveryUncertainty + R"([drivers.investment_rate]
path = "ramp"
target = 0.35
by = 2024
uncertainty = { dist = "uniform", low = -0.02, high = 0.02 }
)";

TEST_P(DrawsByVersion, StreamingTilesOfRegionsGiveTheSameBits) {
  const auto sc = scenario_from(
      "random_stream = " + std::to_string(GetParam()) + "\n" + kRegionTiles);
  auto setup = make_setup(calibration(), sc, {});
  ASSERT_TRUE(setup);
  ASSERT_TRUE(region_tiles_allowed(*setup));
  ASSERT_EQ(setup->output_regions.size(), setup->regions.size());
  ASSERT_EQ(setup->groups.size(), 1u);
  // Tiles of two regions, one draw at a time: each tile's cells are the
  // panel's (regions' units first .. first + 1, then the group's unit n).
  const int n = int(setup->regions.size()), years = setup->years();
  for (const std::uint64_t draw : {0u, 5u, 37u}) {
    std::vector<double> whole(std::size_t(setup->cells()));
    const DrawOutcome a =
        simulate_draw(*setup, sc.seed, 0, draw, whole.data(), 1);
    for (int first = 0; first < n; first += 2) {
      const int count = std::min(2, n - first);
      const bool has_group = first <= 1 && 1 < first + count;
      const ProjectionSetup tile = region_tile_setup(
          *setup, first, count,
          has_group ? std::vector<int>{0} : std::vector<int>{});
      ASSERT_EQ(tile.units(), count + (has_group ? 1 : 0));
      std::vector<double> part(std::size_t(tile.cells()));
      const DrawOutcome b =
          simulate_draw(tile, sc.seed, 0, draw, part.data(), 1);
      EXPECT_EQ(a.parameter_redraws, b.parameter_redraws);
      for (int v = 0; v < kVariableCount; ++v)
        for (int u = 0; u < tile.units(); ++u)
          for (int h = 0; h < years; ++h) {
            const int panel_unit = u < count ? first + u : n;
            const double x = whole[std::size_t(setup->cell(v, panel_unit, h))];
            const double y = part[std::size_t(tile.cell(v, u, h))];
            EXPECT_EQ(std::memcmp(&x, &y, sizeof x), 0)
                << "draw " << draw << " variable " << v << " unit " << u
                << " year " << h << ": " << x << " vs " << y;
          }
    }
  }
  // The runner: every region a tile of its own (a one-byte budget), on 1
  // and 2 threads, against one tile.
  expect_one_byte_tiles_give_the_same_bits(sc);
}

// The projection of docs/models/cobb_douglas_rd.md for one region with no
// uncertainty, written out: shocks decay as u_t = rho u_t-1, drivers follow
// their paths.
std::vector<double> deterministic_gdp(const calibrate::CalibrationResult& cal,
                                      int i, int horizon, double rd_target,
                                      int by) {
  const Eigen::Index s0 = Eigen::Index(2 * cal.regions.size());
  const double a = cal.estimate[2 * i], lambda = cal.estimate[2 * i + 1];
  const double alpha = cal.estimate[s0], beta = 1 - alpha,
               gamma = cal.estimate[s0 + 2], delta_s = cal.estimate[s0 + 3];
  const int t0 = cal.years.front(), last = cal.years.back();
  // Baselines: means of the last five data years.
  const auto& lab = cal.labour[i];
  double n = 0;
  for (std::size_t t = lab.size() - 5; t < lab.size(); ++t)
    n += lab[t] / lab[t - 1] - 1;
  n /= 5;
  const double s = 0.40, r0 = 0.02, delta_k = 0.096;
  double y = cal.gdp[i].back(), k = cal.capital[i].back(), l = lab.back();
  double stock = cal.knowledge[i].back(), u = cal.residual[i].back();
  std::vector<double> out;
  for (int year = last + 1; year <= horizon; ++year) {
    const double r = year >= by ? rd_target
                                : r0 + (rd_target - r0) * double(year - last) /
                                           double(by - last);
    l *= 1 + n;
    k = (1 - delta_k) * k + s * y;
    stock = (1 - delta_s) * stock + r * y;
    u = cal.fit.shock_rho * u;
    y = std::exp(a + lambda * (year - t0) + alpha * std::log(k) +
                 beta * std::log(l) + gamma * std::log(stock) + u);
    out.push_back(y);
  }
  return out;
}

TEST(MonteCarlo, WithoutUncertaintyOneDrawIsTheDeterministicProjection) {
  const auto sc =
      scenario_from(std::string(kBase) +
                    "[uncertainty]\nparameters = false\nshocks = false\n");
  // The ramp target's uncertainty is a driver draw; take it out too.
  auto det = sc;
  det.drivers[scenario::Driver::rd_intensity].all.uncertainty.reset();
  RunOptions options;
  options.keep_paths = true;
  // Version 2 takes glibc's log and exp, as deterministic_gdp: roundoff.
  // Version 3 (the default) takes float_core_math's: its error budget,
  // 1e-7 relative (docs/architecture.md, "Error budget of version 3").
  for (const auto& [version, tolerance] :
       {std::pair{2, Tolerance::kRoundoff},
        std::pair{3, Tolerance::kVersion3Budget}}) {
    det.random_stream = version;
    const auto r = run(det, 1, options);
    for (int i = 0; i < 6; ++i) {
      const auto expected =
          deterministic_gdp(calibration(), i, 2025, 0.03, 2023);
      for (int h = 0; h < 6; ++h)
        EXPECT_TRUE(IsClose(r.paths[std::size_t(r.cell(kGdp, i, h))],
                            expected[std::size_t(h)], tolerance))
            << "version " << version << " region " << i << " year " << 2020 + h;
    }
    // The group is the sum of its members.
    for (int h = 0; h < 6; ++h) {
      double sum = 0;
      for (int i = 0; i < 3; ++i)
        sum += r.paths[std::size_t(r.cell(kGdp, i, h))];
      EXPECT_TRUE(IsClose(r.paths[std::size_t(r.cell(kGdp, 6, h))], sum,
                          Tolerance::kRoundoff));
    }
  }
}

// With only shocks on, each draw's TFP index follows the AR(1) of
// docs/models/cobb_douglas_rd.md ("Projection") from the calibration's
// last residual, the shock of region i in year h being normal h * n + i of
// the draw's shock stream: recomputed here from
// RandomStream, one normal at a time. With 6 regions, some years' first
// shock shares its Philox call with the year before (the block keeps those
// normals rather than making them again) and some start a call of their
// own.
TEST_P(DrawsByVersion, ShockPathsFollowTheDrawsShockStream) {
  const auto version = StreamVersion(GetParam());
  auto sc = scenario_from("random_stream = " + std::to_string(GetParam()) +
                          "\n" + kBase +
                          "[uncertainty]\nparameters = false\nshocks = true\n");
  sc.drivers[scenario::Driver::rd_intensity].all.uncertainty.reset();
  RunOptions options;
  options.keep_paths = true;
  const std::int64_t draws = 600;  // more than one block
  const auto r = run(sc, draws, options);
  const auto& cal = calibration();
  const int n = 6, years = 6;
  const double rho = cal.fit.shock_rho, sigma = cal.fit.shock_sigma;
  for (std::int64_t d : {0, 1, 511, 512, 599}) {
    RandomStream shocks(sc.seed, 0, std::uint64_t(d), Stream::shocks, version);
    std::vector<double> eps(std::size_t(n * years));
    for (double& e : eps) e = shocks.normal();
    for (int i = 0; i < n; ++i) {
      const double lambda = cal.estimate[2 * i + 1];
      const double u_last = cal.residual[std::size_t(i)].back();
      double u = u_last;
      for (int h = 0; h < years; ++h) {
        u = rho * u + sigma * eps[std::size_t(h * n + i)];
        const double expected = std::exp(lambda * (h + 1) + u - u_last);
        const double got =
            r.paths[std::size_t(r.cell(kTfp, i, h)) * std::size_t(draws) +
                    std::size_t(d)];
        EXPECT_TRUE(IsClose(got, expected, Tolerance::kRoundoff))
            << "draw " << d << " region " << i << " year " << 2020 + h;
      }
    }
  }
}

// Kolmogorov distribution tail: P(sqrt(n) D > x) ~ 2 sum (-1)^(k-1)
// e^(-2k^2x^2).
double ks_p_value(double d, std::size_t n) {
  const double x = std::sqrt(double(n)) * d;
  double p = 0;
  for (int k = 1; k < 100; ++k)
    p += 2 * ((k % 2) ? 1 : -1) * std::exp(-2.0 * k * k * x * x);
  return std::clamp(p, 0.0, 1.0);
}

TEST(MonteCarlo, OneYearAheadLogGdpIsNormalWithTheShockVariance) {
  // With only shocks on, ln Y_T+1 = (deterministic part) + rho e_T +
  // sigma eps: normal with mean from the deterministic projection and
  // variance sigma^2. Flake budget: the test fails if the KS p-value is
  // below 1e-6 (for a fixed seed the outcome is itself deterministic; the
  // budget bounds the chance that a change of generator or seed fails it).
  auto sc = scenario_from(std::string(kBase) +
                          "[uncertainty]\nparameters = false\nshocks = true\n");
  sc.drivers[scenario::Driver::rd_intensity].all.uncertainty.reset();
  RunOptions options;
  options.keep_paths = true;
  const std::int64_t draws = 20000;
  const auto r = run(sc, draws, options);
  const double sigma = calibration().fit.shock_sigma;
  for (int i : {0, 4}) {
    const double mean =
        std::log(deterministic_gdp(calibration(), i, 2025, 0.03, 2023)[0]);
    std::vector<double> z;
    const double* v =
        r.paths.data() + std::size_t(r.cell(kGdp, i, 0)) * std::size_t(draws);
    for (std::int64_t d = 0; d < draws; ++d)
      z.push_back((std::log(v[d]) - mean) / sigma);
    std::sort(z.begin(), z.end());
    double dmax = 0;
    for (std::size_t k = 0; k < z.size(); ++k) {
      const double cdf = 0.5 * std::erfc(-z[k] / std::sqrt(2.0));
      dmax = std::max({dmax, cdf - double(k) / double(z.size()),
                       double(k + 1) / double(z.size()) - cdf});
    }
    EXPECT_GT(ks_p_value(dmax, z.size()), 1e-6)
        << "region " << i << " D = " << dmax;
  }
}

// Type-7 quantile, written again for the check.
double type7(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double h = double(v.size() - 1) * q;
  const auto lo = std::size_t(std::floor(h));
  const double hi = lo + 1 < v.size() ? v[lo + 1] : v[lo];
  return v[lo] + (h - double(lo)) * (hi - v[lo]);
}

// Statistics only for what is asked (issue 20): a selection's cells hold
// the same bits as the all-variables run's cells of those variables (the
// kernel computes every variable, the runner only counts the selected
// ones; each cell's statistics depend on its own values only), in both
// modes, and the same bits on one and two threads.
void expect_selection_matches(const ScenarioForecast& all,
                              const ScenarioForecast& some) {
  const std::size_t levels = kQuantileLevels.size();
  ASSERT_EQ(some.cells(),
            int(some.units.size() * some.years.size() * some.variables.size()));
  for (int v : some.variables)
    for (int u = 0; u < int(all.units.size()); ++u)
      for (int h = 0; h < int(all.years.size()); ++h) {
        const auto a = std::size_t(all.cell(v, u, h));
        const auto b = std::size_t(some.cell(v, u, h));
        EXPECT_TRUE(same_bits({&all.mean[a], 1}, {&some.mean[b], 1}));
        EXPECT_TRUE(same_bits({&all.sd[a], 1}, {&some.sd[b], 1}));
        EXPECT_TRUE(same_bits({&all.quantiles[a * levels], levels},
                              {&some.quantiles[b * levels], levels}))
            << VariableName(v) << " unit " << u << " year " << h;
        if (!all.paths.empty()) {
          EXPECT_TRUE(
              same_bits({all.paths.data() + a * std::size_t(all.draws),
                         std::size_t(all.draws)},
                        {some.paths.data() + b * std::size_t(some.draws),
                         std::size_t(some.draws)}));
        }
      }
}

TEST(Outputs, ExactSelectionIsBitIdenticalToAllVariables) {
  const auto every = scenario_from(kBase);
  auto selected = scenario_from("outputs = [\"gdp_growth\", \"gdp\"]\n" +
                                std::string(kBase));
  ASSERT_EQ(selected.outputs, (std::vector<int>{kGdp, kGdpGrowth}));
  RunOptions one, two;
  one.threads = 1;
  two.threads = 2;
  one.keep_paths = two.keep_paths = true;
  const std::int64_t draws = kSeveralChunksPerThread;
  const auto all = run(every, draws, one);
  const auto a = run(selected, draws, one), b = run(selected, draws, two);
  ASSERT_TRUE(a.exact);
  EXPECT_EQ(a.variables, (std::vector<int>{kGdp, kGdpGrowth}));
  EXPECT_EQ(a.cells(), all.cells() / kVariableCount * 2);
  EXPECT_EQ(a.paths.size(), std::size_t(a.cells()) * std::size_t(draws));
  EXPECT_FALSE(a.reports(kTfp));
  expect_selection_matches(all, a);
  EXPECT_TRUE(same_bits(a.quantiles, b.quantiles));
  EXPECT_TRUE(same_bits(a.mean, b.mean));
  EXPECT_TRUE(same_bits(a.sd, b.sd));
  EXPECT_TRUE(same_bits({a.paths.data(), a.paths.size()},
                        {b.paths.data(), b.paths.size()}));
}

// GDP alone: the kernel then leaves out growth's division
// (output_lanes_gdp without growth) and the groups' growth, so this is a
// path of its own. Its GDP must be the all-variables run's bit for bit,
// kept or counted, on one or two threads, under every stream version (the
// third takes the AVX-512 kernel where the CPU has it).
TEST(Outputs, GdpAloneIsBitIdenticalToAllVariables) {
  for (const std::string stream :
       {"random_stream = 1\n", "random_stream = 2\n", "random_stream = 3\n"}) {
    SCOPED_TRACE(stream);
    const auto every = scenario_from(stream + kBase);
    const auto gdp = scenario_from(stream + "outputs = [\"gdp\"]\n" + kBase);
    ASSERT_EQ(gdp.outputs, (std::vector<int>{kGdp}));
    for (const bool keep : {true, false}) {
      SCOPED_TRACE(keep ? "exact, paths kept" : "streaming");
      RunOptions one, two;
      one.threads = 1;
      two.threads = 2;
      one.keep_paths = two.keep_paths = keep;
      if (!keep) one.exact_memory_bytes = two.exact_memory_bytes = 1;
      const std::int64_t draws = kSeveralChunksPerThread;
      const auto all = run(every, draws, two);
      const auto a = run(gdp, draws, one), b = run(gdp, draws, two);
      ASSERT_EQ(a.exact, keep);
      EXPECT_EQ(a.variables, (std::vector<int>{kGdp}));
      EXPECT_FALSE(a.reports(kGdpGrowth));
      expect_selection_matches(all, a);
      expect_selection_matches(all, b);
    }
  }
}

TEST(Outputs, StreamingSelectionIsBitIdenticalToAllVariables) {
  const auto every = scenario_from(kBase);
  // A variable from the middle of the list, alone, and GDP.
  auto selected =
      scenario_from("outputs = [\"gdp\", \"capital\"]\n" + std::string(kBase));
  RunOptions one, two;
  one.threads = 1;
  two.threads = 2;
  one.exact_memory_bytes = two.exact_memory_bytes = 1;
  const std::int64_t draws = kSeveralChunksPerThread;
  const auto all = run(every, draws, two);
  const auto a = run(selected, draws, one), b = run(selected, draws, two);
  ASSERT_FALSE(a.exact);
  EXPECT_EQ(a.variables, (std::vector<int>{kGdp, kCapital}));
  expect_selection_matches(all, a);
  EXPECT_TRUE(same_bits(a.quantiles, b.quantiles));
  EXPECT_TRUE(same_bits(a.mean, b.mean));
  EXPECT_TRUE(same_bits(a.sd, b.sd));
  // GDP alone takes the kernel's GDP-only output loop (output_lanes_gdp):
  // the same bits again, on one and two threads.
  auto gdp = scenario_from("outputs = [\"gdp\"]\n" + std::string(kBase));
  const auto c = run(gdp, draws, one), d = run(gdp, draws, two);
  expect_selection_matches(all, c);
  EXPECT_TRUE(same_bits(c.quantiles, d.quantiles));
  EXPECT_TRUE(same_bits(c.mean, d.mean));
  EXPECT_TRUE(same_bits(c.sd, d.sd));
}

TEST(MonteCarlo, ExactQuantilesAreType7OfThePaths) {
  const auto sc = scenario_from(kBase);
  RunOptions options;
  options.keep_paths = true;
  const std::int64_t draws = 3001;
  const auto r = run(sc, draws, options);
  for (int cell : {0, 17, r.cells() - 1}) {
    const double* v = r.paths.data() + std::size_t(cell) * std::size_t(draws);
    std::vector<double> values(v, v + draws);
    for (std::size_t q = 0; q < kQuantileLevels.size(); ++q)
      EXPECT_EQ(r.quantiles[std::size_t(cell) * kQuantileLevels.size() + q],
                type7(values, kQuantileLevels[q]));
  }
}

TEST(MonteCarlo, StreamingQuantilesStayWithinRankErrorOfExact) {
  const auto sc = scenario_from(kBase);
  const std::int64_t draws = 30000;
  RunOptions exact_options, streaming_options;
  exact_options.keep_paths = true;
  streaming_options.exact_memory_bytes = 1;
  const auto exact = run(sc, draws, exact_options);
  const auto streaming = run(sc, draws, streaming_options);
  ASSERT_TRUE(exact.exact);
  ASSERT_FALSE(streaming.exact);
  const std::size_t levels = kQuantileLevels.size();
  for (int cell = 0; cell < exact.cells(); ++cell) {
    const double* v =
        exact.paths.data() + std::size_t(cell) * std::size_t(draws);
    std::vector<double> values(v, v + draws);
    std::sort(values.begin(), values.end());
    for (std::size_t q = 0; q < levels; ++q) {
      const double level = kQuantileLevels[q];
      const double got = streaming.quantiles[std::size_t(cell) * levels + q];
      const double lo = type7(values, level - kStreamingRankError);
      const double hi = type7(values, level + kStreamingRankError);
      EXPECT_LE(lo, got) << "cell " << cell << " q " << level;
      EXPECT_GE(hi, got) << "cell " << cell << " q " << level;
    }
    // Moments: the same draws, summed in another order.
    EXPECT_TRUE(IsClose(streaming.mean[std::size_t(cell)],
                        exact.mean[std::size_t(cell)], 1e-9));
  }
}

// A tight bound around the estimate forces redraws of alpha. alpha's
// marginal under the draws theta_hat + L z is N(alpha_hat, se^2), so a
// candidate lands in alpha_hat +- 0.1 se with probability p = erf(0.1 /
// sqrt(2)) = 0.0797 (the other parameters are left unbounded here). The redraws
// of one draw are the failures before the first success: geometric, mean (1 -
// p) / p = 11.55, sd sqrt(1 - p) / p = 12.05. Over N = 3000 draws the total has
// mean 34660 and sd 660; the tolerance is 5 sd (flake budget below 1e-6 under a
// change of seed or generator; for this seed the outcome is fixed).
// Accepted draws must lie inside the bounds: alpha of a draw is its
// first-year capital contribution alpha d ln K over d ln K, and K of T + 1
// is the same for every draw ((1 - delta_K) K_T + s Y_T from data).
TEST(MonteCarlo, ParameterDrawsOutsideBoundsAreRedrawnAndCounted) {
  auto cal = calibration();
  const Eigen::Index alpha = Eigen::Index(2 * cal.regions.size());
  const double lo = cal.estimate[alpha] - 0.1 * cal.std_error[alpha];
  const double hi = cal.estimate[alpha] + 0.1 * cal.std_error[alpha];
  // Only alpha is bounded, so that its window alone decides a redraw.
  cal.lower.setConstant(-1e300);
  cal.upper.setConstant(1e300);
  cal.lower[alpha] = lo;
  cal.upper[alpha] = hi;
  const auto sc = scenario_from(kBase);
  auto setup = make_setup(cal, sc, {});
  ASSERT_TRUE(setup);
  RunOptions options;
  options.keep_paths = true;
  const std::int64_t draws = 3000;
  auto r = run_scenario(*setup, sc, 0, draws, 1, options);
  ASSERT_TRUE(r);
  const double p = std::erf(0.1 / std::sqrt(2.0));
  const double mean = double(draws) * (1 - p) / p;
  const double sd = std::sqrt(double(draws) * (1 - p)) / p;
  EXPECT_NEAR(double(r->parameter_redraws), mean, 5 * sd);
  for (int i = 0; i < 6; ++i) {
    const double dlk = std::log(r->paths[std::size_t(r->cell(kCapital, i, 0)) *
                                         std::size_t(draws)]) -
                       std::log(cal.capital[std::size_t(i)].back());
    ASSERT_GT(std::abs(dlk), 1e-3);
    double low = 1e300, high = -1e300;
    for (std::int64_t d = 0; d < draws; ++d) {
      const double a =
          r->paths[std::size_t(r->cell(kContributionCapital, i, 0)) *
                       std::size_t(draws) +
                   std::size_t(d)] /
          dlk;
      low = std::min(low, a);
      high = std::max(high, a);
    }
    // Rounding of alpha d ln K / d ln K: a few ulps of alpha.
    EXPECT_GE(low, lo - 1e-14) << "region " << i;
    EXPECT_LE(high, hi + 1e-14) << "region " << i;
    // The draws fill the window (not all at theta_hat).
    EXPECT_LT(low, lo + 0.2 * (hi - lo));
    EXPECT_GT(high, hi - 0.2 * (hi - lo));
  }
}

TEST(MonteCarlo, UnknownRegionAndEarlyHorizonNameTheScenarioLine) {
  auto sc = scenario_from("name = \"t\"\nhorizon = 2019\n");
  auto setup = make_setup(calibration(), sc, {});
  ASSERT_FALSE(setup);
  EXPECT_EQ(setup.error().line, 2);
  EXPECT_EQ(setup.error().field, "horizon");
  sc = scenario_from(
      "name = \"t\"\nhorizon = 2030\nregions = [\"R1\", \"Atlantis\"]\n");
  setup = make_setup(calibration(), sc, {});
  ASSERT_FALSE(setup);
  EXPECT_EQ(setup.error().line, 3);
  EXPECT_NE(setup.error().message.find("Atlantis"), std::string::npos);
}

}  // namespace
}  // namespace growthcast::montecarlo

namespace growthcast::montecarlo {
namespace {

// A draw's values are a pure function of (seed, scenario, draw): the same
// whether the draw is simulated alone, at another lane of a block, or in a
// run that starts elsewhere (a shard). The run's first block is simulated
// straight into the kept paths, its second (partial) one through the sink.
TEST_P(DrawsByVersion, DrawsDoNotDependOnTheirBlockOrShard) {
  const auto sc = scenario_from(
      "random_stream = " + std::to_string(GetParam()) + "\n" + kBase);
  auto setup = make_setup(calibration(), sc, {});
  ASSERT_TRUE(setup);
  RunOptions options;
  options.keep_paths = true;
  const std::int64_t draws = kBlockDraws + 37;
  const auto all = run(sc, draws, options);
  const std::size_t cells = std::size_t(setup->cells());
  std::vector<double> alone(cells);
  for (std::int64_t d : {std::int64_t(0), std::int64_t(5),
                         std::int64_t(kBlockDraws), draws - 1}) {
    simulate_draw(*setup, sc.seed, 0, std::uint64_t(d), alone.data(), 1);
    for (std::size_t c = 0; c < cells; ++c)
      ASSERT_EQ(std::memcmp(&alone[c],
                            &all.paths[c * std::size_t(draws) + std::size_t(d)],
                            sizeof(double)),
                0)
          << "draw " << d << " cell " << c;
  }
  // A block starting at draw 3 (another lane for every draw).
  BlockSimulator simulator(*setup);
  std::vector<DrawOutcome> outcomes(kBlockDraws);
  const int units = setup->units();
  simulator.run(
      sc.seed, 0, 3, 40,
      [&](int h, const double* rows) {
        for (int v = 0; v < kVariableCount; ++v)
          for (int unit = 0; unit < units; ++unit)
            for (int lane = 0; lane < 40; ++lane) {
              const double got =
                  rows[std::size_t(v * units + unit) * kRowStride +
                       std::size_t(lane)];
              const double want =
                  all.paths[std::size_t(setup->cell(v, unit, h)) *
                                std::size_t(draws) +
                            std::size_t(3 + lane)];
              ASSERT_EQ(std::memcmp(&got, &want, sizeof(double)), 0);
            }
      },
      outcomes.data());
}

// The bucket selection gives type 7 exactly (against a full sort), with
// ties, tiny samples, and continuous values whose ranks fall in different
// buckets.
TEST(MonteCarlo, ExactQuantilesBySelectionAreType7) {
  std::mt19937_64 engine(20261129);
  std::lognormal_distribution<double> lognormal(0.0, 0.4);
  for (bool ties : {true, false})
    for (std::int64_t n : {1, 2, 3, 20, 257, 999, 10000, 50001}) {
      std::vector<double> v(static_cast<std::size_t>(n));
      for (std::int64_t i = 0; i < n; ++i)
        v[std::size_t(i)] = ties ? std::floor(50.0 * std::sin(double(i) * 1.7))
                                 : lognormal(engine);
      // Outliers that squeeze the bulk into one bucket of the first pass.
      if (ties && n > 1000) v[7] = 1e12, v[11] = -1e9;
      std::vector<double> got(kQuantileLevels.size());
      const auto before = v;
      exact_quantiles(v.data(), n, kQuantileLevels, got.data());
      ASSERT_EQ(v, before) << "the values are only read";
      for (std::size_t q = 0; q < kQuantileLevels.size(); ++q)
        EXPECT_EQ(got[q], type7(v, kQuantileLevels[q]))
            << "n " << n << (ties ? ", ties" : ", continuous");
    }
}

// The slots of the streaming histogram are ordered, each value lies
// within its slot's edges, and the edges are where slot() changes; a cell
// whose draws are all equal (the first
// year's capital: K_T+1 = (1 - delta_K) K_T + s Y_T from data) gets that
// value exactly (no exact second pass for it).
// A streaming histogram of two cells placed from pilot samples: a smooth
// one and one of seven repeated values.
void place_pilot(std::int64_t n, std::vector<double>& pilot,
                 StreamingHistogram& hist) {
  pilot.assign(2 * std::size_t(n), 0.0);
  for (std::int64_t d = 0; d < n; ++d) {
    pilot[std::size_t(d)] = std::exp(0.3 * std::sin(double(d)));
    pilot[std::size_t(n + d)] = double(d % 7) * 1e-3 - 2.0;
  }
  for (int c = 0; c < 2; ++c)
    std::sort(pilot.begin() + c * n, pilot.begin() + (c + 1) * n);
  const auto pilot_levels = StreamingHistogram::pilot_levels(n);
  for (int c = 0; c < 2; ++c) {
    const double* v = pilot.data() + c * n;
    std::vector<double> at(pilot_levels.size());
    exact_quantiles(v, n, pilot_levels, at.data());
    hist.place(c, v, n, at.data(), v[n / 2]);  // centre: the median
  }
  hist.finish_placing();
}

TEST(MonteCarlo, StreamingSlotsAreOrderedAndConstantCellsExact) {
  const std::int64_t n = 5000;
  std::vector<double> pilot;
  StreamingHistogram hist(2);
  place_pilot(n, pilot, hist);
  for (int c = 0; c < 2; ++c) {
    int previous = 0;
    for (std::int64_t d = 0; d < n; ++d) {
      const double v = pilot[std::size_t(c * n + d)];
      const int s = hist.slot(c, v);
      EXPECT_GE(s, previous);
      EXPECT_LE(hist.slot_low(c, s), v);
      EXPECT_LT(v, hist.slot_high(c, s));
      previous = s;
    }
    // The edges are slot()'s own: a slot's low edge is the smallest double
    // whose slot is that one or above (so the double before it is below).
    for (int s = 1; s < hist.slots(c); ++s) {
      const double edge = hist.slot_low(c, s);
      EXPECT_GE(hist.slot(c, edge), s) << "slot " << s;
      EXPECT_LT(hist.slot(c, std::nextafter(edge, -1e300)), s) << "slot " << s;
      EXPECT_EQ(hist.slot_high(c, s - 1), edge);
    }
    EXPECT_EQ(hist.slot(c, -1e300), 0);
    EXPECT_EQ(hist.slot(c, 1e300), hist.slots(c) - 1);
    EXPECT_EQ(hist.slot(c, std::nan("")), 0);
  }

  const auto sc = scenario_from(kBase);
  RunOptions streaming;
  streaming.exact_memory_bytes = 1;
  const auto r = run(sc, 20000, streaming);
  ASSERT_FALSE(r.exact);
  const std::size_t levels = kQuantileLevels.size();
  for (int unit = 0; unit < 7; ++unit) {
    const int c = r.cell(kCapital, unit, 0);
    EXPECT_TRUE(IsClose(r.quantiles[std::size_t(c) * levels],
                        r.mean[std::size_t(c)], Tolerance::kRoundoff));
    for (std::size_t q = 0; q < levels; ++q)
      EXPECT_EQ(r.quantiles[std::size_t(c) * levels + q],
                r.quantiles[std::size_t(c) * levels]);
  }
}

// Each counting path (scalar; AVX2, eight values at a time; AVX-512,
// sixteen) on its own, reported as skipped on a CPU or build without it.
class StreamingPaths
    : public ::testing::TestWithParam<StreamingHistogram::Path> {};

TEST_P(StreamingPaths, CountsAndMomentsAreTheScalarOnes) {
  const auto path = GetParam();
  if (!StreamingHistogram::available(path))
    GTEST_SKIP() << "this CPU or build has no path " << int(path);
  const std::int64_t n = 5000;
  std::vector<double> pilot;
  StreamingHistogram hist(2);
  place_pilot(n, pilot, hist);
  // Counting puts every value in the slot that slot() gives, which the
  // exact second look relies on, by this path: values at
  // and next to every slot edge, outside the windows, NaN and infinities,
  // in runs whose lengths are not multiples of eight or sixteen.
  for (int c = 0; c < 2; ++c) {
    std::vector<double> values = {
        std::nan(""), -std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::infinity(), -1e300, 1e300};
    for (int s = 1; s + 1 < hist.slots(c); ++s)
      for (double edge : {hist.slot_low(c, s), hist.slot_high(c, s)})
        values.insert(values.end(), {edge, std::nextafter(edge, -1e300),
                                     std::nextafter(edge, 1e300)});
    for (std::int64_t d = 0; d < n; d += 3)
      values.push_back(pilot[std::size_t(c * n + d)]);
    std::vector<std::uint16_t> counted(hist.total_slots(), 0);
    std::vector<std::uint16_t> expected(hist.total_slots(), 0);
    for (std::size_t first = 0; first < values.size(); first += 77) {
      const int m = int(std::min<std::size_t>(77, values.size() - first));
      hist.add_using(path, counted.data(), c, values.data() + first, m);
    }
    for (double v : values) ++expected[hist.offset(c) + hist.slot(c, v)];
    EXPECT_EQ(counted, expected) << "cell " << c;
  }

  // The moments counting adds on the way are accumulate_moments()'s to the
  // bit on every path (the streaming means and sds must not depend on the
  // CPU), and accumulate_moments() gives the row's sums of deviations and
  // squares and its range (against plain sums here), also for rows whose
  // length is not a multiple of sixteen.
  for (int c = 0; c < 2; ++c) {
    const double* v = pilot.data() + c * n;
    const double centre = hist.centre(c);
    for (int m : {77, 512, 5}) {
      RowMoments reference{centre, 0.0, 0.0, v[0], v[0]};
      accumulate_moments(v, m, reference);
      double sum = 0, squares = 0;
      for (int d = 0; d < m; ++d) {
        sum += v[d] - centre;
        squares += (v[d] - centre) * (v[d] - centre);
      }
      EXPECT_TRUE(IsClose(reference.sum, sum, Tolerance::kRoundoff));
      EXPECT_TRUE(
          IsClose(reference.sum_squares, squares, Tolerance::kRoundoff));
      EXPECT_EQ(reference.low, *std::min_element(v, v + m));
      EXPECT_EQ(reference.high, *std::max_element(v, v + m));
      std::vector<std::uint16_t> counts(hist.total_slots(), 0);
      RowMoments moments{centre, 0.0, 0.0, v[0], v[0]};
      hist.add_using(path, counts.data(), c, v, m, -1, &moments);
      EXPECT_TRUE(
          same_bits({&moments.sum, 1}, {&reference.sum, 1}) &&
          same_bits({&moments.sum_squares, 1}, {&reference.sum_squares, 1}) &&
          moments.low == reference.low && moments.high == reference.high)
          << "path " << int(path) << ", cell " << c << ", " << m << " values";
    }
  }
}

std::string PathName(
    const ::testing::TestParamInfo<StreamingHistogram::Path>& param) {
  static const char* const kNames[] = {"scalar", "avx2", "avx512"};
  return kNames[int(param.param)];
}

INSTANTIATE_TEST_SUITE_P(Paths, StreamingPaths,
                         ::testing::Values(StreamingHistogram::Path::scalar,
                                           StreamingHistogram::Path::avx2,
                                           StreamingHistogram::Path::avx512),
                         PathName);

}  // namespace
}  // namespace growthcast::montecarlo

// ---- [uncertainty]: common level shocks, trend shocks, band scaling ----
// (ProjectionSetup, "Uncertainty beyond ..."; issue 15).
namespace growthcast::montecarlo {
namespace {

// Only shocks on (no parameter or target draws), so that a draw's values
// differ from the deterministic projection by its shocks alone.
// These tests check the shock and path equations by hand with glibc to
// roundoff (1e-10 relative, 1e-12 in log points), so they run random stream
// version 2, whose kernel takes glibc's log and exp; version 3 differs from
// version 2 by its float polynomials alone, within the budget tested by
// FloatCoreMath.Version3WithinTheBudgetOfVersion2.
const char* kShocksOnly = R"(name = "t"
horizon = 2025
draws = 64
seed = 7
random_stream = 2
[groups]
"G" = ["R1", "R2", "R3"]
[uncertainty]
parameters = false
)";

ProjectionSetup setup_of(const scenario::Scenario& sc) {
  auto setup = make_setup(calibration(), sc, {});
  if (!setup) throw std::runtime_error(setup.error().to_string());
  return *setup;
}

ScenarioForecast run_setup(const ProjectionSetup& setup,
                           const scenario::Scenario& sc, std::int64_t draws,
                           int threads = 0) {
  RunOptions options;
  options.keep_paths = true;
  options.threads = threads;
  auto r = run_scenario(setup, sc, 0, draws, sc.seed, options);
  if (!r) throw std::runtime_error(r.error().to_string());
  return *r;
}

double value(const ScenarioForecast& r, int variable, int unit, int h,
             std::int64_t d) {
  return r.paths[std::size_t(r.cell(variable, unit, h)) * std::size_t(r.draws) +
                 std::size_t(d)];
}

// ln TFP of a draw minus that of the deterministic projection: the draw's
// shock in ln Y minus the deterministic decay of u_T (the TFP index is
// exp(lambda (h + 1) + u_h + w_h - u_T)), i.e. the sum of the innovations'
// effects.
double shock_deviation(const ScenarioForecast& on, const ScenarioForecast& off,
                       int unit, int h, std::int64_t d) {
  return std::log(value(on, kTfp, unit, h, d)) -
         std::log(value(off, kTfp, unit, h, 0));
}

TEST(Uncertainty, ScenarioKeysSetTheSetupAndAreOffByDefault) {
  const auto off = setup_of(scenario_from(kShocksOnly));
  EXPECT_FALSE(off.common_shocks);
  EXPECT_FALSE(off.trend_shocks);
  EXPECT_FALSE(off.band_calibration);
  // The estimates come from the calibration; the switches decide whether
  // they are used (cobb_douglas_rd: off unless the scenario says so).
  EXPECT_EQ(off.shock_sigma_common, calibration().fit.shock_sigma_common);
  EXPECT_EQ(off.trend_persistence, calibration().fit.trend_persistence);
  EXPECT_EQ(off.band_scale, std::vector<double>(6, 1.0));
  const auto on = setup_of(scenario_from(
      std::string(kShocksOnly) +
      "common_shocks = true\ntrend_shocks = true\ntrend_persistence = 0.5\n"
      "band_calibration = true\n"));
  EXPECT_TRUE(on.common_shocks);
  EXPECT_TRUE(on.trend_shocks);
  EXPECT_TRUE(on.band_calibration);
  EXPECT_EQ(on.trend_persistence, 0.5);
}

TEST(Uncertainty, SettingsOutOfRangeAreRefusedNamingTheKey) {
  const auto sc = scenario_from(std::string(kShocksOnly) +
                                "common_shocks = true\ntrend_shocks = true\n");
  auto setup = setup_of(sc);
  setup.shock_sigma_common = 2.0 * setup.sigma;
  RunOptions options;
  auto r = run_scenario(setup, sc, 0, 10, 1, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "uncertainty.common_shocks");
  EXPECT_EQ(r.error().line, 10);  // kShocksOnly has 9 lines
  setup = setup_of(sc);
  setup.trend_sigma_regional = -0.01;
  r = run_scenario(setup, sc, 0, 10, 1, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "uncertainty.trend_shocks");
  setup = setup_of(sc);
  setup.trend_persistence = 1.0;
  r = run_scenario(setup, sc, 0, 10, 1, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "uncertainty.trend_persistence");
}

// Level shocks rebuilt from the two streams, as the ShockPaths test above
// does for the regional stream alone: e_i,t is normal h * N + i of the
// shocks stream, e_t normal h of the common_shocks stream, and
// u_h = rho u_h-1 + sigma_c e_t + sigma_p e_i,t.
TEST(Uncertainty, CommonLevelShocksFollowTheirOwnStream) {
  const auto sc =
      scenario_from(std::string(kShocksOnly) + "common_shocks = true\n");
  auto setup = setup_of(sc);
  setup.shock_sigma_common = 0.6 * setup.sigma;
  const std::int64_t draws = 600;  // more than one block
  const auto r = run_setup(setup, sc, draws);
  const auto& cal = calibration();
  const int n = 6, years = 6;
  const double rho = setup.rho, sigma_c = setup.shock_sigma_common;
  const double sigma_p = 0.8 * setup.sigma;  // sqrt(1 - 0.6^2) = 0.8
  for (std::int64_t d : {0, 1, 511, 512, 599}) {
    RandomStream own(sc.seed, 0, std::uint64_t(d), Stream::shocks);
    RandomStream common(sc.seed, 0, std::uint64_t(d), Stream::common_shocks);
    std::vector<double> e(std::size_t(n * years)),
        ec(static_cast<std::size_t>(years));
    for (double& x : e) x = own.normal();
    for (double& x : ec) x = common.normal();
    for (int i = 0; i < n; ++i) {
      const double lambda = cal.estimate[2 * i + 1];
      const double u_last = cal.residual[std::size_t(i)].back();
      double u = u_last;
      for (int h = 0; h < years; ++h) {
        u = rho * u + sigma_c * ec[std::size_t(h)] +
            sigma_p * e[std::size_t(h * n + i)];
        EXPECT_TRUE(IsClose(value(r, kTfp, i, h, d),
                            std::exp(lambda * (h + 1) + u - u_last),
                            Tolerance::kRoundoff))
            << "draw " << d << " region " << i << " year " << 2020 + h;
      }
    }
  }
}

// sigma_c = sigma: sigma_p = 0, so every region of a draw gets the same
// innovations e_t and the same level shock on top of its own decaying u_T.
// Four sigmas a last bit apart, so that the rounding error of sigma^2 has
// each sign in some of them (an FMA-contracted sigma^2 - sigma_c^2 is that
// error, and its square root gave the regions own shocks of sd ~1e-10 when
// it was positive: own_shock_sigma). What is left is roundoff: a
// deviation is ln(exp(x_on)) - ln(exp(x_off)) with |x| < 0.2, and glibc's
// exp and log are within 1 ulp, so each ln(exp(x)) is within 1.1e-16 (exp
// near 1, relative) + 2.8e-17 (log's ulp at 0.2) of x: < 3e-16 a
// deviation, < 6e-16 between two regions' deviations, plus the sums in x
// (ulps of 0.2, 2.8e-17 each): 1e-15. (The 1e-12 this bound replaces hid
// nothing but the 1e-10 above.)
TEST(Uncertainty, FullyCommonLevelShocksAreEqualAcrossRegions) {
  const auto sc =
      scenario_from(std::string(kShocksOnly) + "common_shocks = true\n");
  const auto off_sc =
      scenario_from(std::string(kShocksOnly) + "shocks = false\n");
  const auto off = run_setup(setup_of(off_sc), off_sc, 1);
  auto setup = setup_of(sc);
  double sigma = setup.sigma;
  for (int nudge = 0; nudge < 4; ++nudge) {
    setup.sigma = sigma;
    setup.shock_sigma_common = sigma;
    const auto on = run_setup(setup, sc, 200);
    for (std::int64_t d : {0, 7, 199})
      for (int h = 0; h < 6; ++h) {
        const double first = shock_deviation(on, off, 0, h, d);
        EXPECT_GT(std::abs(first), 0.0);
        for (int i = 1; i < 6; ++i)
          EXPECT_NEAR(shock_deviation(on, off, i, h, d), first, 1e-15)
              << "sigma " << sigma << " draw " << d << " region " << i
              << " year " << 2020 + h;
      }
    sigma = std::nextafter(sigma, 1.0);
  }
}

// own_shock_sigma against sqrt(sigma^2 - sigma_c^2) = sigma sqrt(1 - f^2)
// for sigma_c = f sigma: exactly 0 at f = 1 for each of 4096 consecutive
// doubles (about half of which gave the square root of a positive
// rounding error before), sigma itself at f = 0 (sqrt(fl(s^2)) = s exactly
// in IEEE arithmetic) and 0.8 sigma at f = 0.6 within a few ulps.
TEST(Uncertainty, OwnShockSigmaIsZeroWhenFullyCommon) {
  double sigma = 0.01670979614632696;  // the fixture's sigma, QR steps
  for (int k = 0; k < 4096; ++k, sigma = std::nextafter(sigma, 1.0)) {
    // Read back through a volatile, as the kernel reads sigma_c from a
    // field of its own: with one value for both arguments GCC computes
    // sigma * sigma once and does not contract the subtraction.
    volatile double fully_common = sigma;
    EXPECT_EQ(own_shock_sigma(sigma, fully_common), 0.0) << k;
    EXPECT_EQ(own_shock_sigma(sigma, 0.0), sigma) << k;
    EXPECT_NEAR(own_shock_sigma(sigma, 0.6 * sigma), 0.8 * sigma, 4e-16 * sigma)
        << k;
  }
}

// Sample variance and covariance over draws.
double covariance(const std::vector<double>& a, const std::vector<double>& b) {
  double ma = 0, mb = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    ma += a[k];
    mb += b[k];
  }
  ma /= double(a.size());
  mb /= double(b.size());
  double s = 0;
  for (std::size_t k = 0; k < a.size(); ++k) s += (a[k] - ma) * (b[k] - mb);
  return s / double(a.size() - 1);
}

// The level shock h + 1 years ahead minus the decay of u_T is
// sum_{k<=h} rho^(h-k) (sigma_c e_k + sigma_p e_i,k): variance
// sigma^2 sum_{k<h+1} rho^(2k) (the AR(1) closed form, sigma_c^2 +
// sigma_p^2 = sigma^2), and between two regions covariance
// sigma_c^2 sum_{k<h+1} rho^(2k). Flake budget: with N = 20000 independent
// draws a sample variance V has sd V sqrt(2 / (N - 1)) (1%), a sample
// covariance C sd sqrt((V^2 + C^2) / N); the tolerance is 6 sd, so a
// correct kernel fails a check with probability below 2e-9 (the outcome for
// the fixed seed is itself deterministic).
TEST(Uncertainty, LevelShockVarianceIsTheAr1ClosedForm) {
  const auto sc =
      scenario_from(std::string(kShocksOnly) + "common_shocks = true\n");
  auto setup = setup_of(sc);
  setup.shock_sigma_common = 0.6 * setup.sigma;
  const std::int64_t draws = 20000;
  const auto on = run_setup(setup, sc, draws);
  const auto off_sc =
      scenario_from(std::string(kShocksOnly) + "shocks = false\n");
  const auto off = run_setup(setup_of(off_sc), off_sc, 1);
  const double rho = setup.rho, sigma = setup.sigma;
  const double sigma_c = setup.shock_sigma_common;
  double sum_rho = 0;  // sum_{k<h+1} rho^(2k)
  for (int h = 0; h < 6; ++h) {
    sum_rho += std::pow(rho, 2 * h);
    std::vector<double> a, b;
    for (std::int64_t d = 0; d < draws; ++d) {
      a.push_back(shock_deviation(on, off, 1, h, d));
      b.push_back(shock_deviation(on, off, 4, h, d));
    }
    const double var = sigma * sigma * sum_rho;
    const double cov = sigma_c * sigma_c * sum_rho;
    const double n = double(draws);
    EXPECT_NEAR(covariance(a, a), var, 6 * var * std::sqrt(2 / (n - 1)))
        << "year " << 2020 + h;
    EXPECT_NEAR(covariance(b, b), var, 6 * var * std::sqrt(2 / (n - 1)))
        << "year " << 2020 + h;
    EXPECT_NEAR(covariance(a, b), cov,
                6 * std::sqrt((var * var + cov * cov) / n))
        << "year " << 2020 + h;
  }
}

// Trend shocks rebuilt from their streams: h_i,t normal h * N + i of
// trend_shocks, h_t normal h of common_trend_shocks; v_h = phi v_h-1 +
// zeta_c h_t + zeta_p h_i,t, w_h = w_h-1 + v_h (0 at T). With the level
// shocks off, ln TFP and, in the first projection year, ln Y move by w
// exactly (the factors of T + 1 do not depend on the shocks); TFP's
// contributions add up to w.
TEST(Uncertainty, TrendShocksFollowTheirStreamsIntoGdpTfpAndContribution) {
  const auto sc = scenario_from(
      std::string(kShocksOnly) +
      "shocks = false\ntrend_shocks = true\ntrend_persistence = 0.7\n");
  auto setup = setup_of(sc);
  setup.trend_sigma_common = 0.004;
  setup.trend_sigma_regional = 0.006;
  const auto on = run_setup(setup, sc, 600);
  const auto off_sc =
      scenario_from(std::string(kShocksOnly) + "shocks = false\n");
  const auto off = run_setup(setup_of(off_sc), off_sc, 1);
  const int n = 6, years = 6;
  for (std::int64_t d : {0, 1, 511, 512, 599}) {
    RandomStream own(sc.seed, 0, std::uint64_t(d), Stream::trend_shocks);
    RandomStream common(sc.seed, 0, std::uint64_t(d),
                        Stream::common_trend_shocks);
    std::vector<double> hi(std::size_t(n * years)),
        hc(static_cast<std::size_t>(years));
    for (double& x : hi) x = own.normal();
    for (double& x : hc) x = common.normal();
    for (int i = 0; i < n; ++i) {
      double v = 0, w = 0, tfp_sum = 0;
      for (int h = 0; h < years; ++h) {
        v = 0.7 * v + 0.004 * hc[std::size_t(h)] +
            0.006 * hi[std::size_t(h * n + i)];
        w += v;
        EXPECT_NEAR(shock_deviation(on, off, i, h, d), w, 1e-12)
            << "draw " << d << " region " << i << " year " << 2020 + h;
        tfp_sum += value(on, kContributionTfp, i, h, d) -
                   value(off, kContributionTfp, i, h, 0);
        EXPECT_NEAR(tfp_sum, w, 1e-12);
      }
      const double w0 = 0.004 * hc[0] + 0.006 * hi[std::size_t(i)];
      EXPECT_NEAR(std::log(value(on, kGdp, i, 0, d)) -
                      std::log(value(off, kGdp, i, 0, 0)),
                  w0, 1e-12);
    }
  }
}

// Var w_H, H = h + 1 years ahead: v_j = sum_{k<=j} phi^(j-k) eta_k with
// eta_k = zeta_c h_k + zeta_p h_i,k iid, variance zeta^2 = zeta_c^2 +
// zeta_p^2; w_H = sum_{j<=H} v_j = sum_{k<=H} eta_k sum_{j=k..H} phi^(j-k)
// = sum_{k<=H} eta_k (1 - phi^(H-k+1)) / (1 - phi), so
// Var w_H = zeta^2 / (1 - phi)^2 sum_{m=1..H} (1 - phi^m)^2, and two
// regions' covariance is the same with zeta_c^2. Flake budget as in the
// level test (6 sd, N = 20000).
TEST(Uncertainty, TrendShockVarianceIsItsClosedForm) {
  const double phi = 0.8, zeta_c = 0.004, zeta_p = 0.006;
  const auto sc = scenario_from(std::string(kShocksOnly) +
                                "shocks = false\ntrend_shocks = true\n");
  auto setup = setup_of(sc);  // phi: the default 0.8
  setup.trend_sigma_common = zeta_c;
  setup.trend_sigma_regional = zeta_p;
  const std::int64_t draws = 20000;
  const auto on = run_setup(setup, sc, draws);
  const auto off_sc =
      scenario_from(std::string(kShocksOnly) + "shocks = false\n");
  const auto off = run_setup(setup_of(off_sc), off_sc, 1);
  double sum = 0;  // sum_{m=1..H} (1 - phi^m)^2
  for (int h = 0; h < 6; ++h) {
    sum += std::pow(1 - std::pow(phi, h + 1), 2);
    std::vector<double> a, b;
    for (std::int64_t d = 0; d < draws; ++d) {
      a.push_back(shock_deviation(on, off, 0, h, d));
      b.push_back(shock_deviation(on, off, 5, h, d));
    }
    const double var =
        (zeta_c * zeta_c + zeta_p * zeta_p) / std::pow(1 - phi, 2) * sum;
    const double cov = zeta_c * zeta_c / std::pow(1 - phi, 2) * sum;
    const double n = double(draws);
    EXPECT_NEAR(covariance(a, a), var, 6 * var * std::sqrt(2 / (n - 1)))
        << "year " << 2020 + h;
    EXPECT_NEAR(covariance(b, b), var, 6 * var * std::sqrt(2 / (n - 1)))
        << "year " << 2020 + h;
    EXPECT_NEAR(covariance(a, b), cov,
                6 * std::sqrt((var * var + cov * cov) / n))
        << "year " << 2020 + h;
  }
}

// c_h multiplies every innovation of year h: with c_h = 2 in every year the
// shock deviations double (level and trend, both linear in the
// innovations); with c_h = 1 band calibration changes nothing, bit for bit.
TEST(Uncertainty, BandScalingMultipliesEachYearsInnovations) {
  const std::string text =
      std::string(kShocksOnly) + "common_shocks = true\ntrend_shocks = true\n";
  const auto sc = scenario_from(text);
  auto setup = setup_of(sc);
  setup.shock_sigma_common = 0.5 * setup.sigma;
  setup.trend_sigma_common = 0.004;
  setup.trend_sigma_regional = 0.006;
  const auto plain = run_setup(setup, sc, 300);
  const auto banded_sc = scenario_from(text + "band_calibration = true\n");
  auto banded = setup;
  banded.band_calibration = true;
  const auto ones = run_setup(banded, banded_sc, 300);
  EXPECT_TRUE(same_bits(plain.paths, ones.paths));
  banded.band_scale.assign(6, 2.0);
  const auto twice = run_setup(banded, banded_sc, 300);
  const auto off_sc =
      scenario_from(std::string(kShocksOnly) + "shocks = false\n");
  const auto off = run_setup(setup_of(off_sc), off_sc, 1);
  for (std::int64_t d : {0, 150, 299})
    for (int i : {0, 3})
      for (int h = 0; h < 6; ++h)
        EXPECT_NEAR(shock_deviation(twice, off, i, h, d),
                    2 * shock_deviation(plain, off, i, h, d), 1e-12);
}

// Every component on (with parameter and target draws too): bit-identical
// for 1 and 2 threads with several 4,096-draw chunks per thread.
TEST(Uncertainty, AllComponentsBitIdenticalForOneAndTwoThreads) {
  const std::string text =
      std::string(kBase) +
      "[uncertainty]\ncommon_shocks = true\ntrend_shocks = true\n"
      "band_calibration = true\n";
  const auto sc = scenario_from(text);
  auto setup = setup_of(sc);
  setup.shock_sigma_common = 0.5 * setup.sigma;
  setup.trend_sigma_common = 0.004;
  setup.trend_sigma_regional = 0.006;
  setup.band_scale = {1.0, 1.1, 1.2, 1.3, 1.4, 1.5};
  const std::int64_t draws = 5 * 4096 + 300;
  const std::int64_t chunks = (draws + 4095) / 4096;
  ASSERT_GT(chunks, 2 * 2);  // more than two chunks per thread
  const auto a = run_setup(setup, sc, draws, 1);
  const auto b = run_setup(setup, sc, draws, 2);
  EXPECT_TRUE(same_bits(a.paths, b.paths));
  EXPECT_TRUE(same_bits(a.quantiles, b.quantiles));
  EXPECT_TRUE(same_bits(a.mean, b.mean));
  EXPECT_TRUE(same_bits(a.sd, b.sd));
  EXPECT_EQ(a.parameter_redraws, b.parameter_redraws);
}

// Streams of their own: turning trend and common shocks on leaves the
// parameter and target draws unchanged. In the first projection year the
// capital and knowledge stocks and their contributions depend on those
// draws only (K and S of T + 1 come from Y_T).
TEST(Uncertainty, NewComponentsLeaveTheOtherDrawsUnchanged) {
  const auto base = scenario_from(kBase);
  const auto with_sc = scenario_from(
      std::string(kBase) +
      "[uncertainty]\ncommon_shocks = true\ntrend_shocks = true\n");
  auto with = setup_of(with_sc);
  with.shock_sigma_common = 0.5 * with.sigma;
  with.trend_sigma_common = 0.004;
  with.trend_sigma_regional = 0.006;
  const auto a = run_setup(setup_of(base), base, 700);
  const auto b = run_setup(with, with_sc, 700);
  EXPECT_EQ(a.parameter_redraws, b.parameter_redraws);
  for (int v : {int(kCapital), int(kKnowledge), int(kContributionCapital),
                int(kContributionLabour), int(kContributionKnowledge)})
    for (int unit = 0; unit < 6; ++unit)
      for (std::int64_t d = 0; d < 700; ++d)
        ASSERT_EQ(value(a, v, unit, 0, d), value(b, v, unit, 0, d))
            << VariableName(v) << " unit " << unit << " draw " << d;
}

}  // namespace
}  // namespace growthcast::montecarlo

// ---- The projection's inputs against hand calculations (issue 21) ----
namespace growthcast::montecarlo {
namespace {

// The calibration above with spillovers (phi free): the same panel.
const calibrate::CalibrationResult& spill_calibration() {
  static const calibrate::CalibrationResult result = [] {
    calibrate::ModelOptions m;
    m["phi"].free = true;
    m["phi"].lower = -1e300;
    m["phi"].upper = 1e300;
    return testing_fixture::synthetic_calibration(6, m);
  }();
  return result;
}

ScenarioForecast run_with(const calibrate::CalibrationResult& cal,
                          const scenario::Scenario& sc, std::int64_t draws) {
  RunOptions options;
  options.keep_paths = true;
  return testing_fixture::run_forecast(cal, sc, draws, options);
}

double at(const ScenarioForecast& r, int variable, int unit, int h,
          std::int64_t d = 0) {
  return r.paths[std::size_t(r.cell(variable, unit, h)) * std::size_t(r.draws) +
                 std::size_t(d)];
}

// Labour growth's baseline: the mean of the last five data years' growth.
double labour_baseline(const calibrate::CalibrationResult& cal, int i) {
  const auto& lab = cal.labour[std::size_t(i)];
  double n = 0;
  for (std::size_t t = lab.size() - 5; t < lab.size(); ++t)
    n += lab[t] / lab[t - 1] - 1;
  return n / 5;
}

// Every variable of every region in every year, written out from
// docs/models/cobb_douglas_rd.md ("Projection") with the estimates, no
// uncertainty, drivers given as functions of (region, year):
//   L_t = L_t-1 (1 + n_t), K_t = (1 - delta_K) K_t-1 + s_t Y_t-1,
//   S_t = (1 - delta_S) S_t-1 + r_t Y_t-1, Sspill_i = mean of the others' S,
//   ln Y_t = a + lambda (t - t0) + alpha ln K + beta ln L + gamma ln S
//            [+ phi ln Sspill] + u_t,  u_t = rho u_t-1,
//   gdp_growth = Y_t / Y_t-1 - 1, tfp = exp(lambda (t - T) + u_t - u_T),
//   contributions alpha d ln K, beta d ln L, gamma d ln S [+ phi d ln
//   Sspill], lambda + u_t - u_t-1.
struct HandValues {
  // [region][h][variable]
  std::vector<std::vector<std::array<double, kVariableCount>>> v;
};
template <class S, class R, class N>
HandValues hand_projection(const calibrate::CalibrationResult& cal, int horizon,
                           S invest, R rd, N labour_growth) {
  const int n = int(cal.regions.size());
  const Eigen::Index s0 = 2 * n;
  const double alpha = cal.estimate[s0], beta = cal.estimate[s0 + 1],
               gamma = cal.estimate[s0 + 2], delta_s = cal.estimate[s0 + 3],
               phi = cal.estimate[s0 + 4];
  const bool spill = phi != 0.0;
  const int t0 = cal.years.front(), last = cal.years.back();
  std::vector<double> y(static_cast<std::size_t>(n)), k(y), l(y), s(y), u(y);
  for (int i = 0; i < n; ++i) {
    y[std::size_t(i)] = cal.gdp[std::size_t(i)].back();
    k[std::size_t(i)] = cal.capital[std::size_t(i)].back();
    l[std::size_t(i)] = cal.labour[std::size_t(i)].back();
    s[std::size_t(i)] = cal.knowledge[std::size_t(i)].back();
    u[std::size_t(i)] = cal.residual[std::size_t(i)].back();
  }
  const auto spill_of = [&](const std::vector<double>& stock, int i) {
    double total = 0;
    for (int j = 0; j < n; ++j)
      if (j != i) total += stock[std::size_t(j)];
    return total / double(n - 1);
  };
  HandValues out;
  out.v.resize(std::size_t(n));
  for (int year = last + 1; year <= horizon; ++year) {
    std::vector<double> y1(y), k1(y), l1(y), s1(y), u1(y);
    for (int i = 0; i < n; ++i) {
      const std::size_t r = std::size_t(i);
      l1[r] = l[r] * (1 + labour_growth(i, year));
      k1[r] = (1 - 0.096) * k[r] + invest(i, year) * y[r];
      s1[r] = (1 - delta_s) * s[r] + rd(i, year) * y[r];
      u1[r] = cal.fit.shock_rho * u[r];
    }
    for (int i = 0; i < n; ++i) {
      const std::size_t r = std::size_t(i);
      const double a = cal.estimate[2 * i], lambda = cal.estimate[2 * i + 1];
      const double dlk = std::log(k1[r]) - std::log(k[r]);
      const double dll = std::log(l1[r]) - std::log(l[r]);
      const double dls = std::log(s1[r]) - std::log(s[r]);
      const double dlsp =
          spill ? std::log(spill_of(s1, i)) - std::log(spill_of(s, i)) : 0;
      double ln_y = a + lambda * (year - t0) + alpha * std::log(k1[r]) +
                    beta * std::log(l1[r]) + gamma * std::log(s1[r]) + u1[r];
      if (spill) ln_y += phi * std::log(spill_of(s1, i));
      y1[r] = std::exp(ln_y);
      std::array<double, kVariableCount> v{};
      v[kGdp] = y1[r];
      v[kGdpGrowth] = y1[r] / y[r] - 1;
      v[kTfp] =
          std::exp(lambda * (year - last) + u1[r] - cal.residual[r].back());
      v[kCapital] = k1[r];
      v[kKnowledge] = s1[r];
      v[kContributionCapital] = alpha * dlk;
      v[kContributionLabour] = beta * dll;
      v[kContributionKnowledge] = gamma * dls + phi * dlsp;
      v[kContributionTfp] = lambda + u1[r] - u[r];
      out.v[r].push_back(v);
    }
    y = y1, k = k1, l = l1, s = s1, u = u1;
  }
  return out;
}

// The `constant`, `table` and `change` paths (and depreciation held at
// 0.096), without uncertainty: every variable of every region and year
// against hand_projection, with and without spillovers (the phi ln Sspill
// term and phi d ln Sspill in the knowledge contribution). Levels to
// 1e-10 relative (kRoundoff), log-point contributions to 1e-12; and the
// contributions add up to d ln Y.
// Random stream version 2: checked by hand to roundoff (see kShocksOnly).
const char* kDriverPaths = R"(name = "paths"
horizon = 2026
draws = 1
seed = 7
random_stream = 2
[groups]
"G" = ["R1", "R2", "R3"]
[uncertainty]
parameters = false
shocks = false
[drivers.investment_rate]
path = "constant"
value = 0.3
[drivers.rd_intensity]
path = "table"
values = { "2021" = 0.025, "2024" = 0.04 }
[drivers.labour_growth]
path = "ramp"
change = -0.01
by = 2022
)";

// The GDP-only output loop with spillovers (its other instantiation):
// GDP and growth bit-identical to the all-variables run, every draw.
TEST(Outputs, GdpOnlyWithSpilloversIsBitIdentical) {
  // Both stream versions. The spillover fixture's parameter covariance is
  // wide enough that some draws diverge (under version 2, draw 223 first),
  // so version 2 runs the draws before that one.
  for (const auto& [stream, draws] :
       {std::pair<std::string, int>{"random_stream = 1\n", 700},
        std::pair<std::string, int>{"random_stream = 2\n", 200}}) {
    SCOPED_TRACE(stream);
    auto all = scenario_from(stream + std::string(kBase));
    const auto a = run_with(spill_calibration(), all, draws);
    // With growth, and GDP alone (no growth division in the kernel).
    for (const auto& [line, variables] :
         {std::pair<std::string, std::vector<int>>{
              "outputs = [\"gdp_growth\", \"gdp\"]\n", {kGdp, kGdpGrowth}},
          std::pair<std::string, std::vector<int>>{"outputs = [\"gdp\"]\n",
                                                   {kGdp}}}) {
      SCOPED_TRACE(line);
      auto gdp = scenario_from(stream + line + std::string(kBase));
      const auto b = run_with(spill_calibration(), gdp, draws);
      ASSERT_EQ(b.variables, variables);
      expect_selection_matches(a, b);
    }
  }
}

TEST(HandProjection, ConstantTableAndChangePathsGiveEveryVariable) {
  const auto sc = scenario_from(kDriverPaths);
  // The table by hand: from the baseline 0.02 in 2019 to 0.025 in 2021,
  // to 0.04 in 2024, then held.
  const std::map<int, double> r_by_year = {
      {2020, 0.0225}, {2021, 0.025}, {2022, 0.030}, {2023, 0.035},
      {2024, 0.040},  {2025, 0.040}, {2026, 0.040}};
  for (const auto* cal : {&calibration(), &spill_calibration()}) {
    const bool spill = cal == &spill_calibration();
    SCOPED_TRACE(spill ? "spillover" : "no spillover");
    ASSERT_EQ(spill, cal->shared("phi") != 0.0);
    const auto r = run_with(*cal, sc, 1);
    const auto hand = hand_projection(
        *cal, 2026, [](int, int) { return 0.3; },
        [&](int, int year) { return r_by_year.at(year); },
        [&](int i, int year) {
          const double f = std::min(1.0, double(year - 2019) / 3.0);
          return labour_baseline(*cal, i) - 0.01 * f;
        });
    for (int i = 0; i < 6; ++i)
      for (int h = 0; h < 7; ++h) {
        const auto& v = hand.v[std::size_t(i)][std::size_t(h)];
        for (int var : {int(kGdp), int(kTfp), int(kCapital), int(kKnowledge)})
          EXPECT_TRUE(IsClose(at(r, var, i, h), v[std::size_t(var)],
                              Tolerance::kRoundoff))
              << VariableName(var) << " region " << i << " year " << 2020 + h;
        for (int var : {int(kGdpGrowth), int(kContributionCapital),
                        int(kContributionLabour), int(kContributionKnowledge),
                        int(kContributionTfp)})
          EXPECT_NEAR(at(r, var, i, h), v[std::size_t(var)], 1e-12)
              << VariableName(var) << " region " << i << " year " << 2020 + h;
        const double previous =
            h ? at(r, kGdp, i, h - 1) : cal->gdp[std::size_t(i)].back();
        EXPECT_NEAR(std::log(at(r, kGdp, i, h) / previous),
                    at(r, kContributionCapital, i, h) +
                        at(r, kContributionLabour, i, h) +
                        at(r, kContributionKnowledge, i, h) +
                        at(r, kContributionTfp, i, h),
                    1e-12);
      }
    // The spillover term is not negligible: without it ln Y would differ.
    if (spill) {
      EXPECT_GT(std::abs(cal->shared("phi")), 0.01) << cal->shared("phi");
    }
  }
}

// Target uncertainty, one driver with each distribution: rd_intensity's
// ramp target 0.03 + 0.002 N(0, 1), investment_rate's 0.35 + U(-0.05,
// 0.05). A draw's first-year drivers come back from its stocks (K and S of
// T + 1 from data and the driver: s = (K_T+1 - (1 - delta_K) K_T) / Y_T,
// r = (S_T+1 - (1 - delta_S) S_T) / Y_T), and the target from the ramp's
// first step (target = b + (x - b) (by - T)). By hand on a few draws: the
// driver stream gives, per draw, one value per (driver, region) in driver
// order (rd_intensity first), region by region. Moments over N = 20000
// draws and 6 regions: mean within 5 se, variance within 5 sd of the
// sample variance (normal: sd sqrt(2/(N-1)) V; uniform: (b - a)^2
// sqrt(1/80 - 1/144) / sqrt(N)), so a check fails a correct engine with
// probability below 6e-7 (flake budget; the seed fixes the outcome), while
// an sd off by 3% moves the normal's variance by 6%, 14 sd.
TEST(HandProjection, TargetUncertaintyNormalAndUniformMoments) {
  const auto sc = scenario_from(R"(name = "targets"
horizon = 2024
draws = 1
seed = 5
[uncertainty]
parameters = false
shocks = false
[drivers.rd_intensity]
path = "ramp"
target = 0.03
by = 2023
uncertainty = { dist = "normal", sd = 0.002 }
[drivers.investment_rate]
path = "ramp"
target = 0.35
by = 2022
uncertainty = { dist = "uniform", low = -0.05, high = 0.05 }
)");
  const auto& cal = calibration();
  const std::int64_t draws = 20000;
  const auto r = run_with(cal, sc, draws);
  const double delta_s = cal.shared("delta_S");
  std::vector<std::vector<double>> rd(6), inv(6);
  for (int i = 0; i < 6; ++i)
    for (std::int64_t d = 0; d < draws; ++d) {
      const double y = cal.gdp[std::size_t(i)].back();
      const double s = (at(r, kCapital, i, 0, d) -
                        (1 - 0.096) * cal.capital[std::size_t(i)].back()) /
                       y;
      const double rr = (at(r, kKnowledge, i, 0, d) -
                         (1 - delta_s) * cal.knowledge[std::size_t(i)].back()) /
                        y;
      inv[std::size_t(i)].push_back(0.40 + (s - 0.40) * 3);
      rd[std::size_t(i)].push_back(0.02 + (rr - 0.02) * 4);
    }
  for (std::int64_t d : {0, 1, 777, 19999}) {
    RandomStream stream(sc.seed, 0, std::uint64_t(d), Stream::drivers);
    std::array<double, 6> normal, uniform;
    for (double& x : normal) x = stream.normal();
    for (double& x : uniform) x = stream.uniform();
    for (int i = 0; i < 6; ++i) {
      EXPECT_NEAR(rd[std::size_t(i)][std::size_t(d)],
                  0.03 + 0.002 * normal[std::size_t(i)], 1e-11)
          << "draw " << d << " region " << i;
      EXPECT_NEAR(inv[std::size_t(i)][std::size_t(d)],
                  0.35 - 0.05 + 0.1 * uniform[std::size_t(i)], 1e-11)
          << "draw " << d << " region " << i;
    }
  }
  const double n = double(draws);
  for (int i = 0; i < 6; ++i) {
    const auto& a = rd[std::size_t(i)];
    const auto& b = inv[std::size_t(i)];
    double ma = 0, mb = 0;
    for (std::size_t k = 0; k < a.size(); ++k) ma += a[k] / n, mb += b[k] / n;
    const double va = covariance(a, a), vb = covariance(b, b);
    EXPECT_NEAR(ma, 0.03, 5 * 0.002 / std::sqrt(n)) << "region " << i;
    EXPECT_NEAR(va, 0.002 * 0.002, 5 * 0.002 * 0.002 * std::sqrt(2 / (n - 1)))
        << "region " << i;
    const double w = 0.1;  // b - a of the uniform
    EXPECT_NEAR(mb, 0.35, 5 * w / std::sqrt(12 * n)) << "region " << i;
    EXPECT_NEAR(vb, w * w / 12,
                5 * w * w * std::sqrt(1.0 / 80 - 1.0 / 144) / std::sqrt(n))
        << "region " << i;
    EXPECT_GE(*std::min_element(b.begin(), b.end()), 0.30 - 1e-12);
    EXPECT_LE(*std::max_element(b.begin(), b.end()), 0.40 + 1e-12);
    // Independent across regions: correlation within 5 / sqrt(N).
    const auto& next = rd[std::size_t((i + 1) % 6)];
    EXPECT_NEAR(covariance(a, next) / va, 0.0, 5 / std::sqrt(n));
  }
}

// The first projected year with parameter draws only (shocks and driver
// draws off): ln Y_T+1 = x' theta + rho u_T, with x over the full parameter
// vector (1 at a_i, T + 1 - t0 at lambda_i, ln K_T+1 at alpha, ln L_T+1 at
// beta, ln S_T+1 at gamma) from data and drivers alone (delta_S is fixed,
// so S_T+1 does not depend on the draw). theta ~ N(theta_hat, Cov) makes
// ln Y_T+1 normal with mean x' theta_hat + rho u_T and variance x' Cov x
// (beta = 1 - alpha through Cov's beta row, minus alpha's). The bounds are
// removed here: with them, alpha (se ~0.2 on this small panel) is
// truncated to [0.05, 0.95] and the moments are those of a truncated
// normal, which this formula does not give. Flake budget: N = 20000,
// tolerance 5 sd for the mean (sqrt(V / N)) and the variance (V sqrt(2 /
// (N - 1))), 12 checks: below 1e-5 together.
TEST(HandProjection, FirstYearLogGdpHasMeanXThetaAndVarianceXCovX) {
  auto cal = calibration();
  cal.lower.setConstant(-1e300);
  cal.upper.setConstant(1e300);
  const auto sc = scenario_from(R"(name = "first year"
horizon = 2021
draws = 1
seed = 3
[uncertainty]
parameters = true
shocks = false
)");
  const std::int64_t draws = 20000;
  const auto r = run_with(cal, sc, draws);
  EXPECT_EQ(r.parameter_redraws, 0);
  const Eigen::Index s0 = 12;
  const double delta_s = cal.shared("delta_S");
  for (int i = 0; i < 6; ++i) {
    const std::size_t ri = std::size_t(i);
    const double y = cal.gdp[ri].back();
    Eigen::VectorXd x = Eigen::VectorXd::Zero(cal.estimate.size());
    x[2 * i] = 1;
    x[2 * i + 1] = double(2020 - cal.years.front());
    x[s0] = std::log((1 - 0.096) * cal.capital[ri].back() + 0.40 * y);
    x[s0 + 1] = std::log(cal.labour[ri].back() * (1 + labour_baseline(cal, i)));
    x[s0 + 2] = std::log((1 - delta_s) * cal.knowledge[ri].back() + 0.02 * y);
    const double mean =
        x.dot(cal.estimate) + cal.fit.shock_rho * cal.residual[ri].back();
    const double var = x.dot(cal.covariance * x);
    std::vector<double> ln_y;
    for (std::int64_t d = 0; d < draws; ++d)
      ln_y.push_back(std::log(at(r, kGdp, i, 0, d)));
    double m = 0;
    for (double v : ln_y) m += v / double(draws);
    const double n = double(draws);
    EXPECT_NEAR(m, mean, 5 * std::sqrt(var / n)) << "region " << i;
    EXPECT_NEAR(covariance(ln_y, ln_y), var, 5 * var * std::sqrt(2 / (n - 1)))
        << "region " << i;
  }
}

// The same first year with alpha's bounds kept and made tight, so that the
// draws' redrawing truncates it: the kernel redraws a whole parameter
// vector until every free parameter lies inside its bounds, so theta has
// the normal law N(theta_hat, Cov) truncated to alpha in [l, u] (the other
// bounds are removed). Write x' theta = x' theta_hat + (k / s2) (alpha -
// alpha_hat) + e with k = x' Cov e_alpha, s2 = Cov_alpha,alpha: e is normal,
// independent of alpha, variance x' Cov x - k^2 / s2, and the truncation
// acts on alpha alone. With the truncated normal's moments (Johnson, Kotz
// and Balakrishnan 1994, ch. 13: for z = (alpha - alpha_hat) / s in [a, b],
// Z = Phi(b) - Phi(a), E z = (phi(a) - phi(b)) / Z, Var z = 1 + (a phi(a) -
// b phi(b)) / Z - (E z)^2):
//   E ln Y   = x' theta_hat + rho u_T + (k / s) E z
//   Var ln Y = x' Cov x - k^2 / s2 + (k^2 / s2) Var z.
// The bounds [alpha_hat - 0.5 s, alpha_hat + s] keep Z = 0.53 of the
// draws; the expected redraws per draw are (1 - Z) / Z. Clamping instead
// of redrawing would move the mean by (k / s) 0.20 and shrink the variance
// (the checks below see both), and ignoring the bounds gives E z = 0.
// Flake budget as the test above (5 sd; the variance's sd taken as for a
// normal, which overstates it for the lighter-tailed truncated law), 13
// checks: below 1e-5 together.
TEST(HandProjection, FirstYearLogGdpWithTruncatedAlphaHasTruncatedMoments) {
  auto cal = calibration();
  const Eigen::Index s0 = 12;  // alpha's index: after 6 x (a_i, lambda_i)
  const double alpha_hat = cal.estimate[s0];
  const double s = std::sqrt(cal.covariance(s0, s0));
  cal.lower.setConstant(-1e300);
  cal.upper.setConstant(1e300);
  const double za = -0.5, zb = 1.0;
  cal.lower[s0] = alpha_hat + za * s;
  cal.upper[s0] = alpha_hat + zb * s;
  const auto sc = scenario_from(R"(name = "first year, truncated"
horizon = 2021
draws = 1
seed = 5
[uncertainty]
parameters = true
shocks = false
)");
  const std::int64_t draws = 20000;
  const auto r = run_with(cal, sc, draws);
  const double n = double(draws);
  auto phi = [](double z) {
    return std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI);
  };
  auto Phi = [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); };
  const double mass = Phi(zb) - Phi(za);
  const double ez = (phi(za) - phi(zb)) / mass;
  const double vz = 1 + (za * phi(za) - zb * phi(zb)) / mass - ez * ez;
  // Redraws: geometric with success probability `mass` per attempt, mean
  // (1 - mass) / mass and variance (1 - mass) / mass^2 per draw.
  EXPECT_NEAR(double(r.parameter_redraws) / n, (1 - mass) / mass,
              5 * std::sqrt((1 - mass) / (mass * mass) / n));
  const double delta_s = cal.shared("delta_S");
  for (int i = 0; i < 6; ++i) {
    const std::size_t ri = std::size_t(i);
    const double y = cal.gdp[ri].back();
    Eigen::VectorXd x = Eigen::VectorXd::Zero(cal.estimate.size());
    x[2 * i] = 1;
    x[2 * i + 1] = double(2020 - cal.years.front());
    x[s0] = std::log((1 - 0.096) * cal.capital[ri].back() + 0.40 * y);
    x[s0 + 1] = std::log(cal.labour[ri].back() * (1 + labour_baseline(cal, i)));
    x[s0 + 2] = std::log((1 - delta_s) * cal.knowledge[ri].back() + 0.02 * y);
    const double k = x.dot(cal.covariance.col(s0));
    const double mean = x.dot(cal.estimate) +
                        cal.fit.shock_rho * cal.residual[ri].back() +
                        k / s * ez;
    const double var =
        x.dot(cal.covariance * x) - k * k / (s * s) + k * k / (s * s) * vz;
    std::vector<double> ln_y;
    for (std::int64_t d = 0; d < draws; ++d)
      ln_y.push_back(std::log(at(r, kGdp, i, 0, d)));
    double m = 0;
    for (double v : ln_y) m += v / n;
    EXPECT_NEAR(m, mean, 5 * std::sqrt(var / n)) << "region " << i;
    EXPECT_NEAR(covariance(ln_y, ln_y), var, 5 * var * std::sqrt(2 / (n - 1)))
        << "region " << i;
  }
}

}  // namespace
}  // namespace growthcast::montecarlo

// ---- The shock distribution across regions, years, draws and streams ----
namespace growthcast::montecarlo {
namespace {

// With only shocks on, each draw's innovations come back from its TFP index
// (tfp_h = exp(lambda (h + 1) + u_h - u_T), so u_h = ln tfp_h - lambda (h +
// 1) + u_T, and z = (u_h - rho u_h-1) / sigma). Over 20000 draws x 6
// regions x 6 years (N = 720000 values):
//  - pooled Kolmogorov-Smirnov against N(0, 1): p > 1e-6;
//  - the sample variance within 5 sd of 1 (sd sqrt(2 / N) = 0.0017): a
//    sigma off by 1% moves it by 0.02, 12 sd (seen: with the kernel's
//    sigma 2% too large this test fails, on the variance and the pooled
//    KS, while the one-year KS test above passes);
//  - the mean within 5 / sqrt(N) of 0;
//  - independence: correlations between regions (15 pairs), consecutive
//    years, and consecutive draws, each within 5 / sqrt(M) of 0, M the
//    pairs used.
// Flake budget: each check fails a correct generator with probability
// below 6e-7 (5 sd) or 1e-6 (KS); 1 + 2 + 15 + 2 checks, below 2e-5 in
// all. For this seed the outcome is fixed.
TEST(ShockDistribution,
     InnovationsAreIidStandardNormalAcrossRegionsYearsDraws) {
  auto sc = scenario_from(std::string(kBase) +
                          "[uncertainty]\nparameters = false\nshocks = true\n");
  sc.drivers[scenario::Driver::rd_intensity].all.uncertainty.reset();
  const std::int64_t draws = 20000;
  RunOptions options;
  options.keep_paths = true;
  const auto r = run(sc, draws, options);
  const auto& cal = calibration();
  const double rho = cal.fit.shock_rho, sigma = cal.fit.shock_sigma;
  const int n = 6, years = 6;
  // z[(i * years + h) * draws + d]
  std::vector<double> z(std::size_t(n * years) * std::size_t(draws));
  for (int i = 0; i < n; ++i) {
    const double lambda = cal.estimate[2 * i + 1];
    const double u_last = cal.residual[std::size_t(i)].back();
    for (std::int64_t d = 0; d < draws; ++d) {
      double u = u_last;
      for (int h = 0; h < years; ++h) {
        const double u1 =
            std::log(
                r.paths[std::size_t(r.cell(kTfp, i, h)) * std::size_t(draws) +
                        std::size_t(d)]) -
            lambda * (h + 1) + u_last;
        z[std::size_t(i * years + h) * std::size_t(draws) + std::size_t(d)] =
            (u1 - rho * u) / sigma;
        u = u1;
      }
    }
  }
  const double total = double(z.size());
  double mean = 0;
  for (double v : z) mean += v / total;
  double var = 0;
  for (double v : z) var += (v - mean) * (v - mean) / (total - 1);
  EXPECT_NEAR(mean, 0.0, 5 / std::sqrt(total));
  EXPECT_NEAR(var, 1.0, 5 * std::sqrt(2 / (total - 1)));
  std::vector<double> sorted = z;
  std::sort(sorted.begin(), sorted.end());
  double dmax = 0;
  for (std::size_t k = 0; k < sorted.size(); ++k) {
    const double cdf = 0.5 * std::erfc(-sorted[k] / std::sqrt(2.0));
    dmax =
        std::max({dmax, cdf - double(k) / total, double(k + 1) / total - cdf});
  }
  EXPECT_GT(ks_p_value(dmax, sorted.size()), 1e-6) << "D = " << dmax;
  const auto zi = [&](int i, int h, std::int64_t d) {
    return z[std::size_t(i * years + h) * std::size_t(draws) + std::size_t(d)];
  };
  // Correlation of unit-variance values: the mean product.
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {
      double sum = 0;
      for (int h = 0; h < years; ++h)
        for (std::int64_t d = 0; d < draws; ++d)
          sum += zi(i, h, d) * zi(j, h, d);
      const double m = double(years * draws);
      EXPECT_NEAR(sum / m, 0.0, 5 / std::sqrt(m))
          << "regions " << i << ", " << j;
    }
  double years_sum = 0, draws_sum = 0;
  for (int i = 0; i < n; ++i)
    for (int h = 0; h < years; ++h)
      for (std::int64_t d = 0; d < draws; ++d) {
        if (h + 1 < years) years_sum += zi(i, h, d) * zi(i, h + 1, d);
        if (d + 1 < draws) draws_sum += zi(i, h, d) * zi(i, h, d + 1);
      }
  const double year_pairs = double(n * (years - 1) * draws);
  const double draw_pairs = double(n * years * (draws - 1));
  EXPECT_NEAR(years_sum / year_pairs, 0.0, 5 / std::sqrt(year_pairs));
  EXPECT_NEAR(draws_sum / draw_pairs, 0.0, 5 / std::sqrt(draw_pairs));
}

// The streams of one draw are independent of each other: the first normal
// of each stream, over 20000 draws, has correlation within 5 / sqrt(N) of
// 0 with each other stream's (15 pairs; flake budget as above).
TEST(ShockDistribution, StreamsOfADrawAreUncorrelated) {
  const std::int64_t draws = 20000;
  const Stream streams[] = {Stream::parameters,   Stream::drivers,
                            Stream::shocks,       Stream::common_shocks,
                            Stream::trend_shocks, Stream::common_trend_shocks};
  std::vector<std::vector<double>> first(6);
  for (std::int64_t d = 0; d < draws; ++d)
    for (int s = 0; s < 6; ++s) {
      RandomStream stream(7, 0, std::uint64_t(d), streams[s]);
      first[std::size_t(s)].push_back(stream.normal());
    }
  for (int a = 0; a < 6; ++a)
    for (int b = a + 1; b < 6; ++b)
      EXPECT_NEAR(covariance(first[std::size_t(a)], first[std::size_t(b)]), 0.0,
                  5 / std::sqrt(double(draws)))
          << "streams " << a << ", " << b;
}

}  // namespace
}  // namespace growthcast::montecarlo
