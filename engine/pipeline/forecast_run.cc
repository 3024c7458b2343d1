#include "pipeline/forecast_run.h"

#include <algorithm>
#include <cmath>

#include "pipeline/forecast_context.h"
#include "pipeline/inputs.h"

namespace growthcast::pipeline {
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

Status check_forecast_scenarios(
    const calibrate::CalibrationResult& cal,
    const std::vector<scenario::Scenario>& scenarios) {
  for (const auto& sc : scenarios)
    if (auto s =
            scenario::check_against_data(sc, cal.regions, cal.years.back());
        !s)
      return s;
  for (std::size_t a = 0; a < scenarios.size(); ++a)
    for (std::size_t b = 0; b < a; ++b)
      if (scenarios[a].name == scenarios[b].name)
        return fail("two scenarios are named '" + shorten(scenarios[a].name) +
                        "' (also in '" + shorten(scenarios[b].file, 200) +
                        "'); names must be unique within one result",
                    scenarios[a].file, scenarios[a].line_of("name"), "name");
  return ok();
}

Result<PreparedForecast> prepare_forecast(
    const calibrate::CalibrationResult& cal,
    const std::vector<scenario::Scenario>& scenarios,
    const std::vector<montecarlo::Group>& groups, const std::string& outturns) {
  PreparedForecast out;
  for (const auto& sc : scenarios) {
    const std::string file = outturns.empty() ? outturns_path(sc) : outturns;
    out.outturn_files.push_back(file);
    if (file.empty() || out.observed.count(file)) continue;
    auto gdp = read_observed_gdp(file);
    if (!gdp) {
      if (outturns.empty())
        return fail("cannot use the outturns '" + file +
                        "': " + gdp.error().to_string(),
                    sc.file, sc.line_of("outturns"), "outturns");
      return tl::unexpected(gdp.error());
    }
    out.observed.emplace(file, std::move(*gdp));
    out.outturn_inputs.push_back(file);
  }
  for (std::size_t k = 0; k < scenarios.size(); ++k) {
    const auto& sc = scenarios[k];
    auto setup = montecarlo::make_setup(cal, sc, groups);
    if (!setup) return tl::unexpected(setup.error());
    const std::string& file = out.outturn_files[k];
    if (!file.empty())
      if (auto s =
              montecarlo::condition_setup(*setup, sc, &out.observed.at(file));
          !s)
        return tl::unexpected(s.error());
    // Targets are checked before any work too (issue 18).
    if (!sc.targets.empty())
      if (auto s = targets::check_targets(*setup, sc); !s)
        return tl::unexpected(s.error());
    out.setups.push_back(std::move(*setup));
  }
  return out;
}

Result<ForecastRuns> run_forecast(
    const calibrate::CalibrationResult& cal,
    const std::vector<scenario::Scenario>& scenarios,
    PreparedForecast& prepared, std::optional<std::int64_t> draws,
    std::optional<std::uint64_t> seed, const montecarlo::RunOptions& options,
    const std::function<void(std::size_t, double)>& progress) {
  ForecastRuns out;
  for (std::size_t k = 0; k < scenarios.size(); ++k) {
    const auto& sc = scenarios[k];
    montecarlo::ProjectionSetup& setup = prepared.setups[k];
    // The instrument paths that meet the targets replace the scenario's; a
    // ratio's or growth's base year after the panel takes its outturn.
    targets::ObservedGdp observed_gdp = nullptr;
    if (!prepared.outturn_files[k].empty())
      observed_gdp = outturn_lookup(
          prepared.observed.at(prepared.outturn_files[k]), setup);
    auto solved = targets::solve_targets(setup, sc, cal, observed_gdp);
    if (!solved) return tl::unexpected(solved.error());
    montecarlo::RunOptions run_options = options;
    if (progress)
      run_options.progress = [&progress, k](double fraction) {
        progress(k, fraction);
      };
    const std::int64_t n = draws.value_or(sc.draws);
    const std::uint64_t s = seed.value_or(sc.seed);
    auto run = montecarlo::run_scenario(setup, sc, k, n, s, run_options);
    if (!run) return tl::unexpected(run.error());
    targets::count_reaching(setup, s, k, n, options.threads, *solved);
    out.runs.push_back(std::move(*run));
    out.targets.push_back(std::move(*solved));
    if (progress) progress(k, 1.0);
  }
  return out;
}

}  // namespace growthcast::pipeline
