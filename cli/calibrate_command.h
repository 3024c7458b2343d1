// `growthcast calibrate`: fit a registered model to a panel and write
// /calibration to an HDF5 file.
#pragma once

#include <CLI/CLI.hpp>

#include "calibrate/calibration.h"
#include "cli/common.h"

namespace growthcast::cli {

struct CalibrateFlags {
  PanelFlags panel;
  std::string model_name = models::kDefaultCommandLineModel;
  calibrate::ModelColumns columns;
  std::string pwt;    // default: the shipped data/pwt1001.csv
  std::string bands;  // a backtest result with band scales, or empty
  int from = 2010;
  int to = 2019;
  std::vector<std::string> fix, free, bound, prior, start;
  bool variable_returns = false;
  calibrate::SolverOptions solver;
  std::string loss = "none";
  bool full_report = false;
  std::string out;

  // Adds the flags a calibration needs (used by other commands too).
  void add_model_flags(CLI::App& app);
  // Turns the parameter flags into model options.
  Result<calibrate::ModelOptions> model_options() const;
};

void add_calibrate_command(CLI::App& app, CalibrateFlags& flags);

// The band scales c_h of `model` from a backtest result (/backtest).
Result<std::vector<double>> read_band_scale(const std::string& path,
                                            const std::string& model);

// The trend shocks' zeta_c and zeta_p by the method of moments on ln GDP of
// the calibrated regions over the panel's history to the window's end.
Status estimate_trend_shocks(const data::Panel& panel,
                             const std::string& gdp_column,
                             calibrate::CalibrationResult& result);

// Loads the panel, calibrates, and returns the result (for other commands).
Result<calibrate::CalibrationResult> run_calibration(CalibrateFlags& flags);

int calibrate_main(CalibrateFlags& flags, const std::string& command_line);

}  // namespace growthcast::cli
