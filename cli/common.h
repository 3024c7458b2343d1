// What the commands share: the panel flags, the flag validators, and
// turning an Error into a message and exit code. The checks and defaults
// the Python module shares too live in engine/pipeline/inputs.h.
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
#include "pipeline/inputs.h"
#include "store/result_file.h"

namespace growthcast::cli {

// Shared with the Python module (engine/pipeline/inputs.h).
using pipeline::check_output_path;
using pipeline::check_region_list;
using pipeline::load_groups;
using pipeline::max_threads;
using pipeline::same_file;
using pipeline::shipped_data_dir;
using pipeline::shorten;
using pipeline::write_result;

// Adds the flags naming a panel and the columns that identify its rows.
void add_panel_flags(CLI::App& app, pipeline::PanelSource& panel);

// A panel named by flags.
struct PanelFlags : pipeline::PanelSource {
  void add_to(CLI::App& app) { add_panel_flags(app, *this); }
};

// The command line as one string, for provenance.
std::string joined_command_line(int argc, char** argv);

// Prints the error to stderr and returns its exit code.
int report(const Error& error);

// --threads: 1..max_threads() when given (0, the default, means all cores).
// A CLI11 validator, so every command that takes --threads refuses the same
// values with a usage error (exit 2).
CLI::Validator threads_validator();
// --memory: a finite number of MiB, > 0 and at most 10^12 (bytes must fit
// a size_t: a larger value overflowed the conversion).
CLI::Validator memory_validator();
// --random-stream on forecast, sweep and backtest: the random stream's
// version, 1, 2 or 3 (docs/architecture.md, "Determinism"), overriding the
// scenarios' `random_stream`; other values are usage errors (exit 2).
void add_random_stream_option(CLI::App& command, std::optional<int>& version);
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

}  // namespace growthcast::cli
