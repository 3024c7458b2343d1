#include "pipeline/inputs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <thread>

#include "store/atomic_file.h"

namespace growthcast::pipeline {

std::filesystem::path shipped_data_dir() {
  if (const char* env = std::getenv("GROWTHCAST_DATA_DIR")) return env;
  const std::filesystem::path source = GROWTHCAST_SOURCE_DATA_DIR;
  std::error_code ec;
  if (std::filesystem::exists(source / "china_provinces.csv", ec))
    return source;
  return GROWTHCAST_INSTALLED_DATA_DIR;
}

void PanelSource::resolve() {
  if (data.empty()) {
    data = (shipped_data_dir() / "china_provinces.csv").string();
    if (regions_file.empty())
      regions_file = (shipped_data_dir() / "regions.csv").string();
  }
}

Result<std::vector<data::RegionGroup>> load_groups(
    const PanelSource& panel, const std::vector<std::string>& present) {
  if (panel.regions_file.empty()) return std::vector<data::RegionGroup>{};
  auto table = data::read_regions(panel.regions_file);
  if (!table) return tl::unexpected(table.error());
  auto groups = table->groups(present);
  // A group named like a region would write its total into that region's
  // row of the results.
  for (const auto& group : groups)
    if (std::find(present.begin(), present.end(), group.name) != present.end())
      return fail("group '" + shorten(group.name) +
                      "' has the name of a region: rename the group",
                  panel.regions_file, 0, "group");
  return groups;
}

Status check_region_list(const std::vector<std::string>& regions,
                         const std::string& field) {
  std::set<std::string> seen;
  for (const auto& region : regions)
    if (!seen.insert(region).second)
      return usage_error("region '" + shorten(region) +
                             "' is listed twice: its data would count twice",
                         field);
  return ok();
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {
  }, sb{};
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

Status check_output_path(const std::string& out,
                         const std::vector<std::string>& inputs,
                         const std::string& field) {
  if (out.empty()) return usage_error("an output file is required", field);
  std::filesystem::path path(out);
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return fail("the output directory does not exist", dir.string(), 0, field);
  if (::access(dir.c_str(), W_OK) != 0)
    return fail("the output directory is not writable", dir.string(), 0, field);
  if (std::filesystem::is_directory(path, ec))
    return fail("the output path is a directory", out, 0, field);
  if (auto s = store::check_output_target(path); !s) {
    Error e = s.error();
    e.field = field;
    return tl::unexpected(e);
  }
  for (const auto& input : inputs)
    if (!input.empty() && same_file(out, input))
      return usage_error("the output '" + shorten(out) +
                             "' is the input file '" + shorten(input) +
                             "': writing it would destroy the input; choose "
                             "another output path",
                         field);
  return ok();
}

int max_threads() {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return int(std::min<unsigned long>(1024ul, 64ul * cores));
}

std::string shorten(const std::string& value, std::size_t keep) {
  if (value.size() > keep)  // not inside a UTF-8 sequence
    while (keep > 0 && (static_cast<unsigned char>(value[keep]) & 0xC0) == 0x80)
      --keep;
  std::string out = value.size() > keep ? value.substr(0, keep) : value;
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  if (value.size() > keep) out += "...";
  return out;
}

}  // namespace growthcast::pipeline
