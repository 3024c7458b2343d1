#include "solverbench/bench.h"

#include <ceres/ceres.h>
#include <cminpack.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "calibrate/synthetic.h"
#include "solverbench/nist_cost.h"

namespace growthcast::solverbench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Dense solvers factor a (residuals x parameters) matrix; above this many
// parameters the calibration skips them, so the default run stays short: at
// 310 regions (625 parameters) dense QR already takes seconds per solve.
// The shipped 31-region panel (67 parameters) runs them all.
constexpr int kDenseParameterLimit = 200;

std::vector<double> nist_lre(const NistProblem& p,
                             const std::vector<double>& b) {
  std::vector<double> lre;
  for (int k = 0; k < p.parameters; ++k)
    lre.push_back(log_relative_error(
        b[k], p.certified[k],
        std::min(11.0, static_cast<double>(p.certified_digits[k]))));
  return lre;
}

bool all_at_least(const std::vector<double>& lre, double threshold) {
  return !lre.empty() && std::all_of(lre.begin(), lre.end(),
                                     [&](double v) { return v >= threshold; });
}

// ---- NIST with Ceres -------------------------------------------------------

ceres::Solver::Options ceres_options(const SolverConfig& c,
                                     const BenchOptions& o) {
  ceres::Solver::Options options;
  options.logging_type = ceres::SILENT;
  options.max_num_iterations = o.max_iterations;
  options.function_tolerance = o.function_tolerance;
  options.gradient_tolerance = o.gradient_tolerance;
  options.parameter_tolerance = o.parameter_tolerance;
  options.num_threads = c.threads;
  if (c.family == Family::ceres_line_search) {
    options.minimizer_type = ceres::LINE_SEARCH;
    options.line_search_direction_type =
        c.line_search == LineSearch::bfgs ? ceres::BFGS : ceres::LBFGS;
    options.line_search_type = ceres::WOLFE;
    return options;
  }
  options.minimizer_type = ceres::TRUST_REGION;
  switch (c.trust_region) {
    case TrustRegion::levenberg_marquardt:
      options.trust_region_strategy_type = ceres::LEVENBERG_MARQUARDT;
      break;
    case TrustRegion::dogleg_traditional:
      options.trust_region_strategy_type = ceres::DOGLEG;
      options.dogleg_type = ceres::TRADITIONAL_DOGLEG;
      break;
    case TrustRegion::dogleg_subspace:
      options.trust_region_strategy_type = ceres::DOGLEG;
      options.dogleg_type = ceres::SUBSPACE_DOGLEG;
      break;
  }
  ceres::StringToLinearSolverType(LinearSolverToString(c.linear_solver),
                                  &options.linear_solver_type);
  if (c.linear_solver == LinearSolver::cgnr)
    options.preconditioner_type = ceres::JACOBI;
  return options;
}

RunRecord run_nist_ceres(const NistProblem& p, int start, const SolverConfig& c,
                         const BenchOptions& o) {
  RunRecord rec;
  const ceres::Solver::Options options = ceres_options(c, o);
  std::string why;
  if (!options.IsValid(&why)) {
    rec.applicable = false;
    rec.note = why;
    return rec;
  }
  std::vector<double> b;
  for (int r = 0; r < o.repeats; ++r) {
    auto t0 = Clock::now();
    b = p.starts[static_cast<std::size_t>(start)];
    auto cost = make_nist_cost_function(p, c.derivative);
    if (!cost) {
      rec.applicable = false;
      rec.note = cost.error().to_string();
      return rec;
    }
    ceres::Problem problem;
    problem.AddResidualBlock(cost->release(), nullptr, b.data());
    rec.build_seconds.push_back(seconds_since(t0));
    ceres::Solver::Summary summary;
    t0 = Clock::now();
    ceres::Solve(options, &problem, &summary);
    rec.solve_seconds.push_back(seconds_since(t0));
    rec.iterations = static_cast<int>(summary.iterations.size()) - 1;
    rec.residual_evaluations = summary.num_residual_evaluations;
    rec.jacobian_evaluations = summary.num_jacobian_evaluations;
    rec.initial_cost = summary.initial_cost;
    rec.final_cost = summary.final_cost;
    rec.termination = ceres::TerminationTypeToString(summary.termination_type);
    rec.note = summary.message;
    rec.linear_solver_used =
        c.family == Family::ceres_line_search
            ? "none"
            : ceres::LinearSolverTypeToString(summary.linear_solver_type_used);
    // On FAILURE Ceres leaves the parameters as they were (the start) while
    // summary.final_cost is its last iterate's: the run is scored at what it
    // returned, so its cost is evaluated there too.
    if (summary.termination_type == ceres::FAILURE) {
      double returned_cost = std::nan("");
      if (!problem.Evaluate(ceres::Problem::EvaluateOptions(), &returned_cost,
                            nullptr, nullptr, nullptr))
        returned_cost = std::nan("");
      rec.final_cost = returned_cost;
      rec.note =
          "FAILURE: Ceres returned the start unchanged (scored "
          "there; its last iterate's cost was " +
          std::to_string(summary.final_cost) + "): " + summary.message;
    }
  }
  rec.lre = nist_lre(p, b);
  rec.estimate = b;
  return rec;
}

