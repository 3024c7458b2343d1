// Google Benchmark of the default calibration (issue 2, "Benchmark"): the
// shipped China panel, 2010-2019, all regions, ModelOptions{} and
// SolverOptions{}, timed in its three steps (CalibrationProblem::build,
// solve, infer) and as a whole; and build + solve on synthetic panels of
// 31, 310 and 3100 regions for the solver work that follows.
//
// The steps are timed by hand (UseManualTime) around exactly the call being
// measured, so the set-up of each iteration (copying the data, building or
// solving a fresh problem) is not in the figure. bench/scipy_compare.py reads
// the JSON this program writes with --benchmark_out.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "calibrate/calibration.h"
#include "calibrate/options.h"
#include "calibrate/synthetic.h"
#include "data/panel.h"

#ifndef GROWTHCAST_BENCH_PANEL
#error "GROWTHCAST_BENCH_PANEL must name data/china_provinces.csv"
#endif

namespace {

namespace cal = growthcast::calibrate;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "calibration_benchmark: %s\n", what.c_str());
  std::exit(2);
}

// The panel file: $GROWTHCAST_BENCH_PANEL, else the shipped one.
std::string panel_path() {
  if (const char* env = std::getenv("GROWTHCAST_BENCH_PANEL"); env && *env)
    return env;
  return GROWTHCAST_BENCH_PANEL;
}

// What `growthcast calibrate` reads by default: gdp_real, capital, labour,
// rd_real of every region, 2010-2019.
cal::CalibrationData load_shipped_panel() {
  const cal::ModelColumns columns;
  growthcast::data::ColumnMapping mapping;
  mapping.values = {columns.gdp, columns.capital, columns.labour, columns.rd};
  auto panel = growthcast::data::read_panel(panel_path(), mapping);
  if (!panel) die("cannot read " + panel_path());
  growthcast::data::Selection selection;
  selection.first_year = 2010;
  selection.last_year = 2019;
  selection.positive = mapping.values;
  auto window = growthcast::data::select(*panel, selection);
  if (!window) die("cannot select 2010-2019 from " + panel_path());
  auto data = cal::calibration_data(*window, columns);
  if (!data) die("cannot take the model columns from " + panel_path());
  return std::move(*data);
}

const cal::CalibrationData& shipped_panel() {
  static const cal::CalibrationData data = load_shipped_panel();
  return data;
}

cal::CalibrationProblem build_or_die(cal::CalibrationData data,
                                     const cal::ModelOptions& model = {},
                                     const cal::SolverOptions& solver = {}) {
  auto problem = cal::CalibrationProblem::build(std::move(data), model, solver);
  if (!problem) die("CalibrationProblem::build failed");
  return std::move(*problem);
}

void report_solve(benchmark::State& state, const cal::SolveSummary& s,
                  std::size_t regions) {
  state.counters["regions"] = static_cast<double>(regions);
  state.counters["solver_iterations"] = s.iterations;
  state.counters["residual_evaluations"] = s.residual_evaluations;
  state.counters["jacobian_evaluations"] = s.jacobian_evaluations;
  state.counters["initial_cost"] = s.initial_cost;
  state.counters["final_cost"] = s.final_cost;
  state.counters["converged"] = s.converged ? 1.0 : 0.0;
  state.counters["ceres_total_seconds"] = s.total_seconds;
  if (!s.converged) state.SkipWithError("the solver did not converge");
}

// Ceres linear solvers (SolverOptions::linear_solver) the alternative
// benchmarks compare; index 0 is the default.
constexpr const char* kLinearSolvers[] = {
    "dense_qr",     "dense_normal_cholesky",  "dense_schur",
    "sparse_schur", "sparse_normal_cholesky", "iterative_schur"};
constexpr int kLinearSolverCount =
    static_cast<int>(sizeof kLinearSolvers / sizeof kLinearSolvers[0]);

cal::SolverOptions solver_named(std::int64_t index) {
  cal::SolverOptions solver;
  solver.linear_solver = kLinearSolvers[index];
  return solver;
}

// --- the shipped panel, default options -------------------------------

void BM_CalibrationBuild(benchmark::State& state) {
  const cal::CalibrationData& data = shipped_panel();
  for (auto _ : state) {
    cal::CalibrationData copy = data;  // build() takes its data by value
    const auto start = Clock::now();
    auto problem = cal::CalibrationProblem::build(std::move(copy), {}, {});
    state.SetIterationTime(seconds_since(start));
    if (!problem) state.SkipWithError("build failed");
    benchmark::DoNotOptimize(problem);
    // The problem's destruction is not timed: it leaves the scope after
    // the clock stopped, but the next iteration's clock starts afresh.
  }
  state.counters["regions"] = static_cast<double>(data.regions.size());
}
BENCHMARK(BM_CalibrationBuild)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_CalibrationSolve(benchmark::State& state) {
  const cal::CalibrationData& data = shipped_panel();
  cal::SolveSummary last;
  for (auto _ : state) {
    auto problem = build_or_die(data);
    const auto start = Clock::now();
    last = problem.solve();
    state.SetIterationTime(seconds_since(start));
  }
  report_solve(state, last, data.regions.size());
}
BENCHMARK(BM_CalibrationSolve)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_CalibrationCovariance(benchmark::State& state) {
  const cal::CalibrationData& data = shipped_panel();
  bool ok = true;
  double sigma2 = 0.0;
  for (auto _ : state) {
    auto problem = build_or_die(data);
    problem.solve();
    const auto start = Clock::now();
    cal::CalibrationResult result = problem.infer();
    state.SetIterationTime(seconds_since(start));
    ok = ok && result.covariance_ok;
    sigma2 = result.fit.sigma2;
    benchmark::DoNotOptimize(result);
  }
  state.counters["regions"] = static_cast<double>(data.regions.size());
  state.counters["sigma2"] = sigma2;
  if (!ok) state.SkipWithError("the covariance was not computed");
}
BENCHMARK(BM_CalibrationCovariance)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// The solve with another Ceres linear solver (state.range(0) indexes
// kLinearSolvers): what changing SolverOptions' default would give.
void BM_CalibrationSolveLinearSolver(benchmark::State& state) {
  const cal::CalibrationData& data = shipped_panel();
  const cal::SolverOptions solver = solver_named(state.range(0));
  state.SetLabel(solver.linear_solver);
  cal::SolveSummary last;
  for (auto _ : state) {
    auto problem = build_or_die(data, {}, solver);
    const auto start = Clock::now();
    last = problem.solve();
    state.SetIterationTime(seconds_since(start));
  }
  report_solve(state, last, data.regions.size());
}
BENCHMARK(BM_CalibrationSolveLinearSolver)
    ->DenseRange(0, kLinearSolverCount - 1)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// calibrate(): build + solve + infer, from data in memory.
