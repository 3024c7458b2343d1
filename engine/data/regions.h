// Region metadata: codes, names and the groups regions are aggregated into
// (e.g. Chengdu-Chongqing = Sichuan + Chongqing).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace growthcast::data {

struct RegionInfo {
  std::string region;
  std::string code;
  std::string name_local;
  std::string group;  // empty: in no group
};

struct RegionGroup {
  std::string name;
  std::vector<std::string> members;
};

struct RegionTable {
  std::vector<RegionInfo> regions;

  // Groups in order of first appearance, restricted to members in `present`
  // (a group none of whose members is present is left out).
  std::vector<RegionGroup> groups(
      const std::vector<std::string>& present) const;
};

// Columns: region, group (required); code, name_zh (optional).
Result<RegionTable> read_regions(const std::filesystem::path& path);
// The same from text already in memory (`file` names it in messages).
Result<RegionTable> parse_regions(std::string_view text,
                                  const std::string& file);

}  // namespace growthcast::data
