// /backtest: a rolling-origin backtest's forecasts and scores
// (docs/hdf5-layout.md, docs/backtest.md).
#pragma once

#include <vector>

#include "backtest/scores.h"
#include "store/result_file.h"

namespace growthcast::store {

// Scales model (the models, then the benchmarks), origin, unit (regions and
// groups), horizon; median, q05, q25, q75, q95, actual [model, origin, unit,
// horizon] (NaN where a model made no forecast or the outturn is unknown;
// benchmarks have no bands); scores rmse, bias, coverage50, coverage90, n
// [model, horizon] over the regions, and national_* over the unit named by
// `national` when the scores carry it.
Status write_backtest(ResultFile& file,
                      const std::vector<backtest::ForecastPoint>& points,
                      const std::vector<backtest::ModelScores>& scores,
                      int horizon, const std::string& national);

}  // namespace growthcast::store
