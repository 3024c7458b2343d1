// `growthcast report`: one self-contained HTML page (fan charts, forecast,
// calibration and accounting tables, provenance) from a forecast result.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace growthcast::cli {

struct ReportFlags {
  std::string result;    // the forecast result file (HDF5)
  std::string out;       // the HTML page to write
  std::string backtest;  // optional: a backtest result (HDF5)
};

void add_report_command(CLI::App& app, ReportFlags& flags);
int report_main(ReportFlags& flags, const std::string& command_line);

}  // namespace growthcast::cli