// ---- NIST with MINPACK ------------------------------------------------------

struct MinpackContext {
  const NistProblem* problem;
  ceres::CostFunction* cost;     // automatic derivatives, for lmder's Jacobian
  std::vector<double> jacobian;  // row-major scratch
};

int minpack_residuals(void* p, int m, int n, const double* x, double* fvec,
                      int iflag) {
  (void)m;
  (void)n;
  if (iflag == 0) return 0;
  auto* ctx = static_cast<MinpackContext*>(p);
  const double* blocks[] = {x};
  // The functor writes every residual even when it rejects the point (a
  // non-finite value); MINPACK then shrinks its step as for a bad one.
  ctx->cost->Evaluate(blocks, fvec, nullptr);
  return 0;
}

int minpack_jacobian(void* p, int m, int n, const double* x, double* fvec,
                     double* fjac, int ldfjac, int iflag) {
  if (iflag == 0) return 0;
  auto* ctx = static_cast<MinpackContext*>(p);
  const double* blocks[] = {x};
  if (iflag == 1) return minpack_residuals(p, m, n, x, fvec, iflag);
  std::vector<double> scratch(static_cast<std::size_t>(m));
  double* jac[] = {ctx->jacobian.data()};
  if (!ctx->cost->Evaluate(blocks, scratch.data(), jac)) return -1;
  // Ceres writes row-major [m x n]; MINPACK wants column-major.
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j)
      fjac[j * ldfjac + i] = ctx->jacobian[static_cast<std::size_t>(i * n + j)];
  return 0;
}

std::string minpack_termination(int info) {
  switch (info) {
    case 1:
    case 2:
    case 3:
    case 4:
      return "CONVERGENCE";
    case 5:
      return "NO_CONVERGENCE";
    case 6:
    case 7:
    case 8:
      // ftol, xtol or gtol too small: no further progress is possible, the
      // point is as good as double precision allows.
      return "CONVERGENCE";
    default:
      return "FAILURE";
  }
}

RunRecord run_nist_minpack(const NistProblem& p, int start,
                           const SolverConfig& c, const BenchOptions& o) {
  RunRecord rec;
  const int m = p.observations, n = p.parameters;
  std::vector<double> b;
  for (int r = 0; r < o.repeats; ++r) {
    auto t0 = Clock::now();
    b = p.starts[static_cast<std::size_t>(start)];
    auto cost = make_nist_cost_function(p, Derivative::automatic);
    if (!cost) {
      rec.applicable = false;
      rec.note = cost.error().to_string();
      return rec;
    }
    MinpackContext ctx{&p, cost->get(),
                       std::vector<double>(static_cast<std::size_t>(m * n))};
    std::vector<double> fvec(static_cast<std::size_t>(m)),
        fjac(static_cast<std::size_t>(m * n)),
        diag(static_cast<std::size_t>(n)), qtf(static_cast<std::size_t>(n)),
        wa1(static_cast<std::size_t>(n)), wa2(static_cast<std::size_t>(n)),
        wa3(static_cast<std::size_t>(n)), wa4(static_cast<std::size_t>(m));
    std::vector<int> ipvt(static_cast<std::size_t>(n));
    rec.build_seconds.push_back(seconds_since(t0));

    // Initial cost, outside the timed solve.
    minpack_residuals(&ctx, m, n, b.data(), fvec.data(), 1);
    double initial = 0;
    for (double v : fvec) initial += v * v;

    const int maxfev = o.minpack_evaluations_per_parameter * (n + 1);
    int nfev = 0, njev = 0, info = 0;
    t0 = Clock::now();
    if (c.minpack == Minpack::lmder) {
      info =
          lmder(&minpack_jacobian, &ctx, m, n, b.data(), fvec.data(),
                fjac.data(), m, o.minpack_tolerance, o.minpack_tolerance, 0.0,
                maxfev, diag.data(), 1, 100.0, 0, &nfev, &njev, ipvt.data(),
                qtf.data(), wa1.data(), wa2.data(), wa3.data(), wa4.data());
    } else {
      info = lmdif(&minpack_residuals, &ctx, m, n, b.data(), fvec.data(),
                   o.minpack_tolerance, o.minpack_tolerance, 0.0, maxfev, 0.0,
                   diag.data(), 1, 100.0, 0, &nfev, fjac.data(), m, ipvt.data(),
                   qtf.data(), wa1.data(), wa2.data(), wa3.data(), wa4.data());
    }
    rec.solve_seconds.push_back(seconds_since(t0));
    double final_ssr = 0;
    for (double v : fvec) final_ssr += v * v;
    rec.initial_cost = 0.5 * initial;
    rec.final_cost = 0.5 * final_ssr;
    rec.residual_evaluations = nfev;
    rec.jacobian_evaluations = c.minpack == Minpack::lmder ? njev : -1;
    // lmder evaluates the Jacobian once per outer iteration.
    rec.iterations = c.minpack == Minpack::lmder ? njev : -1;
    rec.termination = minpack_termination(info);
    rec.note = "MINPACK info = " + std::to_string(info);
    rec.linear_solver_used = "minpack_qr";
  }
  rec.lre = nist_lre(p, b);
  rec.estimate = b;
  return rec;
}

