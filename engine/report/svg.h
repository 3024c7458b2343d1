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

// Scenario lines on the overlay, difference and sweep charts: distinct,
// opaque, and none of them a fan or target colour above (the screenshot
// test counts those). Scenario k takes kScenarioColours[k % size].
inline constexpr std::string_view kScenarioColours[] = {
    "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
    "#17becf", "#7f7f7f", "#bcbd22", "#1a1a1a", "#393b79"};

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
  // One legend item a line, from (x, y) down, `spacing` apart.
  void legend_column(const std::vector<LegendItem>& items, double x, double y,
                     double spacing);
  // Axis titles: `x_title` centred under the x tick labels, `y_title`
  // rotated along the left edge (units belong in them, e.g. "GDP (...)").
  void axis_titles(std::string_view x_title, std::string_view y_title);
  // A filled dot of radius r at data point (x, y); skipped when not finite.
  void dot(double x, double y, double r, std::string_view colour);
  // A horizontal rule at data value y across the plot area (e.g. zero).
  void horizontal_rule(double y, std::string_view colour);

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
// Greedy word wrap of `text` into lines that fit `width` user units at
// `font_size` (the same glyph estimate); a word longer than a line stays
// whole. At most `max_lines` lines, the last one ending in "…" when cut.
std::vector<std::string> wrap_text(const std::string& text, double width,
                                   double font_size, std::size_t max_lines);

}  // namespace growthcast::report
