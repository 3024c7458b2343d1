#include "calibrate/calibration.h"

#include <ceres/ceres.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>

namespace growthcast::calibrate {
namespace {

using models::Shared;
constexpr int kShared = models::kSharedCount;

// The residual function's parameter blocks: {a_i, lambda_i}, then the five
// shared scalars.
using ResidualCost =
    ceres::AutoDiffCostFunction<models::CobbDouglasRdResidual, ceres::DYNAMIC,
                                2, 1, 1, 1, 1, 1>;
using PriorCost =
    ceres::AutoDiffCostFunction<models::GaussianPriorResidual, 1, 1>;

std::vector<models::RegionSeries> to_series(const CalibrationData& data) {
  std::vector<models::RegionSeries> out(data.regions.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto& s = out[i];
    for (std::size_t t = 0; t < data.years.size(); ++t) {
      s.ln_gdp.push_back(std::log(data.gdp[i][t]));
      s.ln_capital.push_back(std::log(data.capital[i][t]));
      s.ln_labour.push_back(std::log(data.labour[i][t]));
      s.rd.push_back(data.rd[i][t]);
    }
    s.rd_growth = models::rd_mean_log_growth(s.rd);
  }
  return out;
}

// Row-normalised equal weights: w_ij = 1 / (N - 1) for j != i.
std::vector<double> equal_spill_weights(std::size_t regions, std::size_t i) {
  std::vector<double> w(regions, regions > 1 ? 1.0 / double(regions - 1) : 0);
  w[i] = 0.0;
  return w;
}

ceres::LossFunction* make_loss(const SolverOptions& options) {
  switch (options.loss) {
    case LossKind::huber:
      return new ceres::HuberLoss(options.loss_scale);
    case LossKind::cauchy:
      return new ceres::CauchyLoss(options.loss_scale);
    case LossKind::none:
      break;
  }
  return nullptr;
}

std::string format_double(const char* format, double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, v);
  return buffer;
}

}  // namespace

Result<CalibrationData> calibration_data(const data::PanelWindow& window,
                                         const ModelColumns& columns) {
  CalibrationData out;
  out.source = window.file;
  out.regions = window.regions;
  out.years = window.years;
  for (const auto* name :
       {&columns.gdp, &columns.capital, &columns.labour, &columns.rd})
    if (!window.values.count(*name))
      return fail("column not selected from the panel", window.file, 0, *name);
  out.gdp = window.at(columns.gdp);
  out.capital = window.at(columns.capital);
  out.labour = window.at(columns.labour);
  out.rd = window.at(columns.rd);
  auto ratio = [&](const std::string& numerator) {
    auto grid = window.at(numerator);
    const auto& gdp = window.at(columns.gdp_nominal);
    for (std::size_t i = 0; i < grid.size(); ++i)
      for (std::size_t t = 0; t < grid[i].size(); ++t) grid[i][t] /= gdp[i][t];
    return grid;
  };
  if (window.values.count(columns.gdp_nominal)) {
    if (window.values.count(columns.investment_nominal))
      out.drivers["investment_rate"] = ratio(columns.investment_nominal);
    if (window.values.count(columns.rd_nominal))
      out.drivers["rd_intensity"] = ratio(columns.rd_nominal);
  }
  return out;
}

std::vector<std::vector<double>> knowledge_stocks(
    const std::vector<std::vector<double>>& rd, double delta_s) {
  std::vector<std::vector<double>> out;
  for (const auto& series : rd) {
    std::vector<double> stock(series.size());
    const double g = models::rd_mean_log_growth(series);
    if (!models::knowledge_stock<double>(series, g, delta_s, stock.data()))
      stock.assign(series.size(), std::nan(""));
    out.push_back(std::move(stock));
  }
  return out;
}

struct CalibrationProblem::Impl {
  CalibrationData data;
  ModelOptions model;
  SolverOptions solver;
  std::vector<models::RegionSeries> series;
  // Parameter storage: Ceres holds pointers into these.
  std::vector<std::array<double, 2>> region_params;
  std::array<double, kShared> shared{};
  ceres::Problem problem;
  SolveSummary summary;
  // Free shared parameters held on a binding bound (see solve()).
  std::vector<bool> pinned = std::vector<bool>(kShared, false);

