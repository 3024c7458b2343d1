// `growthcast bench solvers`: the NIST StRD problems and the calibration
// under many solver configurations, timed and scored, written to HDF5
// (and optionally JSON).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli/common.h"
#include "solverbench/config.h"

namespace growthcast::cli {

struct BenchFlags {
  std::string problems = "nist,calibration";
  std::string configs = "default";
  solverbench::BenchOptions options;
  std::string nist_dir;  // default: the shipped data/nist
  std::string json;
  std::string out;
  bool details = false;
  bool quiet = false;  // no progress on stderr
};

void add_bench_command(CLI::App& app, BenchFlags& flags);

int bench_main(BenchFlags& flags, const std::string& command_line);

}  // namespace growthcast::cli
