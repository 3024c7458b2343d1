// The parsers as the fuzzers and the regression test drive them: each
// function runs one input reader on `data` and then what the CLI does with
// an accepted result, and returns whether the input was accepted. None may
// crash, hang or trip a sanitizer, whatever the bytes (issue 6).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace growthcast::fuzz {

// data::parse_panel (CSV tokenizer and panel checks), data::select on the
// last years of the panel, and data::parse_regions on the same text.
bool panel_csv(std::string_view data);

// scenario::parse_scenario, then path_for and check_against_data.
bool scenario_toml(std::string_view data);

// sweep::parse_sweep as if the text were a file in scenarios/sweeps/ (so a
// relative base path finds the shipped scenarios), then every point.
bool sweep_toml(std::string_view data);

// solverbench::parse_nist_problem.
bool nist(std::string_view data);

// h5_inputs.cc (issue 16): a real file growthcast wrote (tests/fuzz/h5/)
// edited through the HDF5 API as the input says, then read back:
// store::read_forecast on a shard or checkpoint point...
bool forecast_h5(std::string_view data);
// ...or store::read_calibration and store::check_calibration.
bool calibration_h5(std::string_view data);

// The fuzz targets' names, the folders of corpus/ and regressions/.
const std::vector<std::string>& target_names();
bool run_target(const std::string& name, std::string_view data);

}  // namespace growthcast::fuzz