  double* shared_block(Shared p) { return &shared[static_cast<int>(p)]; }
  bool shared_free(int k) const {
    if (k == static_cast<int>(Shared::beta) && model.beta_is_one_minus_alpha)
      return false;
    return model.shared[k].free;
  }
  // Estimated and strictly inside its bounds: counted in p, in the covariance.
  bool shared_interior(int k) const { return shared_free(k) && !pinned[k]; }
  void sync_tied_beta() {
    if (model.beta_is_one_minus_alpha)
      shared[static_cast<int>(Shared::beta)] =
          1.0 - shared[static_cast<int>(Shared::alpha)];
  }
  std::vector<std::vector<double>> stocks() const {
    return knowledge_stocks(data.rd, shared[static_cast<int>(Shared::delta_S)]);
  }
};

CalibrationProblem::CalibrationProblem(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
CalibrationProblem::CalibrationProblem(CalibrationProblem&&) noexcept = default;
CalibrationProblem& CalibrationProblem::operator=(
    CalibrationProblem&&) noexcept = default;
CalibrationProblem::~CalibrationProblem() = default;

Result<CalibrationProblem> CalibrationProblem::build(
    CalibrationData data, const ModelOptions& model,
    const SolverOptions& solver) {
  std::string why;
  if (!model.IsValid(&why)) return usage_error("model: " + why);
  if (!solver.IsValid(&why)) return usage_error("solver: " + why);
  if (data.regions.empty()) return fail("no regions to calibrate", data.source);
  if (data.years.size() < 3)
    return fail("the calibration window needs at least 3 years, got " +
                    std::to_string(data.years.size()),
                data.source);

  auto impl = std::make_unique<Impl>();
  impl->model = model;
  impl->solver = solver;
  impl->series = to_series(data);
  impl->data = std::move(data);
  for (int k = 0; k < kShared; ++k) impl->shared[k] = model.shared[k].value;
  impl->sync_tied_beta();

  // Start each region's level a_i at its mean log output net of the factor
  // terms at the starting shared values, and its trend at zero: a start
  // that is sensible for any panel and does not depend on the optimum.
  const auto start_stocks = impl->stocks();
  const double alpha = impl->shared[static_cast<int>(Shared::alpha)];
  const double beta = impl->shared[static_cast<int>(Shared::beta)];
  const double gamma = impl->shared[static_cast<int>(Shared::gamma)];
  for (std::size_t i = 0; i < impl->series.size(); ++i) {
    const auto& s = impl->series[i];
    if (!std::isfinite(start_stocks[i][0]))
      return fail("region '" + impl->data.regions[i] +
                      "': R&D growth g plus delta_S is not positive, so the "
                      "initial knowledge stock is undefined",
                  impl->data.source, 0, "delta_S");
    double level = 0.0;
    for (std::size_t t = 0; t < s.ln_gdp.size(); ++t)
      level += s.ln_gdp[t] - alpha * s.ln_capital[t] - beta * s.ln_labour[t] -
               gamma * std::log(start_stocks[i][t]);
    impl->region_params.push_back({level / double(s.ln_gdp.size()), 0.0});
  }

  ceres::Problem& problem = impl->problem;
  const bool spillover = model.spillover();
  for (std::size_t i = 0; i < impl->series.size(); ++i) {
    auto* functor = new models::CobbDouglasRdResidual(
        &impl->series, static_cast<int>(i),
        spillover ? equal_spill_weights(impl->series.size(), i)
                  : std::vector<double>{},
        model.beta_is_one_minus_alpha);
    auto* cost = new ResidualCost(functor, functor->num_residuals());
    problem.AddResidualBlock(
        cost, make_loss(solver), impl->region_params[i].data(),
        impl->shared_block(Shared::alpha), impl->shared_block(Shared::beta),
        impl->shared_block(Shared::gamma), impl->shared_block(Shared::delta_S),
        impl->shared_block(Shared::phi));
  }
  for (int k = 0; k < kShared; ++k) {
    double* block = &impl->shared[k];
    if (!impl->shared_free(k)) {
      problem.SetParameterBlockConstant(block);
      continue;
    }
    const ParameterSetting& setting = model.shared[k];
    if (setting.lower > -1e300)
      problem.SetParameterLowerBound(block, 0, setting.lower);
    if (setting.upper < 1e300)
      problem.SetParameterUpperBound(block, 0, setting.upper);
    if (setting.prior)
      problem.AddResidualBlock(new PriorCost(new models::GaussianPriorResidual{
                                   setting.prior->mean, setting.prior->sd}),
                               nullptr, block);
  }
  return CalibrationProblem(std::move(impl));
}

namespace {

// Ceres keeps bounds by projecting steps onto the box, which converges
// slowly once a bound is active. These helpers implement an active-set
// refinement around it: pin a parameter that ends on its bound, solve the
// rest exactly, and release it again if the cost gradient points inwards.
enum class BoundSide { none, lower, upper };

BoundSide side_at(double x, const ParameterSetting& s) {
  auto at = [&](double b) {
    return std::fabs(x - b) <= 1e-10 * std::max(1.0, std::fabs(b));
  };
  if (s.lower > -1e300 && at(s.lower)) return BoundSide::lower;
  if (s.upper < 1e300 && at(s.upper)) return BoundSide::upper;
  return BoundSide::none;
}

void accumulate(const ceres::Solver::Summary& run, bool first,
                SolveSummary& out) {
  if (first) {
    out = SolveSummary{};
    out.initial_cost = run.initial_cost;
  }
  out.brief_report = run.BriefReport();
  out.full_report = run.FullReport();
  out.termination = ceres::TerminationTypeToString(run.termination_type);
  out.message = run.message;
  out.converged = run.termination_type == ceres::CONVERGENCE;
  out.iterations += run.num_successful_steps + run.num_unsuccessful_steps;
  out.residual_evaluations += run.num_residual_evaluations;
  out.jacobian_evaluations += run.num_jacobian_evaluations;
  out.final_cost = run.final_cost;
  out.preprocessor_seconds += run.preprocessor_time_in_seconds;
  out.minimizer_seconds += run.minimizer_time_in_seconds;
  out.total_seconds += run.total_time_in_seconds;
}

}  // namespace

const SolveSummary& CalibrationProblem::solve() {
  Impl& m = *impl_;
  ceres::Solver::Options options;
  ceres::StringToLinearSolverType(m.solver.linear_solver,
                                  &options.linear_solver_type);
  ceres::StringToTrustRegionStrategyType(m.solver.trust_region,
                                         &options.trust_region_strategy_type);
  options.max_num_iterations = m.solver.max_iterations;
  options.function_tolerance = m.solver.function_tolerance;
  options.gradient_tolerance = m.solver.gradient_tolerance;
  options.parameter_tolerance = m.solver.parameter_tolerance;
  options.num_threads = m.solver.threads;
  options.initial_trust_region_radius = m.solver.initial_trust_region_radius;
  options.logging_type = ceres::SILENT;

  auto run = [&](bool first) {
    ceres::Solver::Summary summary;
    ceres::Solve(options, &m.problem, &summary);
    accumulate(summary, first, m.summary);
  };
  run(true);
  m.pinned.assign(kShared, false);
  // Each pass pins or releases at least one parameter; kShared passes
  // bound the work.
  for (int pass = 0; pass < 2 * kShared && m.summary.converged; ++pass) {
    bool changed = false;
    for (int k = 0; k < kShared; ++k) {
      if (!m.shared_free(k) || m.pinned[k]) continue;
      const BoundSide side = side_at(m.shared[k], m.model.shared[k]);
      if (side == BoundSide::none) continue;
      m.shared[k] = side == BoundSide::lower ? m.model.shared[k].lower
                                             : m.model.shared[k].upper;
      m.problem.SetParameterBlockConstant(&m.shared[k]);
      m.pinned[k] = true;
      changed = true;
    }
    if (!changed) break;
    run(false);
    // Release a pinned parameter whose cost gradient points into the box.
    bool released = false;
    for (int k = 0; k < kShared; ++k) {
      if (!m.pinned[k]) continue;
      m.problem.SetParameterBlockVariable(&m.shared[k]);
      ceres::Problem::EvaluateOptions evaluate;
      evaluate.parameter_blocks = {&m.shared[k]};
      double cost = 0.0;
      std::vector<double> gradient;
      m.problem.Evaluate(evaluate, &cost, nullptr, &gradient, nullptr);
      const bool at_lower = m.shared[k] == m.model.shared[k].lower;
      const bool inward = at_lower ? gradient[0] < 0.0 : gradient[0] > 0.0;
      if (inward) {
        m.pinned[k] = false;
        released = true;
      } else {
        m.problem.SetParameterBlockConstant(&m.shared[k]);
      }
    }
    if (released) run(false);
  }
  m.sync_tied_beta();
  return m.summary;
}

CalibrationResult CalibrationProblem::infer(bool with_covariance) {
  Impl& m = *impl_;
  const std::size_t n_regions = m.data.regions.size();
  const std::size_t n_years = m.data.years.size();
  const Eigen::Index n_params =
      static_cast<Eigen::Index>(2 * n_regions) + kShared;
  const Eigen::Index shared0 = static_cast<Eigen::Index>(2 * n_regions);

  CalibrationResult r;
  r.source = m.data.source;
  r.regions = m.data.regions;
  r.years = m.data.years;
  r.model_options = m.model;
  r.solver_options = m.solver;
  r.solve = m.summary;
  r.gdp = m.data.gdp;
  r.capital = m.data.capital;
  r.labour = m.data.labour;
  r.rd = m.data.rd;
  r.drivers = m.data.drivers;
  r.estimate.resize(n_params);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  r.lower = Eigen::VectorXd::Constant(n_params, -kInf);
  r.upper = Eigen::VectorXd::Constant(n_params, kInf);
  for (int k = 0; k < kShared; ++k) {
    const ParameterSetting& setting = m.model.shared[k];
    if (setting.lower > -1e300) r.lower[shared0 + k] = setting.lower;
    if (setting.upper < 1e300) r.upper[shared0 + k] = setting.upper;
  }
  for (std::size_t i = 0; i < n_regions; ++i) {
    r.parameter_names.push_back("a[" + m.data.regions[i] + "]");
    r.parameter_names.push_back("lambda[" + m.data.regions[i] + "]");
    r.parameter_status.insert(r.parameter_status.end(), 2, "free");
    r.estimate[2 * i] = m.region_params[i][0];
    r.estimate[2 * i + 1] = m.region_params[i][1];
  }
  for (int k = 0; k < kShared; ++k) {
    r.parameter_names.emplace_back(models::kSharedNames[k]);
    const bool tied =
        k == static_cast<int>(Shared::beta) && m.model.beta_is_one_minus_alpha;
    std::string status = m.model.shared[k].free ? "free" : "fixed";
    if (tied) status = "1-alpha";
    if (m.pinned[k])
      status = m.shared[k] == m.model.shared[k].lower ? "at lower bound"
                                                      : "at upper bound";
    r.parameter_status.push_back(status);
    r.estimate[shared0 + k] = m.shared[k];
  }

  // Residuals and fitted values, evaluated through the same functors.
  r.knowledge = m.stocks();
  r.fitted.assign(n_regions, std::vector<double>(n_years));
  r.residual.assign(n_regions, std::vector<double>(n_years));
  const bool spillover = m.model.spillover();
  for (std::size_t i = 0; i < n_regions; ++i) {
    models::CobbDouglasRdResidual functor(
        &m.series, static_cast<int>(i),
        spillover ? equal_spill_weights(n_regions, i) : std::vector<double>{},
        m.model.beta_is_one_minus_alpha);
    std::vector<double> e(n_years);
    functor(m.region_params[i].data(), &m.shared[0], &m.shared[1], &m.shared[2],
            &m.shared[3], &m.shared[4], e.data());
    for (std::size_t t = 0; t < n_years; ++t) {
      r.residual[i][t] = e[t];
      r.fitted[i][t] = m.series[i].ln_gdp[t] - e[t];
    }
  }

  // Fit statistics (DESIGN.md): sigma^2 = SSR / (n - p).
  FitStatistics& f = r.fit;
  f.observations = static_cast<long>(n_regions * n_years);
  f.free_parameters = static_cast<long>(2 * n_regions);
  // A parameter held on a binding bound is not counted: the constraint, not
  // the data, determines it.
  for (int k = 0; k < kShared; ++k) f.free_parameters += m.shared_interior(k);
  double mean_ln_y = 0.0;
  for (const auto& s : m.series)
    for (double v : s.ln_gdp) mean_ln_y += v;
  mean_ln_y /= double(f.observations);
  double sst = 0.0;
  for (std::size_t i = 0; i < n_regions; ++i)
    for (std::size_t t = 0; t < n_years; ++t) {
      f.ssr += r.residual[i][t] * r.residual[i][t];
      const double d = m.series[i].ln_gdp[t] - mean_ln_y;
      sst += d * d;
    }
  const double n = double(f.observations);
  const double p = double(f.free_parameters);
  f.sigma2 = n > p ? f.ssr / (n - p) : std::nan("");
  f.r_squared = 1.0 - f.ssr / sst;
  f.rmse = std::sqrt(f.ssr / n);
  f.log_likelihood =
      -0.5 * n * (1.0 + std::log(2.0 * std::numbers::pi) + std::log(f.ssr / n));
  f.aic = 2.0 * p - 2.0 * f.log_likelihood;
  f.bic = p * std::log(n) - 2.0 * f.log_likelihood;

  // Pooled AR(1) of the residuals over t > t0.
  double num = 0.0, den = 0.0;
  for (const auto& e : r.residual)
    for (std::size_t t = 1; t < e.size(); ++t) {
      num += e[t] * e[t - 1];
      den += e[t - 1] * e[t - 1];
      ++f.shock_pairs;
    }
  f.shock_rho = den > 0 ? num / den : 0.0;
  double innovations = 0.0;
  for (const auto& e : r.residual)
    for (std::size_t t = 1; t < e.size(); ++t) {
      const double u = e[t] - f.shock_rho * e[t - 1];
      innovations += u * u;
    }
  f.shock_sigma = f.shock_pairs > 1
                      ? std::sqrt(innovations / double(f.shock_pairs - 1))
                      : std::nan("");

  // Covariance sigma^2 (J'J)^-1 over the free parameter blocks (Ceres
  // evaluates J at the estimate), mapped into the full parameter vector.
  std::vector<const double*> blocks;
  std::vector<Eigen::Index> block_offset;  // index in the full vector
  std::vector<int> block_size;
  for (std::size_t i = 0; i < n_regions; ++i) {
    blocks.push_back(m.region_params[i].data());
    block_offset.push_back(static_cast<Eigen::Index>(2 * i));
    block_size.push_back(2);
  }
  for (int k = 0; k < kShared; ++k)
    if (m.shared_interior(k)) {
      blocks.push_back(&m.shared[k]);
      block_offset.push_back(shared0 + k);
      block_size.push_back(1);
    }
  Eigen::Index free_dim = 0;
  for (int s : block_size) free_dim += s;

  r.covariance = with_covariance ? Eigen::MatrixXd::Zero(n_params, n_params)
                                 : Eigen::MatrixXd(0, 0);
  ceres::Covariance::Options cov_options;
  // SPARSE_QR (Ceres' default) factors J itself; in our checks against an
  // independent SVD it agrees to 1e-10 where DENSE_SVD drifted to 1e-6.
  cov_options.algorithm_type = ceres::SPARSE_QR;
  cov_options.num_threads = m.solver.threads;
  ceres::Covariance covariance(cov_options);
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>
      free_cov(with_covariance ? free_dim : 0, with_covariance ? free_dim : 0);
  if (!with_covariance) {
    r.covariance_message = "covariance not computed (skipped on request)";
  } else if (covariance.Compute(blocks, &m.problem) &&
             covariance.GetCovarianceMatrix(blocks, free_cov.data())) {
    r.covariance_ok = true;
    for (std::size_t a = 0, ra = 0; a < blocks.size(); ra += block_size[a], ++a)
      for (std::size_t b = 0, rb = 0; b < blocks.size();
           rb += block_size[b], ++b)
        for (int x = 0; x < block_size[a]; ++x)
          for (int y = 0; y < block_size[b]; ++y)
            r.covariance(block_offset[a] + x, block_offset[b] + y) =
                f.sigma2 * free_cov(Eigen::Index(ra) + x, Eigen::Index(rb) + y);
    if (m.model.beta_is_one_minus_alpha) {
      // beta = 1 - alpha: cov(beta, .) = -cov(alpha, .), var(beta) =
      // var(alpha).
      const Eigen::Index ia = shared0 + static_cast<int>(Shared::alpha);
      const Eigen::Index ib = shared0 + static_cast<int>(Shared::beta);
      r.covariance.row(ib) = -r.covariance.row(ia);
      r.covariance.col(ib) = -r.covariance.col(ia);
      r.covariance(ib, ib) = r.covariance(ia, ia);
    }
  } else {
    r.covariance_message =
        "the Jacobian is rank deficient at the estimate: standard errors are "
        "not identified";
    r.covariance.setConstant(std::nan(""));
  }
  r.std_error =
      with_covariance
          ? Eigen::VectorXd(r.covariance.diagonal().cwiseMax(0.0).cwiseSqrt())
          : Eigen::VectorXd::Constant(n_params, std::nan(""));
  for (Eigen::Index k = 0; k < n_params; ++k)
    if (r.parameter_status[k] == "fixed" ||
        r.parameter_status[k].starts_with("at "))
      r.std_error[k] = std::nan("");
  r.t_stat = r.estimate.cwiseQuotient(r.std_error);
  return r;
}

Result<CalibrationResult> calibrate(CalibrationData data,
                                    const ModelOptions& model,
                                    const SolverOptions& solver) {
  auto problem = CalibrationProblem::build(std::move(data), model, solver);
  if (!problem) return tl::unexpected(problem.error());
  const SolveSummary& summary = problem->solve();
  if (!summary.converged && !solver.allow_no_convergence)
    return fail("the calibration did not converge (" + summary.termination +
                ": " + summary.message +
                "); raise --max-iterations, change the solver options, or "
                "pass --allow-no-convergence to keep the result anyway");
  return problem->infer();
}

std::string format_calibration_table(const CalibrationResult& r) {
  std::string out;
  auto line = [&](const std::string& s) { out += s + "\n"; };
  line("Calibration of " + r.model + " on " + std::to_string(r.regions.size()) +
       " regions, " + std::to_string(r.years.front()) + "-" +
       std::to_string(r.years.back()));
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, "  %-9s %12s %12s %9s  %s", "parameter",
                "estimate", "std.error", "t", "status");
  line(buffer);
  const Eigen::Index shared0 = static_cast<Eigen::Index>(2 * r.regions.size());
  for (int k = 0; k < kShared; ++k) {
    const Eigen::Index i = shared0 + k;
    if (k == static_cast<int>(Shared::phi) && !r.model_options.spillover())
      continue;
    std::snprintf(buffer, sizeof buffer, "  %-9s %12.6f %12s %9s  %s",
                  r.parameter_names[i].c_str(), r.estimate[i],
                  std::isnan(r.std_error[i])
                      ? "-"
                      : format_double("%.6f", r.std_error[i]).c_str(),
                  std::isnan(r.t_stat[i])
                      ? "-"
                      : format_double("%.2f", r.t_stat[i]).c_str(),
                  r.parameter_status[i].c_str());
    line(buffer);
  }
  double mean_lambda = 0.0;
  for (std::size_t i = 0; i < r.regions.size(); ++i)
    mean_lambda += r.estimate[2 * i + 1];
  mean_lambda /= double(r.regions.size());
  const FitStatistics& f = r.fit;
  std::snprintf(buffer, sizeof buffer,
                "  regions' TFP trend lambda_i: mean %.4f per year",
                mean_lambda);
  line(buffer);
  std::snprintf(buffer, sizeof buffer,
                "Fit: n = %ld, free parameters = %ld, R^2 = %.6f, RMSE = %.5f, "
                "sigma = %.5f",
                f.observations, f.free_parameters, f.r_squared, f.rmse,
                std::sqrt(f.sigma2));
  line(buffer);
  std::snprintf(buffer, sizeof buffer,
                "     log-likelihood = %.3f, AIC = %.3f, BIC = %.3f",
                f.log_likelihood, f.aic, f.bic);
  line(buffer);
  std::snprintf(buffer, sizeof buffer,
                "Residual AR(1): rho = %.4f, sigma = %.5f (%ld pairs)",
                f.shock_rho, f.shock_sigma, f.shock_pairs);
  line(buffer);
  line("Solver: " + r.solve.brief_report);
  if (!r.covariance_ok) line("Warning: " + r.covariance_message);
  return out;
}

}  // namespace growthcast::calibrate
