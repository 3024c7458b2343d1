#include "data/pwt.h"

#include <algorithm>
#include <cmath>

#include "data/panel.h"

namespace growthcast::data {

Result<PwtFacts> pwt_facts(const std::filesystem::path& path, int year,
                           const std::string& country) {
  ColumnMapping mapping;
  mapping.region = "countrycode";
  mapping.year = "year";
  mapping.values = {"rgdpna", "pop", "labsh"};
  auto panel = read_panel(path, mapping);
  if (!panel) return tl::unexpected(panel.error());
  const int us = panel->region_index("USA");
  const int own = panel->region_index(country);
  if (us < 0 || own < 0)
    return fail("no rows for USA or " + country, path.string(), 0,
                "countrycode");
  auto value = [&](const char* column, int region, int y) {
    const int t = panel->year_index(y);
    return t < 0 ? std::nan("")
                 : panel->column(column)
                       ->values[std::size_t(region)][std::size_t(t)];
  };
  PwtFacts facts;
  facts.year = std::min(year, panel->years.back());
  const int first = facts.year - 20;
  const double start = value("rgdpna", us, first) / value("pop", us, first);
  const double end =
      value("rgdpna", us, facts.year) / value("pop", us, facts.year);
  facts.frontier_growth = (std::log(end) - std::log(start)) / 20.0;
  facts.labour_share = value("labsh", own, facts.year);
  if (!std::isfinite(facts.frontier_growth) ||
      !(facts.labour_share > 0.0 && facts.labour_share < 1.0))
    return fail("PWT has no usable rgdpna, pop or labsh for " +
                    std::to_string(first) + "-" + std::to_string(facts.year),
                path.string(), 0, "rgdpna");
  return facts;
}

}  // namespace growthcast::data
