// `growthcast forecast`: run scenarios through the Monte Carlo projection
// and write /calibration, /accounting and /forecast to one HDF5 file.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace growthcast::cli {

struct ForecastFlags {
  std::vector<std::string> scenarios;
  std::string out;
  std::string calibration;  // overrides the scenarios' calibration
  // Overrides of each scenario's draws and seed, when given (checked by
  // check_run_overrides).
  std::optional<std::int64_t> draws;
  std::optional<std::string> seed;
  std::optional<int> random_stream;  // --random-stream
  int threads = 0;
  bool paths = false;
  double memory_mib = 1024;  // exact quantiles up to this much per scenario
  std::string outturns;      // overrides the scenarios' `outturns`
  std::string outputs;       // "gdp,gdp_growth": overrides their `outputs`
  bool quiet = false;        // no progress on stderr
};

void add_forecast_command(CLI::App& app, ForecastFlags& flags);
int forecast_main(ForecastFlags& flags, const std::string& command_line);

}  // namespace growthcast::cli
