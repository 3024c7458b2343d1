// What the forecast, sweep and merge commands share with the Python module
// (engine/pipeline/forecast_context.h), under the command line's names.
#pragma once

#include "pipeline/forecast_context.h"

namespace growthcast::cli {

using pipeline::calibration_path;
using pipeline::contribution_variable;
using pipeline::decomposition_of;
using pipeline::default_groups;
using pipeline::format_summary;
using pipeline::history_accounting;
using pipeline::history_of;
using pipeline::load_calibration;
using pipeline::outturns_path;
using pipeline::read_observed_gdp;
using pipeline::record_regions_file;
using pipeline::regions_file_of;
using pipeline::write_context;

}  // namespace growthcast::cli
