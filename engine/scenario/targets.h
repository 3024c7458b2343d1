// Policy targets of a scenario ([[targets]]): an outcome (GDP of a region or
// group in a year) and the driver that moves to reach it, as read from the
// scenario file. The solve is in engine/targets (docs/targets.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace growthcast::toml_reader {
class Node;
class Reader;
}  // namespace growthcast::toml_reader

namespace growthcast::scenario {

enum class Driver;

// One target and its instrument. The target value is fixed before the Monte
// Carlo: `level`, or ratio x GDP in `base_year` (growth: (1 + growth)^(year -
// base_year) x GDP in `base_year`), where GDP in a data year is the panel's
// and in a projection year the central path's (engine/targets/solve.h).
struct TargetSpec {
  enum class Kind { level, ratio, growth } kind = Kind::level;
  std::string gdp_of;   // a region or group the scenario reports
  int year = 0;         // the target year
  double level = 0.0;   // level: GDP in the calibration's units
  double ratio = 0.0;   // ratio: Y_year / Y_base_year
  double growth = 0.0;  // growth: average annual growth base_year..year
  int base_year = 0;    // ratio (ratio_to_year) and growth (growth_from)

  // The instrument: `driver` of each of `regions` ramps linearly from its
  // baseline in the last data year T to the unknown level L in year `by`,
  // then holds L; L in [lower, upper].
  Driver driver{};
  std::vector<std::string> regions;
  int by = 0;
  double lower = 0.0, upper = 0.0;

  long line = 0;  // the [[targets]] table's line
  // Lines of the keys given, for the checks against the data.
  long gdp_of_line = 0, year_line = 0, base_line = 0, driver_line = 0,
       by_line = 0;
  std::vector<long> region_lines;
  std::string field(const std::string& key) const;  // "targets[i].key"
  int index = 0;                                    // i
};

// Reads the `targets` value of a scenario (an array of tables); errors name
// the file, line and targets[i].key.
Result<std::vector<TargetSpec>> parse_targets(const toml_reader::Reader& in,
                                              const toml_reader::Node& n);

}  // namespace growthcast::scenario
