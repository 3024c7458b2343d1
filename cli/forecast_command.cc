#include "cli/forecast_command.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>

#include "accounting/accounting.h"
#include "backtest/outturns.h"
#include "cli/calibrate_command.h"
#include "cli/common.h"
#include "cli/forecast_common.h"
#include "cli/progress.h"
#include "montecarlo/conditioning.h"
#include "montecarlo/runner.h"
#include "scenario/scenario.h"
#include "store/result_io.h"
#include "targets/solve.h"
#include "targets/targets_io.h"

namespace growthcast::cli {

namespace {

// Observed GDP of a setup's unit (a region, or a group whose members are
// all observed) in a year of the outturns, for the base year of a target's
// ratio or growth.
targets::ObservedGdp outturn_lookup(const montecarlo::ObservedGdp& o,
                                    const montecarlo::ProjectionSetup& setup) {
  return [&o, &setup](const std::string& unit,
                      int year) -> std::optional<double> {
    const auto t = std::find(o.years.begin(), o.years.end(), year);
    if (t == o.years.end()) return std::nullopt;
    const std::size_t at = std::size_t(t - o.years.begin());
    auto region_gdp = [&](const std::string& name) -> std::optional<double> {
      const auto r = std::find(o.regions.begin(), o.regions.end(), name);
      if (r == o.regions.end()) return std::nullopt;
      const double v = o.gdp[std::size_t(r - o.regions.begin())][at];
      return std::isfinite(v) ? std::optional(v) : std::nullopt;
    };
    for (const auto& g : setup.groups) {
      if (g.name != unit) continue;
      double sum = 0.0;
      for (int m : g.members) {
        const auto v = region_gdp(setup.regions[std::size_t(m)]);
        if (!v) return std::nullopt;
        sum += *v;
      }
      return sum;
    }
    return region_gdp(unit);
  };
}

}  // namespace

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

  // Outturns, each file read once and before any Monte Carlo work.
  std::map<std::string, montecarlo::ObservedGdp> observed;
  for (const auto& sc : scenarios) {
    const std::string file =
        flags.outturns.empty() ? outturns_path(sc) : flags.outturns;
    if (file.empty() || observed.count(file)) continue;
    auto gdp = read_observed_gdp(file);
    if (!gdp) {
      if (flags.outturns.empty())
        return report(fail("cannot use the outturns '" + file +
                               "': " + gdp.error().to_string(),
                           sc.file, sc.line_of("outturns"), "outturns")
                          .value());
      return report(gdp.error());
    }
    observed.emplace(file, std::move(*gdp));
    provenance.input_files.push_back(file);
  }

  const auto groups = default_groups(cal);
  std::vector<montecarlo::ProjectionSetup> setups;
  std::vector<std::string> outturn_files;
  for (const auto& sc : scenarios) {
    auto setup = montecarlo::make_setup(cal, sc, groups);
    if (!setup) return report(setup.error());
    const std::string file =
        flags.outturns.empty() ? outturns_path(sc) : flags.outturns;
    if (!file.empty())
      if (auto s = montecarlo::condition_setup(*setup, sc, &observed.at(file));
          !s)
        return report(s.error());
    // Targets are checked before any work too (issue 18).
    if (!sc.targets.empty())
      if (auto s = targets::check_targets(*setup, sc); !s)
        return report(s.error());
    setups.push_back(std::move(*setup));
    outturn_files.push_back(file);
  }
  std::vector<std::vector<targets::TargetResult>> solved;
  // Scenarios done, fractions from the Monte Carlo's chunks (reported by
  // the calling thread).
  ProgressMeter progress("forecast", double(scenarios.size()), "scenarios",
                         ProgressMeter::mode_for(flags.quiet));
  std::vector<montecarlo::ScenarioForecast> runs;
  for (std::size_t k = 0; k < scenarios.size(); ++k) {
    const auto& sc = scenarios[k];
    montecarlo::ProjectionSetup* setup = &setups[k];
    // The instrument paths that meet the targets replace the scenario's; a
    // ratio's or growth's base year after the panel takes its outturn.
    targets::ObservedGdp observed_gdp = nullptr;
    if (!outturn_files[k].empty())
      observed_gdp = outturn_lookup(observed.at(outturn_files[k]), *setup);
    auto target_results = targets::solve_targets(*setup, sc, cal, observed_gdp);
    if (!target_results) {
      progress.finish();
      return report(target_results.error());
    }
    montecarlo::RunOptions options;
    options.threads = flags.threads;
    options.keep_paths = flags.paths;
    options.exact_memory_bytes = std::size_t(flags.memory_mib * 1048576.0);
    options.progress = [&progress, k](double fraction) {
      progress.set(double(k) + fraction);
    };
    const std::int64_t draws = overrides->draws.value_or(sc.draws);
    const std::uint64_t seed = seed_flag ? *seed_flag : sc.seed;
    auto run = montecarlo::run_scenario(*setup, sc, k, draws, seed, options);
    if (!run) {
      progress.finish();  // the message starts on a line of its own
      return report(run.error());
    }
    targets::count_reaching(*setup, seed, k, draws, flags.threads,
                            *target_results);
    runs.push_back(std::move(*run));
    solved.push_back(std::move(*target_results));
    progress.set(double(k + 1));
  }
  progress.finish();
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