// ---- The calibration
// ----------------------------------------------------------

std::string calibration_not_applicable(const CalibrationCase& cc,
                                       const SolverConfig& c) {
  if (c.family == Family::ceres_line_search)
    return "the calibration has bounds, which Ceres' line search does not take";
  if (c.family == Family::minpack)
    return "the calibration is built on Ceres (calibrate stage)";
  if (c.derivative != Derivative::automatic)
    return "the calibrate stage fixes automatic derivatives";
  if (c.trust_region == TrustRegion::dogleg_subspace)
    return "calibrate::SolverOptions offers lm and (traditional) dogleg";
  const int parameters = static_cast<int>(2 * cc.data.regions.size()) + 5;
  if ((c.linear_solver == LinearSolver::dense_qr ||
       c.linear_solver == LinearSolver::dense_normal_cholesky) &&
      parameters > kDenseParameterLimit)
    return "dense solver skipped above " +
           std::to_string(kDenseParameterLimit) + " parameters";
  return {};
}

RunRecord run_calibration(const CalibrationCase& cc, int start,
                          const SolverConfig& c, const BenchOptions& o) {
  RunRecord rec;
  rec.note = calibration_not_applicable(cc, c);
  if (!rec.note.empty()) {
    rec.applicable = false;
    return rec;
  }
  calibrate::ModelOptions model;
  model["delta_S"].free = cc.delta_s_free;
  if (start == 1) {  // start 2: away from the defaults
    model["alpha"].value = 0.6;
    model["gamma"].value = 0.3;
    if (cc.delta_s_free) model["delta_S"].value = 0.3;
  }
  calibrate::SolverOptions solver;
  solver.linear_solver = LinearSolverToString(c.linear_solver);
  solver.trust_region = c.trust_region == TrustRegion::levenberg_marquardt
                            ? "levenberg_marquardt"
                            : "dogleg";
  solver.threads = c.threads;
  solver.allow_no_convergence = true;
  // The configuration under test solves, not the calibration's own QR
  // Gauss-Newton steps (which would end the linear problem before Ceres).
  solver.gauss_newton_by_qr = false;

  std::optional<calibrate::CalibrationResult> result;
  for (int r = 0; r < o.repeats; ++r) {
    calibrate::CalibrationData data = cc.data;  // copied outside the timing
    auto t0 = Clock::now();
    auto problem =
        calibrate::CalibrationProblem::build(std::move(data), model, solver);
    rec.build_seconds.push_back(seconds_since(t0));
    if (!problem) {
      rec.applicable = false;
      rec.note = problem.error().to_string();
      return rec;
    }
    t0 = Clock::now();
    const calibrate::SolveSummary& s = problem->solve();
    rec.solve_seconds.push_back(seconds_since(t0));
    rec.iterations = s.iterations;
    rec.residual_evaluations = s.residual_evaluations;
    rec.jacobian_evaluations = s.jacobian_evaluations;
    rec.initial_cost = s.initial_cost;
    rec.final_cost = s.final_cost;
    rec.termination = s.termination;
    rec.note = s.message;
    rec.linear_solver_used = solver.linear_solver;
    // The estimates are what is scored; the covariance of a 3,100-region
    // panel would cost far more than the solve being measured.
    if (r + 1 == o.repeats) result = problem->infer(/*covariance=*/false);
  }
  const std::size_t regions = cc.data.regions.size();
  auto at = [&](std::string_view p) { return result->shared(p); };
  rec.estimate = {at("alpha"), at("gamma"), at("delta_S"), kNaN, kNaN};
  if (cc.truth_known) {
    rec.lre.push_back(log_relative_error(at("alpha"), cc.alpha));
    rec.lre.push_back(log_relative_error(at("gamma"), cc.gamma));
    rec.lre.push_back(
        cc.delta_s_free ? log_relative_error(at("delta_S"), cc.delta_s) : kNaN);
    double min_a = 11, min_lambda = 11;
    for (std::size_t i = 0; i < regions; ++i) {
      const auto k = static_cast<Eigen::Index>(2 * i);
      min_a = std::min(min_a, log_relative_error(result->estimate[k], cc.a[i]));
      min_lambda =
          std::min(min_lambda,
                   log_relative_error(result->estimate[k + 1], cc.lambda[i]));
    }
    rec.lre.push_back(min_a);
    rec.lre.push_back(min_lambda);
  } else {
    rec.lre.assign(5, kNaN);
  }
  return rec;
}

