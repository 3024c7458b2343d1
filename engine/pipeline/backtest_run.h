// The rolling-origin backtest (docs/backtest.md), for the command line and
// the Python module: for each origin the model is calibrated on data up to
// that year only, projected with the baseline drivers, and its GDP median
// and bands are scored against the panel's later years and the published
// outturns, beside a naive 5-year trend and a random walk with drift.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backtest/band_calibration.h"
#include "backtest/scores.h"
#include "common/cancel.h"
#include "pipeline/calibration_run.h"
#include "store/result_file.h"

namespace growthcast::pipeline {

// The unit holding every region's total.
inline constexpr const char* kNational = "China (31 provinces)";

struct BacktestRequest {
  CalibrationRequest calibration;     // panel, columns, solver; model unused
  std::string origins = "2012:2019";  // FIRST:LAST
  int horizon = 5;
  std::vector<std::string> models = {"cobb_douglas_rd", "tfp_convergence"};
  int window = 10;
  std::int64_t draws = 2000;
  std::uint64_t seed = 1;
  // The random stream's version, 1, 2 or 3 (absent: the default;
  // docs/architecture.md, "Determinism").
  std::optional<int> random_stream;
  std::string outturns;  // default: the shipped outturns
  // Called once per forecast made, from the thread that made it (so it
  // must be thread-safe): progress for long runs. Optional.
  std::function<void()> forecast_done;
};

struct BacktestResult {
  int horizon = 0;
  int random_stream = 0;  // the version the forecasts drew from
  std::vector<backtest::ForecastPoint> points;  // models, then benchmarks
  std::vector<backtest::ModelScores> scores;    // regions pooled + national
  std::map<std::string, backtest::BandCalibration> bands;  // per model
};

// The request's own values (origins, horizon, window, draws, models),
// checked before any work; errors name the command line's flags.
Status check_backtest(const BacktestRequest& request);

// The forecasts run_backtest makes: each origin per model, twice for a
// model whose bands are calibrated (unscaled, then scaled). 0 when the
// origins or a model are invalid (check_backtest says which).
std::int64_t backtest_forecasts(const BacktestRequest& request);

// Runs the backtest; fills the request's defaults (panel, outturns). When
// `cancel` is set the calibrations and forecasts stop and cancelled() is
// returned.
Result<BacktestResult> run_backtest(BacktestRequest& request,
                                    const CancelFlag* cancel = nullptr);

// The scores by horizon (RMSE, bias, coverage) and each model's band
// scales, as the command prints them.
std::string format_backtest(const BacktestResult& result);

// /backtest: the forecasts, the scores and the band scales.
Status write_backtest(store::ResultFile& f, const BacktestResult& result);

}  // namespace growthcast::pipeline
