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

namespace growthcast::cli {

struct BacktestFlags {
  CalibrateFlags calibration;  // panel, columns, solver; --model is unused
  std::string origins = "2012:2019";
  int horizon = 5;
  std::vector<std::string> models = {"cobb_douglas_rd", "tfp_convergence"};
  int window = 10;
  std::int64_t draws = 2000;
  std::uint64_t seed = 1;
  std::string outturns;  // default: the shipped outturns
  std::string out;       // optional HDF5 file
  bool quiet = false;    // no progress on stderr
};

void add_backtest_command(CLI::App& app, BacktestFlags& flags);
int backtest_main(BacktestFlags& flags, const std::string& command_line);

}  // namespace growthcast::cli
