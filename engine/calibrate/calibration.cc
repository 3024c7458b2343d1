#include "calibrate/calibration.h"

#include <ceres/ceres.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <numbers>
#include <type_traits>
#include <utility>

#include "calibrate/half_squared_norm.h"

namespace growthcast::calibrate {
namespace {

// The residual functor's cost function: the region's block of the model's
// regional parameters, then one scalar block per shared parameter.
template <class M, std::size_t... I>
auto residual_cost_type(std::index_sequence<I...>)
    -> ceres::AutoDiffCostFunction<typename M::Residual, ceres::DYNAMIC,
                                   M::kRegional, ((void)I, 1)...>*;
template <class M>
using ResidualCost = std::remove_pointer_t<decltype(residual_cost_type<M>(
    std::make_index_sequence<M::kShared>{}))>;
using PriorCost =
    ceres::AutoDiffCostFunction<models::GaussianPriorResidual, 1, 1>;

std::vector<models::RegionSeries> to_series(const CalibrationData& data) {
  std::vector<models::RegionSeries> out(data.regions.size());
  const std::size_t years = data.years.size();
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto& s = out[i];
    // Each series' memory once: grown a value at a time, the four series
    // of 31 regions were 600 allocations, a tenth of a cold calibration.
    for (auto* series : {&s.ln_gdp, &s.ln_capital, &s.ln_labour, &s.rd})
      series->reserve(years);
    for (std::size_t t = 0; t < years; ++t) {
      s.ln_gdp.push_back(std::log(data.gdp[i][t]));
      s.ln_capital.push_back(std::log(data.capital[i][t]));
      s.ln_labour.push_back(std::log(data.labour[i][t]));
      s.rd.push_back(data.rd[i][t]);
    }
    s.rd_growth = models::rd_mean_log_growth(s.rd);
  }
  return out;
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

// The inverse of an upper triangular matrix, into `out`, by back substitution,
// in the order and with the operations of Eigen's triangular solve with a
// matrix right-hand side (a reciprocal of the diagonal, then each known
// entry subtracted from the rows above): the same bits on every
// calibration compared. That solve goes through Eigen's blocked kernel,
// whose first call in a process queries the cache sizes by cpuid (a VM
// exit each; bench/README.md, "Calibration cold").
void upper_inverse(const Eigen::MatrixXd& r, Eigen::MatrixXd& out) {
  const Eigen::Index n = r.rows();
  out.setIdentity(n, n);
  for (Eigen::Index i = n - 1; i >= 0; --i) {
    const double a = 1.0 / r(i, i);
    for (Eigen::Index j = 0; j < n; ++j) {
      const double b = (out(i, j) *= a);
      for (Eigen::Index k = 0; k < i; ++k) out(k, j) -= b * r(k, i);
    }
  }
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
  for (const auto& [role, column] :
       {std::pair{"gdp", &columns.gdp}, std::pair{"capital", &columns.capital},
        std::pair{"labour", &columns.labour}, std::pair{"rd", &columns.rd}})
    out.units[role] = data::units_of(window.units, *column);
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
  out.reserve(rd.size());
  for (const auto& series : rd) {
    std::vector<double> stock(series.size());
    const double g = models::rd_mean_log_growth(series);
    if (!models::knowledge_stock<double>(series, g, delta_s, stock.data()))
      stock.assign(series.size(), std::nan(""));
    out.push_back(std::move(stock));
  }
  return out;
}

// The problem behind CalibrationProblem, one instantiation per model.
struct CalibrationProblem::Impl {
  virtual ~Impl() = default;
  virtual const SolveSummary& solve() = 0;
  // take_data: the result takes the data series (no infer after this).
  virtual CalibrationResult infer(bool covariance, bool take_data) = 0;
};

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

ceres::Solver::Options ceres_options(const SolverOptions& s) {
  ceres::Solver::Options options;
  ceres::StringToLinearSolverType(s.linear_solver, &options.linear_solver_type);
  ceres::StringToTrustRegionStrategyType(s.trust_region,
                                         &options.trust_region_strategy_type);
  options.max_num_iterations = s.max_iterations;
  options.function_tolerance = s.function_tolerance;
  options.gradient_tolerance = s.gradient_tolerance;
  options.parameter_tolerance = s.parameter_tolerance;
  options.num_threads = s.threads;
  options.initial_trust_region_radius = s.initial_trust_region_radius;
  options.logging_type = ceres::SILENT;
  return options;
}

// Ends the solve after the current iteration once the caller's flag is
// set; never set, Ceres' iterations are unchanged (it only reads the
// answer).
class CancelCallback final : public ceres::IterationCallback {
 public:
  explicit CancelCallback(const CancelFlag* flag) : flag_(flag) {}
  ceres::CallbackReturnType operator()(
      const ceres::IterationSummary&) override {
    return is_cancelled(flag_) ? ceres::SOLVER_ABORT : ceres::SOLVER_CONTINUE;
  }

