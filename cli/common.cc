#include "cli/common.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace growthcast::cli {

std::filesystem::path shipped_data_dir() {
  if (const char* env = std::getenv("GROWTHCAST_DATA_DIR")) return env;
  const std::filesystem::path source = GROWTHCAST_SOURCE_DATA_DIR;
  std::error_code ec;
  if (std::filesystem::exists(source / "china_provinces.csv", ec))
    return source;
  return GROWTHCAST_INSTALLED_DATA_DIR;
}

void PanelFlags::add_to(CLI::App& app) {
  app.add_option("--data", data,
                 "Panel CSV, one row per region and year (default: the "
                 "shipped China provincial panel)");
  app.add_option("--regions-file", regions_file,
                 "Region metadata CSV with columns region,group (default: the "
                 "shipped data/regions.csv when --data is not given)");
  app.add_option("--region-col", region_col, "Column naming the region")
      ->capture_default_str();
  app.add_option("--year-col", year_col, "Column holding the year")
      ->capture_default_str();
  app.add_option("--regions", regions,
                 "Regions to use, comma separated (default: all)")
      ->delimiter(',');
}

void PanelFlags::resolve() {
  if (data.empty()) {
    data = (shipped_data_dir() / "china_provinces.csv").string();
    if (regions_file.empty())
      regions_file = (shipped_data_dir() / "regions.csv").string();
  }
}

Result<std::vector<data::RegionGroup>> load_groups(
    const PanelFlags& flags, const std::vector<std::string>& present) {
  if (flags.regions_file.empty()) return std::vector<data::RegionGroup>{};
  auto table = data::read_regions(flags.regions_file);
  if (!table) return tl::unexpected(table.error());
  return table->groups(present);
}

std::string joined_command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    if (i) out += ' ';
    out += argv[i];
  }
  return out;
}

int report(const Error& error) {
  std::cerr << "growthcast: error: " << error.to_string() << "\n";
  return error.exit_code;
}

Status check_output_path(const std::string& out) {
  if (out.empty()) return usage_error("an output file is required", "--out");
  std::filesystem::path path(out);
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return fail("the output directory does not exist", dir.string(), 0,
                "--out");
  if (::access(dir.c_str(), W_OK) != 0)
    return fail("the output directory is not writable", dir.string(), 0,
                "--out");
  if (std::filesystem::is_directory(path, ec))
    return fail("the output path is a directory", out, 0, "--out");
  return ok();
}

}  // namespace growthcast::cli
