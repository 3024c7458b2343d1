// Units of a panel's columns, from a sidecar file beside the panel
// (docs/hdf5-layout.md, "Units"): for `NAME.csv` the file `NAME.units.csv`
// with a header `column,units,long_name` and one row per described column.
// A panel without a sidecar reads as before; its columns' units are then
// kUnknownUnits.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "common/error.h"
#include "data/csv_table.h"

namespace growthcast::data {

// What a column measures: `units` as stored in the files' `units`
// attributes (UDUNITS syntax where one exists, else clear words such as
// "100 million yuan, 2019 prices"), `long_name` a description.
struct ColumnUnits {
  std::string units;
  std::string long_name;
};

// The units written for a column no sidecar describes.
inline constexpr std::string_view kUnknownUnits = "unknown";

// The sidecar's path for a panel: NAME.csv -> NAME.units.csv (any other
// extension is replaced the same way).
std::filesystem::path units_sidecar_path(const std::filesystem::path& panel);

// Reads a sidecar and checks it against the panel's header: every row names
// a column the panel has (once), with non-empty units. Errors name the
// sidecar, the line and the field.
Result<std::map<std::string, ColumnUnits>> read_column_units(
    const std::filesystem::path& sidecar, const CsvRecord& panel_header,
    const std::string& panel_file);
// The same from text (`file` names it in messages).
Result<std::map<std::string, ColumnUnits>> parse_column_units(
    std::string_view text, const std::string& file,
    const CsvRecord& panel_header, const std::string& panel_file);

// The units of `column`, or kUnknownUnits with the column's name as
// long_name when `units` does not describe it.
ColumnUnits units_of(const std::map<std::string, ColumnUnits>& units,
                     const std::string& column);

}  // namespace growthcast::data
