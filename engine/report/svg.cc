#include "report/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "report/html.h"

namespace growthcast::report {
namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string text_element(double x, double y, std::string_view anchor,
                         double font_size, std::string_view extra,
                         std::string_view content) {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" +
         std::string(anchor) + "\" font-size=\"" + num(font_size) + "\"" +
         std::string(extra) + ">" + escape(content) + "</text>\n";
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) {
    const double pad = lo == 0.0 ? 1.0 : std::fabs(lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / std::max(1, target);
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power * 10.0;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * power >= raw) {
      step = m * power;
      break;
    }
  }
  std::vector<double> ticks;
  const double first = std::floor(lo / step) * step;
  const double last = std::ceil(hi / step) * step;
  for (double t = first; t <= last + step * 1e-9; t += step)
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
  return ticks;
}

std::vector<double> year_ticks(int lo, int hi, int max_ticks) {
  std::vector<double> ticks;
  for (int step : {1, 2, 5, 10, 20, 50, 100}) {
    const int first = (lo + step - 1) / step * step;
    if ((hi - first) / step + 1 > max_ticks) continue;
    for (int y = first; y <= hi; y += step) ticks.push_back(y);
    return ticks;
  }
  ticks = {double(lo), double(hi)};
  return ticks;
}

Chart::Chart(double width, double height, double left, double right, double top,
             double bottom, Range x, Range y)
    : width_(width),
      height_(height),
      left_(left),
      right_(right),
      top_(top),
      bottom_(bottom),
      x_(x),
      y_(y) {}

double Chart::px(double x) const {
  const double span = x_.hi - x_.lo;
  return left_ +
         (span == 0.0 ? 0.5 : (x - x_.lo) / span) * (width_ - left_ - right_);
}

double Chart::py(double y) const {
  const double span = y_.hi - y_.lo;
  return height_ - bottom_ -
         (span == 0.0 ? 0.5 : (y - y_.lo) / span) * (height_ - top_ - bottom_);
}

void Chart::line(const std::vector<double>& x, const std::vector<double>& y,
                 std::string_view colour, double stroke_width,
                 std::string_view dash) {
  std::string d;
  bool pen_down = false;
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) {
      pen_down = false;
      continue;
    }
    d += (pen_down ? "L" : "M") + num(px(x[i])) + "," + num(py(y[i])) + " ";
    pen_down = true;
  }
  if (d.empty()) return;
  body_ += "<path d=\"" + d + "\" fill=\"none\" stroke=\"" +
           std::string(colour) + "\" stroke-width=\"" + num(stroke_width) +
           "\" stroke-linejoin=\"round\"";
  if (!dash.empty()) body_ += " stroke-dasharray=\"" + std::string(dash) + "\"";
  body_ += "/>\n";
}

void Chart::band(const std::vector<double>& x, const std::vector<double>& lo,
                 const std::vector<double>& hi, std::string_view colour) {
  std::vector<std::size_t> keep;
  for (std::size_t i = 0; i < x.size() && i < lo.size() && i < hi.size(); ++i)
    if (std::isfinite(x[i]) && std::isfinite(lo[i]) && std::isfinite(hi[i]))
      keep.push_back(i);
  if (keep.size() < 2) return;
  std::string points;
  for (std::size_t i : keep)
    points += num(px(x[i])) + "," + num(py(hi[i])) + " ";
  for (auto it = keep.rbegin(); it != keep.rend(); ++it)
    points += num(px(x[*it])) + "," + num(py(lo[*it])) + " ";
  body_ += "<polygon points=\"" + points + "\" fill=\"" + std::string(colour) +
           "\" stroke=\"none\"/>\n";
}

void Chart::markers(const std::vector<double>& x, const std::vector<double>& y,
                    std::string_view colour, bool hollow) {
  const std::string paint = hollow ? "fill=\"#ffffff\" stroke=\"" +
                                         std::string(colour) +
                                         "\" stroke-width=\"1.4\""
                                   : "fill=\"" + std::string(colour) + "\"";
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i)
    if (std::isfinite(x[i]) && std::isfinite(y[i]))
      body_ += "<circle cx=\"" + num(px(x[i])) + "\" cy=\"" + num(py(y[i])) +
               "\" r=\"2.6\" " + paint + "/>\n";
}

void Chart::vertical_rule(double x, std::string_view colour) {
  background_ += "<line x1=\"" + num(px(x)) + "\" x2=\"" + num(px(x)) +
                 "\" y1=\"" + num(top_) + "\" y2=\"" + num(height_ - bottom_) +
                 "\" stroke=\"" + std::string(colour) +
                 "\" stroke-width=\"1\" stroke-dasharray=\"3 3\"/>\n";
}

void Chart::axes(const std::vector<double>& x_ticks,
                 const std::vector<double>& y_ticks,
                 const std::function<std::string(double)>& x_label,
                 const std::function<std::string(double)>& y_label) {
  const double bottom = height_ - bottom_, right = width_ - right_;
  for (double t : y_ticks) {
    const double y = py(t);
    background_ += "<line x1=\"" + num(left_) + "\" x2=\"" + num(right) +
                   "\" y1=\"" + num(y) + "\" y2=\"" + num(y) +
                   "\" stroke=\"#e4e4e4\" stroke-width=\"1\"/>\n";
    foreground_ += "<line x1=\"" + num(left_ - 4) + "\" x2=\"" + num(left_) +
                   "\" y1=\"" + num(y) + "\" y2=\"" + num(y) +
                   "\" stroke=\"#555\" stroke-width=\"1\"/>\n";
    foreground_ += text_element(left_ - 6, y + 3.5, "end", 10, " fill=\"#333\"",
                                y_label(t));
  }
  for (double t : x_ticks) {
    const double x = px(t);
    foreground_ += "<line x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" +
                   num(bottom) + "\" y2=\"" + num(bottom + 4) +
                   "\" stroke=\"#555\" stroke-width=\"1\"/>\n";
    foreground_ += text_element(x, bottom + 15, "middle", 10, " fill=\"#333\"",
                                x_label(t));
  }
  foreground_ += "<path d=\"M" + num(left_) + "," + num(top_) + " L" +
                 num(left_) + "," + num(bottom) + " L" + num(right) + "," +
                 num(bottom) + "\" fill=\"none\" stroke=\"#555\"/>\n";
}

