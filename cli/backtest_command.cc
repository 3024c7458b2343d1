#include "cli/backtest_command.h"

#include <iostream>

#include "cli/common.h"
#include "cli/progress.h"
#include "pipeline/backtest_run.h"

namespace growthcast::cli {

void add_backtest_command(CLI::App& app, BacktestFlags& flags) {
  auto* cmd = app.add_subcommand(
      "backtest",
      "Rolling-origin backtest: calibrate each model on data up to each "
      "origin, project, and score GDP medians and bands against what "
      "happened, beside a naive trend and a random walk with drift");
  flags.calibration.add_model_flags(*cmd);
  cmd->add_option("--origins", flags.run.origins,
                  "Origins FIRST:LAST (last data year of each forecast)")
      ->capture_default_str();
  cmd->add_option("--horizon", flags.run.horizon, "Years ahead scored (1..H)")
      ->capture_default_str();
  cmd->add_option("--models", flags.run.models, "Models to score")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--window", flags.run.window,
                  "Calibration window length, cut where the data start")
      ->capture_default_str();
  cmd->add_option("--draws", flags.run.draws, "Monte Carlo draws per forecast")
      ->capture_default_str();
  cmd->add_option("--seed", flags.run.seed, "Random seed, 0 to 2^64-1")
      ->capture_default_str();
  add_random_stream_option(*cmd, flags.run.random_stream);
  add_quiet_flag(*cmd, flags.quiet);
  cmd->add_option("--outturns", flags.run.outturns,
                  "Outturns CSV after the panel's last year (default: the "
                  "shipped data/china_province_outturns.csv)");
  cmd->add_option("--out", flags.out, "Write the forecasts and scores (HDF5)");
}

int backtest_main(BacktestFlags& flags, const std::string& command_line) {
  pipeline::BacktestRequest request = flags.run;
  request.calibration = flags.calibration;
  if (auto s = pipeline::check_backtest(request); !s) return report(s.error());
  if (!flags.out.empty())
    if (auto s = check_output_path(flags.out); !s) return report(s.error());
  // Forecasts to make, each counted as it is made (from whichever thread).
  ProgressMeter progress("backtest",
                         double(pipeline::backtest_forecasts(request)),
                         "forecasts", ProgressMeter::mode_for(flags.quiet));
  request.forecast_done = [&progress] { progress.advance(); };
  auto result = pipeline::run_backtest(request);
  progress.finish();  // before the tables on stdout or the error
  if (!result) return report(result.error());
  std::cout << pipeline::format_backtest(*result);
  if (flags.out.empty()) return 0;
  store::Provenance provenance;
  provenance.command_line = command_line;
  provenance.input_files = {request.calibration.panel.data, request.outturns};
  auto written = write_result(flags.out, provenance, [&](store::ResultFile& f) {
    return pipeline::write_backtest(f, *result);
  });
  if (!written) return report(written.error());
  std::cout << "Wrote " << flags.out << "\n";
  return 0;
}

}  // namespace growthcast::cli
