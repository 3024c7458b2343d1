#include "cli/forecast_command.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>

#include "accounting/accounting.h"
#include "cli/calibrate_command.h"
#include "cli/common.h"
#include "montecarlo/runner.h"
#include "scenario/scenario.h"
#include "store/result_io.h"

namespace growthcast::cli {
namespace {

using montecarlo::kVariableCount;
using montecarlo::ScenarioForecast;

// The calibration a scenario names, relative to the scenario's folder.
std::string calibration_path(const scenario::Scenario& sc) {
  if (!sc.calibration) return {};
  std::filesystem::path p(*sc.calibration);
  if (p.is_relative()) p = std::filesystem::path(sc.file).parent_path() / p;
  return p.string();
}

std::vector<montecarlo::Group> default_groups(
    const calibrate::CalibrationResult& cal) {
  std::vector<montecarlo::Group> out;
  const auto file = shipped_data_dir() / "regions.csv";
  auto table = data::read_regions(file);
  if (!table) return out;
  for (const auto& g : table->groups(cal.regions)) {
    montecarlo::Group group{g.name, {}};
    for (const auto& m : g.members)
      group.members.push_back(
          int(std::find(cal.regions.begin(), cal.regions.end(), m) -
              cal.regions.begin()));
    out.push_back(std::move(group));
  }
  return out;
}

// Historical accounting with the calibrated R&D model over the calibration
// window, split into two periods.
Result<accounting::AccountingResult> history_accounting(
    const calibrate::CalibrationResult& cal,
    const std::vector<montecarlo::Group>& groups) {
  accounting::AccountingInput in;
  in.source = cal.source;
  in.regions = cal.regions;
  in.years = cal.years;
  in.output = cal.gdp;
  in.capital = cal.capital;
  in.labour = cal.labour;
  // PWT 10.01's labour share for China in 2019 (data/SOURCES.md).
  in.labour_share.assign(cal.regions.size(),
                         std::vector<double>(cal.years.size(), 0.586));
  for (const auto& g : groups) {
    data::RegionGroup rg{g.name, {}};
    for (int m : g.members) rg.members.push_back(cal.regions[m]);
    in.groups.push_back(std::move(rg));
  }
  const int first = cal.years.front() + 1, last = cal.years.back();
  const int middle = first + (last - first + 1) / 2;
  in.periods = {{first, middle}, {middle + 1, last}};
  if (middle + 1 > last) in.periods = {{first, last}};
  in.rd = accounting::RdModel{cal.shared(models::Shared::alpha),
                              cal.shared(models::Shared::beta),
                              cal.shared(models::Shared::gamma), cal.knowledge};
  return accounting::account(in);
}

store::ForecastHistory history_of(
    const calibrate::CalibrationResult& cal,
    const std::vector<montecarlo::Group>& groups) {
  store::ForecastHistory h;
  h.years = cal.years;
  h.units = cal.regions;
  h.gdp = cal.gdp;
  for (const auto& g : groups) {
    std::vector<double> sum(cal.years.size(), 0.0);
    for (int m : g.members)
      for (std::size_t t = 0; t < sum.size(); ++t) sum[t] += cal.gdp[m][t];
    h.units.push_back(g.name);
    h.gdp.push_back(sum);
  }
  return h;
}

std::string format_summary(const std::vector<ScenarioForecast>& runs) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-38s %-28s %-26s %-26s %-26s %7s %7s\n",
                "scenario", "unit", "GDP 2025 median [90%]",
                "GDP 2030 median [90%]", "GDP 2035 median [90%]", "growth",
                "tech.%");
  out +=
      "Forecast (GDP in the calibration's units; growth = mean annual "
      "GDP growth; tech.% = TFP + knowledge share of growth)\n";
  out += line;
  const std::size_t q05 = 0, q50 = 3, q95 = 6;
  for (const auto& run : runs) {
    bool any_group = false;
    for (bool g : run.is_group) any_group = any_group || g;
    for (std::size_t u = 0; u < run.units.size(); ++u) {
      if (any_group && !run.is_group[u]) continue;
      std::string cols[3];
      const int show[3] = {2025, 2030, 2035};
      for (int c = 0; c < 3; ++c) {
        const auto it = std::find(run.years.begin(), run.years.end(), show[c]);
        if (it == run.years.end()) {
          cols[c] = "-";
          continue;
        }
        const int h = int(it - run.years.begin());
        const std::size_t cell =
            std::size_t(run.cell(montecarlo::kGdp, int(u), h));
        const double* q =
            run.quantiles.data() + cell * montecarlo::kQuantileLevels.size();
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.0f [%.0f-%.0f]", q[q50], q[q05],
                      q[q95]);
        cols[c] = buf;
      }
      double growth = 0.0, technology = 0.0, total = 0.0;
      for (std::size_t h = 0; h < run.years.size(); ++h) {
        auto mean = [&](int var) {
          return run.mean[std::size_t(run.cell(var, int(u), int(h)))];
        };
        growth += mean(montecarlo::kGdpGrowth);
        technology += mean(montecarlo::kContributionTfp) +
                      mean(montecarlo::kContributionKnowledge);
        total += mean(montecarlo::kContributionTfp) +
                 mean(montecarlo::kContributionKnowledge) +
                 mean(montecarlo::kContributionCapital) +
                 mean(montecarlo::kContributionLabour);
      }
      growth /= double(run.years.size());
      std::snprintf(line, sizeof line,
                    "%-38s %-28s %-26s %-26s %-26s %6.2f%% %6.1f%%\n",
                    run.name.c_str(), run.units[u].c_str(), cols[0].c_str(),
                    cols[1].c_str(), cols[2].c_str(), 100.0 * growth,
                    100.0 * technology / total);
      out += line;
    }
  }
  return out;
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
  cmd->add_option("--seed", flags.seed, "Random seed (overrides the files)");
  cmd->add_option("--threads", flags.threads,
                  "OpenMP threads (default: all cores)");
  cmd->add_flag("--paths", flags.paths, "Also store every draw's path");
  cmd->add_option("--memory", flags.memory_mib,
                  "MiB per scenario for exact quantiles; above it a certified "
                  "streaming estimator is used")
      ->capture_default_str();
}

