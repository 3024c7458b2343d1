// `growthcast calibrate`: fit a registered model to a panel and write
// /calibration to an HDF5 file.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/common.h"
#include "pipeline/calibration_run.h"

namespace growthcast::cli {

// The calibration the flags ask for, and what the command does with it.
struct CalibrateFlags : pipeline::CalibrationRequest {
  bool full_report = false;
  std::string out;

  // Adds the flags a calibration needs (used by other commands too).
  void add_model_flags(CLI::App& app);
};

void add_calibrate_command(CLI::App& app, CalibrateFlags& flags);

using pipeline::run_calibration;

int calibrate_main(CalibrateFlags& flags, const std::string& command_line);

}  // namespace growthcast::cli
