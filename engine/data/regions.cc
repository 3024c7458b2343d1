#include "data/regions.h"

#include <algorithm>
#include <unordered_set>

#include "data/csv_table.h"

namespace growthcast::data {

std::vector<RegionGroup> RegionTable::groups(
    const std::vector<std::string>& present) const {
  std::vector<RegionGroup> out;
  for (const auto& info : regions) {
    if (info.group.empty()) continue;
    if (std::find(present.begin(), present.end(), info.region) == present.end())
      continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const RegionGroup& g) {
      return g.name == info.group;
    });
    if (it == out.end()) {
      out.push_back({info.group, {}});
      it = out.end() - 1;
    }
    it->members.push_back(info.region);
  }
  return out;
}

namespace {

Result<RegionTable> regions_from_table(Result<CsvTable> table) {
  if (!table) return tl::unexpected(table.error());
  const int region = table->column("region");
  const int group = table->column("group");
  const int code = table->column("code");
  const int name = table->column("name_zh");
  if (region < 0)
    return fail("missing column", table->file, table->header.line, "region");
  if (group < 0)
    return fail("missing column", table->file, table->header.line, "group");
  RegionTable out;
  std::unordered_set<std::string> names;
  for (const auto& row : table->rows) {
    RegionInfo info;
    info.region = row.fields[region].text;
    info.group = row.fields[group].text;
    if (code >= 0) info.code = row.fields[code].text;
    if (name >= 0) info.name_local = row.fields[name].text;
    if (info.region.empty())
      return fail("empty region name", table->file, row.line, "region");
    if (!names.insert(info.region).second)
      return fail("region '" + info.region + "' listed twice", table->file,
                  row.line, "region");
    out.regions.push_back(std::move(info));
  }
  // A group named like a region would write the group's total into that
  // region's row of every result.
  for (std::size_t i = 0; i < out.regions.size(); ++i)
    if (!out.regions[i].group.empty() && names.count(out.regions[i].group))
      return fail("group '" + out.regions[i].group +
                      "' has the name of a region: rename the group",
                  table->file, table->rows[i].line, "group");
  return out;
}

}  // namespace

Result<RegionTable> read_regions(const std::filesystem::path& path) {
  return regions_from_table(read_csv(path));
}

Result<RegionTable> parse_regions(std::string_view text,
                                  const std::string& file) {
  return regions_from_table(parse_csv(text, file));
}

}  // namespace growthcast::data