 private:
  const CancelFlag* flag_;
};

// Fit statistics of the residuals (docs/models: sigma^2 = SSR / (n - p)) and
// the pooled AR(1) of the residuals over t > t0.
void fit_statistics(const std::vector<models::RegionSeries>& series,
                    const std::vector<std::vector<double>>& residual,
                    long free_parameters, FitStatistics& f) {
  const std::size_t n_regions = series.size();
  const std::size_t n_years = n_regions ? series[0].ln_gdp.size() : 0;
  f.observations = static_cast<long>(n_regions * n_years);
  f.free_parameters = free_parameters;
  double mean_ln_y = 0.0;
  for (const auto& s : series)
    for (double v : s.ln_gdp) mean_ln_y += v;
  mean_ln_y /= double(f.observations);
  double sst = 0.0;
  for (std::size_t i = 0; i < n_regions; ++i)
    for (std::size_t t = 0; t < n_years; ++t) {
      f.ssr += residual[i][t] * residual[i][t];
      const double d = series[i].ln_gdp[t] - mean_ln_y;
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

  double num = 0.0, den = 0.0;
  for (const auto& e : residual)
    for (std::size_t t = 1; t < e.size(); ++t) {
      num += e[t] * e[t - 1];
      den += e[t - 1] * e[t - 1];
      ++f.shock_pairs;
    }
  f.shock_rho = den > 0 ? num / den : 0.0;
  double innovations = 0.0;
  for (const auto& e : residual)
    for (std::size_t t = 1; t < e.size(); ++t) {
      const double u = e[t] - f.shock_rho * e[t - 1];
      innovations += u * u;
    }
  f.shock_sigma = f.shock_pairs > 1
                      ? std::sqrt(innovations / double(f.shock_pairs - 1))
                      : std::nan("");
  // The common factor: the variance of the cross-region mean innovation.
  double common = 0.0;
  const std::size_t years = n_regions ? residual[0].size() : 0;
  for (std::size_t t = 1; t < years; ++t) {
    double mean = 0.0;
    for (const auto& e : residual) mean += e[t] - f.shock_rho * e[t - 1];
    mean /= double(n_regions);
    common += mean * mean;
  }
  f.shock_sigma_common =
      years > 2 ? std::min(std::sqrt(common / double(years - 2)), f.shock_sigma)
                : 0.0;
}

template <class M>
class ModelProblem final : public CalibrationProblem::Impl {
 public:
  static Result<std::unique_ptr<Impl>> build(CalibrationData data,
                                             const ModelOptions& model,
                                             const SolverOptions& solver);
  const SolveSummary& solve() override;
  CalibrationResult infer(bool covariance, bool take_data) override;

 private:
  static constexpr int kShared = M::kShared;

  bool shared_free(int k) const {
    return !model_.shared[std::size_t(k)].tied &&
           model_.shared[std::size_t(k)].free;
  }
  // Estimated and strictly inside its bounds: counted in p, in the
  // covariance.
  bool shared_interior(int k) const {
    return shared_free(k) && !pinned_[std::size_t(k)];
  }
  std::vector<std::vector<double>> stocks() const {
    return knowledge_stocks(data_.rd,
                            M::knowledge_depreciation(shared_.data()));
  }
  // The functor's residuals at the current parameters.
  template <std::size_t... I>
  void evaluate(const typename M::Residual& functor, const double* region,
                double* residuals, std::index_sequence<I...>) const {
    functor(region, &shared_[I]..., residuals);
  }

  // Gaussian priors as residuals sigma_hat (theta - mean) / sd beside the
  // data residuals e, with sigma_hat from the fit without priors: the
  // posterior mode of e ~ N(0, sigma^2) and theta ~ N(mean, sd^2), sd in the
  // parameter's own units; Ceres' covariance then includes the prior rows
  // (a Laplace approximation). Returns whether any prior was added.
  bool add_priors();
  // sigma2 (J'J)^-1 over the free blocks (each region's block, then the
  // shared scalars `shared_free`, indices into shared_, at `shared_at` in
  // the full parameter vector) written into `out`, from a QR of J that
  // uses its arrow structure: each region's rows hold only its own block
  // and the shared ones. Written with Eigen so that its bits depend on the
  // data alone (Ceres' SPARSE_QR through SuiteSparse and BLAS moved in the
  // last bits with the memory layout). False when J is rank deficient.
  // A Gauss-Newton step min ||r + J dx|| at the current parameters (the
  // free blocks: each region's, the shared ones Ceres does not hold
  // constant), by a Householder QR of each region's rows (the arrow
  // structure: a region's rows hold only its block and the shared ones)
  // and of the reduced rows in the shared parameters, priors included.
  // Applied only when it stays inside the bounds and lowers the cost.
  struct QrStep {
    bool valid = false;    // computed (J of full column rank, finite)
    bool applied = false;  // kept: inside the bounds, lower cost
    double cost = 0.0;     // before the step
    double candidate_cost = 0.0;
    double step_norm = 0.0, x_norm = 0.0;
  };
  QrStep gauss_newton_step();
  // Gauss-Newton steps by QR until Ceres' own convergence tests hold
  // (SolverOptions' function or parameter tolerance); true when they did,
  // with the summary filled, false (parameters at their best point so
  // far) to let Ceres solve. Ceres' first step from a far start is the
  // same near-undamped Gauss-Newton step (initial_trust_region_radius),
  // but DENSE_SCHUR forms it from the normal equations of the Schur
  // complement: on this panel its steps at the optimum were 3.5e-13 long
  // and changed the cost by 1.25e-14 of itself, just above the
  // tolerances, so Ceres spent 6-9 rejected steps confirming a minimum it
  // had reached at the first (bench/README.md, "Calibration cold").
  bool solve_by_qr(bool first);
  // What Problem::Evaluate gives over the data blocks, then the prior
  // blocks (with the loss function or without), bit for bit: the cost,
  // and when asked the residuals and the Jacobian whose columns are every
  // region's block, then the shared parameters `shared_columns` (indices
  // into shared_, in that order; none held constant). Evaluated block by
  // block (evaluate_block), the residuals where Problem::Evaluate puts
  // them and the costs added in block order from 0, as its evaluator does
  // on one thread. Problem::Evaluate builds a program, an evaluator and a
  // Jacobian structure at every call: a fifth of the default calibration's
  // solve (bench/README.md, "Calibration cold").
  bool evaluate_blocks(const std::vector<int>& shared_columns, bool apply_loss,
                       double* cost, std::vector<double>* residuals,
                       ceres::CRSMatrix* jacobian);
  bool arrow_covariance(const std::vector<int>& shared_free,
                        const std::vector<Eigen::Index>& shared_at,
                        double sigma2, Eigen::MatrixXd& out);

  CalibrationData data_;
  ModelOptions model_;
  SolverOptions solver_;
  typename M::Config config_;
  std::vector<models::RegionSeries> series_;
  // Parameter storage: the cost functions and Ceres hold pointers into
  // these.
  std::vector<std::array<double, M::kRegional>> region_params_;
  std::array<double, kShared> shared_{};
  // The cost functions (one per region, then one per prior) and the loss,
  // owned here. The ceres::Problem borrows them and is built only when
  // Ceres is needed (problem()): the Gauss-Newton steps by QR and the
  // covariance evaluate them directly. Building it was a fifth of the
  // default calibration's cold run (bench/README.md, "Calibration cold").
  std::vector<std::unique_ptr<ceres::CostFunction>> data_costs_;
  std::vector<std::unique_ptr<ceres::CostFunction>> prior_costs_;
  std::unique_ptr<ceres::LossFunction> loss_;
  // Declared after what it borrows, so destroyed first. Its constant
  // blocks are the shared parameters that are not free (fixed or tied) or
  // are pinned (pinned_).
  std::unique_ptr<ceres::Problem> problem_;
  ceres::Problem& problem();
  // Pins shared parameter k on its bound or releases it, in pinned_ and
  // in the Problem when there is one.
  void pin(int k, bool pinned);
  // Block b's parameter blocks (a region's, then every shared scalar; or
  // a prior's one shared scalar) into `out`; returns how many.
  int block_parameters(std::size_t b, double** out);
  // Block b's cost (0.5 |r|^2, or with the loss when asked and there is
  // one), residuals and the Jacobians asked for (null for constant
  // blocks), as Problem::EvaluateResidualBlock gives them: the cost
  // function called directly, false when it fails or a value is not
  // finite, the cost in Ceres' bits (half_squared_norm.h). With a robust
  // loss applied, through the Problem.
  bool evaluate_block(std::size_t b, bool apply_loss, double* cost,
                      double* residuals, double** jacobians);
  const ceres::CostFunction& cost_function(std::size_t b) const {
    return b < data_costs_.size() ? *data_costs_[b]
                                  : *prior_costs_[b - data_costs_.size()];
  }
  SolveSummary summary_;
  // Free shared parameters held on a binding bound (see solve()).
  std::vector<bool> pinned_ = std::vector<bool>(kShared, false);
  double prior_scale_ = 0.0;  // sigma_hat of the fit without priors
  // The Problem's residual blocks, in data_costs_' then prior_costs_' order
  // (empty until problem() builds it).
  std::vector<ceres::ResidualBlockId> block_ids_;
  std::vector<int> prior_shared_;  // [prior]: the shared parameter it is on
  // The last Jacobian gauss_newton_step evaluated (over every region's
  // block and the free shared ones, data and prior rows), the parameters
  // it was taken at, and which shared parameters were free: the
  // covariance reuses it when the solve ended there.
  ceres::CRSMatrix step_jacobian_;
  std::vector<Eigen::MatrixXd> step_top_;  // gauss_newton_step's storage
  std::vector<double> step_point_;
  std::vector<int> step_shared_;
  std::vector<double> parameter_snapshot() const {
    std::vector<double> out;
    out.reserve(region_params_.size() * M::kRegional + kShared);
    for (const auto& block : region_params_)
      out.insert(out.end(), block.begin(), block.end());
    // A tied parameter is left out: apply_ties sets it after the solve,
    // and the residuals read its source, not its stored value.
    for (int k = 0; k < kShared; ++k)
      if (!model_.shared[std::size_t(k)].tied)
        out.push_back(shared_[std::size_t(k)]);
    return out;
  }
};

template <class M>
bool ModelProblem<M>::add_priors() {
  bool any = false;
  for (int k = 0; k < kShared; ++k)
    any = any || (shared_free(k) && model_.shared[std::size_t(k)].prior);
  if (!any) return false;
  double cost = 0.0;
  std::vector<double> residuals;
  evaluate_blocks({}, false, &cost, &residuals, nullptr);
  double ssr = 0.0;
  for (double e : residuals) ssr += e * e;
  long p = static_cast<long>(series_.size()) * M::kRegional;
  for (int k = 0; k < kShared; ++k) p += shared_free(k);
  const double n = double(residuals.size());
  prior_scale_ = n > double(p) ? std::sqrt(ssr / (n - double(p))) : 1.0;
  for (int k = 0; k < kShared; ++k) {
    const ParameterSetting& setting = model_.shared[std::size_t(k)];
    if (!shared_free(k) || !setting.prior) continue;
    prior_costs_.push_back(
        std::make_unique<PriorCost>(new models::GaussianPriorResidual{
            setting.prior->mean, setting.prior->sd, prior_scale_}));
    prior_shared_.push_back(k);
    if (problem_)
      block_ids_.push_back(problem_->AddResidualBlock(
          prior_costs_.back().get(), nullptr, &shared_[std::size_t(k)]));
  }
  return true;
}

template <class M>
ceres::Problem& ModelProblem<M>::problem() {
  if (problem_) return *problem_;
  ceres::Problem::Options options;
  options.cost_function_ownership = ceres::DO_NOT_TAKE_OWNERSHIP;
  options.loss_function_ownership = ceres::DO_NOT_TAKE_OWNERSHIP;
  problem_ = std::make_unique<ceres::Problem>(options);
  for (std::size_t i = 0; i < data_costs_.size(); ++i) {
    double* blocks[kShared + 1];
    const int n = block_parameters(i, blocks);
    block_ids_.push_back(
        problem_->AddResidualBlock(data_costs_[i].get(), loss_.get(),
                                   std::vector<double*>(blocks, blocks + n)));
  }
  for (int k = 0; k < kShared; ++k) {
    double* block = &shared_[std::size_t(k)];
    if (!shared_free(k)) {
      problem_->SetParameterBlockConstant(block);
      continue;
    }
    const ParameterSetting& setting = model_.shared[std::size_t(k)];
    if (setting.lower > -1e300)
      problem_->SetParameterLowerBound(block, 0, setting.lower);
    if (setting.upper < 1e300)
      problem_->SetParameterUpperBound(block, 0, setting.upper);
    if (pinned_[std::size_t(k)]) problem_->SetParameterBlockConstant(block);
  }
  for (std::size_t p = 0; p < prior_costs_.size(); ++p) {
    double* blocks[kShared + 1];
    block_parameters(data_costs_.size() + p, blocks);
    block_ids_.push_back(
        problem_->AddResidualBlock(prior_costs_[p].get(), nullptr, blocks[0]));
  }
  return *problem_;
}

template <class M>
void ModelProblem<M>::pin(int k, bool pinned) {
  pinned_[std::size_t(k)] = pinned;
  if (!problem_) return;
  double* block = &shared_[std::size_t(k)];
  if (pinned)
    problem_->SetParameterBlockConstant(block);
  else
    problem_->SetParameterBlockVariable(block);
}

template <class M>
int ModelProblem<M>::block_parameters(std::size_t b, double** out) {
  if (b >= data_costs_.size()) {
    out[0] = &shared_[std::size_t(prior_shared_[b - data_costs_.size()])];
    return 1;
  }
  out[0] = region_params_[b].data();
  for (int k = 0; k < kShared; ++k) out[k + 1] = &shared_[std::size_t(k)];
  return kShared + 1;
}

template <class M>
Result<std::unique_ptr<CalibrationProblem::Impl>> ModelProblem<M>::build(
    CalibrationData data, const ModelOptions& model,
    const SolverOptions& solver) {
  auto impl = std::make_unique<ModelProblem<M>>();
  ModelProblem<M>& m = *impl;
  m.model_ = model;
  m.solver_ = solver;
  m.config_ = M::configure(model.shared);
  m.series_ = to_series(data);
  m.data_ = std::move(data);
  for (int k = 0; k < kShared; ++k)
    m.shared_[std::size_t(k)] = model.shared[std::size_t(k)].value;
  M::apply_ties(m.config_, m.shared_.data());

  auto start_stocks = m.stocks();
  m.region_params_.reserve(m.series_.size());
  m.data_costs_.reserve(m.series_.size());
  for (std::size_t i = 0; i < m.series_.size(); ++i) {
    if (!std::isfinite(start_stocks[i][0]))
      return fail("region '" + m.data_.regions[i] +
                      "': R&D growth g plus delta_S is not positive, so the "
                      "initial knowledge stock is undefined",
                  m.data_.source, 0, "delta_S");
    std::vector<double>& ln_stock = start_stocks[i];
    for (double& v : ln_stock) v = std::log(v);
    m.region_params_.push_back(
        M::start_regional(m.series_[i], ln_stock, m.shared_.data()));
  }

  for (std::size_t i = 0; i < m.series_.size(); ++i) {
    auto* functor = M::make_residual(&m.series_, int(i), m.config_);
    m.data_costs_.push_back(
        std::make_unique<ResidualCost<M>>(functor, functor->num_residuals()));
  }
  m.loss_.reset(make_loss(solver));
  return std::unique_ptr<CalibrationProblem::Impl>(std::move(impl));
}

template <class M>
bool ModelProblem<M>::evaluate_blocks(const std::vector<int>& shared_columns,
                                      bool apply_loss, double* cost,
                                      std::vector<double>* residuals,
                                      ceres::CRSMatrix* jacobian) {
  const int regions = int(series_.size());
  const int kr = M::kRegional;
  // Each shared parameter's column, -1 when it has none.
  std::array<int, kShared> shared_column;
  shared_column.fill(-1);
  for (std::size_t j = 0; j < shared_columns.size(); ++j)
    shared_column[std::size_t(shared_columns[j])] = regions * kr + int(j);
  const int columns_total = regions * kr + int(shared_columns.size());
  const std::size_t blocks = data_costs_.size() + prior_costs_.size();
  // A block's parameters: a region's block then every shared scalar, or
  // (a prior) one shared scalar.
  struct Parameter {
    int column, width;
  };
  auto parameters_of = [&](std::size_t b, Parameter* out) {
    if (b < data_costs_.size()) {
      out[0] = {int(b) * kr, kr};
      for (int k = 0; k < kShared; ++k)
        out[k + 1] = {shared_column[std::size_t(k)], 1};
      return kShared + 1;
    }
    const int k = prior_shared_[b - data_costs_.size()];
    out[0] = {shared_column[std::size_t(k)], 1};
    return 1;
  };
  std::vector<int> first_row(blocks + 1, 0);
  for (std::size_t b = 0; b < blocks; ++b)
    first_row[b + 1] = first_row[b] + cost_function(b).num_residuals();
  const int rows = first_row[blocks];
  std::vector<double> block_residuals;  // when no residuals are asked for
  if (residuals) {
    residuals->assign(std::size_t(rows), 0.0);
  } else {
    int most = 0;
    for (std::size_t b = 0; b < blocks; ++b)
      most = std::max(most, first_row[b + 1] - first_row[b]);
    block_residuals.assign(std::size_t(most), 0.0);
  }
  if (jacobian) {
    jacobian->num_rows = rows;
    jacobian->num_cols = columns_total;
    jacobian->rows.assign(1, 0);
    jacobian->rows.reserve(std::size_t(rows) + 1);
    jacobian->cols.clear();
    jacobian->values.clear();
    // At most a region's block and every shared scalar in a row.
    const auto most = std::size_t(rows) * std::size_t(kr + kShared);
    jacobian->cols.reserve(most);
    jacobian->values.reserve(most);
  }
  Parameter parameter[kShared + 1];
  std::vector<double> block_jacobian[kShared + 1];
  double* jacobians[kShared + 1];
  double total = 0.0;
  for (std::size_t b = 0; b < blocks; ++b) {
    const int n_rows = first_row[b + 1] - first_row[b];
    const int n_parameters = parameters_of(b, parameter);
    for (int j = 0; j < n_parameters; ++j) {
      jacobians[j] = nullptr;
      if (!jacobian || parameter[j].column < 0) continue;
      block_jacobian[j].resize(std::size_t(n_rows * parameter[j].width));
      jacobians[j] = block_jacobian[j].data();
    }
    double block_cost = 0.0;
    double* r =
        residuals ? residuals->data() + first_row[b] : block_residuals.data();
    if (!evaluate_block(b, apply_loss, &block_cost, r,
                        jacobian ? jacobians : nullptr)) {
      if (jacobian) *jacobian = ceres::CRSMatrix{};
      return false;
    }
    total += block_cost;
    if (!jacobian) continue;
    // A row's entries in the block's parameter order (Ceres' are in
    // column order; the readers, put_row and arrow_rows, place each entry
    // by its column).
    for (int row = 0; row < n_rows; ++row) {
      for (int j = 0; j < n_parameters; ++j) {
        if (!jacobians[j]) continue;
        const int width = parameter[j].width;
        for (int c = 0; c < width; ++c) {
          jacobian->cols.push_back(parameter[j].column + c);
          jacobian->values.push_back(
              jacobians[j][std::size_t(row * width + c)]);
        }
      }
      jacobian->rows.push_back(int(jacobian->cols.size()));
    }
  }
  *cost = total;
  return true;
}

template <class M>
bool ModelProblem<M>::evaluate_block(std::size_t b, bool apply_loss,
                                     double* cost, double* residuals,
                                     double** jacobians) {
  // A robust loss's correction of the residuals and Jacobian is Ceres'
  // (its Corrector): through the Problem.
  if (apply_loss && loss_ && b < data_costs_.size())
    return problem().EvaluateResidualBlock(block_ids_[b], true, cost, residuals,
                                           jacobians);
  const ceres::CostFunction& f = cost_function(b);
  double* parameters[kShared + 1];
  block_parameters(b, parameters);
  if (!f.Evaluate(parameters, residuals, jacobians)) return false;
  // Ceres refuses a block whose values are not all finite.
  const int rows = f.num_residuals();
  for (int i = 0; i < rows; ++i)
    if (!std::isfinite(residuals[i])) return false;
  if (jacobians) {
    const auto& sizes = f.parameter_block_sizes();
    for (std::size_t j = 0; j < sizes.size(); ++j) {
      if (!jacobians[j]) continue;
      for (int i = 0; i < rows * sizes[j]; ++i)
        if (!std::isfinite(jacobians[j][i])) return false;
    }
  }
  *cost = half_squared_norm(residuals, rows);
  return true;
}

template <class M>
typename ModelProblem<M>::QrStep ModelProblem<M>::gauss_newton_step() {
  using Matrix = Eigen::MatrixXd;
  QrStep out;
  const int regions = int(series_.size());
  const int years = int(data_.years.size());
  const int kr = M::kRegional;
  std::vector<int> shared_index;
  for (int k = 0; k < kShared; ++k)
    if (shared_interior(k)) shared_index.push_back(k);
  const int ks = int(shared_index.size());
  const int priors = int(prior_costs_.size());
  if (years <= kr) return out;
  ceres::CRSMatrix& jacobian = step_jacobian_;
  step_point_.clear();
  std::vector<double> residuals;
  if (!evaluate_blocks(shared_index, false, &out.cost, &residuals, &jacobian) ||
      !std::isfinite(out.cost))
    return out;
  step_point_ = parameter_snapshot();
  step_shared_ = shared_index;
  const int shared_col = regions * kr;
  // Row `row` of [J r] into row `to` of `m`, region i's columns first
  // (none for i < 0), then the shared ones, then the residual.
  auto put_row = [&](int row, int i, Matrix& m, int to) {
    const int own = i < 0 ? 0 : kr;
    for (int k = jacobian.rows[std::size_t(row)];
         k < jacobian.rows[std::size_t(row) + 1]; ++k) {
      const int col = jacobian.cols[std::size_t(k)];
      const int at = col >= shared_col ? own + col - shared_col : col - i * kr;
      m(to, at) = jacobian.values[std::size_t(k)];
    }
    m(to, own + ks) = residuals[std::size_t(row)];
  };
  Matrix block(years, kr + ks + 1);
  Matrix reduced = Matrix::Zero(regions * (years - kr) + priors, ks + 1);
  // [R C z] of each region, kept between steps (the same sizes: no
  // allocation at the second step).
  std::vector<Matrix>& top = step_top_;
  top.resize(static_cast<std::size_t>(regions));
  // One factorisation's storage for every region (compute() keeps it when
  // the size is the same): allocations were a sixth of a warm step.
  Eigen::HouseholderQR<Matrix> qr(years, kr);
  Eigen::VectorXd workspace(ks + 1);
  for (int i = 0; i < regions; ++i) {
    block.setZero();
    for (int t = 0; t < years; ++t) put_row(i * years + t, i, block, t);
    // Q_i' [A_i B_i r_i]: the first kr rows are [R_i C_i z_i], the rest
    // the region's rows of the reduced problem in the shared parameters.
    qr.compute(block.leftCols(kr));
    auto right = block.rightCols(ks + 1);
    qr.householderQ().adjoint().applyThisOnTheLeft(right, workspace);
    Matrix& t = top[std::size_t(i)];
    t = Matrix::Zero(kr, kr + ks + 1);
    t.leftCols(kr) =
        qr.matrixQR().topRows(kr).template triangularView<Eigen::Upper>();
    t.rightCols(ks + 1) = block.topRightCorner(kr, ks + 1);
    for (int k = 0; k < kr; ++k)
      if (!(std::fabs(t(k, k)) > 0.0)) return out;
    reduced.middleRows(i * (years - kr), years - kr) =
        block.bottomRightCorner(years - kr, ks + 1);
  }
  for (int p = 0; p < priors; ++p)
    put_row(regions * years + p, -1, reduced, regions * (years - kr) + p);
  Eigen::VectorXd ds = Eigen::VectorXd::Zero(ks);
  if (ks > 0) {
    const Eigen::HouseholderQR<Matrix> shared_qr(reduced.leftCols(ks));
    const Matrix rs = shared_qr.matrixQR()
                          .topRows(ks)
                          .template triangularView<Eigen::Upper>();
    for (int k = 0; k < ks; ++k)
      if (!(std::fabs(rs(k, k)) > 0.0)) return out;
    const Eigen::VectorXd qw =
        (shared_qr.householderQ().adjoint() * reduced.col(ks)).head(ks);
    ds = -rs.template triangularView<Eigen::Upper>().solve(qw);
  }
  std::vector<std::array<double, M::kRegional>> regional = region_params_;
  double step2 = ds.squaredNorm(), x2 = 0.0;
  for (int i = 0; i < regions; ++i) {
    const Matrix& t = top[std::size_t(i)];
    const Eigen::VectorXd rhs = t.col(kr + ks) + t.middleCols(kr, ks) * ds;
    const Eigen::VectorXd da =
        -t.leftCols(kr).template triangularView<Eigen::Upper>().solve(rhs);
    for (int k = 0; k < kr; ++k) {
      x2 += regional[std::size_t(i)][std::size_t(k)] *
            regional[std::size_t(i)][std::size_t(k)];
      regional[std::size_t(i)][std::size_t(k)] += da[k];
    }
    step2 += da.squaredNorm();
  }
  std::array<double, kShared> shared_values = shared_;
  bool inside = std::isfinite(step2);
  for (int j = 0; j < ks; ++j) {
    const int k = shared_index[std::size_t(j)];
    double& value = shared_values[std::size_t(k)];
    x2 += value * value;
    value += ds[j];
    const ParameterSetting& setting = model_.shared[std::size_t(k)];
    inside = inside && value >= setting.lower && value <= setting.upper;
  }
  out.valid = true;
  out.step_norm = std::sqrt(step2);
  out.x_norm = std::sqrt(x2);
  if (!inside) return out;
  // Swapped value by value: Ceres holds pointers into both arrays.
  auto exchange = [&] {
    std::swap_ranges(regional.begin(), regional.end(), region_params_.begin());
    std::swap(shared_values, shared_);
  };
  exchange();
  out.candidate_cost = std::numeric_limits<double>::infinity();
  evaluate_blocks(shared_index, false, &out.candidate_cost, nullptr, nullptr);
  out.applied = out.candidate_cost < out.cost;
  if (!out.applied) exchange();
  return out;
}

template <class M>
bool ModelProblem<M>::solve_by_qr(bool first) {
  // Its steps count as iterations: the limit must allow both.
  if (solver_.loss != LossKind::none || solver_.max_iterations < 2)
    return false;
  double start_cost = 0.0;
  int steps = 0, evaluations = 0;
  bool converged = false;
  QrStep last;
  // Two steps settle a model that is linear in its free parameters (the
  // second only confirms). Otherwise the parameters go back to where they
  // were, so that Ceres solves a nonlinear model exactly as without this.
  const auto saved_regions = region_params_;
  const auto saved_shared = shared_;
  auto give_up = [&] {
    std::copy(saved_regions.begin(), saved_regions.end(),
              region_params_.begin());
    shared_ = saved_shared;
    return false;
  };
  for (; steps < 2 && !converged; ++steps) {
    last = gauss_newton_step();
    if (!last.valid) return give_up();
    evaluations += 1 + (last.candidate_cost != 0.0);
    const double change = std::fabs(last.cost - last.candidate_cost);
    converged = change <= solver_.function_tolerance * last.cost ||
                last.step_norm <= (last.x_norm + solver_.parameter_tolerance) *
                                      solver_.parameter_tolerance;
    if (steps == 0) start_cost = last.cost;
    if (!last.applied && !converged) return give_up();
  }
  if (!converged) return give_up();
  if (first) {
    summary_ = SolveSummary{};
    summary_.initial_cost = start_cost;
  }
  const double final_cost = last.applied ? last.candidate_cost : last.cost;
  const double change = std::fabs(last.cost - last.candidate_cost);
  char text[640];
  std::snprintf(
      text, sizeof text,
      "Gauss-Newton by Householder QR of the region blocks: Iterations: %d, "
      "Initial cost: %e, Final cost: %e, Termination: CONVERGENCE",
      steps, start_cost, final_cost);
  summary_.brief_report = text;
  std::snprintf(
      text, sizeof text,
      "Gauss-Newton steps by a Householder QR of each region's rows and of "
      "the reduced rows in the shared parameters (no damping, no robust "
      "loss): %d steps, cost %.17g -> %.17g; the last step changed the cost "
      "by %.3e (function tolerance %.1e relative) and was %.3e long "
      "(parameter tolerance %.1e relative to %.3e). Ceres was not needed.\n",
      steps, start_cost, final_cost, change, solver_.function_tolerance,
      last.step_norm, solver_.parameter_tolerance, last.x_norm);
  summary_.full_report = text;
  summary_.termination = "CONVERGENCE";
  summary_.message =
      "Gauss-Newton step below the function or parameter "
      "tolerance";
  summary_.converged = true;
  summary_.iterations += steps;
  summary_.residual_evaluations += evaluations;
  summary_.jacobian_evaluations += steps;
  summary_.final_cost = final_cost;
  return true;
}

template <class M>
const SolveSummary& ModelProblem<M>::solve() {
  auto run = [&](bool first) {
    if (is_cancelled(solver_.cancel)) return;
    // solve_by_qr leaves the parameters where they were when it does not
    // converge, so Ceres starts (and reports its initial cost) as before.
    if (solver_.gauss_newton_by_qr && solve_by_qr(first)) return;
    ceres::Solver::Options options = ceres_options(solver_);
    CancelCallback cancel(solver_.cancel);
    if (solver_.cancel) options.callbacks.push_back(&cancel);
    ceres::Solver::Summary summary;
    ceres::Solve(options, &problem(), &summary);
    accumulate(summary, first, summary_);
  };
  run(true);
  if (add_priors()) run(false);
  pinned_.assign(kShared, false);
  // Each pass pins or releases at least one parameter; kShared passes
  // bound the work.
  for (int pass = 0; pass < 2 * kShared && summary_.converged; ++pass) {
    bool changed = false;
    for (int k = 0; k < kShared; ++k) {
      const auto& setting = model_.shared[std::size_t(k)];
      double& value = shared_[std::size_t(k)];
      if (!shared_free(k) || pinned_[std::size_t(k)]) continue;
      const BoundSide side = side_at(value, setting);
      if (side == BoundSide::none) continue;
      value = side == BoundSide::lower ? setting.lower : setting.upper;
      pin(k, true);
      changed = true;
    }
    if (!changed) break;
    run(false);
    // Release a pinned parameter whose cost gradient points into the box.
    bool released = false;
    for (int k = 0; k < kShared; ++k) {
      if (!pinned_[std::size_t(k)]) continue;
      double& value = shared_[std::size_t(k)];
      // The gradient in k alone: k variable for this one evaluation.
      ceres::Problem& p = problem();
      p.SetParameterBlockVariable(&value);
      ceres::Problem::EvaluateOptions evaluate_options;
      evaluate_options.parameter_blocks = {&value};
      double cost = 0.0;
      std::vector<double> gradient;
      p.Evaluate(evaluate_options, &cost, nullptr, &gradient, nullptr);
      const bool at_lower = value == model_.shared[std::size_t(k)].lower;
      const bool inward = at_lower ? gradient[0] < 0.0 : gradient[0] > 0.0;
      if (inward) {
        pin(k, false);
        released = true;
      } else {
        p.SetParameterBlockConstant(&value);
      }
    }
    if (released) run(false);
  }
  M::apply_ties(config_, shared_.data());
  return summary_;
}

template <class M>
bool ModelProblem<M>::arrow_covariance(
    const std::vector<int>& shared_free,
    const std::vector<Eigen::Index>& shared_at, double sigma2,
    Eigen::MatrixXd& out) {
  using Matrix = Eigen::MatrixXd;
  const int regions = int(series_.size());
  const int kr = M::kRegional, ks = int(shared_at.size());
  // The solve's last Jacobian when it was taken here, over the same
  // columns (the same bits as evaluating it again).
  ceres::CRSMatrix evaluated;
  const bool reuse = !step_point_.empty() && shared_free == step_shared_ &&
                     step_point_ == parameter_snapshot();
  if (!reuse) {
    // With the loss function, as Problem::Evaluate's default options.
    double cost = 0.0;
    if (!evaluate_blocks(shared_free, true, &cost, nullptr, &evaluated))
      return false;
  }
  const ceres::CRSMatrix& jacobian = reuse ? step_jacobian_ : evaluated;
  const int years = int(data_.years.size());
  const int shared_col = regions * kr;
  // Rows [first, first + count) of J restricted to region i's columns (none
  // when i < 0) followed by the free shared ones: the only columns those
  // rows have, read from the sparse rows without a dense row of all N.
  auto arrow_rows = [&](int first, int count, int i, Matrix& to) {
    const int own = i < 0 ? 0 : kr;
    to = Matrix::Zero(count, own + ks);
    for (int row = first; row < first + count; ++row)
      for (int k = jacobian.rows[std::size_t(row)];
           k < jacobian.rows[std::size_t(row) + 1]; ++k) {
        const int col = jacobian.cols[std::size_t(k)];
        const int at =
            col >= shared_col ? own + col - shared_col : col - i * kr;
        to(row - first, at) = jacobian.values[std::size_t(k)];
      }
  };
  // Eliminate each region's block by a QR of its rows [A_i B_i]: the top
  // rows give R_i and C_i, the rest a reduced system in the shared ones.
  // g stacks G_i = R_i^-1 C_i over the regions (regions kr x ks), d the
  // diagonal blocks R_i^-1 R_i^-T (kr x kr each, side by side).
  Matrix g(regions * kr, ks), d(kr, regions * kr);
  Matrix reduced(regions * ks, ks);
  double scale = 0.0;
  // Storage for every region (each the same size region after region).
  Matrix block, top, full(kr + ks, kr + ks), ri, r_inv;
  Eigen::HouseholderQR<Matrix> qr(years, kr + ks);
  for (int i = 0; i < regions; ++i) {
    arrow_rows(i * years, years, i, block);
    qr.compute(block);
    top = qr.matrixQR()
              .topRows(std::min(years, kr + ks))
              .template triangularView<Eigen::Upper>();
    full.setZero();
    full.topRows(top.rows()) = top;
    ri = full.topLeftCorner(kr, kr);
    scale = std::max(scale, ri.cwiseAbs().maxCoeff());
    for (int k = 0; k < kr; ++k)
      if (!(std::fabs(ri(k, k)) > 1e-12 * scale)) return false;
    upper_inverse(ri, r_inv);
    g.middleRows(i * kr, kr) = r_inv * full.topRightCorner(kr, ks);
    d.middleCols(i * kr, kr) = r_inv * r_inv.transpose();
    reduced.middleRows(i * ks, ks) = full.bottomRightCorner(ks, ks);
  }
  if (!prior_costs_.empty()) {
    Matrix prior_rows;
    arrow_rows(regions * years, int(prior_costs_.size()), -1, prior_rows);
    reduced.conservativeResize(reduced.rows() + prior_rows.rows(),
                               Eigen::NoChange);
    reduced.bottomRows(prior_rows.rows()) = prior_rows;
  }
  Matrix cov_ss = Matrix::Zero(ks, ks);
  if (ks > 0) {
    qr.compute(reduced);
    if (reduced.rows() < ks) return false;
    const Matrix rs =
        qr.matrixQR().topRows(ks).template triangularView<Eigen::Upper>();
    const double s_scale = std::max(rs.cwiseAbs().maxCoeff(), scale);
    for (int k = 0; k < ks; ++k)
      if (!(std::fabs(rs(k, k)) > 1e-12 * s_scale)) return false;
    Matrix rs_inv;
    upper_inverse(rs, rs_inv);
    cov_ss = rs_inv * rs_inv.transpose();
  }
  // sigma^2 (J'J)^-1 by blocks, written into `out` (the full parameter
  // vector's matrix: regional parameters first, in the same order, then
  // the shared ones at shared_at): shared S^-1; cross -G_i S^-1; regional
  // R_i^-1 R_i^-T + G_i S^-1 G_j' (the first term only on the diagonal).
  // The regional part, N^2 entries, is a rank-ks update written column by
  // column, its sum over s always in the same order (so the same bits for
  // any thread count and layout); no N x N temporary.
  // G S^-1 (regions kr x ks), summed over s by fused multiply-adds in
  // order. Eigen's blocked product gave the same bits on every
  // calibration compared (both models, 31 and 3,100 regions, delta_S
  // free), but its first call in a process queries the cache sizes by
  // cpuid leaf 4, a VM exit each: about 0.1 ms of a cold 31-region
  // calibration (bench/README.md, "Calibration cold").
  Matrix g_cov(g.rows(), ks);
  for (int a = 0; a < ks; ++a)
    for (Eigen::Index r = 0; r < g.rows(); ++r) {
      double v = 0.0;
      for (int s = 0; s < ks; ++s) v = std::fma(g(r, s), cov_ss(s, a), v);
      g_cov(r, a) = v;
    }
  const Eigen::Index n = Eigen::Index(regions) * kr;
  for (int a = 0; a < ks; ++a)
    for (int b = 0; b < ks; ++b)
      out(shared_at[std::size_t(a)], shared_at[std::size_t(b)]) =
          sigma2 * cov_ss(a, b);
  for (int a = 0; a < ks; ++a) {
    const Eigen::Index at = shared_at[std::size_t(a)];
    for (Eigen::Index r = 0; r < n; ++r) {
      out(r, at) = sigma2 * -g_cov(r, a);
      out(at, r) = sigma2 * -g_cov(r, a);
    }
  }
  for (Eigen::Index c = 0; c < n; ++c) {
    double* column = out.col(c).data();
    for (Eigen::Index r = 0; r < n; ++r) column[r] = 0.0;
    for (int s = 0; s < ks; ++s) {
      const double gs = g(c, s);
      const double* gc = g_cov.col(s).data();
      for (Eigen::Index r = 0; r < n; ++r) column[r] += gc[r] * gs;
    }
    const Eigen::Index first = c - c % kr;
    for (int k = 0; k < kr; ++k) column[first + k] += d(k, c);
    for (Eigen::Index r = 0; r < n; ++r) column[r] *= sigma2;
  }
  return true;
}

template <class M>
CalibrationResult ModelProblem<M>::infer(bool with_covariance, bool take_data) {
  using models::ParameterStatus;
  const std::size_t n_regions = data_.regions.size();
  const std::size_t n_years = data_.years.size();
  const models::ParameterLayout layout(M::info(), int(n_regions));
  const auto n_params = static_cast<Eigen::Index>(layout.size());
  const auto shared0 = static_cast<Eigen::Index>(layout.shared_begin());

  CalibrationResult r;
  r.model = M::info().name;
  r.model_version = M::info().version;
  r.source = data_.source;
  r.regions = data_.regions;
  r.years = data_.years;
  r.model_options = model_;
  r.solver_options = solver_;
  r.solve = summary_;
  // The series are not read below (but R&D, by stocks()).
  auto give = [take_data](auto& from, auto& to) {
    if (take_data)
      to = std::move(from);
    else
      to = from;
  };
  give(data_.gdp, r.gdp);
  give(data_.capital, r.capital);
  give(data_.labour, r.labour);
  give(data_.drivers, r.drivers);
  give(data_.units, r.units);
  r.estimate.resize(n_params);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  r.lower = Eigen::VectorXd::Constant(n_params, -kInf);
  r.upper = Eigen::VectorXd::Constant(n_params, kInf);
  for (int k = 0; k < kShared; ++k) {
    const ParameterSetting& setting = model_.shared[std::size_t(k)];
    if (setting.lower > -1e300) r.lower[shared0 + k] = setting.lower;
    if (setting.upper < 1e300) r.upper[shared0 + k] = setting.upper;
  }
  r.parameter_names = layout.names(M::info(), data_.regions);
  for (std::size_t i = 0; i < n_regions; ++i)
    for (int k = 0; k < M::kRegional; ++k) {
      r.parameter_status.push_back(ParameterStatus::free);
      r.estimate[layout.regional_index(int(i), k)] =
          region_params_[i][std::size_t(k)];
    }
  for (int k = 0; k < kShared; ++k) {
    const ParameterSetting& setting = model_.shared[std::size_t(k)];
    ParameterStatus status =
        setting.free ? ParameterStatus::free : ParameterStatus::fixed;
    if (setting.tied) status = ParameterStatus::tied;
    if (pinned_[std::size_t(k)])
      status = shared_[std::size_t(k)] == setting.lower
                   ? ParameterStatus::at_lower_bound
                   : ParameterStatus::at_upper_bound;
    r.parameter_status.push_back(status);
    r.estimate[shared0 + k] = shared_[std::size_t(k)];
  }

  // Residuals and fitted values, evaluated through the same functors.
  r.knowledge = stocks();
  give(data_.rd, r.rd);
  r.fitted.assign(n_regions, std::vector<double>(n_years));
  r.residual.assign(n_regions, std::vector<double>(n_years));
  std::vector<double> e(n_years);
  for (std::size_t i = 0; i < n_regions; ++i) {
    std::unique_ptr<typename M::Residual> functor(
        M::make_residual(&series_, int(i), config_));
    evaluate(*functor, region_params_[i].data(), e.data(),
             std::make_index_sequence<kShared>{});
    for (std::size_t t = 0; t < n_years; ++t) {
      r.residual[i][t] = e[t];
      r.fitted[i][t] = series_[i].ln_gdp[t] - e[t];
    }
  }

  // A parameter held on a binding bound is not counted: the constraint, not
  // the data, determines it.
  long free_parameters = static_cast<long>(n_regions) * M::kRegional;
  for (int k = 0; k < kShared; ++k) free_parameters += shared_interior(k);
  fit_statistics(series_, r.residual, free_parameters, r.fit);
  r.fit.prior_scale = prior_scale_;
  const FitStatistics& f = r.fit;

  // Covariance sigma^2 (J'J)^-1 over the free parameter blocks (Ceres
  // evaluates J at the estimate): each region's block, then the free shared
  // parameters held inside their bounds, at their places in the full
  // parameter vector.
  std::vector<int> shared_free;
  std::vector<Eigen::Index> shared_at;
  for (int k = 0; k < kShared; ++k)
    if (shared_interior(k)) {
      shared_free.push_back(k);
      shared_at.push_back(shared0 + k);
    }

  // Left uninitialised: arrow_covariance writes every entry of the free
  // blocks' rows and columns, and the rest (the shared parameters that are
  // not free: fixed, tied, pinned) is zeroed here. Zeroing all N^2 first
  // was a second pass over 308 MB at 3,100 regions.
  r.covariance = with_covariance ? Eigen::MatrixXd(n_params, n_params)
                                 : Eigen::MatrixXd(0, 0);
  if (with_covariance) {
    r.covariance.rightCols(M::kShared).setZero();
    r.covariance.bottomRows(M::kShared).setZero();
  }
  if (!with_covariance) {
    r.covariance_message = "covariance not computed (skipped on request)";
  } else if (arrow_covariance(shared_free, shared_at, f.sigma2, r.covariance)) {
    r.covariance_ok = true;
    // A tied parameter moves with its source: tied = c - source gives
    // cov(tied, .) = -cov(source, .) and var(tied) = var(source).
    for (const auto& [tied, source, sign] : M::tie_derivatives(config_)) {
      const Eigen::Index it = shared0 + tied, is = shared0 + source;
      if (sign < 0) {
        r.covariance.row(it) = -r.covariance.row(is);
        r.covariance.col(it) = -r.covariance.col(is);
      } else {
        r.covariance.row(it) = r.covariance.row(is);
        r.covariance.col(it) = r.covariance.col(is);
      }
      r.covariance(it, it) = r.covariance(is, is);
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
  for (Eigen::Index k = 0; k < n_params; ++k) {
    const ParameterStatus s = r.parameter_status[std::size_t(k)];
    if (s == ParameterStatus::fixed || s == ParameterStatus::at_lower_bound ||
        s == ParameterStatus::at_upper_bound)
      r.std_error[k] = std::nan("");
  }
  r.t_stat = r.estimate.cwiseQuotient(r.std_error);
  return r;
}

}  // namespace

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
  Result<std::unique_ptr<Impl>> impl = fail("unknown model " + model.model);
  models::visit_model(model.model, [&]<class M>(std::type_identity<M>) {
    impl = ModelProblem<M>::build(std::move(data), model, solver);
  });
  if (!impl) return tl::unexpected(impl.error());
  return CalibrationProblem(std::move(*impl));
}

const SolveSummary& CalibrationProblem::solve() { return impl_->solve(); }

CalibrationResult CalibrationProblem::infer(bool with_covariance) & {
  return impl_->infer(with_covariance, false);
}
CalibrationResult CalibrationProblem::infer(bool with_covariance) && {
  return impl_->infer(with_covariance, true);
}

Result<CalibrationResult> calibrate(CalibrationData data,
                                    const ModelOptions& model,
                                    const SolverOptions& solver) {
  auto problem = CalibrationProblem::build(std::move(data), model, solver);
  if (!problem) return tl::unexpected(problem.error());
  const SolveSummary& summary = problem->solve();
  if (is_cancelled(solver.cancel)) return cancelled();
  if (!summary.converged && !solver.allow_no_convergence)
    return fail(
        "the calibration did not converge (" + summary.termination + ": " +
            summary.message +
            "); raise the iteration limit, change the solver options, or "
            "allow a result without convergence",
        "", 0, "convergence");
  return std::move(*problem).infer();
}

std::vector<std::vector<double>> spill_stocks(const CalibrationResult& r) {
  bool spillover = false;
  models::visit_model(r.model, [&]<class M>(std::type_identity<M>) {
    spillover = M::uses_spillover(M::configure(r.model_options.shared));
  });
  if (!spillover) return {};
  const std::size_t n = r.knowledge.size();
  std::vector<std::vector<double>> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::vector<double> w = models::spill_weights(n, i);
    out[i].assign(r.knowledge[i].size(), 0.0);
    for (std::size_t j = 0; j < n; ++j) {
      if (w[j] == 0.0) continue;
      for (std::size_t t = 0; t < out[i].size(); ++t)
        out[i][t] += w[j] * r.knowledge[j][t];
    }
  }
  return out;
}

std::string format_calibration_table(const CalibrationResult& r) {
  std::string out;
  auto line = [&](const std::string& s) { out += s + "\n"; };
  line("Calibration of " + r.model + " on " + std::to_string(r.regions.size()) +
       " regions, " + std::to_string(r.years.front()) + "-" +
       std::to_string(r.years.back()));
  // The series' units, from the panel's units sidecar.
  line("  units: Y " + r.units_of("gdp").units + "; K " +
       r.units_of("capital").units + "; L " + r.units_of("labour").units +
       "; R " + r.units_of("rd").units);
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, "  %-9s %12s %12s %9s  %s", "parameter",
                "estimate", "std.error", "t", "status");
  line(buffer);
  const models::ModelInfo& info = r.info();
  const models::ParameterLayout layout = r.layout();
  for (int k = 0; k < layout.shared; ++k) {
    const Eigen::Index i = layout.shared_index(k);
    // A fixed zero is a term switched off (phi without spillovers).
    if (r.parameter_status[std::size_t(i)] == models::ParameterStatus::fixed &&
        r.estimate[i] == 0.0)
      continue;
    std::snprintf(buffer, sizeof buffer, "  %-9s %12.6f %12s %9s  %s",
                  r.parameter_names[std::size_t(i)].c_str(), r.estimate[i],
                  std::isnan(r.std_error[i])
                      ? "-"
                      : format_double("%.6f", r.std_error[i]).c_str(),
                  std::isnan(r.t_stat[i])
                      ? "-"
                      : format_double("%.2f", r.t_stat[i]).c_str(),
                  r.status_label(int(i)).c_str());
    line(buffer);
  }
  // Where an estimate rests mainly on its prior rather than the data: the
  // posterior sd more than half the prior's.
  for (int k = 0; k < layout.shared; ++k) {
    const auto& setting = r.model_options.shared[std::size_t(k)];
    const Eigen::Index i = layout.shared_index(k);
    if (!setting.prior || r.status_label(int(i)) != "free") continue;
    const double ratio = r.std_error[i] / setting.prior->sd;
    std::snprintf(buffer, sizeof buffer,
                  "  %s: prior N(%g, %g^2); posterior sd %.0f%% of the "
                  "prior's%s",
                  r.parameter_names[std::size_t(i)].c_str(),
                  setting.prior->mean, setting.prior->sd, 100.0 * ratio,
                  ratio > 0.5 ? ": rests mainly on the prior" : "");
    line(buffer);
  }
  // The regional parameters beyond the level, as means over regions.
  for (int k = 1; k < layout.regional; ++k) {
    double mean = 0.0;
    for (int i = 0; i < layout.regions; ++i)
      mean += r.estimate[layout.regional_index(i, k)];
    mean /= double(layout.regions);
    const models::ParameterInfo& p = info.parameters[std::size_t(k)];
    std::snprintf(buffer, sizeof buffer, "  regions' %s %s_i: mean %.4f (%s)",
                  std::string(p.description).c_str(),
                  std::string(p.name).c_str(), mean,
                  std::string(p.units).c_str());
    line(buffer);
  }
  const FitStatistics& f = r.fit;
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
