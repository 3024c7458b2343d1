// What the commands share: where the shipped data lives, the panel flags,
// parameter-setting flags, and turning an Error into a message and exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
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

// Checks before any work that the output can be written where asked.
Status check_output_path(const std::string& out);

}  // namespace growthcast::cli
