#include "cli/forecast_common.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/accounting_command.h"
#include "cli/calibrate_command.h"
#include "cli/common.h"
#include "data/regions.h"
#include "store/calibration_checks.h"

namespace growthcast::cli {

Result<accounting::RdModel> decomposition_of(
    const calibrate::CalibrationResult& cal, const std::string& file,
    const std::vector<std::string>* regions, const std::vector<int>* years) {
  accounting::RdModel m;
  m.model = cal.model;
  m.settings = cal.model_options.shared;
  const models::ParameterLayout layout = cal.layout();
  for (int k = 0; k < layout.shared; ++k)
    m.shared.push_back(cal.estimate[layout.shared_index(k)]);
  const auto spill = calibrate::spill_stocks(cal);
  const auto& cy = cal.years;
  const int first = years ? years->front() : cy.front();
  const int last = years ? years->back() : cy.back();
  if (first < cy.front() || last > cy.back())
    return fail(
        "the accounting years " + std::to_string(first) + "-" +
            std::to_string(last) + " lie outside the calibration window " +
            std::to_string(cy.front()) + "-" + std::to_string(cy.back()),
        file, 0, "calibration");
  const std::vector<std::string>& names = regions ? *regions : cal.regions;
  auto cut = [&](const std::vector<double>& series) {
    return std::vector<double>(series.begin() + (first - cy.front()),
                               series.begin() + (last - cy.front() + 1));
  };
  for (const auto& region : names) {
    auto it = std::find(cal.regions.begin(), cal.regions.end(), region);
    if (it == cal.regions.end())
      return fail("region '" + region + "' is not in the calibration", file, 0,
                  "calibration");
    const auto i = std::size_t(it - cal.regions.begin());
    m.knowledge.push_back(cut(cal.knowledge[i]));
    if (!spill.empty()) m.spill.push_back(cut(spill[i]));
  }
  return m;
}

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
  // The accounting command's default labour share (PWT 10.01, China 2019;
  // data/SOURCES.md), so that both account with the same assumption.
  const double labour_share = std::stod(AccountingFlags{}.labour_share);
  in.labour_share.assign(cal.regions.size(),
                         std::vector<double>(cal.years.size(), labour_share));
  for (const auto& g : groups) {
    data::RegionGroup rg{g.name, {}};
    for (int m : g.members) rg.members.push_back(cal.regions[m]);
    in.groups.push_back(std::move(rg));
  }
  const int first = cal.years.front() + 1, last = cal.years.back();
  const int middle = first + (last - first + 1) / 2;
  in.periods = {{first, middle}, {middle + 1, last}};
  if (middle + 1 > last) in.periods = {{first, last}};
  auto model = decomposition_of(cal, cal.source);
  if (!model) return tl::unexpected(model.error());
  in.rd = std::move(*model);
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
  char line[1024];
  // The name columns as wide as their longest entry, so rows line up.
  int name_width = int(std::strlen("scenario")), unit_width = 28;
  for (const auto& run : runs) {
    name_width = std::max(name_width, int(run.name.size()));
    for (const auto& unit : run.units)
      unit_width = std::max(unit_width, int(unit.size()));
  }
  name_width = std::min(name_width, 200);
  unit_width = std::min(unit_width, 200);
  std::snprintf(line, sizeof line, "%-*s %-*s %-26s %-26s %-26s %7s %7s\n",
                name_width, "scenario", unit_width, "unit",
                "GDP 2025 median [90%]", "GDP 2030 median [90%]",
                "GDP 2035 median [90%]", "growth", "tech.%");
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
                    "%-*s %-*s %-26s %-26s %-26s %6.2f%% %6.1f%%\n", name_width,
                    run.name.c_str(), unit_width, run.units[u].c_str(),
                    cols[0].c_str(), cols[1].c_str(), cols[2].c_str(),
                    100.0 * growth, 100.0 * technology / total);
      out += line;
    }
  }
  return out;
}

Result<calibrate::CalibrationResult> load_calibration(
    const std::string& file, std::vector<std::filesystem::path>& inputs) {
  if (file.empty()) {
    CalibrateFlags defaults;
    auto result = run_calibration(defaults);
    if (result) inputs.push_back(defaults.panel.data);
    return result;
  }
  inputs.push_back(file);
  // read_calibration validates the file (store/calibration_checks.h).
  return store::read_calibration(file);
}

Status write_context(store::ResultFile& f,
                     const calibrate::CalibrationResult& cal,
                     const std::vector<montecarlo::Group>& groups) {
  auto accounting = history_accounting(cal, groups);
  if (!accounting) return tl::unexpected(accounting.error());
  if (auto s = store::write_calibration(f, cal); !s) return s;
  return store::write_accounting(f, *accounting);
}

}  // namespace growthcast::cli
