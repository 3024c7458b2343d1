#include "cli/forecast_command.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>

#include "accounting/accounting.h"
#include "cli/calibrate_command.h"
#include "cli/common.h"
#include "cli/forecast_common.h"
#include "montecarlo/runner.h"
#include "scenario/scenario.h"
#include "store/result_io.h"

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
  cmd->add_option("--threads", flags.threads,
                  "OpenMP threads (default: all cores)")
      ->check(threads_validator());
  cmd->add_flag("--paths", flags.paths, "Also store every draw's path");
  cmd->add_option("--memory", flags.memory_mib,
                  "MiB per scenario for exact quantiles; above it a certified "
                  "streaming estimator is used")
      ->capture_default_str()
      ->check(memory_validator());
}

int forecast_main(ForecastFlags& flags, const std::string& command_line) {
  {
    std::vector<std::string> inputs = flags.scenarios;
    inputs.push_back(flags.calibration);
    if (auto s = check_output_path(flags.out, inputs); !s)
      return report(s.error());
  }
  if (flags.draws != -1 && (flags.draws < 1 || flags.draws > 1000000000LL))
    return report(usage_error("must be between 1 and 10^9", "--draws").value());
  std::optional<std::uint64_t> seed_flag;
  if (!flags.seed.empty()) {
    auto parsed = parse_seed(flags.seed);
    if (!parsed) return report(parsed.error());
    seed_flag = *parsed;
  }

  std::vector<scenario::Scenario> scenarios;
  for (const auto& file : flags.scenarios) {
    auto sc = scenario::read_scenario(file);
    if (!sc) return report(sc.error());
    scenarios.push_back(std::move(*sc));
  }
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
  // (it used to fail only when writing, after all the work).
  for (const auto& sc : scenarios)
    if (auto s =
            scenario::check_against_data(sc, cal.regions, cal.years.back());
        !s)
      return report(s.error());
  for (std::size_t a = 0; a < scenarios.size(); ++a)
    for (std::size_t b = 0; b < a; ++b)
      if (scenarios[a].name == scenarios[b].name)
        return report(
            fail("two scenarios are named '" + shorten(scenarios[a].name) +
                     "' (also in '" + shorten(scenarios[b].file, 200) +
                     "'); names must be unique within one result",
                 scenarios[a].file, scenarios[a].line_of("name"), "name")
                .value());

  const auto groups = default_groups(cal);
  const bool show_progress = ::isatty(2) != 0;
  std::vector<montecarlo::ScenarioForecast> runs;
  for (std::size_t k = 0; k < scenarios.size(); ++k) {
    const auto& sc = scenarios[k];
    auto setup = montecarlo::make_setup(cal, sc, groups);
    if (!setup) return report(setup.error());
    montecarlo::RunOptions options;
    options.threads = flags.threads;
    options.keep_paths = flags.paths;
    options.exact_memory_bytes = std::size_t(flags.memory_mib * 1048576.0);
    if (show_progress)
      options.progress = [&](double fraction) {
        std::fprintf(stderr, "\r%-40s %3d%%", sc.name.c_str(),
                     int(100 * fraction));
      };
    const std::int64_t draws = flags.draws > 0 ? flags.draws : sc.draws;
    const std::uint64_t seed = seed_flag ? *seed_flag : sc.seed;
    auto run = montecarlo::run_scenario(*setup, sc, k, draws, seed, options);
    if (show_progress) std::fprintf(stderr, "\r%60s\r", "");
    if (!run) return report(run.error());
    runs.push_back(std::move(*run));
  }
  if (seed_flag)
    provenance.seed = *seed_flag;
  else if (scenarios.size() == 1)
    provenance.seed = scenarios[0].seed;

  std::cout << format_summary(runs, &cal.info(), cal.units_of("gdp").units);
  auto written = write_result(flags.out, provenance, [&](store::ResultFile& f) {
    if (auto s = write_context(f, cal, groups); !s) return s;
    return store::write_forecast(f, runs, history_of(cal, groups));
  });
  if (!written) return report(written.error());
  std::cout << "Wrote " << flags.out << "\n";
  return 0;
}

}  // namespace growthcast::cli
