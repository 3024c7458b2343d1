#include "fuzz/fuzz_inputs.h"
#include "scenario/scenario.h"

namespace growthcast::fuzz {

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

}  // namespace growthcast::fuzz