int forecast_main(ForecastFlags& flags, const std::string& command_line) {
  if (auto s = check_output_path(flags.out); !s) return report(s.error());
  if (flags.draws < 0 || flags.draws > 1000000000LL)
    return report(usage_error("must be between 1 and 10^9", "--draws").value());
  if (flags.threads < 0)
    return report(usage_error("must be positive", "--threads").value());

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
  calibrate::CalibrationResult cal;
  if (calibration_file.empty()) {
    CalibrateFlags defaults;
    auto result = run_calibration(defaults);
    if (!result) return report(result.error());
    cal = std::move(*result);
    provenance.input_files.push_back(defaults.panel.data);
  } else {
    auto result = store::read_calibration(calibration_file);
    if (!result) return report(result.error());
    cal = std::move(*result);
    provenance.input_files.push_back(calibration_file);
  }

  const auto groups = default_groups(cal);
  const bool show_progress = ::isatty(2) != 0;
  std::vector<ScenarioForecast> runs;
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
    const std::uint64_t seed =
        flags.seed >= 0 ? std::uint64_t(flags.seed) : sc.seed;
    auto run = montecarlo::run_scenario(*setup, sc, k, draws, seed, options);
    if (show_progress) std::fprintf(stderr, "\r%60s\r", "");
    if (!run) return report(run.error());
    runs.push_back(std::move(*run));
  }
  if (flags.seed >= 0)
    provenance.seed = flags.seed;
  else if (scenarios.size() == 1)
    provenance.seed = std::int64_t(scenarios[0].seed);

  auto accounting = history_accounting(cal, groups);
  if (!accounting) return report(accounting.error());
  std::cout << format_summary(runs);
  auto written = write_result(flags.out, provenance, [&](store::ResultFile& f) {
    if (auto s = store::write_calibration(f, cal); !s) return s;
    if (auto s = store::write_accounting(f, *accounting); !s) return s;
    return store::write_forecast(f, runs, history_of(cal, groups));
  });
  if (!written) return report(written.error());
  std::cout << "Wrote " << flags.out << "\n";
  return 0;
}

}  // namespace growthcast::cli