void BM_CalibrationTotal(benchmark::State& state) {
  const cal::CalibrationData& data = shipped_panel();
  cal::SolveSummary last;
  for (auto _ : state) {
    cal::CalibrationData copy = data;
    const auto start = Clock::now();
    auto result = cal::calibrate(std::move(copy), {}, {});
    state.SetIterationTime(seconds_since(start));
    if (!result) {
      state.SkipWithError("calibrate failed");
      break;
    }
    last = result->solve;
    benchmark::DoNotOptimize(result);
  }
  report_solve(state, last, data.regions.size());
}
BENCHMARK(BM_CalibrationTotal)->UseManualTime()->Unit(benchmark::kMicrosecond);

// The same plus reading and selecting the CSV: what `growthcast calibrate`
// does before it writes HDF5.
void BM_CalibrationFromFile(benchmark::State& state) {
  for (auto _ : state) {
    auto result = cal::calibrate(load_shipped_panel(), {}, {});
    if (!result) {
      state.SkipWithError("calibrate failed");
      break;
    }
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_CalibrationFromFile)->Unit(benchmark::kMicrosecond);

// --- synthetic panels ----------------------------------------------------

// A noisy synthetic panel (noise as in the shipped data's residuals, about
// 1%), so the solve ends at a non-zero cost like a real one.
cal::CalibrationData synthetic(int regions) {
  cal::SyntheticSpec spec;
  spec.regions = regions;
  spec.noise_sd = 0.01;
  return cal::make_synthetic_panel(spec).data;
}

// Build + solve; state.range(0) regions, state.range(1) indexes
// kLinearSolvers (0, dense_qr, is the default calibration).
void BM_SyntheticBuildSolve(benchmark::State& state) {
  const int regions = static_cast<int>(state.range(0));
  const cal::SolverOptions solver = solver_named(state.range(1));
  state.SetLabel(solver.linear_solver);
  const cal::CalibrationData data = synthetic(regions);
  cal::SolveSummary last;
  double build_seconds = 0.0;
  for (auto _ : state) {
    cal::CalibrationData copy = data;
    const auto start = Clock::now();
    auto problem = build_or_die(std::move(copy), {}, solver);
    const double built = seconds_since(start);
    last = problem.solve();
    state.SetIterationTime(seconds_since(start));
    build_seconds += built;
  }
  report_solve(state, last, data.regions.size());
  state.counters["build_seconds"] =
      benchmark::Counter(build_seconds, benchmark::Counter::kAvgIterations);
}
// 3100 regions with the dense solvers (the default DENSE_QR among them)
// factor a 31000 x 6202 dense Jacobian per iteration (minutes, 1.5 GB): opt
// in with GROWTHCAST_BENCH_LARGE=1 (bench/run_benchmarks.sh --large).
void register_synthetic() {
  auto* b = benchmark::RegisterBenchmark("BM_SyntheticBuildSolve",
                                         BM_SyntheticBuildSolve);
  b->ArgNames({"regions", "solver"});
  const char* large = std::getenv("GROWTHCAST_BENCH_LARGE");
  const bool dense_3100 = large && std::string(large) == "1";
  for (int regions : {31, 310, 3100})
    for (std::int64_t solver : {0, 1, 2, 4})  // qr, normal chol., schur, sparse
      if (regions < 3100 || solver >= 2 || dense_3100)
        b->Args({regions, solver});
  b->UseManualTime()->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  register_synthetic();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("panel", panel_path());
  // The default calibration once, its results at full precision for
  // bench/scipy_compare.py (counters are printed with fewer digits).
  {
    auto problem = build_or_die(shipped_panel());
    const cal::SolveSummary& s = problem.solve();
    const cal::CalibrationResult r = problem.infer();
    auto exact = [](double v) {
      char buffer[40];
      std::snprintf(buffer, sizeof buffer, "%.17g", v);
      return std::string(buffer);
    };
    std::string estimate;
    for (Eigen::Index k = 0; k < r.estimate.size(); ++k)
      estimate += (k ? " " : "") + exact(r.estimate[k]);
    benchmark::AddCustomContext("default_initial_cost", exact(s.initial_cost));
    benchmark::AddCustomContext("default_final_cost", exact(s.final_cost));
    benchmark::AddCustomContext("default_converged", s.converged ? "1" : "0");
    benchmark::AddCustomContext("default_termination", s.termination);
    benchmark::AddCustomContext("default_estimate", estimate);
    benchmark::AddCustomContext("default_parameter_names", [&] {
      std::string names;
      for (const auto& n : r.parameter_names)
        names += (names.empty() ? "" : "|") + n;
      return names;
    }());
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
