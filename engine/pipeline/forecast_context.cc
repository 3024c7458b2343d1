#include "pipeline/forecast_context.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>

#include "backtest/outturns.h"
#include "data/panel.h"
#include "data/regions.h"
#include "models/registry.h"
#include "pipeline/calibration_run.h"
#include "pipeline/inputs.h"
#include "store/calibration_checks.h"

namespace growthcast::pipeline {

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

namespace {

// The regions file recorded in each calibration file load_calibration
// read, by the calibration's panel (source, regions, window):
// CalibrationResult itself has no field for it.
std::map<std::string, std::string>& recorded_regions_files() {
  static std::map<std::string, std::string> files;
  return files;
}
std::string panel_key(const calibrate::CalibrationResult& cal) {
  std::string key = cal.source + "\n" + std::to_string(cal.years.front()) +
                    "-" + std::to_string(cal.years.back());
  for (const auto& region : cal.regions) key += "\n" + region;
  return key;
}

}  // namespace

Status record_regions_file(store::ResultFile& f,
                           const std::string& regions_file) {
  if (regions_file.empty()) return ok();
  auto digest = store::sha256_file(regions_file);
  if (!digest) return tl::unexpected(digest.error());
  if (auto s =
          f.set_attribute("/calibration", "regions_file",
                          std::filesystem::absolute(regions_file).string());
      !s)
    return s;
  return f.set_attribute("/calibration", "regions_file_sha256", *digest);
}

std::filesystem::path regions_file_of(const calibrate::CalibrationResult& cal) {
  const auto it = recorded_regions_files().find(panel_key(cal));
  std::error_code ec;
  if (it != recorded_regions_files().end() &&
      std::filesystem::is_regular_file(it->second, ec))
    return it->second;
  return shipped_data_dir() / "regions.csv";
}

std::vector<montecarlo::Group> default_groups(
    const calibrate::CalibrationResult& cal) {
  std::vector<montecarlo::Group> out;
  const auto file = regions_file_of(cal);
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
  // The engine's default labour share (PWT 10.01, China 2019;
  // data/SOURCES.md), as the accounting command's.
  const double labour_share = accounting::kDefaultLabourShare;
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
  for (const char* role : {"gdp", "capital", "rd"})
    h.series_units[role] = cal.units_of(role);
  for (const auto& g : groups) {
    std::vector<double> sum(cal.years.size(), 0.0);
    for (int m : g.members)
      for (std::size_t t = 0; t < sum.size(); ++t) sum[t] += cal.gdp[m][t];
    h.units.push_back(g.name);
    h.gdp.push_back(sum);
  }
  return h;
}

int contribution_variable(const models::ContributionInfo& c) {
  const std::string name = "contribution_" + std::string(c.name);
  for (int v = 0; v < montecarlo::kVariableCount; ++v)
    if (name == montecarlo::VariableName(v)) return v;
  return -1;
}

std::string format_summary(const std::vector<ScenarioForecast>& runs,
                           const models::ModelInfo* model,
                           const std::string& gdp_units) {
  const models::ModelInfo& info =
      model ? *model : *models::find_model(models::kDefaultModel);
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
      "Forecast (GDP in " +
      (gdp_units.empty() ? std::string("the calibration's units") : gdp_units) +
      "; growth = mean annual "
      "GDP growth; tech.% = " +
      models::technology_share_definition(info.contributions) + ")\n";
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
        if (it == run.years.end() || !run.reports(montecarlo::kGdp)) {
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
      // Columns of variables the run does not report (its `outputs`)
      // show "-".
      char growth_text[32] = "-", share_text[32] = "-";
      if (run.reports(montecarlo::kGdpGrowth)) {
        double growth = 0.0;
        for (std::size_t h = 0; h < run.years.size(); ++h)
          growth += run.mean[std::size_t(
              run.cell(montecarlo::kGdpGrowth, int(u), int(h)))];
        growth /= double(run.years.size());
        std::snprintf(growth_text, sizeof growth_text, "%6.2f%%",
                      100.0 * growth);
      }
      // The model's contributions summed over the years; they add up to
      // d ln Y (TFP is the remainder), the share's denominator.
      std::vector<double> sums;
      double dlny = 0.0;
      bool all_reported = true;
      for (const auto& c : info.contributions) {
        const int var = contribution_variable(c);
        all_reported = all_reported && (var < 0 || run.reports(var));
        double sum = 0.0;
        for (std::size_t h = 0;
             h < run.years.size() && var >= 0 && run.reports(var); ++h)
          sum += run.mean[std::size_t(run.cell(var, int(u), int(h)))];
        sums.push_back(var >= 0 ? sum : std::nan(""));
        dlny += sums.back();
      }
      if (all_reported)
        std::snprintf(
            share_text, sizeof share_text, "%6.1f%%",
            100.0 * models::technology_share(sums, info.contributions, dlny));
      std::snprintf(line, sizeof line, "%-*s %-*s %-26s %-26s %-26s %7s %7s\n",
                    name_width, run.name.c_str(), unit_width,
                    run.units[u].c_str(), cols[0].c_str(), cols[1].c_str(),
                    cols[2].c_str(), growth_text, share_text);
      out += line;
    }
  }
  return out;
}

