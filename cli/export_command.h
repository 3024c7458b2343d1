// growthcast export: a forecast result as a tidy long table.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace growthcast::cli {

struct ExportFlags {
  std::string input;
  std::string format = "csv";
  std::string out;  // empty: standard output
};

void add_export_command(CLI::App& app, ExportFlags& flags);
int export_main(ExportFlags& flags);

}  // namespace growthcast::cli
