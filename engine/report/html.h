// Small HTML building blocks for the report: escaping text taken from result
// files, number formatting, and tables.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace growthcast::report {

// Escapes &, <, >, " and ' so that any text is safe in element content and
// in quoted attribute values.
std::string escape(std::string_view text);

// "1,234,567" style with `decimals` digits after the point; "–" for NaN.
std::string format_number(double value, int decimals);
// A fraction as a percentage, e.g. 0.0674 -> "6.74%"; "–" for NaN.
std::string format_percent(double fraction, int decimals);
// A value with about `digits` significant digits ("0.3355", "1.2e-05").
std::string format_significant(double value, int digits);

// A table of plain-text cells (escaped when rendered). Columns flagged in
// `numeric` are right-aligned.
struct Table {
  std::string caption;  // optional
  std::vector<std::string> header;
  std::vector<bool> numeric;  // per column; missing entries are text
  std::vector<std::vector<std::string>> rows;
};

std::string render_table(const Table& table);

// <details><summary>summary</summary>inner_html</details>
std::string details(std::string_view summary, std::string_view inner_html);

}  // namespace growthcast::report
