// Fitting `cobb_douglas_rd` to a panel with Ceres, and the inference around
// the fit (DESIGN.md, "Inference"). Only this stage touches Ceres.
#pragma once

#include <Eigen/Dense>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "calibrate/options.h"
#include "common/error.h"
#include "data/panel.h"
#include "models/cobb_douglas_rd.h"

namespace growthcast::calibrate {

// The observations a calibration uses: [region][year - first_year] levels.
struct CalibrationData {
  std::string source;  // file the data came from
  std::vector<std::string> regions;
  std::vector<int> years;  // t0..T, consecutive
  std::vector<std::vector<double>> gdp, capital, labour, rd;
  // Observed driver ratios a projection holds by default (DESIGN.md):
  // "investment_rate" = investment / GDP and "rd_intensity" = R&D / GDP,
  // both nominal. Present only when the panel has the nominal columns.
  std::map<std::string, std::vector<std::vector<double>>> drivers;
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
};

struct CalibrationResult {
  std::string model = "cobb_douglas_rd";
  std::string source;
  std::vector<std::string> regions;
  std::vector<int> years;
  // Parameter vector: a_i, lambda_i for each region, then the shared ones.
  std::vector<std::string> parameter_names;
  std::vector<std::string> parameter_status;  // free, fixed, 1-alpha
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
  FitStatistics fit;
  SolveSummary solve;
  ModelOptions model_options;
  SolverOptions solver_options;

  double shared(models::Shared p) const {
    return estimate[static_cast<Eigen::Index>(regions.size() * 2) +
                    static_cast<int>(p)];
  }
  double shared_std_error(models::Shared p) const {
    return std_error[static_cast<Eigen::Index>(regions.size() * 2) +
                     static_cast<int>(p)];
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
  CalibrationResult infer(bool covariance = true);

 private:
  struct Impl;
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

// Table of the shared parameters and the fit statistics, for the terminal.
std::string format_calibration_table(const CalibrationResult& result);

}  // namespace growthcast::calibrate