std::string outturns_path(const scenario::Scenario& sc) {
  if (!sc.outturns) return {};
  std::filesystem::path p(*sc.outturns);
  if (p.is_relative()) p = std::filesystem::path(sc.file).parent_path() / p;
  return p.string();
}

Result<montecarlo::ObservedGdp> read_observed_gdp(const std::string& file) {
  auto o = backtest::read_outturns(file);
  if (!o) return tl::unexpected(o.error());
  montecarlo::ObservedGdp gdp;
  gdp.file = file;
  gdp.regions = o->regions;
  gdp.years = o->years;
  gdp.gdp = o->gdp_real;
  // R&D intensity where both R&D and nominal GDP were published.
  gdp.rd_intensity = o->rd_nominal;
  for (std::size_t r = 0; r < gdp.rd_intensity.size(); ++r)
    for (std::size_t t = 0; t < gdp.rd_intensity[r].size(); ++t)
      gdp.rd_intensity[r][t] /= o->gdp_nominal[r][t];  // NaN stays NaN
  return gdp;
}

Result<calibrate::CalibrationResult> load_calibration(
    const std::string& file, std::vector<std::filesystem::path>& inputs,
    const CancelFlag* cancel) {
  if (file.empty()) {
    CalibrationRequest defaults;
    auto result = run_calibration(defaults, cancel);
    if (result) {
      inputs.push_back(defaults.panel.data);
      // The panel's units sidecar, which the calibration's units came from.
      const auto sidecar = data::units_sidecar_path(defaults.panel.data);
      if (std::error_code ec; std::filesystem::exists(sidecar, ec))
        inputs.push_back(sidecar);
    }
    return result;
  }
  inputs.push_back(file);
  // read_calibration validates the file (store/calibration_checks.h).
  auto result = store::read_calibration(file);
  if (!result) return result;
  // The regions file the calibrated panel came with, when recorded.
  if (auto reader = store::ResultReader::open(file))
    if (auto regions = reader->string_attribute("/calibration", "regions_file"))
      recorded_regions_files()[panel_key(*result)] = *regions;
  return result;
}

Status write_context(store::ResultFile& f,
                     const calibrate::CalibrationResult& cal,
                     const std::vector<montecarlo::Group>& groups) {
  auto accounting = history_accounting(cal, groups);
  if (!accounting) return tl::unexpected(accounting.error());
  if (auto s = store::write_calibration(f, cal); !s) return s;
  // The regions file the default groups came from, when there is one.
  std::error_code ec;
  if (const auto regions = regions_file_of(cal);
      std::filesystem::is_regular_file(regions, ec))
    if (auto s = record_regions_file(f, regions.string()); !s) return s;
  return store::write_accounting(f, *accounting);
}

}  // namespace growthcast::pipeline
