// A calibration as the command line and the Python module ask for one: a
// panel file and its columns, a model with parameter settings written as
// the flags write them ("alpha=0.3", "gamma=0:1"), solver options, band
// scales from a backtest; read, selected, fitted, with the trend shocks
// estimated. Errors name the command line's flags (--fix, --model, ...).
#pragma once

#include <string>
#include <vector>

#include "calibrate/calibration.h"
#include "common/cancel.h"
#include "data/panel.h"
#include "pipeline/inputs.h"

namespace growthcast::pipeline {

struct CalibrationRequest {
  PanelSource panel;
  std::string model_name = models::kDefaultCommandLineModel;
  calibrate::ModelColumns columns;
  std::string pwt;    // default: the shipped data/pwt1001.csv
  std::string bands;  // a backtest result with band scales, or empty
  int from = 2010;
  int to = 2019;
  // NAME (free) or NAME=VALUE / NAME=A:B settings of shared parameters.
  std::vector<std::string> fix, free, bound, prior, start;
  calibrate::SolverOptions solver;
  std::string loss = "none";

  // The parameter settings as model options.
  Result<calibrate::ModelOptions> model_options() const;
};

// The panel read with the request's columns and the calibration window
// selected from it (reading, selection, data): run_calibration's first
// step, on its own for benchmarks that time the steps.
struct CalibrationInput {
  data::Panel panel;
  calibrate::CalibrationData data;
};
Result<CalibrationInput> read_calibration_input(
    const CalibrationRequest& request);

// Loads the panel, calibrates, and returns the result. Resolves the
// panel's defaults and the loss in `request`. When `cancel` is set the
// solver stops after its iteration and cancelled() is returned.
Result<calibrate::CalibrationResult> run_calibration(
    CalibrationRequest& request, const CancelFlag* cancel = nullptr);

// The band scales c_h of `model` from a backtest result (/backtest).
Result<std::vector<double>> read_band_scale(const std::string& path,
                                            const std::string& model);

// The trend shocks' zeta_c and zeta_p by the method of moments on ln GDP of
// the calibrated regions over the panel's history to the window's end.
Status estimate_trend_shocks(const data::Panel& panel,
                             const std::string& gdp_column,
                             calibrate::CalibrationResult& result);

}  // namespace growthcast::pipeline
