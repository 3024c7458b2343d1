// Monte Carlo throughput (issue 3, "Benchmark"): run_scenario on the
// shipped panel's calibration, all 31 provinces and the four groups of
// data/regions.csv, 2020-2035 (16 years), parameter, driver and shock
// uncertainty on, quantiles only, for 1 and 2 threads. Reports region-years
// per second (draws x 31 x 16 / time) and nanoseconds per region-year per
// core (time x threads / region-years, issue 20's measure), with every
// variable summarised or GDP only (`outputs = ["gdp"]`, issue 20). The
// calibration is the HDF5 file `growthcast calibrate` writes, named by
// GROWTHCAST_MC_CALIBRATION.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>

#include "data/regions.h"
#include "montecarlo/runner.h"
#include "scenario/scenario.h"
#include "store/result_io.h"

namespace {

using namespace growthcast;

struct Fixture {
  calibrate::CalibrationResult cal;
  scenario::Scenario scenario;
  montecarlo::ProjectionSetup setup;
  montecarlo::ProjectionSetup gdp_only;  // setup with outputs = ["gdp"]
  std::string error;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture out;
    const char* path = std::getenv("GROWTHCAST_MC_CALIBRATION");
    if (!path) {
      out.error =
          "set GROWTHCAST_MC_CALIBRATION to a `growthcast calibrate` file";
      return out;
    }
    auto cal = store::read_calibration(path);
    if (!cal) {
      out.error = cal.error().to_string();
      return out;
    }
    out.cal = std::move(*cal);
    auto sc = scenario::parse_scenario(
        "name = \"all\"\nhorizon = 2035\ndraws = 1000000\nseed = 5\n",
        "bench.toml");
    if (!sc) {
      out.error = sc.error().to_string();
      return out;
    }
    out.scenario = std::move(*sc);
    std::vector<montecarlo::Group> groups;
    if (auto table = data::read_regions(GROWTHCAST_BENCH_REGIONS)) {
      for (const auto& g : table->groups(out.cal.regions)) {
        montecarlo::Group group{g.name, {}};
        for (const auto& m : g.members)
          group.members.push_back(
              int(std::find(out.cal.regions.begin(), out.cal.regions.end(), m) -
                  out.cal.regions.begin()));
        groups.push_back(std::move(group));
      }
    }
    auto setup = montecarlo::make_setup(out.cal, out.scenario, groups);
    if (!setup) {
      out.error = setup.error().to_string();
      return out;
    }
    out.setup = std::move(*setup);
    out.gdp_only = out.setup;
    out.gdp_only.outputs = {montecarlo::kGdp};
    return out;
  }();
  return f;
}

// Args: draws, threads, exact (1) or streaming (0) quantiles, every
// variable (0) or GDP only (1).
void BM_MonteCarlo(benchmark::State& state) {
  const Fixture& f = fixture();
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  const std::int64_t draws = state.range(0);
  montecarlo::RunOptions options;
  options.threads = int(state.range(1));
  options.exact_memory_bytes = state.range(2) ? std::size_t(1) << 40 : 1;
  const montecarlo::ProjectionSetup& setup =
      state.range(3) ? f.gdp_only : f.setup;
  std::int64_t uncertified = 0;
  double seconds = 0.0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto r = montecarlo::run_scenario(setup, f.scenario, 0, draws, 5, options);
    seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (!r) {
      state.SkipWithError(r.error().to_string().c_str());
      return;
    }
    uncertified = r->uncertified_quantiles;
    benchmark::DoNotOptimize(r->quantiles.data());
  }
  const double region_years =
      double(draws) * double(f.setup.regions.size()) * f.setup.years();
  state.counters["region_years_per_second"] = benchmark::Counter(
      region_years * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["ns_per_region_year_core"] =
      1e9 * seconds * double(options.threads) /
      (region_years * double(state.iterations()));
  state.counters["values_per_second"] = benchmark::Counter(
      double(draws) * setup.reported_cells() * double(state.iterations()),
      benchmark::Counter::kIsRate);
  state.counters["regions"] = double(f.setup.regions.size());
  state.counters["years"] = f.setup.years();
  state.counters["cells"] = setup.reported_cells();
  state.counters["uncertified_quantiles"] = double(uncertified);
  state.SetLabel(std::string(state.range(2) ? "exact" : "streaming") +
                 (state.range(3) ? ", gdp only" : ", all variables"));
}
BENCHMARK(BM_MonteCarlo)
    ->ArgNames({"draws", "threads", "exact", "gdp_only"})
    ->Args({20000, 1, 1, 0})
    ->Args({20000, 2, 1, 0})
    ->Args({100000, 1, 0, 0})
    ->Args({100000, 2, 0, 0})
    ->Args({20000, 2, 1, 1})
    ->Args({100000, 1, 0, 1})
    ->Args({100000, 2, 0, 1})
    ->Args({200000, 2, 0, 0})
    ->Args({200000, 2, 0, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
