// What a forecast, a sweep or a merge needs beside its Monte Carlo, for the
// command line and the Python module alike: the calibration to project
// from, region groups, the historical accounting and GDP history stored
// beside a forecast, and the summary table.
#pragma once

#include <string>
#include <vector>

#include "accounting/accounting.h"
#include "calibrate/calibration.h"
#include "common/cancel.h"
#include "montecarlo/conditioning.h"
#include "montecarlo/runner.h"
#include "scenario/scenario.h"
#include "store/result_io.h"

namespace growthcast::pipeline {

// The calibrated model's decomposition of growth for the accounting, over
// the calibration's regions and years or, when given, a subset of them.
Result<accounting::RdModel> decomposition_of(
    const calibrate::CalibrationResult& cal, const std::string& file,
    const std::vector<std::string>* regions = nullptr,
    const std::vector<int>* years = nullptr);

// The calibration a scenario names, relative to the scenario's folder.
std::string calibration_path(const scenario::Scenario& sc);

// Loads `file`, or calibrates the shipped panel with the defaults when it
// is empty (stopped by `cancel`); adds what it read to `inputs`.
Result<calibrate::CalibrationResult> load_calibration(
    const std::string& file, std::vector<std::filesystem::path>& inputs,
    const CancelFlag* cancel = nullptr);

// Records the regions file of the calibrated panel (path and SHA-256) as
// /calibration attributes regions_file and regions_file_sha256; nothing
// when there is none.
Status record_regions_file(store::ResultFile& f,
                           const std::string& regions_file);

// The regions file of the calibrated panel: the one the calibration file
// load_calibration read records, when that file still exists; else the
// shipped data/regions.csv.
std::filesystem::path regions_file_of(const calibrate::CalibrationResult& cal);

// The groups of regions_file_of(cal) whose members were calibrated.
std::vector<montecarlo::Group> default_groups(
    const calibrate::CalibrationResult& cal);

// Historical accounting with the calibrated R&D model over the calibration
// window, split into two periods.
Result<accounting::AccountingResult> history_accounting(
    const calibrate::CalibrationResult& cal,
    const std::vector<montecarlo::Group>& groups);

store::ForecastHistory history_of(const calibrate::CalibrationResult& cal,
                                  const std::vector<montecarlo::Group>& groups);

// The forecast variable of a model's contribution (contribution_<name>),
// or -1 when the kernel reports none of that name.
int contribution_variable(const models::ContributionInfo& c);

// Per scenario and group (or region when it has no groups): median GDP in
// 2025, 2030 and 2035 with the 90% band, mean growth and technology's share
// (models::technology_share with `model`'s flags; the default model's when
// null).
std::string format_summary(
    const std::vector<montecarlo::ScenarioForecast>& runs,
    const models::ModelInfo* model = nullptr,
    const std::string& gdp_units = {});

// The outturns a scenario names (its `outturns` key), relative to the
// scenario's folder; empty when it names none.
std::string outturns_path(const scenario::Scenario& sc);

// An outturns file (backtest/outturns.h) as the projection's observed GDP,
// with the observed R&D intensity where R&D and nominal GDP were both
// published (docs/conditioning.md).
Result<montecarlo::ObservedGdp> read_observed_gdp(const std::string& file);

// Writes /calibration and /accounting for a forecast-like result.
Status write_context(store::ResultFile& f,
                     const calibrate::CalibrationResult& cal,
                     const std::vector<montecarlo::Group>& groups);

}  // namespace growthcast::pipeline