CalibrationCase synthetic_case(int regions, bool delta_free) {
  calibrate::SyntheticSpec spec;
  spec.regions = regions;
  auto panel = calibrate::make_synthetic_panel(spec);
  CalibrationCase cc;
  cc.data = std::move(panel.data);
  cc.delta_s_free = delta_free;
  cc.truth_known = true;
  cc.alpha = spec.alpha;
  cc.gamma = spec.gamma;
  cc.delta_s = spec.delta_s;
  cc.a = std::move(panel.a);
  cc.lambda = std::move(panel.lambda);
  return cc;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t begin = 0;
  while (true) {
    const auto end = text.find(',', begin);
    parts.push_back(text.substr(begin, end - begin));
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return parts;
}

}  // namespace

std::vector<std::string> BenchProblem::parameter_labels() const {
  if (nist) {
    std::vector<std::string> labels;
    for (int k = 1; k <= nist->parameters; ++k)
      labels.push_back("b" + std::to_string(k));
    return labels;
  }
  return {"alpha", "gamma", "delta_S", "min over a_i", "min over lambda_i"};
}

double RunRecord::min_lre() const {
  double m = kNaN;
  for (double v : lre)
    if (!std::isnan(v)) m = std::isnan(m) ? v : std::min(m, v);
  return m;
}
double RunRecord::median_solve_seconds() const { return median(solve_seconds); }
double RunRecord::median_build_seconds() const { return median(build_seconds); }

std::size_t BenchResult::max_parameters() const {
  std::size_t n = 1;
  for (const auto& p : problems) n = std::max(n, p.parameter_labels().size());
  return n;
}

