// The solver benchmark: every problem x start x configuration solved
// `repeats` times, timed (construction apart from the solve) and scored.
//
// Problems are the 27 NIST StRD datasets (scored by the log relative error
// of each parameter against its certified value) and the growthcast
// calibration (cobb_douglas_rd) on the shipped panel and on synthetic panels
// generated from known parameters (scored against those parameters).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "calibrate/calibration.h"
#include "common/error.h"
#include "solverbench/config.h"
#include "solverbench/nist_problem.h"

namespace growthcast::store {
class ResultFile;
}

namespace growthcast::solverbench {

// One calibration benchmark case: the data, how delta_S is treated, and the
// true parameter values when the panel is synthetic.
struct CalibrationCase {
  calibrate::CalibrationData data;
  bool delta_s_free = false;
  // Known answer (synthetic panels): alpha, gamma, delta_S and a_i, lambda_i.
  bool truth_known = false;
  double alpha = 0, gamma = 0, delta_s = 0;
  std::vector<double> a, lambda;
};

struct BenchProblem {
  std::string name;
  // "nist" or "calibration"
  std::string kind;
  // NIST: lower/average/higher; calibration: "regions=N".
  std::string difficulty;
  std::optional<NistProblem> nist;
  std::optional<CalibrationCase> calibration;
  // Names of the scored parameters (the LRE columns).
  std::vector<std::string> parameter_labels() const;
  int starts() const { return 2; }
};

// Where the problems come from.
struct ProblemSources {
  std::filesystem::path nist_dir;  // data/nist
  // The shipped panel's calibration window (31 provinces, 2010-2019), read
  // by the caller; calibration problems on it are skipped when absent.
  std::optional<calibrate::CalibrationData> shipped_panel;
};

// Problem selection, a comma-separated list of:
//   all           the NIST problems and every calibration case
//   nist          the 27 NIST problems; nist_lower, nist_average, nist_higher
//   calibration   the shipped panel (31) and the synthetic 310-region panel,
//                 each with delta_S fixed and free
//   calibration_large  the synthetic 3,100-region panel (fixed and free)
//   a problem name: Misra1a, ..., china31_deltaS_fixed, synth310_deltaS_free,
//                 synth3100_deltaS_fixed, ...
// Unknown names are usage errors that list the choices.
Result<std::vector<BenchProblem>> select_problems(
    const std::string& spec, const ProblemSources& sources);

// What one problem x start x configuration produced.
struct RunRecord {
  bool applicable = true;
  std::string note;  // why not applicable, or the solver's message
  std::vector<double> build_seconds, solve_seconds;  // one per repeat
  int iterations = -1;  // -1: the solver does not report it
  int residual_evaluations = -1;
  int jacobian_evaluations = -1;
  double initial_cost = 0, final_cost = 0;  // 1/2 sum of squared residuals
  std::string termination;  // CONVERGENCE, NO_CONVERGENCE, FAILURE, ...
  std::string linear_solver_used;
  std::vector<double> lre;  // per scored parameter; NaN when unknown
  // The parameters the run returned, per scored parameter (NIST: b1..bK;
  // calibration: alpha, gamma, delta_S, then NaN for the two per-region
  // minima); the LRE are computed from these. Empty when not applicable.
  std::vector<double> estimate;
  bool solved = false;

  double min_lre() const;
  double median_solve_seconds() const;
  double median_build_seconds() const;
};

struct BenchResult {
  std::vector<BenchProblem> problems;  // data dropped, metadata kept
  std::vector<SolverConfig> configs;
  BenchOptions options;
  // records[(problem * 2 + start) * configs + config]
  std::vector<RunRecord> records;
  double total_seconds = 0;

  const RunRecord& at(std::size_t problem, int start,
                      std::size_t config) const {
    return records[(problem * 2 + static_cast<std::size_t>(start)) *
                       configs.size() +
                   config];
  }
  std::size_t max_parameters() const;
};

using Progress = std::function<void(std::size_t done, std::size_t total,
                                    const std::string& what)>;

// Runs the whole matrix. Fails only on invalid options; a solver that
// fails on a problem is a result, not an error.
Result<BenchResult> run_bench(std::vector<BenchProblem> problems,
                              const std::vector<SolverConfig>& configs,
                              const BenchOptions& options,
                              const Progress& progress = {});

// One problem x start x configuration (tests, the runner).
RunRecord run_one(const BenchProblem& problem, int start,
                  const SolverConfig& config, const BenchOptions& options);

// The configurations ranked by NIST problems solved (both starts), then
// calibration cases solved, then median solve time.
std::string format_ranking(const BenchResult& result);
// One line per problem x start: the minimum LRE reached by each config.
std::string format_details(const BenchResult& result);
// "config X solved 26/27 from start 1 in a median of Y us" lines.
std::string format_summary(const BenchResult& result);
// The same fields as the HDF5 file, as one JSON document.
std::string to_json(const BenchResult& result);

// Writes /bench (layout in engine/solverbench/README.md) through ResultFile.
Status write_bench(store::ResultFile& file, const BenchResult& result);

}  // namespace growthcast::solverbench