void Chart::title(const std::vector<std::string>& lines, double font_size) {
  double y = font_size + 2;
  for (const auto& text : lines) {
    foreground_ += text_element(width_ / 2, y, "middle", font_size,
                                " font-weight=\"bold\" fill=\"#111\"", text);
    y += font_size * 1.25;
  }
}

void Chart::legend(const std::vector<LegendItem>& items, double x, double y) {
  for (const auto& item : items) {
    if (item.marker) {
      foreground_ +=
          "<circle cx=\"" + num(x + 7) + "\" cy=\"" + num(y - 3.5) +
          "\" r=\"2.6\" " +
          (item.hollow
               ? "fill=\"#ffffff\" stroke=\"" + std::string(item.colour) +
                     "\" stroke-width=\"1.4\""
               : "fill=\"" + std::string(item.colour) + "\"") +
          "/>\n";
    } else if (item.swatch) {
      foreground_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y - 8) +
                     "\" width=\"14\" height=\"9\" fill=\"" +
                     std::string(item.colour) + "\"/>\n";
    } else {
      foreground_ += "<line x1=\"" + num(x) + "\" x2=\"" + num(x + 14) +
                     "\" y1=\"" + num(y - 3.5) + "\" y2=\"" + num(y - 3.5) +
                     "\" stroke=\"" + std::string(item.colour) +
                     "\" stroke-width=\"2\"/>\n";
    }
    foreground_ +=
        text_element(x + 18, y, "start", 10, " fill=\"#333\"", item.label);
    x += 18 + 5.6 * double(item.label.size()) + 12;
  }
}

void Chart::legend_column(const std::vector<LegendItem>& items, double x,
                          double y, double spacing) {
  for (const auto& item : items) {
    legend({item}, x, y);
    y += spacing;
  }
}

void Chart::axis_titles(std::string_view x_title, std::string_view y_title) {
  if (!x_title.empty())
    foreground_ += text_element((left_ + width_ - right_) / 2, height_ - 4,
                                "middle", 10, " fill=\"#333\"", x_title);
  if (!y_title.empty()) {
    const double x = 11, y = (top_ + height_ - bottom_) / 2;
    foreground_ += text_element(x, y, "middle", 10,
                                " fill=\"#333\" transform=\"rotate(-90 " +
                                    num(x) + " " + num(y) + ")\"",
                                y_title);
  }
}

void Chart::dot(double x, double y, double r, std::string_view colour) {
  if (!std::isfinite(x) || !std::isfinite(y)) return;
  body_ += "<circle cx=\"" + num(px(x)) + "\" cy=\"" + num(py(y)) + "\" r=\"" +
           num(r) + "\" fill=\"" + std::string(colour) + "\"/>\n";
}

void Chart::horizontal_rule(double y, std::string_view colour) {
  background_ += "<line x1=\"" + num(left_) + "\" x2=\"" +
                 num(width_ - right_) + "\" y1=\"" + num(py(y)) + "\" y2=\"" +
                 num(py(y)) + "\" stroke=\"" + std::string(colour) +
                 "\" stroke-width=\"1.2\"/>\n";
}

std::string Chart::svg(std::string_view label) const {
  // Inline SVG in HTML needs no xmlns, so the page names no URL at all.
  return "<svg viewBox=\"0 0 " + num(width_) + " " + num(height_) +
         "\" role=\"img\" font-family=\"" +
         "DejaVu Sans, Liberation Sans, Arial, sans-serif\">\n<title>" +
         escape(label) + "</title>\n" + background_ + body_ + foreground_ +
         "</svg>\n";
}

std::vector<std::string> wrap_title(const std::string& title, double width,
                                    double font_size) {
  const auto fits = [&](const std::string& s) {
    return 0.64 * font_size * double(s.size()) <= width;
  };
  if (fits(title)) return {title};
  const std::string dash = " \u2014 ";
  const std::size_t at = title.find(dash);
  if (at == std::string::npos) return {title};
  return {title.substr(0, at + dash.size() - 1),
          title.substr(at + dash.size())};
}

std::vector<std::string> wrap_text(const std::string& text, double width,
                                   double font_size, std::size_t max_lines) {
  const std::size_t per_line =
      std::max<std::size_t>(1, std::size_t(width / (0.64 * font_size)));
  std::vector<std::string> lines;
  std::string line;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find(' ', at);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(at, end - at);
    at = end + 1;
    if (word.empty()) continue;
    // Count code points, not bytes: titles hold dashes and CJK names.
    const auto length = [](const std::string& s) {
      std::size_t n = 0;
      for (unsigned char c : s) n += (c & 0xC0) != 0x80;
      return n;
    };
    if (!line.empty() && length(line) + 1 + length(word) > per_line) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) lines.push_back(line);
  if (lines.size() > max_lines && max_lines > 0) {
    lines.resize(max_lines);
    lines.back() += "\u2026";
  }
  return lines;
}

}  // namespace growthcast::report
