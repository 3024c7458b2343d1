#include "cli/export_command.h"

#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli/common.h"
#include "montecarlo/projection.h"
#include "montecarlo/quantiles.h"
#include "montecarlo/runner.h"
#include "store/atomic_file.h"
#include "store/result_file.h"
#include "store/result_io.h"

namespace growthcast::cli {
namespace {

// RFC 4180: a field with a comma, quote or line break is quoted, its
// quotes doubled.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Shortest text that reads back to the same double; NaN as "NaN".
std::string number(double v) {
  if (v != v) return "NaN";
  char buf[32];
  for (int digits = 15; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

// "q05", "q50", ... for the quantile levels.
std::string quantile_name(double level) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "q%02d", int(level * 100.0 + 0.5));
  return buf;
}

}  // namespace

void add_export_command(CLI::App& app, ExportFlags& flags) {
  auto* cmd = app.add_subcommand(
      "export",
      "Write a forecast or sweep result as a tidy long table (one row per "
      "scenario, region, year, variable and statistic; the observed "
      "history included; the unit and the scenario's random stream version "
      "as columns)");
  cmd->add_option("file", flags.input, "Forecast or sweep result (HDF5)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--format", flags.format, "Output format: csv")
      ->capture_default_str()
      ->check(CLI::IsMember({"csv"}));
  cmd->add_option("--out", flags.out, "Output file (default: standard output)");
}

int export_main(ExportFlags& flags) {
  if (!flags.out.empty())
    if (auto s = check_output_path(flags.out, {flags.input}); !s)
      return report(s.error());
  auto file = store::read_forecast(flags.input);
  if (!file) return report(file.error());

  std::ostringstream out;
  // random_stream: the scenario's random stream version (the draws a seed
  // gives depend on it; docs/architecture.md, "Determinism"), on each of
  // its rows as the scenario's name is.
  out << "scenario,region,year,variable,statistic,value,unit,random_stream\n";
  const auto& levels = montecarlo::kQuantileLevels;
  // The units the file records (the calibration's panel's, via its units
  // sidecar; "unknown" without one).
  const auto& history = file->history;
  std::vector<std::string> units;
  for (int v = 0; v < montecarlo::kVariableCount; ++v)
    units.push_back(
        store::forecast_variable_units(montecarlo::VariableName(v), history)
            .units);
  const std::string history_unit = units[0];
  for (const auto& run : file->runs) {
    const std::string scenario = csv_field(run.name);
    const std::string stream = ',' + std::to_string(run.random_stream) + '\n';
    for (std::size_t u = 0; u < run.units.size(); ++u) {
      const std::string region = csv_field(run.units[u]);
      // The observed GDP before the projection, on the same year axis.
      for (std::size_t h = 0; h < history.units.size(); ++h) {
        if (history.units[h] != run.units[u]) continue;
        for (std::size_t t = 0; t < history.years.size(); ++t) {
          const double value = history.gdp[h][t];
          if (value != value) continue;  // not observed
          out << scenario << ',' << region << ',' << history.years[t]
              << ",gdp,observed," << number(value) << ','
              << csv_field(history_unit) << stream;
        }
      }
      for (int v : run.variables) {  // those the file reports
        const std::string variable = montecarlo::VariableName(v);
        const std::string unit = csv_field(units[std::size_t(v)]);
        for (std::size_t h = 0; h < run.years.size(); ++h) {
          const int cell = run.cell(v, int(u), int(h));
          const std::string prefix = scenario + ',' + region + ',' +
                                     std::to_string(run.years[h]) + ',' +
                                     variable + ',';
          for (std::size_t q = 0; q < levels.size(); ++q)
            out << prefix << quantile_name(levels[q]) << ','
                << number(run.quantiles[std::size_t(cell) * levels.size() + q])
                << ',' << unit << stream;
          out << prefix << "mean," << number(run.mean[std::size_t(cell)]) << ','
              << unit << stream;
          out << prefix << "sd," << number(run.sd[std::size_t(cell)]) << ','
              << unit << stream;
        }
      }
    }
  }
  if (flags.out.empty()) {
    std::cout << out.str();
    return std::cout.good() ? 0 : 1;
  }
  if (auto s = store::write_text_atomically(flags.out, out.str(), "--out"); !s)
    return report(s.error());
  return 0;
}

}  // namespace growthcast::cli
