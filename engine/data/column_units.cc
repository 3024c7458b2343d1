#include "data/column_units.h"

#include <algorithm>
#include <system_error>

namespace growthcast::data {
namespace {

Result<std::map<std::string, ColumnUnits>> units_from_table(
    Result<CsvTable> table, const CsvRecord& panel_header,
    const std::string& panel_file) {
  if (!table) return tl::unexpected(table.error());
  const std::string& file = table->file;
  const long header_line = table->header.line;
  int at[3];
  const char* names[3] = {"column", "units", "long_name"};
  for (int i = 0; i < 3; ++i) {
    at[i] = table->column(names[i]);
    if (at[i] < 0)
      return fail(
          "missing column (a units file has the header "
          "column,units,long_name)",
          file, header_line, names[i]);
  }
  if (table->header.fields.size() != 3)
    for (const auto& field : table->header.fields)
      if (std::find(std::begin(names), std::end(names), field.text) ==
          std::end(names))
        return fail(
            "unknown column in a units file (expected column, "
            "units, long_name)",
            file, header_line, field.text);
  std::map<std::string, ColumnUnits> out;
  for (const auto& row : table->rows) {
    const CsvField& column = row.fields[std::size_t(at[0])];
    const CsvField& units = row.fields[std::size_t(at[1])];
    const CsvField& long_name = row.fields[std::size_t(at[2])];
    const bool in_panel =
        std::any_of(panel_header.fields.begin(), panel_header.fields.end(),
                    [&](const CsvField& f) { return f.text == column.text; });
    if (!in_panel)
      return fail("'" + column.text.substr(0, 80) +
                      "' is not a column of the panel " + panel_file,
                  file, column.line, "column");
    if (out.count(column.text))
      return fail(
          "the column '" + column.text.substr(0, 80) + "' is described twice",
          file, column.line, "column");
    if (units.text.empty())
      return fail("empty units for the column '" + column.text.substr(0, 80) +
                      "' (write 1 for a pure number)",
                  file, units.line, "units");
    out[column.text] = ColumnUnits{units.text, long_name.text};
  }
  return out;
}

}  // namespace

std::filesystem::path units_sidecar_path(const std::filesystem::path& panel) {
  std::filesystem::path out = panel;
  out.replace_extension(".units.csv");
  return out;
}

Result<std::map<std::string, ColumnUnits>> read_column_units(
    const std::filesystem::path& sidecar, const CsvRecord& panel_header,
    const std::string& panel_file) {
  return units_from_table(read_csv(sidecar), panel_header, panel_file);
}

Result<std::map<std::string, ColumnUnits>> parse_column_units(
    std::string_view text, const std::string& file,
    const CsvRecord& panel_header, const std::string& panel_file) {
  return units_from_table(parse_csv(text, file), panel_header, panel_file);
}

ColumnUnits units_of(const std::map<std::string, ColumnUnits>& units,
                     const std::string& column) {
  const auto it = units.find(column);
  if (it != units.end()) return it->second;
  return ColumnUnits{std::string(kUnknownUnits), column};
}

}  // namespace growthcast::data
