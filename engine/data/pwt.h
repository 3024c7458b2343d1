// Facts from the Penn World Table (PWT 10.01, shipped as data/pwt1001.csv;
// data/SOURCES.md) that models take as data: the frontier's growth and a
// country's labour share.
#pragma once

#include <filesystem>
#include <string>

#include "common/error.h"

namespace growthcast::data {

struct PwtFacts {
  int year = 0;
  // Mean log growth of US real GDP per capita (rgdpna / pop) over the 20
  // years to `year`.
  double frontier_growth = 0.0;
  // The labour share (labsh) of the country in `year`.
  double labour_share = 0.0;
};

// Reads `path` (the PWT CSV) for `country` (ISO code, e.g. "CHN") and the
// United States at `year`; a year after PWT's last is taken at its last.
Result<PwtFacts> pwt_facts(const std::filesystem::path& path, int year,
                           const std::string& country = "CHN");

}  // namespace growthcast::data
