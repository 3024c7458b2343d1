#include "data/panel.h"
#include "data/regions.h"
#include "fuzz/fuzz_inputs.h"

namespace growthcast::fuzz {

bool panel_csv(std::string_view data) {
  // The columns of the shipped panel (data/china_provinces.csv), as the
  // calibrate command maps them.
  data::ColumnMapping mapping;
  mapping.values = {"gdp_real", "capital", "labour"};
  mapping.optional_values = {"gdp_nominal", "investment_nominal", "rd_real"};
  const bool regions_ok = static_cast<bool>(data::parse_regions(data, "fuzz"));
  auto panel = data::parse_panel(data, "fuzz.csv", mapping);
  if (!panel) return regions_ok;
  // A window of (up to) the last three years, all regions, positive values.
  data::Selection selection;
  selection.last_year = panel->years.back();
  const std::size_t n = panel->years.size();
  selection.first_year = panel->years[n >= 3 ? n - 3 : 0];
  selection.positive = mapping.values;
  selection.required = {"rd_real"};
  auto window = data::select(*panel, selection);
  // And one region over a window reaching the largest year an int holds.
  data::Selection wide;
  wide.regions = {panel->regions.front()};
  wide.first_year = panel->years.front();
  wide.last_year = 2147483647;
  (void)data::select(*panel, wide);
  return static_cast<bool>(window);
}

}  // namespace growthcast::fuzz
