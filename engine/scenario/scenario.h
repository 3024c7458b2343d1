// Scenarios: what a forecast assumes about the drivers of growth, read from
// TOML (docs/architecture.md; issue 3 schema). It reads TOML through
// toml_reader.h, as the sweep reader does.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "scenario/targets.h"

namespace growthcast::scenario {

// The projection exogenous drivers (docs/models/cobb_douglas_rd.md).
enum class Driver {
  rd_intensity,     // r: R&D spending / GDP
  investment_rate,  // s: investment / GDP
  labour_growth,    // n: annual growth of labour
  depreciation,     // delta_K
};
inline constexpr int kDriverCount = 4;
std::string DriverToString(Driver d);  // "rd_intensity", ...
bool StringToDriver(const std::string& text, Driver* d);

// Uncertainty on a path's target, drawn once per draw and region.
struct TargetUncertainty {
  enum class Dist { normal, uniform } dist = Dist::normal;
  double sd = 0.0;               // normal: target + sd * N(0, 1)
  double low = 0.0, high = 0.0;  // uniform: target + U(low, high)
};

// How a driver moves over the projection years T+1..horizon, starting from
// its baseline b (its mean over the last five data years; 0.096 for
// depreciation).
struct DriverPath {
  enum class Kind {
    hold,      // b in every year (the default)
    constant,  // `value` in every year (b when value is absent)
    ramp,      // linear from b in year T to `target` in year `by`, then held
    table,     // linear between the `table` years, from b in year T; held
               // after the last
  } kind = Kind::hold;
  std::optional<double> value;                   // constant
  std::optional<double> target;                  // ramp: absolute target
  std::optional<double> change;                  // ramp: target = b + change
  int by = 0;                                    // ramp
  std::map<int, double> table;                   // table: year -> value
  std::optional<TargetUncertainty> uncertainty;  // ramp targets only
  long line = 0;  // where it was defined, for later errors
};

struct DriverSpec {
  DriverPath all;  // for every region
  // Per-region overrides. An override's `kind` is always its effective kind
  // (the file's `path`, or `all.kind` when the override gives none); its
  // other fields replace those of `all` when set (value, target or change,
  // by != 0, a non-empty table, uncertainty). Use Scenario::path_for.
  std::map<std::string, DriverPath> regions;
};

// One pin of a conditional forecast (`[[conditions]]`,
// docs/conditioning.md): the GDP of a region or group in one projection
// year, as a level or as growth over the year before. Every draw meets it
// exactly; the shocks are drawn from their law given all pins.
struct Condition {
  std::string region;  // exactly one of region and group is set
  std::string group;   // the scenario's [groups] or the regions file's
  int year = 0;
  std::optional<double> level;   // GDP in the calibration's units, > 0
  std::optional<double> growth;  // Y_year / Y_year-1 - 1, > -1
  long line = 0;                 // where the table starts
};

// The quantities a forecast can report per unit and year, in the order of
// montecarlo::Variable (engine/montecarlo/projection.h), which names them
// from this list. A scenario's `outputs` picks among them.
inline constexpr std::array<const char*, 9> kOutputNames = {
    "gdp",
    "gdp_growth",
    "tfp",
    "capital",
    "knowledge",
    "contribution_capital",
    "contribution_labour",
    "contribution_knowledge",
    "contribution_tfp"};

// The index of an output name in kOutputNames, or -1.
int output_index(const std::string& name);

// Reads a comma-separated list of output names (the command line's
// --outputs gdp,gdp_growth) into indices in kOutputNames order; an unknown,
// empty or repeated name is an error naming `flag`.
Result<std::vector<int>> parse_output_list(const std::string& text,
                                           const std::string& flag);

struct Scenario {
  std::string file;  // path as given
  std::string text;  // the file's contents, stored with results
  std::string name;
  std::string description;
  std::optional<std::string> calibration;  // path relative to the file
  // The model the scenario was written for (a name such as
  // "cobb_douglas_rd"); only read here, compared with the calibration's
  // model where both are known.
  std::optional<std::string> model;
  int horizon = 0;
  std::int64_t draws = 1000;
  std::uint64_t seed = 1;
  // `random_stream`: the random stream's version, 1, 2 or 3 (absent: the
  // default, montecarlo/stream_version.h).
  std::optional<int> random_stream;
  std::vector<std::string> regions;  // empty = all
  // The variables summarised (`outputs`), as indices in kOutputNames,
  // ascending; empty = all. Nothing else is counted or stored.
  std::vector<int> outputs;
  // Groups summed per draw; empty = the regions file's groups.
  std::map<std::string, std::vector<std::string>> groups;
  bool parameter_uncertainty = true;
  bool shock_uncertainty = true;
  // [uncertainty] components beyond parameters and level shocks, all off
  // by default (docs/architecture.md, "Uncertainty"): level shocks with a
  // common factor (common_shocks), random-walk trend shocks with AR(1)
  // growth (trend_shocks, trend_persistence = phi in [0, 1)), and the
  // scaling of each projection year's innovations by c_h
  // (band_calibration).
  // Absent: the model's default (models::ModelInfo).
  std::optional<bool> common_shocks;
  std::optional<bool> trend_shocks;
  std::optional<double> trend_persistence;  // absent = the calibration's
  std::optional<bool> band_calibration;
  std::map<Driver, DriverSpec> drivers;  // absent = hold at baseline
  // [[targets]]: policy targets solved for an instrument (targets.h).
  std::vector<TargetSpec> targets;
  // Pins on GDP ([[conditions]]), in file order; field
  // "conditions[<index>]" names one in errors.
  std::vector<Condition> conditions;
  // Outturns to condition on (`outturns`, relative to the file, read by the
  // command line like `forecast --outturns`).
  std::optional<std::string> outturns;

  // Where keys were defined, for errors found later (e.g. an unknown region
  // once the calibration is known): key path -> line.
  std::map<std::string, long> lines;
  long line_of(const std::string& key) const;

  // The path for one region: its override merged over `all` (an override's
  // `target` or `change` replaces both of `all`'s), with the fields its kind
  // does not use cleared. Hold (the default path) for an absent driver.
  DriverPath path_for(Driver d, const std::string& region) const;
};

// Reads and checks a scenario file: unknown keys, wrong types, values out
// of range (intensities and rates in [0, 1], labour growth in [-0.5, 0.5],
// draws in [1, 10^9], `by` and table years after 1900), with an error naming
// the file, line and key.
Result<Scenario> read_scenario(const std::filesystem::path& path);
Result<Scenario> parse_scenario(const std::string& text,
                                const std::string& file);

// Checks the scenarios of one run (one result file) against each other:
// they report the same `outputs` (each variable's datasets span all
// scenarios), and a scenario with [[targets]] reports GDP (the targets'
// outcome is its median). `overridden`: the outputs came from --outputs.
Status check_outputs(const std::vector<Scenario>& scenarios, bool overridden);

// Checks that need the data: regions exist, horizon after the last data
// year, ramp `by` years after it.
Status check_against_data(const Scenario& s,
                          const std::vector<std::string>& regions,
                          int last_data_year);

}  // namespace growthcast::scenario