Result<std::vector<BenchProblem>> select_problems(
    const std::string& spec, const ProblemSources& sources) {
  const std::vector<std::string> calibration_names = {
      "china31_deltaS_fixed",   "china31_deltaS_free",
      "synth310_deltaS_fixed",  "synth310_deltaS_free",
      "synth3100_deltaS_fixed", "synth3100_deltaS_free"};
  std::vector<std::string> wanted;
  auto want = [&](const std::string& n) {
    if (std::find(wanted.begin(), wanted.end(), n) == wanted.end())
      wanted.push_back(n);
  };
  std::vector<NistProblem> nist;
  bool nist_read = false;
  auto read_nist = [&]() -> Status {
    if (nist_read) return ok();
    auto all = read_nist_problems(sources.nist_dir);
    if (!all) return tl::unexpected(all.error());
    nist = std::move(*all);
    nist_read = true;
    return ok();
  };
  for (const auto& item : split(spec)) {
    if (item == "all" || item == "nist" || item.rfind("nist_", 0) == 0) {
      if (auto s = read_nist(); !s) return tl::unexpected(s.error());
      Difficulty level{};
      const bool by_level = item.rfind("nist_", 0) == 0;
      if (by_level && !StringToDifficulty(item.substr(5), &level))
        return usage_error("unknown problem set '" + item +
                               "' (nist_lower, nist_average, nist_higher)",
                           "--problems");
      for (const auto& p : nist)
        if (!by_level || p.difficulty == level) want(p.name);
      if (item == "all")
        for (const auto& n : calibration_names) want(n);
    } else if (item == "calibration") {
      for (std::size_t k = 0; k < 4; ++k) want(calibration_names[k]);
    } else if (item == "calibration_large") {
      want(calibration_names[4]);
      want(calibration_names[5]);
    } else {
      const auto& names = nist_problem_names();
      const bool known =
          std::find(names.begin(), names.end(), item) != names.end() ||
          std::find(calibration_names.begin(), calibration_names.end(), item) !=
              calibration_names.end();
      if (!known)
        return usage_error(
            "unknown problem '" + item +
                "' (all, nist, nist_lower, nist_average, nist_higher, "
                "calibration, calibration_large, a NIST dataset name such as "
                "Misra1a, or china31_deltaS_fixed, china31_deltaS_free, "
                "synth310_deltaS_fixed, synth310_deltaS_free, "
                "synth3100_deltaS_fixed, synth3100_deltaS_free)",
            "--problems");
      if (std::find(names.begin(), names.end(), item) != names.end())
        if (auto s = read_nist(); !s) return tl::unexpected(s.error());
      want(item);
    }
  }

  std::vector<BenchProblem> out;
  for (const auto& name : wanted) {
    BenchProblem bp;
    bp.name = name;
    const auto it =
        std::find_if(nist.begin(), nist.end(),
                     [&](const NistProblem& p) { return p.name == name; });
    if (it != nist.end()) {
      bp.kind = "nist";
      bp.difficulty = DifficultyToString(it->difficulty);
      bp.nist = *it;
      out.push_back(std::move(bp));
      continue;
    }
    bp.kind = "calibration";
    const bool delta_free = name.find("_free") != std::string::npos;
    if (name.rfind("china31", 0) == 0) {
      if (!sources.shipped_panel)
        return fail("the shipped panel is needed for '" + name + "'");
      CalibrationCase cc;
      cc.data = *sources.shipped_panel;
      cc.delta_s_free = delta_free;
      bp.calibration = std::move(cc);
    } else {
      const int regions = name.rfind("synth3100", 0) == 0 ? 3100 : 310;
      bp.calibration = synthetic_case(regions, delta_free);
    }
    bp.difficulty =
        "regions=" + std::to_string(bp.calibration->data.regions.size());
    out.push_back(std::move(bp));
  }
  return out;
}

RunRecord run_one(const BenchProblem& problem, int start,
                  const SolverConfig& config, const BenchOptions& options) {
  RunRecord rec;
  if (problem.nist) {
    rec = config.family == Family::minpack
              ? run_nist_minpack(*problem.nist, start, config, options)
              : run_nist_ceres(*problem.nist, start, config, options);
  } else {
    rec = run_calibration(*problem.calibration, start, config, options);
  }
  if (!rec.applicable) {
    rec.termination = "NOT_APPLICABLE";
    rec.lre.assign(problem.parameter_labels().size(), kNaN);
    rec.estimate.clear();
    return rec;
  }
  // A run that failed is never counted as solved.
  if (rec.termination == "FAILURE") return rec;
  if (problem.calibration && !problem.calibration->truth_known)
    rec.solved = rec.termination == "CONVERGENCE";  // no known answer
  else
    rec.solved = all_at_least(
        [&] {
          std::vector<double> known;
          for (double v : rec.lre)
            if (!std::isnan(v)) known.push_back(v);
          return known;
        }(),
        options.solved_lre);
  return rec;
}

Result<BenchResult> run_bench(std::vector<BenchProblem> problems,
                              const std::vector<SolverConfig>& configs,
                              const BenchOptions& options,
                              const Progress& progress) {
  std::string why;
  if (!options.IsValid(&why)) return usage_error(why, "bench options");
  for (const auto& c : configs)
    if (!c.IsValid(&why))
      return usage_error(c.name() + ": " + why, "--configs");
  const auto t0 = Clock::now();
  BenchResult result;
  result.configs = configs;
  result.options = options;
  const std::size_t total = problems.size() * 2 * configs.size();
  std::size_t done = 0;
  for (const auto& p : problems)
    for (int s = 0; s < 2; ++s)
      for (const auto& c : configs) {
        if (progress)
          progress(done, total,
                   p.name + " start " + std::to_string(s + 1) + " " + c.name());
        result.records.push_back(run_one(p, s, c, options));
        ++done;
      }
  if (progress) progress(done, total, "done");
  // Keep the metadata, drop the observations.
  for (auto& p : problems) {
    if (p.nist) {
      p.nist->x.clear();
      p.nist->y.clear();
    }
    if (p.calibration) {
      const auto regions = p.calibration->data.regions.size();
      p.calibration->data = calibrate::CalibrationData{};
      p.calibration->data.regions.resize(regions);
      p.calibration->a.clear();
      p.calibration->lambda.clear();
    }
  }
  result.problems = std::move(problems);
  result.total_seconds = seconds_since(t0);
  return result;
}

}  // namespace growthcast::solverbench
