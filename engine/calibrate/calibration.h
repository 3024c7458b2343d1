// Fitting a registered model (models/registry.h) to a panel with Ceres, and
// the inference around the fit (docs/architecture.md, "Calibration"). Only
// this stage touches Ceres.
#pragma once

#include <Eigen/Dense>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "calibrate/options.h"
#include "common/error.h"
#include "data/panel.h"
#include "models/registry.h"

namespace growthcast::calibrate {

// The observations a calibration uses: [region][year - first_year] levels.
struct CalibrationData {
  std::string source;  // file the data came from
  std::vector<std::string> regions;
  std::vector<int> years;  // t0..T, consecutive
  std::vector<std::vector<double>> gdp, capital, labour, rd;
  // Observed driver ratios a projection holds by default (model pages):
  // "investment_rate" = investment / GDP and "rd_intensity" = R&D / GDP,
  // both nominal. Present only when the panel has the nominal columns.
  std::map<std::string, std::vector<std::vector<double>>> drivers;
  // Units of the series by role ("gdp", "capital", "labour", "rd"), from
  // the panel's units sidecar (data/column_units.h); absent: unknown.
  std::map<std::string, data::ColumnUnits> units;
};

// Which panel columns hold Y, K, L and R, and (optional) the nominal series
// the driver ratios come from.
struct ModelColumns {
  std::string gdp = "gdp_real";
  std::string capital = "capital";
  std::string labour = "labour";
  std::string rd = "rd_real";
  std::string gdp_nominal = "gdp_nominal";
  std::string investment_nominal = "investment_nominal";
  std::string rd_nominal = "rd_nominal";
};

Result<CalibrationData> calibration_data(const data::PanelWindow& window,
                                         const ModelColumns& columns);

// What Ceres reported, as plain fields (also written as HDF5 attributes).
struct SolveSummary {
  std::string brief_report;
  std::string full_report;
  std::string termination;  // ceres::TerminationTypeToString
  std::string message;
  bool converged = false;
  int iterations = 0;
  int residual_evaluations = 0;
  int jacobian_evaluations = 0;
  double initial_cost = 0.0;
  double final_cost = 0.0;
  double preprocessor_seconds = 0.0;
  double minimizer_seconds = 0.0;
  double total_seconds = 0.0;
};

struct FitStatistics {
  long observations = 0;        // n = regions x years
  long free_parameters = 0;     // p
  double ssr = 0.0;             // sum of squared data residuals
  double sigma2 = 0.0;          // SSR / (n - p)
  double r_squared = 0.0;       // 1 - SSR / SST of ln Y (pooled)
  double rmse = 0.0;            // sqrt(SSR / n)
  double log_likelihood = 0.0;  // Gaussian, at sigma^2 = SSR / n
  double aic = 0.0;
  double bic = 0.0;
  double shock_rho = 0.0;  // pooled AR(1) of the residuals
  double shock_sigma = 0.0;
  long shock_pairs = 0;
  // sigma_hat that scales the prior rows (0: no priors).
  double prior_scale = 0.0;
  // The common part of the level shocks: the standard deviation of the
  // cross-region mean of the AR(1) innovations (at most shock_sigma).
  double shock_sigma_common = 0.0;
  // Trend shocks (docs/backtest.md): zeta_c, zeta_p by the method of
  // moments on second differences of ln Y over the whole history to the
  // window's last year, with growth-shock persistence trend_persistence.
  double trend_sigma_common = 0.0;
  double trend_sigma_regional = 0.0;
  double trend_persistence = 0.8;
};

struct CalibrationResult {
  std::string model = models::kDefaultModel;
  std::string model_version = "1";
  std::string source;
  std::vector<std::string> regions;
  std::vector<int> years;
  // Parameter vector in the model's layout (models::ParameterLayout): each
  // region's regional parameters, then the shared ones.
  std::vector<std::string> parameter_names;
  std::vector<models::ParameterStatus> parameter_status;
  Eigen::VectorXd estimate, std_error, t_stat;
  Eigen::VectorXd lower, upper;  // bounds (+-infinity where none)
  Eigen::MatrixXd covariance;    // over all parameters; zero rows if not free
  bool covariance_ok = false;
  std::string covariance_message;
  // [region][year]: inputs and the fit.
  std::vector<std::vector<double>> gdp, capital, labour, rd;
  std::vector<std::vector<double>> knowledge;  // S at the estimate
  std::vector<std::vector<double>> fitted;     // ln Yhat
  std::vector<std::vector<double>> residual;   // ln Y - ln Yhat
  std::map<std::string, std::vector<std::vector<double>>> drivers;
  // Units of gdp, capital, labour and rd (as CalibrationData::units).
  std::map<std::string, data::ColumnUnits> units;
  FitStatistics fit;
  // c_h, h = 1..: how much wider than the model's own the bands of a
  // forecast h years ahead must be to hold what happened in a backtest
  // (`calibrate --bands`); empty when none was given.
  std::vector<double> band_scale;
  SolveSummary solve;
  ModelOptions model_options;
  SolverOptions solver_options;

