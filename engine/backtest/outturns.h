// Outturns after the panel's last year (data/china_province_outturns.csv,
// built by data/build_outturns.py, documented in data/SOURCES.md): real GRP
// chained from the panel's last level with the NBS volume index, the index
// itself and nominal R&D. Read through the panel reader, so errors name the
// file, the line and the column like every other data file.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/error.h"

namespace growthcast::backtest {

struct Outturns {
  std::string file;
  std::vector<std::string> regions;  // in file order
  std::vector<int> years;            // consecutive, ascending
  // [region][year - years.front()].
  std::vector<std::vector<double>> gdp_real;          // the panel's prices, > 0
  std::vector<std::vector<double>> gdp_growth_index;  // previous year = 100
  std::vector<std::vector<double>> rd_nominal;        // NaN where unpublished

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

}  // namespace growthcast::backtest
