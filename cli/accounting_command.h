// `growthcast accounting`: Tornqvist growth accounting on any panel, and
// with --calibration the decomposition of the calibrated R&D model.
#pragma once

#include <CLI/CLI.hpp>
#include <charconv>
#include <string>

#include "accounting/accounting.h"
#include "cli/common.h"

namespace growthcast::cli {

// accounting::kDefaultLabourShare as the flag's text: "0.586".
inline std::string default_labour_share() {
  char text[32];
  const auto end =
      std::to_chars(text, text + sizeof text, accounting::kDefaultLabourShare)
          .ptr;
  return std::string(text, end);
}

struct AccountingFlags {
  PanelFlags panel;
  std::string output = "gdp_real";
  std::string capital = "capital";
  std::vector<std::string> labour = {"labour"};
  // A column name or a constant; the default is the engine's
  // (accounting::kDefaultLabourShare).
  std::string labour_share = default_labour_share();
  int from = 0;  // 0: the year before the first period
  int to = 0;    // 0: the last year of the last period
  std::string periods = "2011-2015,2016-2019";
  std::string calibration;
  std::string out;
};

void add_accounting_command(CLI::App& app, AccountingFlags& flags);
int accounting_main(AccountingFlags& flags, const std::string& command_line);

}  // namespace growthcast::cli
