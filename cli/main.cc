// growthcast: calibrated regional growth forecasts. One file per command;
// this one parses the command line and dispatches.
#include <glog/logging.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <new>

#include "cli/accounting_command.h"
#include "cli/backtest_command.h"
#include "cli/bench_command.h"
#include "cli/calibrate_command.h"
#include "cli/export_command.h"
#include "cli/forecast_command.h"
#include "cli/models_command.h"
#include "cli/report_command.h"
#include "cli/sweep_command.h"
#include "common/version.h"

int main(int argc, char** argv) {
  using namespace growthcast::cli;
  // Ceres logs through glog: a failed residual evaluation (a panel value of
  // 1e300) printed two log lines before growthcast's own one-line error.
  // Only fatal messages are shown unless the user asks with glog's own
  // variable (GLOG_minloglevel=0 shows everything).
  if (std::getenv("GLOG_minloglevel") == nullptr) FLAGS_minloglevel = 3;
  CLI::App app{
      "growthcast: calibrated regional growth forecasts and scenarios"};
  app.require_subcommand(1);
  const std::string version = std::string(growthcast::version()) + " (" +
                              growthcast::git_commit() + ", " +
                              growthcast::instruction_set() + ")";
  app.set_version_flag("--version", version);
  CalibrateFlags calibrate_flags;
  AccountingFlags accounting_flags;
  BenchFlags bench_flags;
  ForecastFlags forecast_flags;
  SweepFlags sweep_flags;
  MergeFlags merge_flags;
  ReportFlags report_flags;
  ModelsFlags models_flags;
  BacktestFlags backtest_flags;
  ExportFlags export_flags;
  add_calibrate_command(app, calibrate_flags);
  add_accounting_command(app, accounting_flags);
  add_bench_command(app, bench_flags);
  add_forecast_command(app, forecast_flags);
  add_sweep_commands(app, sweep_flags, merge_flags);
  add_report_command(app, report_flags);
  add_models_command(app, models_flags);
  add_backtest_command(app, backtest_flags);
  add_export_command(app, export_flags);
  // --version after a subcommand too (growthcast forecast --version).
  std::function<void(CLI::App*)> add_version = [&](CLI::App* parent) {
    for (CLI::App* sub : parent->get_subcommands({})) {
      sub->set_version_flag("--version", version);
      add_version(sub);
    }
  };
  add_version(&app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 returns 0 for --help and --version; every real usage error is 2.
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  const std::string command_line = joined_command_line(argc, argv);
  auto dispatch = [&]() -> int {
    if (app.got_subcommand("calibrate"))
      return calibrate_main(calibrate_flags, command_line);
    if (app.got_subcommand("accounting"))
      return accounting_main(accounting_flags, command_line);
    if (app.got_subcommand("bench"))
      return bench_main(bench_flags, command_line);
    if (app.got_subcommand("forecast"))
      return forecast_main(forecast_flags, command_line);
    if (app.got_subcommand("sweep"))
      return sweep_main(sweep_flags, command_line);
    if (app.got_subcommand("merge"))
      return merge_main(merge_flags, command_line);
    if (app.got_subcommand("report"))
      return report_main(report_flags, command_line);
    if (app.got_subcommand("models")) return models_main(models_flags);
    if (app.got_subcommand("backtest"))
      return backtest_main(backtest_flags, command_line);
    if (app.got_subcommand("export")) return export_main(export_flags);
    return 2;
  };
  try {
    return dispatch();
  } catch (const std::bad_alloc&) {
    // A run larger than the machine: say so instead of aborting.
    std::cerr << "growthcast: error: out of memory; lower --draws or the "
                 "number of regions, or give quantiles more room with "
                 "streaming (a smaller --memory)\n";
    return 1;
  }
}
