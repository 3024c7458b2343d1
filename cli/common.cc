#include "cli/common.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <iostream>

namespace growthcast::cli {

void add_panel_flags(CLI::App& app, pipeline::PanelSource& panel) {
  app.add_option("--data", panel.data,
                 "Panel CSV, one row per region and year (default: the "
                 "shipped China provincial panel)");
  app.add_option("--regions-file", panel.regions_file,
                 "Region metadata CSV with columns region,group (default: the "
                 "shipped data/regions.csv when --data is not given)");
  app.add_option("--region-col", panel.region_col, "Column naming the region")
      ->capture_default_str();
  app.add_option("--year-col", panel.year_col, "Column holding the year")
      ->capture_default_str();
  app.add_option("--regions", panel.regions,
                 "Regions to use, comma separated (default: all)")
      ->delimiter(',');
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

void add_random_stream_option(CLI::App& command, std::optional<int>& version) {
  command
      .add_option("--random-stream", version,
                  "Random stream version: 3 (the default; Philox4x32, "
                  "Box-Muller in float, the projection's log and exp "
                  "with float polynomials), 2 (the same draws, glibc's "
                  "log and exp: results of growthcast before version 3) "
                  "or 1 (Philox4x64, Box-Muller in double: results before "
                  "version 2); overrides the scenarios' `random_stream`")
      ->check(CLI::Range(1, 3));
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

}  // namespace growthcast::cli
