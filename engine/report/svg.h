// A minimal SVG plotting helper for the report's fan charts: a plot area
// with linear scales, axes with ticks, lines, bands, a title and a legend.
// Everything is written as inline SVG with explicit colours, so a chart
// copied out of the page still looks the same.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace growthcast::report {

// Colours of the fan charts (the report test looks for the band colours in
// a screenshot, so they are opaque and distinct from everything else).
inline constexpr std::string_view kHistoryColour = "#333333";
inline constexpr std::string_view kMedianColour = "#08519c";
inline constexpr std::string_view kBand50Colour = "#6baed6";
inline constexpr std::string_view kBand90Colour = "#c6dbef";
inline constexpr std::string_view kTargetColour = "#d62728";  // policy targets
// Markers of conditioned years: outturns (filled) and a scenario's pins
// (hollow).
inline constexpr std::string_view kOutturnColour = "#000000";
inline constexpr std::string_view kPinColour = "#d94801";

struct Range {
  double lo = 0.0;
  double hi = 1.0;
};

// Round tick positions ("1, 2, 5 times a power of ten" steps) covering
// [lo, hi] with about `target` intervals; the first and last ticks enclose
// the range.
std::vector<double> nice_ticks(double lo, double hi, int target);
// Integer ticks (years) at a step of 1, 2, 5, 10, ... with at most
// `max_ticks` ticks between lo and hi.
std::vector<double> year_ticks(int lo, int hi, int max_ticks);

struct LegendItem {
  std::string label;
  std::string_view colour;
  bool swatch = false;  // a filled box (band) instead of a line
  bool marker = false;  // a dot (hollow: a ring) instead of a line
  bool hollow = false;
};

class Chart {
 public:
  // `width` x `height` user units; the plot area is inset by the margins.
  Chart(double width, double height, double left, double right, double top,
        double bottom, Range x, Range y);

  double px(double x) const;
  double py(double y) const;

  // A polyline through the finite points; NaN values break the line.
  void line(const std::vector<double>& x, const std::vector<double>& y,
            std::string_view colour, double stroke_width,
            std::string_view dash = {});
  // The area between lo and hi over the points where both are finite.
  void band(const std::vector<double>& x, const std::vector<double>& lo,
            const std::vector<double>& hi, std::string_view colour);
  // A dot at each finite point (a ring when hollow).
  void markers(const std::vector<double>& x, const std::vector<double>& y,
               std::string_view colour, bool hollow);
  // A vertical dashed rule at x (e.g. where the projection starts).
  void vertical_rule(double x, std::string_view colour);
  // Grid lines, axis lines, tick marks and labels.
  void axes(const std::vector<double>& x_ticks,
            const std::vector<double>& y_ticks,
            const std::function<std::string(double)>& x_label,
            const std::function<std::string(double)>& y_label);
  // Title lines (plain text, escaped here), centred above the plot area.
  void title(const std::vector<std::string>& lines, double font_size);
  // One row of legend items starting at (x, y) in user units.
  void legend(const std::vector<LegendItem>& items, double x, double y);

  // The finished <svg> element; `label` becomes its accessible <title>.
  std::string svg(std::string_view label) const;

 private:
  double width_, height_, left_, right_, top_, bottom_;
  Range x_, y_;
  std::string background_;  // grid, drawn first
  std::string body_;        // data
  std::string foreground_;  // axes, labels, legend
};

// Splits "a — b" into lines so that each fits `width` user units at
// `font_size` (an estimate: a bold glyph is about 0.64 em wide).
std::vector<std::string> wrap_title(const std::string& title, double width,
                                    double font_size);

}  // namespace growthcast::report
