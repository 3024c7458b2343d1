// Outturns after the panel's last year (data/china_province_outturns.csv,
// built by data/build_outturns.py, documented in data/SOURCES.md): real GRP
// chained from the panel's last level with the NBS volume index, the index
// itself and nominal R&D. Read through the panel reader, so errors name the
// file, the line and the column like every other data file.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "backtest/scores.h"
#include "common/error.h"
#include "data/panel.h"
#include "data/regions.h"

namespace growthcast::backtest {

struct Outturns {
  std::string file;
  std::vector<std::string> regions;  // in file order
  std::vector<int> years;            // consecutive, ascending
  // [region][year - years.front()].
  std::vector<std::vector<double>> gdp_real;          // the panel's prices, > 0
  std::vector<std::vector<double>> gdp_growth_index;  // previous year = 100
  std::vector<std::vector<double>> rd_nominal;        // NaN where unpublished
  // Optional column gdp_nominal (current prices, NaN where absent): with
  // rd_nominal it gives the R&D intensity the projection's rd driver takes
  // in outturn years (docs/conditioning.md).
  std::vector<std::vector<double>> gdp_nominal;

  int region_index(const std::string& name) const;  // -1 if absent
  int year_index(int year) const;                   // -1 if absent
};

// Reads the outturns file. Requires the columns region, year, gdp_real,
// gdp_growth_index, rd_nominal; a row for every region and every year from
// the first to the last; gdp_real and gdp_growth_index present and positive;
// rd_nominal empty or positive; and gdp_real_t / gdp_real_{t-1} equal to
// gdp_growth_index_t / 100 within a relative 1e-8 (the file's 10-digit
// rounding), which catches a level that was not chained from the index.
Result<Outturns> read_outturns(const std::filesystem::path& path);

// What happened, per region: the panel's `column` (gdp_real, say) for its
// years, then the outturns' gdp_real for theirs, as one series from the
// panel's first year (NaN where the panel has no value). The outturns must
// start the year after the panel's last year and hold every panel region
// (field "region" otherwise); regions in the panel's order.
Result<std::vector<UnitSeries>> actual_series(const data::Panel& panel,
                                              const std::string& column,
                                              const Outturns& outturns);

// Group totals: per group, the sum of its members' series year by year (NaN
// where a member's value is). Every member must be in `regions`, all with
// the same first year and length.
Result<std::vector<UnitSeries>> group_series(
    const std::vector<UnitSeries>& regions,
    const std::vector<data::RegionGroup>& groups);

}  // namespace growthcast::backtest
