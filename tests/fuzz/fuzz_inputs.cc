#include "fuzz/fuzz_inputs.h"

#include <algorithm>
#include <cstdint>

#include "data/panel.h"
#include "data/regions.h"
#include "scenario/scenario.h"
#include "solverbench/nist_problem.h"
#include "sweep/sweep_file.h"

#ifndef GROWTHCAST_SOURCE_DIR
#error "GROWTHCAST_SOURCE_DIR must name the source folder"
#endif

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

bool scenario_toml(std::string_view data) {
  auto s = scenario::parse_scenario(std::string(data), "fuzz.toml");
  if (!s) return false;
  std::vector<std::string> regions = {"Sichuan", "Chongqing", "Beijing"};
  for (int d = 0; d < scenario::kDriverCount; ++d) {
    const auto driver = static_cast<scenario::Driver>(d);
    for (const auto& region : regions) (void)s->path_for(driver, region);
    if (auto it = s->drivers.find(driver); it != s->drivers.end())
      for (const auto& [region, path] : it->second.regions)
        (void)s->path_for(driver, region);
  }
  (void)scenario::check_against_data(*s, regions, 2022);
  return true;
}

bool sweep_toml(std::string_view data) {
  const std::string dir = GROWTHCAST_SOURCE_DIR "/scenarios/sweeps";
  auto def = sweep::parse_sweep(std::string(data), dir + "/fuzz.toml");
  if (!def) return false;
  const std::int64_t points = def->points();
  for (std::int64_t k = 0; k < std::min<std::int64_t>(points, 4); ++k)
    (void)def->point(k);
  (void)sweep::shard_range({0, 3}, points);
  return true;
}

bool nist(std::string_view data) {
  return static_cast<bool>(solverbench::parse_nist_problem(data, "fuzz.dat"));
}

const std::vector<std::string>& target_names() {
  static const std::vector<std::string> names = {
      "fuzz_panel_csv", "fuzz_scenario_toml", "fuzz_sweep_toml", "fuzz_nist"};
  return names;
}

bool run_target(const std::string& name, std::string_view data) {
  if (name == "fuzz_panel_csv") return panel_csv(data);
  if (name == "fuzz_scenario_toml") return scenario_toml(data);
  if (name == "fuzz_sweep_toml") return sweep_toml(data);
  return nist(data);
}

}  // namespace growthcast::fuzz
