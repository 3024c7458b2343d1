// `growthcast forecast`: run scenarios through the Monte Carlo projection
// and write /calibration, /accounting and /forecast to one HDF5 file.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace growthcast::cli {

struct ForecastFlags {
  std::vector<std::string> scenarios;
  std::string out;
  std::string calibration;  // overrides the scenarios' calibration
  long long draws = -1;     // -1: as in each scenario
  std::string seed;         // empty: as in each scenario; else 0..2^64-1
  int threads = 0;
  bool paths = false;
  double memory_mib = 1024;  // exact quantiles up to this much per scenario
  std::string outturns;      // overrides the scenarios' `outturns`
};

void add_forecast_command(CLI::App& app, ForecastFlags& flags);
int forecast_main(ForecastFlags& flags, const std::string& command_line);

}  // namespace growthcast::cli
