// The report stage: one self-contained HTML page (inline CSS and SVG, no
// scripts, no network) from a forecast result file — fan charts per group
// and scenario, forecast tables, the calibration and the growth accounting,
// and the file's provenance.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/error.h"

namespace growthcast::report {

// The whole page. Fails, naming the file, when it is missing, not a
// growthcast result, or has no /forecast group.
// With `backtest_file` (a `growthcast backtest --out` result), the page
// also shows the models' out-of-sample record: RMSE and bias of the median
// and band coverage against nominal, by horizon, per model and benchmark.
Result<std::string> render_report(
    const std::filesystem::path& result_file,
    const std::filesystem::path& backtest_file = {});

// Writes `text` to a temporary file beside `out` and renames it into place,
// so `out` is either untouched or complete.
Status write_file_atomically(const std::filesystem::path& out,
                             std::string_view text);

}  // namespace growthcast::report
