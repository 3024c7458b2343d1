// What the report shows, read from a forecast result file through the store
// library's ResultReader (only engine/store touches HDF5). /forecast is
// required; /calibration and /accounting are shown when present.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace growthcast::report {

// Name and value pairs, in display order (values as text).
using Fields = std::vector<std::pair<std::string, std::string>>;

struct ForecastData {
  std::vector<std::string> scenarios;  // e.g. "chengdu_chongqing/rd_push"
  std::vector<std::string> units;      // regions and groups
  std::vector<bool> is_group;          // [unit]
  std::vector<int> years;              // projection years
  std::vector<double> quantile_levels;
  std::vector<double> gdp_quantiles;  // [scenario, unit, year, quantile]
  // Means over the draws, [scenario, unit, year].
  std::vector<double> gdp_growth_mean;
  // The forecast variables the file lists (groups under /forecast with
  // quantiles), and the means of each, by name.
  std::vector<std::string> variables;
  std::map<std::string, std::vector<double>> means;
  // The mean of `variable` in a cell, or NaN when the file lacks it.
  double mean(const std::string& variable, std::size_t c) const {
    const auto it = means.find(variable);
    return it == means.end() ? std::numeric_limits<double>::quiet_NaN()
                             : it->second[c];
  }
  // Observed GDP over the calibration window, [unit, history year]; empty
  // when the file has none.
  std::vector<int> history_years;
  std::vector<double> history_gdp;
  // Policy targets (/forecast/targets, docs/targets.md), when the file has
  // them: each one's scenario and unit, year, GDP to reach, whether the
  // central path reaches it and the share of draws that do.
  struct Target {
    std::size_t scenario = 0, unit = 0;
    int year = 0;
    double value = 0.0, probability = 0.0;
    bool reachable = true;
  };
  std::vector<Target> targets;
  // Per scenario (empty strings / NaN when not recorded).
  std::vector<double> draws;
  std::vector<double> seeds;
  // The random stream version of the draws (1 where the file, written
  // before stream version 2, records none).
  std::vector<std::int64_t> random_streams;
  std::vector<std::string> quantile_methods;
  std::vector<std::string> files;
  // Conditioning (docs/conditioning.md): the outturn years, and the
  // scenario's pins as (unit, year, "level" | "growth", value).
  struct PinMark {
    std::string unit;
    int year = 0;
    bool growth = false;
    double value = 0.0;
  };
  std::vector<std::vector<int>> outturn_years;
  std::vector<std::vector<PinMark>> pins;
  // From each scenario's stored TOML text: its description (the title the
  // report shows; empty when the file has none) and its groups' regions.
  std::vector<std::string> descriptions;
  std::map<std::string, std::vector<std::string>> group_regions;
  // Units of GDP and of its growth, from the datasets' `units` attributes
  // (GDP's "unknown" when the file does not say).
  std::string gdp_units, growth_units;
  // Annual GDP growth quantiles, [scenario, unit, year, quantile]; empty
  // when the file has no /forecast/gdp_growth/quantiles.
  std::vector<double> growth_quantiles;
  // A sweep's axes (store::read_forecast's), one value per scenario; empty
  // for a plain forecast.
  struct SweepAxis {
    std::string key;
    bool numeric = true;
    std::vector<double> numbers;
    std::vector<std::string> labels;
  };
  std::vector<SweepAxis> sweep_axes;

  // The scenario's title: its description, else its name.
  const std::string& title(std::size_t s) const {
    return descriptions[s].empty() ? scenarios[s] : descriptions[s];
  }
  // Growth quantile at level index q; NaN without growth quantiles.
  double growth(std::size_t s, std::size_t u, std::size_t y,
                std::size_t q) const {
    if (growth_quantiles.empty())
      return std::numeric_limits<double>::quiet_NaN();
    return growth_quantiles[cell(s, u, y) * quantile_levels.size() + q];
  }

  std::size_t cell(std::size_t s, std::size_t u, std::size_t y) const {
    return (s * units.size() + u) * years.size() + y;
  }
  // GDP quantile at level index q; NaN where the scenario omits the unit.
  double gdp(std::size_t s, std::size_t u, std::size_t y, std::size_t q) const {
    return gdp_quantiles[cell(s, u, y) * quantile_levels.size() + q];
  }
  // Index of a quantile level, or quantile_levels.size() if absent.
  std::size_t level(double q) const;
  // Whether scenario s reports unit u (a finite median in some year).
  bool reports(std::size_t s, std::size_t u) const;
  // Observed GDP of unit u in history year index t (NaN without history).
  double history(std::size_t u, std::size_t t) const;
};

struct CalibrationData {
  bool present = false;
  std::string model;          // the `model` attribute; empty if absent
  std::string model_version;  // empty if not recorded
  std::vector<std::string> parameters;
  std::vector<double> estimate, std_error, t_stat;
  std::vector<std::string> status;  // per parameter; empty if not recorded
  Fields fit;                       // fit statistics and solver outcome
};

struct AccountingData {
  bool present = false;
  std::vector<std::string> regions;  // regions then groups
  std::vector<bool> is_group;
  std::vector<std::string> periods;
  std::vector<std::string> factors;  // output, capital, labour, knowledge, tfp
  std::vector<double> contribution_rd;      // [region, period, factor]
  std::vector<double> technology_share_rd;  // [region, period]
  // Its definition: the dataset's `definition` attribute, else the one
  // models::technology_share_definition gives the file's model.
  std::string technology_share_definition;
};

struct ReportData {
  std::string file;  // as given
  ForecastData forecast;
  CalibrationData calibration;
  AccountingData accounting;
  Fields provenance;        // root attributes
  std::string input_files;  // root attribute, one file a line
};

// Fails with a message naming the file when it is missing, not HDF5, not a
// growthcast result, has no /forecast, or its datasets are inconsistent.
Result<ReportData> load_report_data(const std::filesystem::path& path);

}  // namespace growthcast::report
