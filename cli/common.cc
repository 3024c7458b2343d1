#include "cli/common.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <set>
#include <thread>

#include "store/atomic_file.h"

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
  auto groups = table->groups(present);
  // A group named like a region would write its total into that region's
  // row of the results.
  for (const auto& group : groups)
    if (std::find(present.begin(), present.end(), group.name) != present.end())
      return fail("group '" + shorten(group.name) +
                      "' has the name of a region: rename the group",
                  flags.regions_file, 0, "group");
  return groups;
}

std::string joined_command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    if (i) out += ' ';
    out += argv[i];
  }
  return out;
}

namespace {

// The engine names options; the command line names their flags.
Error with_flags(Error e) {
  if (e.field == "first_year") e.field = "--from";
  if (e.field == "convergence") {
    e.field.clear();
    e.message +=
        " (--max-iterations N, solver flags, or --allow-no-convergence to "
        "keep the result anyway)";
  }
  return e;
}

}  // namespace

int report(const Error& raw) {
  // One line, whatever the values quoted in it: control characters become
  // '?' and each part is cut (a 10 MB name must not be echoed in full).
  const Error error = with_flags(raw);
  Error shown = error;
  shown.file = shorten(error.file, 1000);
  shown.field = shorten(error.field, 80);
  shown.message = shorten(error.message, 1000);
  std::cerr << "growthcast: error: " << shown.to_string() << "\n";
  return error.exit_code;
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

CLI::Validator threads_validator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        long long n = 0;
        const char* end = value.data() + value.size();
        const auto [ptr, ec] = std::from_chars(value.data(), end, n);
        if (ec != std::errc() || ptr != end || n < 1 || n > max_threads())
          return "must be a whole number from 1 to " +
                 std::to_string(max_threads()) + " (64 per core), not '" +
                 shorten(value) + "'";
        return {};
      },
      "1.." + std::to_string(max_threads()), "threads");
}

CLI::Validator memory_validator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(value.c_str(), &end);
        if (value.empty() || end != value.c_str() + value.size() ||
            !std::isfinite(v) || v <= 0 || v > 1e12)
          return "must be a positive number of MiB up to 10^12, not '" +
                 shorten(value) + "'";
        return {};
      },
      "0 < MiB <= 10^12", "memory");
}

Result<std::uint64_t> parse_seed(const std::string& text) {
  std::uint64_t seed = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, seed);
  if (text.empty() || ec != std::errc() || ptr != end)
    return usage_error(
        "must be a whole number from 0 to 2^64-1 "
        "(18446744073709551615), not '" +
            shorten(text) + "'",
        "--seed");
  return seed;
}

CLI::Validator former_spelling_note(const std::string& old_flag,
                                    const std::string& new_flag) {
  CLI::Validator note(
      [old_flag, new_flag](std::string&) {
        std::cerr << "growthcast: note: " << old_flag << " is now spelled "
                  << new_flag << " (the old spelling still works)\n";
        return std::string();
      },
      "");
  // Once per use, not once per comma-separated value.
  note.application_index(0);
  return note;
}

Result<RunOverrides> check_run_overrides(
    const std::optional<std::int64_t>& draws,
    const std::optional<std::string>& seed) {
  RunOverrides out;
  if (draws) {
    if (*draws < 1 || *draws > 1000000000LL)
      return usage_error("must be between 1 and 10^9", "--draws");
    out.draws = *draws;
  }
  if (seed) {
    // An empty value (`--seed ""`, or a script's unset variable) is a
    // mistake, not a request for the files' seeds.
    if (seed->empty())
      return usage_error(
          "is empty: give a whole number from 0 to 2^64-1, or leave --seed "
          "out to use the files' seeds",
          "--seed");
    auto parsed = parse_seed(*seed);
    if (!parsed) return tl::unexpected(parsed.error());
    out.seed = *parsed;
  }
  return out;
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

Status check_region_list(const std::vector<std::string>& regions) {
  std::set<std::string> seen;
  for (const auto& region : regions)
    if (!seen.insert(region).second)
      return usage_error("region '" + shorten(region) +
                             "' is listed twice: its data would count twice",
                         "--regions");
  return ok();
}

}  // namespace growthcast::cli
