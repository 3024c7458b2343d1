// `growthcast backtest`: rolling-origin out-of-sample scores of the models
// against what happened (docs/backtest.md). For each origin the model is
// calibrated on data up to that year only, projected with the baseline
// drivers, and its GDP median and bands are scored against the panel's
// later years and the published outturns, beside a naive 5-year trend and a
// random walk with drift.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/calibrate_command.h"
#include "pipeline/backtest_run.h"

namespace growthcast::cli {

struct BacktestFlags {
  pipeline::BacktestRequest run;  // origins, horizon, models, draws, ...
  CalibrateFlags calibration;     // panel, columns, solver; --model unused
  std::string out;                // optional HDF5 file
  bool quiet = false;             // no progress on stderr
};

void add_backtest_command(CLI::App& app, BacktestFlags& flags);
int backtest_main(BacktestFlags& flags, const std::string& command_line);

}  // namespace growthcast::cli
