// `growthcast accounting`: Tornqvist growth accounting on any panel, and
// with --calibration the decomposition of the calibrated R&D model.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/common.h"

namespace growthcast::cli {

struct AccountingFlags {
  PanelFlags panel;
  std::string output = "gdp_real";
  std::string capital = "capital";
  std::vector<std::string> labour = {"labour"};
  // A column name or a constant. The default is PWT 10.01's labour share for
  // China in 2019 (labsh = 0.586, data/SOURCES.md), a documented assumption.
  std::string labour_share = "0.586";
  int from = 0;  // 0: the year before the first period
  int to = 0;    // 0: the last year of the last period
  std::string periods = "2011-2015,2016-2019";
  std::string calibration;
  std::string out;
};

void add_accounting_command(CLI::App& app, AccountingFlags& flags);
int accounting_main(AccountingFlags& flags, const std::string& command_line);

}  // namespace growthcast::cli
