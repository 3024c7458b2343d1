// The HDF5 layout of each result (docs/hdf5-layout.md), mapped from
// and to the plain result structs of the stages.
#pragma once

#include <map>
#include <optional>

#include "accounting/accounting.h"
#include "calibrate/calibration.h"
#include "store/result_file.h"

namespace growthcast::store {

// /calibration: scales parameter, region, year; estimate, std_error, t_stat,
// is_free [parameter]; covariance [parameter, parameter]; gdp, capital,
// labour, rd, knowledge, fitted, residual [region, year]; the fit statistics
// and solver summary as attributes.
Status write_calibration(ResultFile& file,
                         const calibrate::CalibrationResult& result);

// Reads back what write_calibration wrote (enough to project or account).
Result<calibrate::CalibrationResult> read_calibration(
    const std::filesystem::path& path);

// /accounting: scales region (regions then groups), year, period, factor;
// tfp_growth [region, year]; contribution [region, period, factor];
// technology_share [region, period]; with the R&D model also
// contribution_rd and technology_share_rd.
Status write_accounting(ResultFile& file,
                        const accounting::AccountingResult& result);

}  // namespace growthcast::store

namespace growthcast::montecarlo {
struct ScenarioForecast;
}

namespace growthcast::store {

// Observed history shown with a forecast (fan charts): [unit][year].
struct ForecastHistory {
  std::vector<std::string> units;
  std::vector<int> years;
  std::vector<std::vector<double>> gdp;
  // The calibration's units by role ("gdp", "capital", "rd"), which the
  // forecast's level variables are in; absent: unknown.
  std::map<std::string, data::ColumnUnits> series_units;
};

// The units and long_name a forecast variable (montecarlo::VariableName)
// is written with: the levels in the calibration's units (gdp, capital; the
// knowledge stock in R&D's), the rest dimensionless ("1", UDUNITS).
data::ColumnUnits forecast_variable_units(const std::string& variable,
                                          const ForecastHistory& history);

// /forecast: scales scenario, region (the union of the scenarios' units),
// year, quantile (and draw with paths); <variable>/quantiles [scenario,
// region, year, quantile], <variable>/mean and sd [scenario, region, year],
// <variable>/paths [scenario, draw, region, year] when kept; per-scenario
// draws, seed, redraws; the scenario files' text as attributes;
// /forecast/history/gdp [region, history_year].
//
// With a sweep, also: point_index [scenario], one coordinate dataset per
// axis named by its key (e.g. "drivers.rd_intensity.target") along the
// scenario dimension, and attributes sweep_id and sweep_points.
struct SweepAxisValues {
  std::string key;
  bool numeric = true;
  std::vector<double> numbers;      // per written scenario, when numeric
  std::vector<std::string> labels;  // per written scenario, otherwise
};
struct SweepInfo {
  std::string sweep_id;  // identifies the sweep definition and seed
  // calibration_digest() of the calibration the points were run from;
  // recorded with each shard and checkpoint point, checked on merge/resume.
  std::string calibration_sha256;
  std::int64_t total_points = 0;
  std::vector<std::int64_t> point_index;  // per written scenario
  std::vector<SweepAxisValues> axes;
};

Status write_forecast(ResultFile& file,
                      const std::vector<montecarlo::ScenarioForecast>& runs,
                      const ForecastHistory& history,
                      const SweepInfo* sweep = nullptr);

// A SHA-256 of the calibration's content (regions, years, parameters,
// estimate, covariance and the panel it was fitted to), the same whether the
// calibration was computed now or read from its file.
std::string calibration_digest(const calibrate::CalibrationResult& cal);

// The build recorded with every forecast: "<version> (<git commit>)".
std::string build_label();

// Reads back what write_forecast wrote (checkpoints, shards being merged).
// Every dataset's shape is checked against the file's own dimensions before
// it is read. write_forecast records a SHA-256 of each scenario's content
// (its values, coordinates, names, facts, history, sweep coordinates, the
// calibration digest and the build) as /forecast attributes
// scenario_K_sha256; read_forecast recomputes them and refuses a file whose
// content no longer matches, naming the scenario.
struct ForecastFile {
  std::vector<montecarlo::ScenarioForecast> runs;
  ForecastHistory history;
  std::optional<SweepInfo> sweep;
  // The build's instruction set (provenance); empty when not recorded.
  std::string instruction_set;
  // build_label() of the writer; empty when not recorded (older files).
  std::string build;
  // True when every scenario carried a content digest (all verified).
  bool digests = false;
};
Result<ForecastFile> read_forecast(const std::filesystem::path& path);

// The forecast variables a file holds, listed from the file: the groups
// under /forecast that have a `quantiles` dataset, in name order.
Result<std::vector<std::string>> forecast_variables(
    const std::filesystem::path& path);

}  // namespace growthcast::store