  const models::ModelInfo& info() const { return model_options.info(); }
  models::ParameterLayout layout() const {
    return models::ParameterLayout(info(), int(regions.size()));
  }
  // The units of a series by role ("gdp", "capital", "labour", "rd");
  // data::kUnknownUnits when the panel had no sidecar describing it.
  data::ColumnUnits units_of(const std::string& role) const {
    const auto it = units.find(role);
    if (it != units.end()) return it->second;
    return {std::string(data::kUnknownUnits), role};
  }
  // A shared parameter's estimate and standard error by name.
  double shared(std::string_view name) const {
    return estimate[layout().shared_index(info().shared_index(name))];
  }
  double shared_std_error(std::string_view name) const {
    return std_error[layout().shared_index(info().shared_index(name))];
  }
  // The status as files and tables show it ("free", "1-alpha", ...).
  std::string status_label(int index) const {
    return models::ParameterStatusToString(parameter_status[std::size_t(index)],
                                           layout().info_of(info(), index).tie);
  }
};

// A calibration problem, built once and then solved and inferred on in
// separate steps so each can be timed (bench/).
class CalibrationProblem {
 public:
  static Result<CalibrationProblem> build(CalibrationData data,
                                          const ModelOptions& model,
                                          const SolverOptions& solver);
  CalibrationProblem(CalibrationProblem&&) noexcept;
  CalibrationProblem& operator=(CalibrationProblem&&) noexcept;
  ~CalibrationProblem();

  const SolveSummary& solve();
  // Standard errors, covariance and fit statistics at the current estimate.
  // Without `covariance` the standard errors are NaN: the dense covariance
  // of thousands of regions' parameters costs far more than the solve.
  CalibrationResult infer(bool covariance = true) &;
  // The same, last: the result takes the data series instead of copies
  // (about 190 vectors for 31 regions; calibrate() ends this way).
  CalibrationResult infer(bool covariance = true) &&;

 public:
  // One implementation per registered model (calibration.cc).
  struct Impl;

 private:
  explicit CalibrationProblem(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// build + solve + infer. Fails when the solver did not converge unless the
// options allow it.
Result<CalibrationResult> calibrate(CalibrationData data,
                                    const ModelOptions& model,
                                    const SolverOptions& solver);

// The knowledge stock S of each region at a given delta_S (levels).
std::vector<std::vector<double>> knowledge_stocks(
    const std::vector<std::vector<double>>& rd, double delta_s);

// The spillover stocks Sspill_i,t = sum_j w_ij S_j,t of a calibration whose
// model uses spillovers (models/common/production.h's weights), else empty.
std::vector<std::vector<double>> spill_stocks(const CalibrationResult& r);

// Table of the shared parameters and the fit statistics, for the terminal.
std::string format_calibration_table(const CalibrationResult& result);

}  // namespace growthcast::calibrate
