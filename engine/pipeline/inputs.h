// What every front end (the command line, the Python module) checks and
// resolves before work, so both refuse the same inputs with the same
// messages: where the shipped data lives, the panel and its region groups,
// the output path, the thread count; and writing a result file whole or
// not at all.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/cancel.h"
#include "common/error.h"
#include "data/regions.h"
#include "store/result_file.h"

namespace growthcast::pipeline {

// The folder with the shipped panel: $GROWTHCAST_DATA_DIR, else the source
// tree's data/ (a build tree), else the installed share/growthcast/data.
std::filesystem::path shipped_data_dir();

// A panel and the columns that identify its rows.
struct PanelSource {
  std::string data;          // default: shipped china_provinces.csv
  std::string regions_file;  // default: shipped regions.csv (when data is)
  std::string region_col = "region";
  std::string year_col = "year";
  std::vector<std::string> regions;  // empty: all

  // Fills the defaults.
  void resolve();
};

// Region groups from the regions file, if any (empty when none given).
Result<std::vector<data::RegionGroup>> load_groups(
    const PanelSource& panel, const std::vector<std::string>& present);

// Refuses a region listed twice (its data would count twice).
Status check_region_list(const std::vector<std::string>& regions,
                         const std::string& field = "--regions");

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

// The most threads a run accepts: 64 per core, at most 1024.
int max_threads();

// A value quoted in a message: at most `keep` characters (then "..."),
// control characters as '?', so a message stays one readable line.
std::string shorten(const std::string& value, std::size_t keep = 80);

// Writes a result file through `write`; nothing is left at `out` on
// failure, nor when `cancel` is set by the time the file would be renamed
// into place.
template <class Write>
Status write_result(const std::string& out, const store::Provenance& provenance,
                    Write&& write, const CancelFlag* cancel = nullptr) {
  auto file = store::ResultFile::create(out);
  if (!file) return tl::unexpected(file.error());
  if (auto s = file->write_provenance(provenance); !s) return s;
  if (auto s = write(*file); !s) return s;
  if (is_cancelled(cancel)) return cancelled();
  return file->commit();
}

}  // namespace growthcast::pipeline
