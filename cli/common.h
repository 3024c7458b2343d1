// What the commands share: where the shipped data lives, the panel flags,
// parameter-setting flags, and turning an Error into a message and exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "data/panel.h"
#include "data/regions.h"
#include "store/result_file.h"

namespace growthcast::cli {

// The folder with the shipped panel: $GROWTHCAST_DATA_DIR, else the source
// tree's data/ (a build tree), else the installed share/growthcast/data.
std::filesystem::path shipped_data_dir();

// Flags naming a panel and the columns that identify its rows.
struct PanelFlags {
  std::string data;          // default: shipped china_provinces.csv
  std::string regions_file;  // default: shipped regions.csv (when data is)
  std::string region_col = "region";
  std::string year_col = "year";
  std::vector<std::string> regions;  // empty: all

  void add_to(CLI::App& app);
  // Resolves defaults after parsing.
  void resolve();
};

// Region groups from the regions file, if any (empty when none given).
Result<std::vector<data::RegionGroup>> load_groups(
    const PanelFlags& flags, const std::vector<std::string>& present);

// The command line as one string, for provenance.
std::string joined_command_line(int argc, char** argv);

// Prints the error to stderr and returns its exit code.
int report(const Error& error);

// Writes a result file through `write`; nothing is left at `out` on failure.
template <class Write>
Status write_result(const std::string& out, const store::Provenance& provenance,
                    Write&& write) {
  auto file = store::ResultFile::create(out);
  if (!file) return tl::unexpected(file.error());
  if (auto s = file->write_provenance(provenance); !s) return s;
  if (auto s = write(*file); !s) return s;
  return file->commit();
}

// Checks before any work that the output can be written where asked: its
// folder exists and is writable, the path is not a folder, device node,
// FIFO or other non-regular file, and it is not the same file (same device
// and inode, whatever the names) as any of `inputs`, which writing would
// destroy. `field` names the flag in errors.
Status check_output_path(const std::string& out,
                         const std::vector<std::string>& inputs = {},
                         const std::string& field = "--out");

// True when both paths exist and are the same file (device and inode).
bool same_file(const std::string& a, const std::string& b);

// The most threads --threads accepts: 64 per core, at most 1024.
int max_threads();
// --threads: 1..max_threads() when given (0, the default, means all cores).
// A CLI11 validator, so every command that takes --threads refuses the same
// values with a usage error (exit 2).
CLI::Validator threads_validator();
// --memory: a finite number of MiB, > 0 and at most 10^12 (bytes must fit
// a size_t: a larger value overflowed the conversion).
CLI::Validator memory_validator();
// --seed: a whole number 0..2^64-1 (negative or larger values are usage
// errors, never clamped or ignored).
Result<std::uint64_t> parse_seed(const std::string& text);

// A flag's former spelling, kept working for existing scripts but hidden
// from --help; using it prints a note on stderr (stdout stays the
// command's output) naming `new_flag`.
CLI::Validator former_spelling_note(const std::string& old_flag,
                                    const std::string& new_flag);
template <class T>
CLI::Option* add_former_spelling(CLI::App& app, const std::string& old_flag,
                                 const std::string& new_flag, T& variable) {
  auto* option =
      app.add_option(old_flag, variable, "Former spelling of " + new_flag);
  option->group("")->check(former_spelling_note(old_flag, new_flag));
  return option;
}

// --draws and --seed as forecast and sweep take them, checked before any
// work: draws 1..10^9 and a seed 0..2^64-1 when given (an empty --seed is
// refused, not taken as "no override"). Usage errors (exit 2).
struct RunOverrides {
  std::optional<std::int64_t> draws;
  std::optional<std::uint64_t> seed;
};
Result<RunOverrides> check_run_overrides(
    const std::optional<std::int64_t>& draws,
    const std::optional<std::string>& seed);

// A value quoted in a message: at most 80 characters (then "..."), control
// characters as '?', so a message stays one readable line.
std::string shorten(const std::string& value, std::size_t keep = 80);

// --regions: refuses a region listed twice (its data would count twice).
Status check_region_list(const std::vector<std::string>& regions);

}  // namespace growthcast::cli
