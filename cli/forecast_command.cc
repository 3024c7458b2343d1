#include "cli/forecast_command.h"

#include <iostream>
#include <optional>

#include "accounting/accounting.h"
#include "cli/calibrate_command.h"
#include "cli/common.h"
#include "cli/forecast_common.h"
#include "cli/progress.h"
#include "montecarlo/runner.h"
#include "pipeline/forecast_run.h"
#include "scenario/scenario.h"
#include "store/result_io.h"
#include "targets/solve.h"
#include "targets/targets_io.h"

namespace growthcast::cli {

void add_forecast_command(CLI::App& app, ForecastFlags& flags) {
  auto* cmd = app.add_subcommand(
      "forecast",
      "Project scenarios forward by Monte Carlo (parameter, driver and shock "
      "uncertainty) and write quantiles, means and optional paths to HDF5");
  cmd->add_option("scenarios", flags.scenarios, "Scenario TOML files")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", flags.out, "Output HDF5 file")->required();
  cmd->add_option("--calibration", flags.calibration,
                  "Calibration result to project from (default: the "
                  "scenarios' `calibration`, else the shipped panel "
                  "calibrated with the defaults)");
  cmd->add_option("--draws", flags.draws,
                  "Draws per scenario (overrides the files)");
  cmd->add_option("--seed", flags.seed,
                  "Random seed, 0 to 2^64-1 (overrides the files)");
  add_random_stream_option(*cmd, flags.random_stream);
  cmd->add_option("--threads", flags.threads,
                  "OpenMP threads (default: all cores)")
      ->check(threads_validator());
  cmd->add_flag("--paths", flags.paths, "Also store every draw's path");
  cmd->add_option("--outturns", flags.outturns,
                  "Outturns CSV (region,year,gdp_real,...; e.g. "
                  "data/china_province_outturns.csv): every draw meets the "
                  "observed GDP of each reported region in the years after "
                  "the calibration (overrides the scenarios' `outturns`)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--outputs", flags.outputs,
                  "Variables to summarise, comma-separated (e.g. "
                  "gdp,gdp_growth; default: the scenarios' `outputs`, else "
                  "all); nothing else is counted or stored");
  cmd->add_option("--memory", flags.memory_mib,
                  "MiB per scenario for exact quantiles; above it a certified "
                  "streaming estimator is used")
      ->capture_default_str()
      ->check(memory_validator());
  add_quiet_flag(*cmd, flags.quiet);
}

int forecast_main(ForecastFlags& flags, const std::string& command_line) {
  {
    std::vector<std::string> inputs = flags.scenarios;
    inputs.push_back(flags.calibration);
    inputs.push_back(flags.outturns);
    if (auto s = check_output_path(flags.out, inputs); !s)
      return report(s.error());
  }
  auto overrides = check_run_overrides(flags.draws, flags.seed);
  if (!overrides) return report(overrides.error());
  const std::optional<std::uint64_t> seed_flag = overrides->seed;

  std::vector<scenario::Scenario> scenarios;
  for (const auto& file : flags.scenarios) {
    auto sc = scenario::read_scenario(file);
    if (!sc) return report(sc.error());
    if (flags.random_stream) sc->random_stream = flags.random_stream;
    scenarios.push_back(std::move(*sc));
  }
  if (!flags.outputs.empty()) {
    auto outputs = scenario::parse_output_list(flags.outputs, "--outputs");
    if (!outputs) return report(outputs.error());
    for (auto& sc : scenarios) sc.outputs = *outputs;
  }
  if (auto s = scenario::check_outputs(scenarios, !flags.outputs.empty()); !s)
    return report(s.error());
  // One calibration for the whole run.
  std::string calibration_file = flags.calibration;
  for (const auto& sc : scenarios) {
    const std::string named = calibration_path(sc);
    if (!flags.calibration.empty() || named.empty()) continue;
    if (calibration_file.empty()) calibration_file = named;
    if (std::filesystem::path(named) != std::filesystem::path(calibration_file))
      return report(fail("the scenarios name different calibrations ('" +
                             calibration_file + "' and '" + named +
                             "'); run them separately or pass --calibration",
                         sc.file, sc.line_of("calibration"), "calibration")
                        .value());
  }
  store::Provenance provenance;
  provenance.command_line = command_line;
  for (const auto& f : flags.scenarios) provenance.input_files.push_back(f);
  auto loaded = load_calibration(calibration_file, provenance.input_files);
  if (!loaded) {
    // A calibration named in a scenario: point at that line.
    for (const auto& sc : scenarios)
      if (flags.calibration.empty() && !calibration_file.empty() &&
          calibration_path(sc) == calibration_file)
        return report(fail("cannot use the calibration '" + calibration_file +
                               "': " + loaded.error().to_string(),
                           sc.file, sc.line_of("calibration"), "calibration")
                          .value());
    return report(loaded.error());
  }
  const calibrate::CalibrationResult& cal = *loaded;
  // Before any Monte Carlo work: every scenario fits the data (it used to
  // fail only when its turn came), and names are unique within one result
  // (it used to fail only when writing, after all the work); the outturns
  // are read and every setup made and checked.
  if (auto s = pipeline::check_forecast_scenarios(cal, scenarios); !s)
    return report(s.error());
  const auto groups = default_groups(cal);
  auto prepared =
      pipeline::prepare_forecast(cal, scenarios, groups, flags.outturns);
  if (!prepared) return report(prepared.error());
  for (const auto& file : prepared->outturn_inputs)
    provenance.input_files.push_back(file);

  // Scenarios done, fractions from the Monte Carlo's chunks (reported by
  // the calling thread).
  ProgressMeter progress("forecast", double(scenarios.size()), "scenarios",
                         ProgressMeter::mode_for(flags.quiet));
  montecarlo::RunOptions options;
  options.threads = flags.threads;
  options.keep_paths = flags.paths;
  options.exact_memory_bytes = std::size_t(flags.memory_mib * 1048576.0);
  auto forecast = pipeline::run_forecast(
      cal, scenarios, *prepared, overrides->draws, seed_flag, options,
      [&progress](std::size_t k, double fraction) {
        progress.set(double(k) + fraction);
      });
  progress.finish();  // an error's message starts on a line of its own
  if (!forecast) return report(forecast.error());
  const auto& runs = forecast->runs;
  const auto& solved = forecast->targets;
  if (seed_flag)
    provenance.seed = *seed_flag;
  else if (scenarios.size() == 1)
    provenance.seed = scenarios[0].seed;

  std::cout << format_summary(runs, &cal.info(), cal.units_of("gdp").units);
  for (std::size_t k = 0; k < runs.size(); ++k)
    if (!solved[k].empty())
      std::cout << targets::format_targets(runs[k].name, solved[k]);
  auto written = write_result(flags.out, provenance, [&](store::ResultFile& f) {
    if (auto s = write_context(f, cal, groups); !s) return s;
    if (auto s = store::write_forecast(f, runs, history_of(cal, groups)); !s)
      return s;
    return targets::write_targets(f, runs, solved);
  });
  if (!written) return report(written.error());
  std::cout << "Wrote " << flags.out << "\n";
  return 0;
}

}  // namespace growthcast::cli
