#include "data/panel.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <system_error>

#include "data/csv_table.h"

namespace growthcast::data {
namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

// A value quoted in a message: at most 80 bytes (not cutting a UTF-8
// sequence) and then "...", so a huge field keeps the message one line.
std::string cut(const std::string& value) {
  std::size_t keep = 80;
  if (value.size() <= keep) return value;
  while (keep > 0 && (static_cast<unsigned char>(value[keep]) & 0xC0) == 0x80)
    --keep;
  return value.substr(0, keep) + "...";
}

// Parses a whole field as a finite number; text such as "NaN", "inf",
// "1e400" or "12abc" is rejected rather than read as a special value.
bool parse_number(const std::string& text, double* value) {
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, *value);
  return ec == std::errc() && ptr == end && std::isfinite(*value);
}

bool parse_year(const std::string& text, int* year) {
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *year);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

const PanelColumn* Panel::column(const std::string& name) const {
  for (const auto& c : columns)
    if (c.name == name) return &c;
  return nullptr;
}

int Panel::region_index(const std::string& name) const {
  // The hash map when it indexes every region (read_panel builds it), else
  // a scan (a Panel assembled by hand).
  if (region_lookup.size() == regions.size()) {
    const auto it = region_lookup.find(name);
    return it == region_lookup.end() ? -1 : it->second;
  }
  auto it = std::find(regions.begin(), regions.end(), name);
  return it == regions.end() ? -1 : static_cast<int>(it - regions.begin());
}

int Panel::year_index(int year) const {
  auto it = std::lower_bound(years.begin(), years.end(), year);
  return (it == years.end() || *it != year)
             ? -1
             : static_cast<int>(it - years.begin());
}

const std::vector<std::vector<double>>& PanelWindow::at(
    const std::string& column) const {
  return values.at(column);
}

namespace {

Result<Panel> panel_from_table(Result<CsvTable> table,
                               const ColumnMapping& mapping) {
  if (!table) return tl::unexpected(table.error());
  const std::string& file = table->file;
  const long header_line = table->header.line;

  // Indexes into each row's fields (only the mapping's columns are kept).
  auto require_column = [&](const std::string& name) -> Result<int> {
    int index = table->field(name);
    if (index < 0)
      return fail("missing column (the header has no column of this name)",
                  file, header_line, name);
    return index;
  };
  auto region_col = require_column(mapping.region);
  if (!region_col) return tl::unexpected(region_col.error());
  auto year_col = require_column(mapping.year);
  if (!year_col) return tl::unexpected(year_col.error());
  std::vector<int> value_cols;
  std::vector<std::string> value_names;
  for (const auto& name : mapping.values) {
    auto index = require_column(name);
    if (!index) return tl::unexpected(index.error());
    value_cols.push_back(*index);
    value_names.push_back(name);
  }
  for (const auto& name : mapping.optional_values) {
    const int index = table->field(name);
    if (index < 0) continue;
    value_cols.push_back(index);
    value_names.push_back(name);
  }
  if (table->rows.empty())
    return fail("the file has a header but no rows", file);

  // First pass: regions and years, so the value arrays can be dense.
  Panel panel;
  panel.file = file;
  std::vector<std::pair<int, int>> keys;  // (region index, year) per row
  for (const auto& row : table->rows) {
    const auto& region_field = row.fields[*region_col];
    if (region_field.text.empty())
      return fail("empty region name", file, region_field.line, mapping.region);
    const auto [entry, added] = panel.region_lookup.try_emplace(
        region_field.text, static_cast<int>(panel.regions.size()));
    if (added) panel.regions.push_back(region_field.text);
    const int region = entry->second;
    const auto& year_field = row.fields[*year_col];
    int year = 0;
    if (!parse_year(year_field.text, &year))
      return fail("'" + cut(year_field.text) + "' is not a whole year", file,
                  year_field.line, mapping.year);
    keys.emplace_back(region, year);
    panel.years.push_back(year);
  }
  std::sort(panel.years.begin(), panel.years.end());
  panel.years.erase(std::unique(panel.years.begin(), panel.years.end()),
                    panel.years.end());

  const std::size_t n_regions = panel.regions.size();
  const std::size_t n_years = panel.years.size();
  panel.present.assign(n_regions, std::vector<bool>(n_years, false));
  std::vector<std::vector<long>> row_line(n_regions,
                                          std::vector<long>(n_years, 0));
  for (const auto& name : value_names) {
    panel.columns.push_back(
        {name,
         std::vector<std::vector<double>>(
             n_regions, std::vector<double>(n_years, kMissing)),
         std::vector<std::vector<long>>(n_regions,
                                        std::vector<long>(n_years, 0))});
  }

  for (std::size_t r = 0; r < table->rows.size(); ++r) {
    const auto& row = table->rows[r];
    const auto [region, year] = keys[r];
    const int y = panel.year_index(year);
    if (panel.present[region][y])
      return fail("duplicate row for region '" + cut(panel.regions[region]) +
                      "' and year " + std::to_string(year) +
                      " (first seen on line " +
                      std::to_string(row_line[region][y]) + ")",
                  file, row.line, mapping.year);
    panel.present[region][y] = true;
    row_line[region][y] = row.line;
    for (std::size_t c = 0; c < value_cols.size(); ++c) {
      const auto& field = row.fields[value_cols[c]];
      auto& column = panel.columns[c];
      column.lines[region][y] = field.line;
      if (field.text.empty()) continue;  // missing
      double value = 0;
      if (!parse_number(field.text, &value))
        return fail("'" + cut(field.text) + "' is not a finite number", file,
                    field.line, column.name);
      column.values[region][y] = value;
    }
  }
  return panel;
}

// The columns a panel is read from: the others are not stored.
std::vector<std::string> mapped_columns(const ColumnMapping& mapping) {
  std::vector<std::string> keep = {mapping.region, mapping.year};
  keep.insert(keep.end(), mapping.values.begin(), mapping.values.end());
  keep.insert(keep.end(), mapping.optional_values.begin(),
              mapping.optional_values.end());
  return keep;
}

}  // namespace

