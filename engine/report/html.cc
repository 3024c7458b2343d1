#include "report/html.h"

#include <cmath>
#include <cstdio>

namespace growthcast::report {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string format_number(double value, int decimals) {
  if (!std::isfinite(value)) return "\u2013";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(value));
  std::string digits(buf);
  const std::size_t point = digits.find('.');
  std::string whole = digits.substr(0, point);
  const std::string fraction =
      point == std::string::npos ? "" : digits.substr(point);
  std::string grouped;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += ',';
    grouped += whole[i];
  }
  // Negative unless it rounds to zero: the fraction's digits count too
  // (-0.34 lost its sign when only the whole part was looked at).
  const bool negative =
      value < 0 &&
      (grouped + fraction).find_first_of("123456789") != std::string::npos;
  return (negative ? "\u2212" : "") + grouped + fraction;
}

std::string format_percent(double fraction, int decimals) {
  if (!std::isfinite(fraction)) return "\u2013";
  return format_number(100.0 * fraction, decimals) + "%";
}

std::string format_significant(double value, int digits) {
  if (!std::isfinite(value)) return "\u2013";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, value);
  return buf;
}

std::string render_table(const Table& table) {
  auto is_numeric = [&](std::size_t column) {
    return column < table.numeric.size() && table.numeric[column];
  };
  std::string out = "<table>\n";
  if (!table.caption.empty())
    out += "<caption>" + escape(table.caption) + "</caption>\n";
  out += "<thead><tr>";
  for (std::size_t c = 0; c < table.header.size(); ++c)
    out += std::string(is_numeric(c) ? "<th class=\"num\">" : "<th>") +
           escape(table.header[c]) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : table.rows) {
    out += "<tr>";
    for (std::size_t c = 0; c < row.size(); ++c)
      out += std::string(is_numeric(c) ? "<td class=\"num\">" : "<td>") +
             escape(row[c]) + "</td>";
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n";
  return out;
}

std::string details(std::string_view summary, std::string_view inner_html) {
  return "<details><summary>" + escape(summary) + "</summary>\n" +
         std::string(inner_html) + "</details>\n";
}

}  // namespace growthcast::report
