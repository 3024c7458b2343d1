// The HDF5 layout of each result (DESIGN.md, "Outputs: HDF5"), mapped from
// and to the plain result structs of the stages.
#pragma once

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
};

// /forecast: scales scenario, region (the union of the scenarios' units),
// year, quantile (and draw with paths); <variable>/quantiles [scenario,
// region, year, quantile], <variable>/mean and sd [scenario, region, year],
// <variable>/paths [scenario, draw, region, year] when kept; per-scenario
// draws, seed, redraws; the scenario files' text as attributes;
// /forecast/history/gdp [region, history_year].
Status write_forecast(ResultFile& file,
                      const std::vector<montecarlo::ScenarioForecast>& runs,
                      const ForecastHistory& history);

}  // namespace growthcast::store