Result<Panel> read_panel(const std::filesystem::path& path,
                         const ColumnMapping& mapping) {
  auto table = read_csv(path, mapped_columns(mapping));
  if (!table) return tl::unexpected(table.error());
  // The units sidecar, when there is one, is checked against the header
  // before the rows are parsed.
  const std::filesystem::path sidecar = units_sidecar_path(path);
  std::error_code ec;
  std::map<std::string, ColumnUnits> units;
  const bool has_sidecar = std::filesystem::exists(sidecar, ec);
  if (has_sidecar) {
    auto read = read_column_units(sidecar, table->header, table->file);
    if (!read) return tl::unexpected(read.error());
    units = std::move(*read);
  }
  auto panel = panel_from_table(std::move(table), mapping);
  if (!panel) return panel;
  panel->units = std::move(units);
  if (has_sidecar) panel->units_file = sidecar.string();
  return panel;
}

Result<Panel> parse_panel(std::string_view text, const std::string& file,
                          const ColumnMapping& mapping) {
  return panel_from_table(parse_csv(text, file, mapped_columns(mapping)),
                          mapping);
}

Result<PanelWindow> select(const Panel& panel, const Selection& selection) {
  if (selection.first_year > selection.last_year)
    return usage_error(
        "the first year " + std::to_string(selection.first_year) +
            " is after the last year " + std::to_string(selection.last_year),
        "first_year");
  PanelWindow window;
  window.file = panel.file;
  window.units = panel.units;
  std::vector<int> region_rows;
  if (selection.regions.empty()) {
    window.regions = panel.regions;
    for (std::size_t r = 0; r < panel.regions.size(); ++r)
      region_rows.push_back(static_cast<int>(r));
  } else {
    for (const auto& name : selection.regions) {
      int r = panel.region_index(name);
      if (r < 0)
        return fail("unknown region '" + cut(name) + "' (not in the file)",
                    panel.file, 0, "region");
      if (std::find(region_rows.begin(), region_rows.end(), r) !=
          region_rows.end())
        return fail("region '" + cut(name) +
                        "' is selected twice: its data would count twice",
                    panel.file, 0, "region");
      window.regions.push_back(name);
      region_rows.push_back(r);
    }
  }
  // Every region must have a row for every year of the window. The years
  // are counted in long long so that a window ending at INT_MAX does not
  // overflow, and the loop stops at the first missing year, so an enormous
  // window is refused before it is built.
  for (std::size_t k = 0; k < region_rows.size(); ++k) {
    const int r = region_rows[k];
    for (long long year = selection.first_year; year <= selection.last_year;
         ++year) {
      const int y = panel.year_index(static_cast<int>(year));
      if (y < 0 || !panel.present[r][y]) {
        bool any = false;
        int first = -1, last = -1;
        for (std::size_t j = 0; j < panel.years.size(); ++j)
          if (panel.present[r][j]) {
            if (!any) first = panel.years[j];
            any = true;
            last = panel.years[j];
          }
        return fail("region '" + cut(window.regions[k]) +
                        "' has no row for year " + std::to_string(year) +
                        ", needed for the window " +
                        std::to_string(selection.first_year) + "-" +
                        std::to_string(selection.last_year) +
                        " (its rows cover " + std::to_string(first) + "-" +
                        std::to_string(last) + " with gaps or less)",
                    panel.file, 0, "year");
      }
    }
  }
  const long long width =
      static_cast<long long>(selection.last_year) - selection.first_year + 1;
  if (width > static_cast<long long>(panel.years.size()))
    return fail("the window " + std::to_string(selection.first_year) + "-" +
                    std::to_string(selection.last_year) +
                    " has more years than the file",
                panel.file, 0, "year");
  for (long long t = 0; t < width; ++t)
    window.years.push_back(static_cast<int>(selection.first_year + t));

  auto copy_column = [&](const std::string& name, bool positive) -> Status {
    const PanelColumn* column = panel.column(name);
    if (column == nullptr)
      return fail("column was not read from the file", panel.file, 0, name);
    auto& out = window.values[name];
    out.assign(region_rows.size(),
               std::vector<double>(window.years.size(), kMissing));
    for (std::size_t k = 0; k < region_rows.size(); ++k) {
      const int r = region_rows[k];
      for (std::size_t t = 0; t < window.years.size(); ++t) {
        const int y = panel.year_index(window.years[t]);
        const double v = column->values[r][y];
        // The message's text only when there is an error: building it for
        // every cell was most of this function's time.
        if (std::isnan(v) || (positive && !(v > 0))) {
          const long line = column->lines[r][y];
          const std::string where = "region '" + window.regions[k] +
                                    "', year " +
                                    std::to_string(window.years[t]);
          if (std::isnan(v))
            return fail("missing value for " + where, panel.file, line, name);
          return fail("value " + std::to_string(v) + " for " + where +
                          " must be positive (its log is taken)",
                      panel.file, line, name);
        }
        out[k][t] = v;
      }
    }
    return ok();
  };
  for (const auto& name : selection.positive)
    if (auto s = copy_column(name, true); !s) return tl::unexpected(s.error());
  for (const auto& name : selection.required)
    if (!window.values.count(name))
      if (auto s = copy_column(name, false); !s)
        return tl::unexpected(s.error());
  return window;
}

}  // namespace growthcast::data
