// Long-format panels: one row per region and year, value columns chosen by
// the user. Reading checks the file; select() checks what a computation
// needs from it (regions, a window of years, complete positive values) and
// names the file, line and column of the first problem.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "data/column_units.h"

namespace growthcast::data {

struct ColumnMapping {
  std::string region = "region";
  std::string year = "year";
  std::vector<std::string> values;  // value columns to read
  // Read when the file has them, skipped silently when not.
  std::vector<std::string> optional_values;
};

// All values of one column, [region][year index]; NaN where missing.
struct PanelColumn {
  std::string name;
  std::vector<std::vector<double>> values;
  std::vector<std::vector<long>> lines;  // source line per cell, 0 if absent
};

struct Panel {
  std::string file;
  std::vector<std::string> regions;  // in order of first appearance
  // Region name -> index into `regions`, filled by read_panel so that
  // region_index is O(1) (a scan made reading big panels quadratic).
  std::unordered_map<std::string, int> region_lookup;
  std::vector<int> years;  // sorted, the union over regions
  // ColumnMapping::values, then the optional ones the file has.
  std::vector<PanelColumn> columns;

  // Which years each region has a row for, [region][year index].
  std::vector<std::vector<bool>> present;

  // Units of the columns the sidecar (data/column_units.h) describes;
  // empty without one. `units_file` is the sidecar read, or empty.
  std::map<std::string, ColumnUnits> units;
  std::string units_file;

  const PanelColumn* column(const std::string& name) const;
  int region_index(const std::string& name) const;  // -1 if absent
  int year_index(int year) const;                   // -1 if absent
};

// Also reads the units sidecar (units_sidecar_path) when the file has one.
Result<Panel> read_panel(const std::filesystem::path& path,
                         const ColumnMapping& mapping);
// The same from text already in memory (`file` names it in messages).
Result<Panel> parse_panel(std::string_view text, const std::string& file,
                          const ColumnMapping& mapping);

// What a computation needs: these regions (empty = all, in file order),
// years first..last, and for each named column complete values (and positive
// ones where `positive` lists it, because a log is taken).
struct Selection {
  std::vector<std::string> regions;
  int first_year = 0;
  int last_year = 0;
  std::vector<std::string> required;  // must be present, finite
  std::vector<std::string> positive;  // must also be > 0
};

// A dense block cut out of a panel: [region][year - first_year].
struct PanelWindow {
  std::string file;
  std::vector<std::string> regions;
  std::vector<int> years;
  std::map<std::string, std::vector<std::vector<double>>> values;
  std::map<std::string, ColumnUnits> units;  // the panel's, when known

  const std::vector<std::vector<double>>& at(const std::string& column) const;
};

Result<PanelWindow> select(const Panel& panel, const Selection& selection);

}  // namespace growthcast::data
