#include <algorithm>
#include <cstdint>

#include "fuzz/fuzz_inputs.h"
#include "sweep/sweep_file.h"

#ifndef GROWTHCAST_SOURCE_DIR
#error "GROWTHCAST_SOURCE_DIR must name the source folder"
#endif

namespace growthcast::fuzz {

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

}  // namespace growthcast::fuzz
