#include "report/report.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "backtest/scores.h"
#include "models/registry.h"
#include "report/html.h"
#include "report/result_data.h"
#include "report/svg.h"
#include "store/result_file.h"

namespace growthcast::report {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kTableYears[] = {2025, 2030, 2035};

// The model the file's calibration names (models::find_model), or null
// when the file names none or one this build does not know.
const models::ModelInfo* model_of(const ReportData& data) {
  return models::find_model(data.calibration.model);
}
// The contributions and their technology flags: the model's, else the
// default model's (files without a /calibration).
const std::vector<models::ContributionInfo>& contributions_of(
    const models::ModelInfo* model) {
  return (model ? model : models::find_model(models::kDefaultModel))
      ->contributions;
}

// One block of the fan-chart section: a unit (a group, or a region for
// scenarios without groups) and the scenarios that report it.
struct Panel {
  std::size_t unit = 0;
  std::vector<std::size_t> scenarios;
};

std::vector<Panel> panels_of(const ForecastData& f) {
  std::vector<Panel> panels;
  const auto add = [&](std::size_t u, std::size_t s) {
    auto it = std::find_if(panels.begin(), panels.end(),
                           [&](const Panel& p) { return p.unit == u; });
    if (it == panels.end()) {
      panels.push_back({u, {}});
      it = panels.end() - 1;
    }
    it->scenarios.push_back(s);
  };
  for (std::size_t s = 0; s < f.scenarios.size(); ++s) {
    bool any_group = false;
    for (std::size_t u = 0; u < f.units.size(); ++u)
      any_group = any_group || (f.is_group[u] && f.reports(s, u));
    for (std::size_t u = 0; u < f.units.size(); ++u)
      if (f.reports(s, u) && (f.is_group[u] || !any_group)) add(u, s);
  }
  return panels;
}

// Decimals that show about four significant digits of `magnitude`.
int decimals_for(double magnitude) {
  if (!std::isfinite(magnitude) || magnitude == 0.0) return 0;
  return std::clamp(3 - int(std::floor(std::log10(std::fabs(magnitude)))), 0,
                    6);
}

// Decimals that write every multiple of a tick step exactly (0.25 -> 2).
int step_decimals(double step) {
  for (int d = 0; d < 6; ++d) {
    const double scaled = step * std::pow(10.0, d);
    if (std::fabs(scaled - std::round(scaled)) < 1e-6 * scaled) return d;
  }
  return 6;
}

// ---------------------------------------------------------------- charts

struct Series {
  std::vector<double> x, q05, q25, q50, q75, q95;
};

// Level (GDP) or annual growth: what a fan chart shows.
enum class Measure { level, growth };

// Conditioned years on a fan (docs/conditioning.md): the outturn years
// (every draw equals the data there) and the scenario's pins on this unit,
// at their level or growth.
struct ConditionMarks {
  std::vector<double> outturn_x, outturn_y, pin_x, pin_y;
  bool any() const { return !outturn_x.empty() || !pin_x.empty(); }
};

ConditionMarks condition_marks(const ForecastData& f, std::size_t s,
                               std::size_t u, Measure m) {
  ConditionMarks out;
  const std::size_t median = f.level(0.5);
  auto median_at = [&](std::size_t y) {
    return m == Measure::level ? f.gdp(s, u, y, median)
                               : f.growth(s, u, y, median);
  };
  auto year_index = [&](int year) -> std::optional<std::size_t> {
    const auto it = std::find(f.years.begin(), f.years.end(), year);
    if (it == f.years.end()) return std::nullopt;
    return std::size_t(it - f.years.begin());
  };
  if (s < f.outturn_years.size())
    for (int year : f.outturn_years[s])
      if (const auto y = year_index(year)) {
        out.outturn_x.push_back(year);
        out.outturn_y.push_back(median_at(*y));
      }
  if (s < f.pins.size())
    for (const auto& pin : f.pins[s]) {
      const auto y = year_index(pin.year);
      if (pin.unit != f.units[u] || !y) continue;
      out.pin_x.push_back(pin.year);
      // A pin is exact in its own measure; in the other it sits on the
      // median (every draw meets it, so the median does).
      const bool own = (m == Measure::growth) == pin.growth;
      out.pin_y.push_back(own ? pin.value : median_at(*y));
    }
  return out;
}

// The axis title with the unit the file records for GDP.
std::string gdp_axis_title(const ForecastData& f) {
  return f.gdp_units.empty() ? std::string("GDP") : "GDP (" + f.gdp_units + ")";
}
constexpr const char* kGrowthAxisTitle = "Annual GDP growth (%)";

// Observed annual growth Y_t / Y_t-1 - 1 (the definition of gdp_growth,
// montecarlo::VariableUnits), NaN in the first history year.
std::vector<double> history_growth(const ForecastData& f, std::size_t u) {
  std::vector<double> out(f.history_years.size(), kNaN);
  for (std::size_t t = 1; t < f.history_years.size(); ++t)
    out[t] = f.history(u, t) / f.history(u, t - 1) - 1.0;
  return out;
}

std::vector<double> history_values(const ForecastData& f, std::size_t u,
                                   Measure m) {
  if (m == Measure::growth) return history_growth(f, u);
  std::vector<double> out;
  for (std::size_t t = 0; t < f.history_years.size(); ++t)
    out.push_back(f.history(u, t));
  return out;
}

// The projection's quantiles of one measure, starting at the last
// observed year so that the fan opens from the data.
Series series_of(const ForecastData& f, std::size_t s, std::size_t u,
                 Measure m) {
  Series out;
  const std::vector<double> h = history_values(f, u, m);
  if (!h.empty() && f.history_years.back() < f.years.front() &&
      std::isfinite(h.back())) {
    out.x.push_back(f.history_years.back());
    for (auto* v : {&out.q05, &out.q25, &out.q50, &out.q75, &out.q95})
      v->push_back(h.back());
  }
  const std::size_t levels[] = {f.level(0.05), f.level(0.25), f.level(0.5),
                                f.level(0.75), f.level(0.95)};
  auto value = [&](std::size_t y, std::size_t q) {
    return m == Measure::level ? f.gdp(s, u, y, q) : f.growth(s, u, y, q);
  };
  for (std::size_t y = 0; y < f.years.size(); ++y) {
    out.x.push_back(f.years[y]);
    out.q05.push_back(value(y, levels[0]));
    out.q25.push_back(value(y, levels[1]));
    out.q50.push_back(value(y, levels[2]));
    out.q75.push_back(value(y, levels[3]));
    out.q95.push_back(value(y, levels[4]));
  }
  return out;
}

// The range of one measure over a panel's history and 90% bands (and, for
// GDP, its targets), shared by its charts so that scenarios compare at a
// glance.
Range measure_range(const ForecastData& f, const Panel& panel, Measure m) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  const auto take = [&](double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  };
  for (double v : history_values(f, panel.unit, m)) take(v);
  for (std::size_t s : panel.scenarios) {
    const Series series = series_of(f, s, panel.unit, m);
    for (double v : series.q05) take(v);
    for (double v : series.q95) take(v);
    if (m == Measure::level)
      for (const auto& t : f.targets)
        if (t.scenario == s && t.unit == panel.unit) take(t.value);
  }
  if (!std::isfinite(lo))
    return m == Measure::level ? Range{0.0, 1.0} : Range{0.0, 0.1};
  return {lo, hi};
}

// "unit —" then the scenario's title, word-wrapped to fit the chart.
std::vector<std::string> title_lines(const std::string& unit,
                                     const std::string& title, double width,
                                     double font_size) {
  // Descriptions often start with the unit ("Chengdu-Chongqing: R&D ..."):
  // the chart says it once.
  const std::string prefix = unit + ": ";
  const std::string rest =
      title.rfind(prefix, 0) == 0 ? title.substr(prefix.size()) : title;
  if (rest != title) return title_lines(unit, rest, width, font_size);
  auto lines = wrap_title(unit + " \u2014 " + title, width, font_size);
  if (lines.size() == 1) return lines;
  std::vector<std::string> out = {lines.front()};
  for (auto& line : wrap_text(title, width, font_size, 3))
    out.push_back(std::move(line));
  return out;
}

// Tick labels of a growth axis (fractions) in percent.
std::function<std::string(double)> percent_ticks(
    const std::vector<double>& ticks) {
  const int d =
      ticks.size() > 1 ? step_decimals(100 * (ticks[1] - ticks[0])) : 0;
  return [d](double v) { return format_number(100 * v, d); };
}

std::function<std::string(double)> number_ticks(
    const std::vector<double>& ticks) {
  const int d = ticks.size() > 1 ? step_decimals(ticks[1] - ticks[0]) : 0;
  return [d](double v) { return format_number(v, d); };
}

std::string year_text(double year) {
  return std::to_string(int(std::lround(year)));
}

std::string fan_chart(const ForecastData& f, std::size_t s, std::size_t u,
                      Range range, Measure m) {
  constexpr double kWidth = 340, kHeight = 300, kTitleFont = 12;
  const auto lines =
      title_lines(f.units[u], f.title(s), kWidth - 8, kTitleFont);
  const double legend_y = 6 + 15 * double(lines.size()) + 12;
  const std::string label =
      std::string(m == Measure::level ? "GDP" : "GDP growth") + ": " +
      f.units[u] + " \u2014 " + f.title(s);

  const std::vector<double> y_ticks = nice_ticks(range.lo, range.hi, 6);
  const int first_year =
      f.history_years.empty() ? f.years.front() : f.history_years.front();
  const int last_year = f.years.back();
  const ConditionMarks marks = condition_marks(f, s, u, m);
  Chart chart(kWidth, kHeight, 66, 14, legend_y + (marks.any() ? 26 : 12), 36,
              {double(first_year), double(last_year)},
              {y_ticks.front(), y_ticks.back()});
  chart.axes(
      year_ticks(first_year, last_year, 7), y_ticks, year_text,
      m == Measure::level ? number_ticks(y_ticks) : percent_ticks(y_ticks));
  chart.axis_titles("Year",
                    m == Measure::level ? gdp_axis_title(f) : kGrowthAxisTitle);
  if (m == Measure::growth && y_ticks.front() < 0 && y_ticks.back() > 0)
    chart.horizontal_rule(0.0, "#aaaaaa");

  const Series p = series_of(f, s, u, m);
  chart.band(p.x, p.q05, p.q95, kBand90Colour);
  chart.band(p.x, p.q25, p.q75, kBand50Colour);
  if (!f.history_years.empty()) {
    std::vector<double> hx(f.history_years.begin(), f.history_years.end());
    chart.vertical_rule(f.history_years.back(), "#999999");
    chart.line(hx, history_values(f, u, m), kHistoryColour, 2.0);
  }
  chart.line(p.x, p.q50, kMedianColour, 1.6);
  chart.markers(marks.outturn_x, marks.outturn_y, kOutturnColour, false);
  chart.markers(marks.pin_x, marks.pin_y, kPinColour, true);
  // A policy target (GDP level, on the level fan): a dashed level from the
  // projection's start to its year, ending in a cross at (year, target).
  std::vector<LegendItem> legend = {{"History", kHistoryColour, false},
                                    {"Median", kMedianColour, false},
                                    {"50% band", kBand50Colour, true},
                                    {"90% band", kBand90Colour, true}};
  for (const auto& t : f.targets) {
    if (m != Measure::level || t.scenario != s || t.unit != u) continue;
    const double x0 = p.x.empty() ? t.year : p.x.front(), y = t.value;
    chart.line({x0, double(t.year)}, {y, y}, kTargetColour, 1.2, "4 3");
    const double dx = 0.3, dy = 0.015 * (y_ticks.back() - y_ticks.front());
    chart.line({t.year - dx, t.year + dx}, {y - dy, y + dy}, kTargetColour, 2);
    chart.line({t.year - dx, t.year + dx}, {y + dy, y - dy}, kTargetColour, 2);
    char target_label[64];
    std::snprintf(target_label, sizeof target_label, "%s P=%.2f",
                  t.reachable ? "Target" : "Out of reach", t.probability);
    // Short band labels leave room for the target's.
    legend = {{"Median", kMedianColour, false},
              {"50%", kBand50Colour, true},
              {"90%", kBand90Colour, true},
              {target_label, kTargetColour, false}};
  }
  chart.title(lines, kTitleFont);
  if (marks.any()) {
    std::vector<LegendItem> items;
    if (!marks.outturn_x.empty())
      items.push_back({"Outturn (all draws)", kOutturnColour, false, true});
    if (!marks.pin_x.empty())
      items.push_back({"Condition", kPinColour, false, true, true});
    chart.legend(items, 16, legend_y + 14);
  }
  chart.legend(legend, 16, legend_y);
  return "<figure class=\"chart\">\n" + chart.svg(label) + "</figure>\n";
}

// --------------------------------------------------------------- tables

std::string forecast_table(const ForecastData& f, const Panel& panel,
                           const std::vector<models::ContributionInfo>& flags) {
  Table table;
  table.header = {"Scenario", "Name"};
  std::vector<std::size_t> year_index;
  for (int year : kTableYears) {
    const auto it = std::find(f.years.begin(), f.years.end(), year);
    if (it == f.years.end()) continue;
    year_index.push_back(std::size_t(it - f.years.begin()));
    table.header.push_back("GDP " + std::to_string(year) + " (" + f.gdp_units +
                           "): median [90% band]");
  }
  table.header.push_back("Mean annual growth");
  table.header.push_back("Technology share of growth");
  table.numeric.assign(table.header.size(), true);
  table.numeric[0] = table.numeric[1] = false;

  const std::size_t q05 = f.level(0.05), q50 = f.level(0.5),
                    q95 = f.level(0.95);
  for (std::size_t s : panel.scenarios) {
    std::vector<std::string> row = {f.title(s), f.scenarios[s]};
    for (std::size_t y : year_index) {
      const double median = f.gdp(s, panel.unit, y, q50);
      const int d = decimals_for(median);
      row.push_back(format_number(median, d) + " [" +
                    format_number(f.gdp(s, panel.unit, y, q05), d) + "\u2013" +
                    format_number(f.gdp(s, panel.unit, y, q95), d) + "]");
    }
    double growth = 0.0;
    // Each contribution summed over the years; together they are d ln Y
    // (TFP is the remainder), the share's denominator.
    std::vector<double> sums(flags.size(), 0.0);
    double dlny = 0.0;
    for (std::size_t y = 0; y < f.years.size(); ++y) {
      const std::size_t c = f.cell(s, panel.unit, y);
      growth += f.gdp_growth_mean[c];
      for (std::size_t k = 0; k < flags.size(); ++k)
        sums[k] += f.mean("contribution_" + std::string(flags[k].name), c);
    }
    for (double v : sums) dlny += v;
    row.push_back(format_percent(growth / double(f.years.size()), 2));
    row.push_back(
        format_percent(models::technology_share(sums, flags, dlny), 1));
    table.rows.push_back(std::move(row));
  }
  return render_table(table);
}

// ------------------------------------------- scenarios compared per unit

// Panels with more scenarios than this (sweeps) get no overlay or
// difference charts (the sweep section shows them by axis instead), and
// their fan charts are collapsed.
constexpr std::size_t kMaxOverlaid = 8;

std::string_view scenario_colour(std::size_t k) {
  return kScenarioColours[k % std::size(kScenarioColours)];
}

// The panel's baseline: the scenario named ".../baseline" (the shipped
// scenario sets name theirs so), else the panel's first scenario.
std::size_t baseline_of(const ForecastData& f, const Panel& panel) {
  for (std::size_t s : panel.scenarios) {
    const std::string& name = f.scenarios[s];
    const std::size_t slash = name.rfind('/');
    if (name.substr(slash == std::string::npos ? 0 : slash + 1) == "baseline")
      return s;
  }
  return panel.scenarios.front();
}

// The year indices of the tables' years the projection has.
std::vector<std::size_t> table_year_index(const ForecastData& f) {
  std::vector<std::size_t> out;
  for (int year : kTableYears) {
    const auto it = std::find(f.years.begin(), f.years.end(), year);
    if (it != f.years.end()) out.push_back(std::size_t(it - f.years.begin()));
  }
  return out;
}

// A line chart of one value per scenario and projection year, one colour
// per scenario, the legend one title a line under the title.
struct LineSet {
  std::string title, y_title, label;
  bool percent = false;  // values are fractions shown in percent
  bool zero_rule = false;
  bool history = false;  // the unit's observed GDP (level charts)
  std::vector<std::size_t> scenarios;
  std::vector<std::vector<double>> values;  // [scenario k][year]
  // Each line's colour index: the scenario's position in its panel, so a
  // scenario has one colour on every chart of the panel.
  std::vector<std::size_t> colours;
};

std::string line_chart(const ForecastData& f, std::size_t u,
                       const LineSet& set) {
  constexpr double kWidth = 440, kTitleFont = 12;
  const auto lines = wrap_text(set.title, kWidth - 8, kTitleFont, 2);
  const double legend_y = 6 + 15 * double(lines.size()) + 12;
  const double top =
      legend_y + 14 * double(set.scenarios.size() + (set.history ? 1 : 0));
  const double height = top + 220;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  const auto take = [&](double v) {
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  };
  for (const auto& v : set.values)
    for (double x : v) take(x);
  std::vector<double> hx, hy;
  if (set.history) {
    hx.assign(f.history_years.begin(), f.history_years.end());
    hy = history_values(f, u, Measure::level);
    for (double v : hy) take(v);
  }
  if (set.zero_rule) take(0.0);
  if (!std::isfinite(lo)) lo = 0.0, hi = 1.0;
  const std::vector<double> y_ticks = nice_ticks(lo, hi, 6);
  const int first_year = hx.empty() ? f.years.front() : int(hx.front());
  const int last_year = f.years.back();
  Chart chart(kWidth, height, 66, 14, top, 36,
              {double(first_year), double(last_year)},
              {y_ticks.front(), y_ticks.back()});
  chart.axes(year_ticks(first_year, last_year, 8), y_ticks, year_text,
             set.percent ? percent_ticks(y_ticks) : number_ticks(y_ticks));
  chart.axis_titles("Year", set.y_title);
  if (set.zero_rule) chart.horizontal_rule(0.0, "#888888");
  std::vector<LegendItem> legend;
  if (set.history) {
    chart.vertical_rule(hx.back(), "#999999");
    chart.line(hx, hy, kHistoryColour, 2.0);
    legend.push_back({"History", kHistoryColour, false});
  }
  std::vector<double> x(f.years.begin(), f.years.end());
  // Level lines open from the last observed year, as the fans do.
  const bool open = set.history && !hx.empty() && hx.back() < x.front() &&
                    std::isfinite(hy.back());
  if (open) x.insert(x.begin(), hx.back());
  for (std::size_t k = 0; k < set.scenarios.size(); ++k) {
    std::vector<double> y = set.values[k];
    if (open) y.insert(y.begin(), hy.back());
    chart.line(x, y, scenario_colour(set.colours[k]), 1.8);
    // One line each, cut to the chart's width (the table below has them
    // whole).
    const auto cut =
        wrap_text(f.title(set.scenarios[k]), kWidth - 40, 10 * 0.875, 1);
    legend.push_back({cut.empty() ? std::string() : cut.front(),
                      scenario_colour(set.colours[k]), false});
  }
  chart.title(lines, kTitleFont);
  chart.legend_column(legend, 16, legend_y, 14);
  return "<figure class=\"chart\">\n" + chart.svg(set.label) + "</figure>\n";
}

// The panel's scenarios on one chart (medians), and each scenario's
// difference from the baseline: level in percent of the baseline's median
// and growth in percentage points, as charts and a table.
std::string comparison(const ForecastData& f, const Panel& panel) {
  const std::size_t u = panel.unit, base = baseline_of(f, panel);
  const std::size_t q50 = f.level(0.5), ny = f.years.size();
  LineSet overlay;
  overlay.title = f.units[u] + " \u2014 scenarios compared (medians)";
  overlay.label = overlay.title;
  overlay.y_title = gdp_axis_title(f);
  overlay.history = !f.history_years.empty();
  LineSet level;
  level.title = f.units[u] + " \u2014 GDP difference from " + f.title(base);
  level.label = level.title;
  level.y_title = "Difference of medians (% of baseline)";
  level.percent = level.zero_rule = true;
  LineSet growth;
  growth.title = f.units[u] + " \u2014 growth difference from " + f.title(base);
  growth.label = growth.title;
  growth.y_title = "Difference of median growth (pp)";
  growth.percent = growth.zero_rule = true;

  Table table;
  table.caption = "Difference from the baseline, " + f.title(base) + " (" +
                  f.scenarios[base] + ")";
  table.header = {"Scenario", "Name"};
  const std::vector<std::size_t> year_index = table_year_index(f);
  for (std::size_t y : year_index)
    table.header.push_back("GDP " + std::to_string(f.years[y]) +
                           " vs baseline (median, %)");
  table.header.push_back("Annual growth vs baseline (mean of median, pp)");
  table.numeric.assign(table.header.size(), true);
  table.numeric[0] = table.numeric[1] = false;

  for (std::size_t position = 0; position < panel.scenarios.size();
       ++position) {
    const std::size_t s = panel.scenarios[position];
    std::vector<double> gdp(ny), dlevel(ny), dgrowth(ny);
    double growth_gap = 0.0;
    for (std::size_t y = 0; y < ny; ++y) {
      gdp[y] = f.gdp(s, u, y, q50);
      dlevel[y] = gdp[y] / f.gdp(base, u, y, q50) - 1.0;
      dgrowth[y] = f.growth(s, u, y, q50) - f.growth(base, u, y, q50);
      growth_gap += dgrowth[y];
    }
    overlay.scenarios.push_back(s);
    overlay.values.push_back(gdp);
    overlay.colours.push_back(position);
    if (s == base) continue;
    for (auto* set : {&level, &growth}) {
      set->scenarios.push_back(s);
      set->colours.push_back(position);
    }
    level.values.push_back(dlevel);
    growth.values.push_back(dgrowth);
    std::vector<std::string> row = {f.title(s), f.scenarios[s]};
    for (std::size_t y : year_index)
      row.push_back(format_percent(dlevel[y], 2));
    row.push_back(format_number(100 * growth_gap / double(ny), 2) + " pp");
    table.rows.push_back(std::move(row));
  }
  return "<div class=\"grid wide\">\n" + line_chart(f, u, overlay) +
         line_chart(f, u, level) + line_chart(f, u, growth) + "</div>\n" +
         render_table(table);
}

// Each scenario's level fan with its growth fan beside it.
std::string fan_pairs(const ForecastData& f, const Panel& panel) {
  const Range gdp = measure_range(f, panel, Measure::level);
  const Range growth = measure_range(f, panel, Measure::growth);
  std::string out = "<div class=\"grid pairs\">\n";
  for (std::size_t s : panel.scenarios) {
    out += "<div class=\"pair\">\n" +
           fan_chart(f, s, panel.unit, gdp, Measure::level);
    if (!f.growth_quantiles.empty())
      out += fan_chart(f, s, panel.unit, growth, Measure::growth);
    out += "</div>\n";
  }
  out += "</div>\n";
  if (panel.scenarios.size() > kMaxOverlaid)
    return details(
        "Fan charts (" + std::to_string(panel.scenarios.size()) + " scenarios)",
        out);
  return out;
}

// The group's provinces, each with its fans and table, collapsed.
std::string provinces(const ForecastData& f, const Panel& group,
                      const std::vector<models::ContributionInfo>& flags) {
  const auto it = f.group_regions.find(f.units[group.unit]);
  if (!f.is_group[group.unit] || it == f.group_regions.end()) return {};
  std::string inner, names;
  std::size_t count = 0;
  for (const std::string& region : it->second) {
    const auto at = std::find(f.units.begin(), f.units.end(), region);
    if (at == f.units.end()) continue;
    Panel panel{std::size_t(at - f.units.begin()), {}};
    if (f.is_group[panel.unit]) continue;
    for (std::size_t s : group.scenarios)
      if (f.reports(s, panel.unit)) panel.scenarios.push_back(s);
    if (panel.scenarios.empty()) continue;
    names += (count++ ? ", " : "") + region;
    inner += "<section class=\"province\">\n<h4>" + escape(region) + "</h4>\n" +
             fan_pairs(f, panel) + forecast_table(f, panel, flags) +
             "</section>\n";
  }
  if (count == 0) return {};
  return details("Provinces of " + f.units[group.unit] + " (" +
                     std::to_string(count) + "): " + names,
                 inner);
}

std::string fan_chart_section(
    const ForecastData& f, const std::string& gdp_note,
    const std::vector<models::ContributionInfo>& flags) {
  std::string out =
      "<section id=\"forecasts\">\n<h2>Forecasts</h2>\n<p class=\"note\">" +
      escape(gdp_note) +
      " Solid dark line: observed GDP; blue line: the projection's median; "
      "bands: 50% (25th\u201375th percentile) and 90% (5th\u201395th) of the "
      "Monte Carlo draws. Each scenario's GDP fan has its annual growth fan "
      "(Y_t / Y_t\u22121 \u2212 1, in percent) beside it; fans of one unit "
      "share their axes. Where a unit has several scenarios, their medians "
      "are overlaid, and each one's difference from the baseline scenario "
      "is shown as the difference of the medians: GDP in percent of the "
      "baseline's, growth in percentage points. Mean annual growth is the "
      "mean over the projection years of the mean GDP growth; technology's "
      "share of growth is " +
      escape(models::technology_share_definition(flags)) +
      ", each summed over the projection years (the contributions add up to "
      "d ln Y). Each group's provinces are under its tables." +
      (f.targets.empty()
           ? std::string()
           : std::string(
                 " Red dashed line and cross on a GDP fan: a policy target "
                 "(docs/targets.md); P is the share of draws reaching it, and "
                 "\u201cout of reach\u201d marks one the central path cannot "
                 "meet within the instrument's bounds.")) +
      "</p>\n";
  for (const Panel& panel : panels_of(f)) {
    out += "<section class=\"unit\">\n<h3>" + escape(f.units[panel.unit]) +
           "</h3>\n";
    if (panel.scenarios.size() > 1 && panel.scenarios.size() <= kMaxOverlaid &&
        !f.growth_quantiles.empty())
      out += comparison(f, panel);
    out += fan_pairs(f, panel) + forecast_table(f, panel, flags) +
           provinces(f, panel, flags) + "</section>\n";
  }
  return out + "</section>\n";
}

// ------------------------------------------------------------ sweeps

// The year the sweep section reads: 2035, else the horizon.
std::size_t sweep_year(const ForecastData& f) {
  const auto it = std::find(f.years.begin(), f.years.end(), 2035);
  return it == f.years.end() ? f.years.size() - 1
                             : std::size_t(it - f.years.begin());
}

// One axis's positions: its numbers, or a label's index among the axis's
// distinct labels (in order of first appearance).
struct AxisPositions {
  std::vector<double> x;            // per scenario
  std::vector<std::string> labels;  // distinct labels (label axes)
};

AxisPositions positions_of(const ForecastData::SweepAxis& axis) {
  AxisPositions out;
  if (axis.numeric) {
    out.x = axis.numbers;
    return out;
  }
  for (const auto& label : axis.labels) {
    auto it = std::find(out.labels.begin(), out.labels.end(), label);
    if (it == out.labels.end()) it = out.labels.insert(it, label);
    out.x.push_back(double(it - out.labels.begin()));
  }
  return out;
}

// The value (median or 90% band width) against one axis: every point as a
// dot, and a line through the mean over the other axes at each value.
std::string sweep_chart(const ForecastData& f, const Panel& panel,
                        const ForecastData::SweepAxis& axis,
                        const std::vector<double>& values,
                        const std::string& what) {
  constexpr double kWidth = 440, kHeight = 300, kTitleFont = 12;
  const AxisPositions pos = positions_of(axis);
  std::map<double, std::pair<double, int>> by_value;  // sum, count
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  double xlo = lo, xhi = -lo;
  for (std::size_t k = 0; k < panel.scenarios.size(); ++k) {
    const double x = pos.x[panel.scenarios[k]], v = values[k];
    if (!std::isfinite(v) || !std::isfinite(x)) continue;
    lo = std::min(lo, v), hi = std::max(hi, v);
    xlo = std::min(xlo, x), xhi = std::max(xhi, x);
    by_value[x].first += v;
    by_value[x].second += 1;
  }
  if (!std::isfinite(lo)) return {};
  const std::string title = f.units[panel.unit] + " \u2014 " + what + " " +
                            std::to_string(f.years[sweep_year(f)]) +
                            " against " + axis.key;
  const auto lines = wrap_text(title, kWidth - 8, kTitleFont, 2);
  const double legend_y = 6 + 15 * double(lines.size()) + 12;
  const std::vector<double> y_ticks = nice_ticks(lo, hi, 6);
  std::vector<double> x_ticks;
  if (axis.numeric) {
    for (const auto& [x, sum] : by_value) x_ticks.push_back(x);
  } else {
    for (std::size_t i = 0; i < pos.labels.size(); ++i)
      x_ticks.push_back(double(i));
  }
  // A margin of half a step either side so the end dots are not on the axes.
  const double pad = xhi > xlo ? 0.08 * (xhi - xlo) : 0.5;
  Chart chart(kWidth, kHeight, 66, 14, legend_y + 12, 36,
              {xlo - pad, xhi + pad}, {y_ticks.front(), y_ticks.back()});
  const auto x_label = [&](double x) {
    if (!axis.numeric) {
      const std::size_t i = std::size_t(std::lround(x));
      return i < pos.labels.size() ? pos.labels[i] : std::string();
    }
    return format_significant(x, 4);
  };
  chart.axes(x_ticks, y_ticks, x_label, number_ticks(y_ticks));
  chart.axis_titles(
      axis.key,
      what + " (" +
          (f.gdp_units.empty() ? std::string("GDP units") : f.gdp_units) + ")");
  std::vector<double> mx, my;
  for (const auto& [x, sum] : by_value) {
    mx.push_back(x);
    my.push_back(sum.first / sum.second);
  }
  chart.line(mx, my, scenario_colour(0), 1.8);
  for (std::size_t k = 0; k < panel.scenarios.size(); ++k)
    chart.dot(pos.x[panel.scenarios[k]], values[k], 2.6, scenario_colour(1));
  chart.title(lines, kTitleFont);
  chart.legend({{"Sweep point", scenario_colour(1), true},
                {"Mean over the other axes", scenario_colour(0), false}},
               16, legend_y);
  return "<figure class=\"chart\">\n" + chart.svg(title) + "</figure>\n";
}

std::string sweep_section(const ForecastData& f) {
  if (f.sweep_axes.empty()) return {};
  const std::size_t y = sweep_year(f);
  const std::size_t q05 = f.level(0.05), q50 = f.level(0.5),
                    q95 = f.level(0.95);
  const std::string year = std::to_string(f.years[y]);
  std::string out =
      "<section id=\"sweep\">\n<h2>Sweep</h2>\n<p class=\"note\">" +
      escape("The sweep's " + std::to_string(f.scenarios.size()) +
             " points against each of its axes: GDP's median in " + year +
             " and the width of its 90% band (95th minus 5th percentile). "
             "Each dot is a point; the line joins the mean over the points "
             "that share the axis value (the other axes vary among them).") +
      "</p>\n";
  for (const Panel& panel : panels_of(f)) {
    std::vector<double> median, width;
    for (std::size_t s : panel.scenarios) {
      median.push_back(f.gdp(s, panel.unit, y, q50));
      width.push_back(f.gdp(s, panel.unit, y, q95) -
                      f.gdp(s, panel.unit, y, q05));
    }
    out += "<section class=\"unit\">\n<h3>" + escape(f.units[panel.unit]) +
           "</h3>\n<div class=\"grid wide\">\n";
    for (const auto& axis : f.sweep_axes)
      out += sweep_chart(f, panel, axis, median, "GDP median") +
             sweep_chart(f, panel, axis, width, "90% band width");
    out += "</div>\n";
    Table table;
    table.caption = "GDP " + year + " at each point";
    table.header = {"Point"};
    for (const auto& axis : f.sweep_axes) table.header.push_back(axis.key);
    table.header.push_back("GDP " + year + " median");
    table.header.push_back("90% band width");
    table.numeric.assign(table.header.size(), true);
    table.numeric[0] = false;
    for (std::size_t k = 0; k < panel.scenarios.size(); ++k) {
      const std::size_t s = panel.scenarios[k];
      std::vector<std::string> row = {f.scenarios[s]};
      for (const auto& axis : f.sweep_axes)
        row.push_back(axis.numeric ? format_significant(axis.numbers[s], 6)
                                   : axis.labels[s]);
      const int d = decimals_for(median[k]);
      row.push_back(format_number(median[k], d));
      row.push_back(format_number(width[k], d));
      table.rows.push_back(std::move(row));
    }
    out += details("Points (" + std::to_string(table.rows.size()) + ")",
                   render_table(table)) +
           "</section>\n";
  }
  return out + "</section>\n";
}

// A shared parameter fixed at 0 is a term switched off (cobb_douglas_rd's
// phi without spillovers): omitted, as in calibrate's table.
bool switched_off(const std::string& status, double estimate) {
  return status == "fixed" && estimate == 0.0;
}

// The parameter tables from the model's metadata (names, descriptions,
// units, scope) and the statuses the file records, labelled as calibrate's
// table labels them ("free", "fixed", the tie such as "1-alpha", "at lower
// bound"). Without the model's metadata: every unindexed parameter.
void parameter_tables(const CalibrationData& c, const models::ModelInfo* model,
                      Table& shared, Table& regional) {
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < c.parameters.size(); ++i)
    index.emplace(c.parameters[i], i);
  auto shared_row = [&](std::size_t i, std::string description,
                        std::string units) {
    const std::string& status = c.status[i];
    if (switched_off(status, c.estimate[i])) return;
    shared.rows.push_back({c.parameters[i], std::move(description),
                           std::move(units),
                           format_significant(c.estimate[i], 4),
                           format_significant(c.std_error[i], 3),
                           format_significant(c.t_stat[i], 3), status});
  };
  if (!model) {
    for (std::size_t i = 0; i < c.parameters.size(); ++i)
      if (c.parameters[i].find('[') == std::string::npos) shared_row(i, "", "");
    return;
  }
  std::vector<const models::ParameterInfo*> per_region;
  for (const auto& p : model->parameters) {
    if (p.scope == models::Scope::regional) {
      per_region.push_back(&p);
      continue;
    }
    const auto it = index.find(std::string(p.name));
    if (it != index.end())
      shared_row(it->second, std::string(p.description), std::string(p.units));
  }
  if (per_region.empty()) return;
  regional.header = {"Region"};
  for (const auto* p : per_region) {
    regional.header.push_back(std::string(p->name) + ": " +
                              std::string(p->description) + " (" +
                              std::string(p->units) + ")");
    regional.header.push_back("Std. error");
  }
  regional.numeric.assign(regional.header.size(), true);
  regional.numeric[0] = false;
  // The regions in the file's order, from the first regional parameter.
  const std::string first = std::string(per_region.front()->name) + "[";
  for (const auto& name : c.parameters) {
    if (name.rfind(first, 0) != 0 || name.back() != ']') continue;
    const std::string region =
        name.substr(first.size(), name.size() - first.size() - 1);
    std::vector<std::string> row = {region};
    for (const auto* p : per_region) {
      const auto it = index.find(std::string(p->name) + "[" + region + "]");
      row.push_back(it == index.end()
                        ? "\u2013"
                        : format_significant(c.estimate[it->second], 4));
      row.push_back(it == index.end()
                        ? "\u2013"
                        : format_significant(c.std_error[it->second], 3));
    }
    regional.rows.push_back(std::move(row));
  }
}

std::string calibration_section(const CalibrationData& c,
                                const models::ModelInfo* model) {
  std::string out = "<section id=\"calibration\">\n<h2>Calibration</h2>\n";
  if (!c.present)
    return out + "<p>The file has no /calibration group.</p>\n</section>\n";
  if (model)
    out += "<p class=\"note\">Model " + escape(std::string(model->name)) +
           " (version " +
           escape(c.model_version.empty() ? std::string(model->version)
                                          : c.model_version) +
           "): " + escape(std::string(model->summary)) +
           ". Status: free (estimated), fixed, a tie such as 1-alpha, or "
           "held at a bound; a shared parameter fixed at 0 (a term switched "
           "off) is not shown.</p>\n";
  Table shared;
  shared.caption = "Shared parameters";
  shared.header = {"Parameter",  "Description", "Units", "Estimate",
                   "Std. error", "t",           "Status"};
  shared.numeric = {false, false, false, true, true, true, false};
  Table regional;
  parameter_tables(c, model, shared, regional);
  Table fit;
  fit.caption = "Fit";
  fit.header = {"Statistic", "Value"};
  fit.numeric = {false, true};
  for (const auto& [label, value] : c.fit) fit.rows.push_back({label, value});
  out += "<div class=\"side\">\n" + render_table(shared) + render_table(fit) +
         "</div>\n";
  if (!regional.rows.empty())
    out += details("Regional parameters (" +
                       std::to_string(regional.rows.size()) + " regions)",
                   render_table(regional));
  return out + "</section>\n";
}

std::string capitalised(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z')
    text[0] = char(text[0] - 'a' + 'A');
  return text;
}

Table accounting_table(const AccountingData& a, bool groups) {
  Table table;
  table.header = {groups ? "Group" : "Region", "Period"};
  for (const auto& factor : a.factors)
    table.header.push_back(factor == "output" ? "GDP growth"
                           : factor == "tfp"  ? "TFP"
                                              : capitalised(factor));
  table.header.push_back("Technology share");
  table.numeric.assign(table.header.size(), true);
  table.numeric[0] = table.numeric[1] = false;
  const std::size_t np = a.periods.size(), nf = a.factors.size();
  for (std::size_t r = 0; r < a.regions.size(); ++r) {
    if (a.is_group[r] != groups) continue;
    for (std::size_t p = 0; p < np; ++p) {
      std::vector<std::string> row = {a.regions[r], a.periods[p]};
      for (std::size_t k = 0; k < nf; ++k)
        row.push_back(
            format_percent(a.contribution_rd[(r * np + p) * nf + k], 2));
      row.push_back(format_percent(a.technology_share_rd[r * np + p], 1));
      table.rows.push_back(std::move(row));
    }
  }
  return table;
}

std::string accounting_section(const AccountingData& a) {
  std::string out = "<section id=\"accounting\">\n<h2>Growth accounting</h2>\n";
  if (!a.present)
    return out + "<p>The file has no /accounting group.</p>\n</section>\n";
  out +=
      "<p class=\"note\">The calibrated model's decomposition of "
      "observed growth: mean annual log growth of GDP and the contributions "
      "of capital, labour, knowledge (R&amp;D stock) and TFP, in percent per "
      "year; technology share = " +
      escape(a.technology_share_definition) + ".</p>\n";
  const Table groups = accounting_table(a, true);
  if (!groups.rows.empty()) out += render_table(groups);
  const Table regions = accounting_table(a, false);
  if (!regions.rows.empty())
    out += details(groups.rows.empty() ? "Regions" : "Per province / region",
                   render_table(regions));
  return out + "</section>\n";
}

// Identifiers such as seeds: digits only.
std::string integer_text(double value) {
  if (!std::isfinite(value)) return "\u2013";
  return std::to_string(std::llround(value));
}

std::string provenance_footer(const ReportData& data) {
  std::string out = "<footer id=\"provenance\">\n<h2>Provenance</h2>\n<dl>\n";
  out +=
      "<dt>result file</dt><dd><code>" + escape(data.file) + "</code></dd>\n";
  for (const auto& [name, value] : data.provenance)
    out += "<dt>" + escape(name) + "</dt><dd><code>" + escape(value) +
           "</code></dd>\n";
  out += "</dl>\n";
  const ForecastData& f = data.forecast;
  Table runs;
  runs.header = {"Scenario", "Description",   "File",     "Draws",
                 "Seed",     "Random stream", "Quantiles"};
  runs.numeric = {false, false, false, true, true, true, false};
  for (std::size_t s = 0; s < f.scenarios.size(); ++s)
    runs.rows.push_back({f.scenarios[s], f.descriptions[s], f.files[s],
                         format_number(f.draws[s], 0), integer_text(f.seeds[s]),
                         std::to_string(f.random_streams[s]),
                         f.quantile_methods[s]});
  out += details("Scenario runs (" + std::to_string(f.scenarios.size()) + ")",
                 render_table(runs));
  if (!data.input_files.empty())
    out += details("Input files (SHA-256)",
                   "<pre>" + escape(data.input_files) + "</pre>\n");
  return out + "</footer>\n";
}

constexpr const char* kStyle = R"(
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
  color: #222; background: #fff; margin: 0 auto; padding: 16px 24px;
  max-width: 1400px; font-size: 14px; line-height: 1.4; }
h1 { font-size: 22px; margin: 4px 0; }
h2 { font-size: 18px; border-bottom: 2px solid #1f4e79; padding-bottom: 2px;
  margin-top: 28px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
p.note, .meta { color: #555; font-size: 12.5px; max-width: 1100px; }
nav a { margin-right: 14px; color: #1f4e79; }
.grid { display: grid; gap: 10px;
  grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); }
.grid.pairs { grid-template-columns: repeat(auto-fill, minmax(600px, 1fr)); }
.grid.wide { grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); }
.pair { display: grid; gap: 6px; grid-template-columns: 1fr 1fr; }
h4 { font-size: 14px; margin: 14px 0 4px; }
figure.chart { margin: 0; border: 1px solid #ddd; background: #fff; }
figure.chart svg { display: block; width: 100%; height: auto; }
table { border-collapse: collapse; margin: 8px 0 4px; font-size: 12.5px;
  font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border: 1px solid #d6d6d6; padding: 3px 8px; }
th { background: #eef2f7; text-align: left; }
.num { text-align: right; }
td.num { white-space: nowrap; }
th { vertical-align: bottom; }
.side { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
details { margin: 8px 0; }
summary { cursor: pointer; color: #1f4e79; }
footer { margin-top: 28px; font-size: 12px; color: #444; }
footer dl { display: grid; grid-template-columns: max-content 1fr;
  gap: 2px 12px; }
footer dt { font-weight: bold; }
footer dd { margin: 0; overflow-wrap: anywhere; }
pre { font-size: 11px; white-space: pre-wrap; overflow-wrap: anywhere; }
)";

// The backtest's scores, [model][horizon] as stored in /backtest.
struct BacktestData {
  std::string file;
  std::vector<std::string> models;
  std::vector<double> horizons;
  std::map<std::string, std::vector<double>> table;
  // The band scales c_h [band model][horizon], when recorded.
  std::vector<std::string> band_models;
  std::vector<double> band_scale;
};

bool is_benchmark(const std::string& model) {
  return model == backtest::kNaiveTrendModel ||
         model == backtest::kRandomWalkDriftModel;
}

Result<BacktestData> load_backtest(const std::filesystem::path& path) {
  auto reader = store::ResultReader::open(path);
  if (!reader) return tl::unexpected(reader.error());
  if (!reader->exists("/backtest/rmse"))
    return fail("not a backtest result (no /backtest)", path.string(), 0,
                "/backtest");
  BacktestData b;
  b.file = path.string();
  auto models = reader->read_strings("/backtest/model");
  if (!models) return tl::unexpected(models.error());
  b.models = *models;
  auto horizons = reader->read_doubles("/backtest/horizon");
  if (!horizons) return tl::unexpected(horizons.error());
  b.horizons = *horizons;
  const std::vector<std::size_t> shape = {b.models.size(), b.horizons.size()};
  for (const char* name :
       {"n", "rmse", "bias", "coverage50", "coverage90", "national_rmse",
        "national_bias", "national_coverage90"}) {
    auto values = reader->read_doubles(std::string("/backtest/") + name, shape);
    if (!values) return tl::unexpected(values.error());
    b.table[name] = *values;
  }
  if (reader->exists("/backtest/band_model") &&
      reader->exists("/backtest/band_scale")) {
    auto band_models = reader->read_strings("/backtest/band_model");
    if (!band_models) return tl::unexpected(band_models.error());
    auto scale = reader->read_doubles("/backtest/band_scale",
                                      {band_models->size(), b.horizons.size()});
    if (!scale) return tl::unexpected(scale.error());
    b.band_models = std::move(*band_models);
    b.band_scale = std::move(*scale);
  }
  return b;
}

// One score against the horizon, a line per model (benchmarks dashed),
// and the nominal level as a grey rule when there is one.
std::string horizon_chart(const BacktestData& b, const char* name,
                          const std::string& title, const std::string& y_title,
                          double nominal) {
  constexpr double kWidth = 440, kTitleFont = 12;
  const std::size_t nh = b.horizons.size();
  const double legend_y = 6 + 15 + 12;
  const double top = legend_y + 14 * double(b.models.size());
  const double height = top + 200;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  const auto& values = b.table.at(name);
  for (double v : values)
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (std::isfinite(nominal))
    lo = std::min(lo, nominal), hi = std::max(hi, nominal);
  if (!std::isfinite(lo) || nh == 0) return {};
  lo = std::min(lo, 0.0);
  const std::vector<double> y_ticks = nice_ticks(lo, hi, 5);
  const double x_pad = 0.3;
  Chart chart(kWidth, height, 66, 14, top, 36,
              {b.horizons.front() - x_pad, b.horizons.back() + x_pad},
              {y_ticks.front(), y_ticks.back()});
  chart.axes(b.horizons, y_ticks, year_text, percent_ticks(y_ticks));
  chart.axis_titles("Horizon (years after the origin)", y_title);
  if (std::isfinite(nominal)) chart.horizontal_rule(nominal, "#888888");
  std::vector<LegendItem> legend;
  for (std::size_t m = 0; m < b.models.size(); ++m) {
    const std::vector<double> row(values.begin() + long(m * nh),
                                  values.begin() + long((m + 1) * nh));
    if (std::none_of(row.begin(), row.end(),
                     [](double v) { return std::isfinite(v); }))
      continue;
    chart.line(b.horizons, row, scenario_colour(m), 1.8,
               is_benchmark(b.models[m]) ? "5 3" : "");
    for (std::size_t h = 0; h < nh; ++h)
      chart.dot(b.horizons[h], row[h], 2.4, scenario_colour(m));
    legend.push_back(
        {b.models[m] + (is_benchmark(b.models[m]) ? " (benchmark)" : ""),
         scenario_colour(m), false});
  }
  chart.title({title}, kTitleFont);
  chart.legend_column(legend, 16, legend_y, 14);
  return "<figure class=\"chart\">\n" + chart.svg(title) + "</figure>\n";
}

std::string backtest_section(const BacktestData& b) {
  Table t;
  t.caption =
      "Out-of-sample record by horizon (regions pooled | national total)";
  t.header = {"Model",
              "Horizon (years)",
              "Forecasts",
              "RMSE",
              "Bias",
              "50% band held (nominal 50%)",
              "90% band held (nominal 90%)",
              "National RMSE",
              "National bias",
              "National 90% band held",
              "RMSE / best benchmark's"};
  t.numeric = {false, true, true, true, true, true,
               true,  true, true, true, true};
  const std::size_t nh = b.horizons.size();
  // The lowest benchmark RMSE at each horizon: a model that does not beat
  // it (ratio >= 1) adds nothing over extrapolating the trend.
  std::vector<double> best(nh, std::numeric_limits<double>::infinity());
  for (std::size_t m = 0; m < b.models.size(); ++m)
    if (is_benchmark(b.models[m]))
      for (std::size_t h = 0; h < nh; ++h)
        if (std::isfinite(b.table.at("rmse")[m * nh + h]))
          best[h] = std::min(best[h], b.table.at("rmse")[m * nh + h]);
  for (std::size_t m = 0; m < b.models.size(); ++m)
    for (std::size_t h = 0; h < nh; ++h) {
      auto at = [&](const char* name) { return b.table.at(name)[m * nh + h]; };
      auto cell = [](double v, int digits) {
        return std::isfinite(v) ? format_percent(v, digits) : std::string("–");
      };
      t.rows.push_back(
          {h == 0 ? b.models[m] : "", format_number(b.horizons[h], 0),
           format_number(at("n"), 0), cell(at("rmse"), 2), cell(at("bias"), 2),
           cell(at("coverage50"), 0), cell(at("coverage90"), 0),
           cell(at("national_rmse"), 2), cell(at("national_bias"), 2),
           cell(at("national_coverage90"), 0),
           std::isfinite(best[h]) && std::isfinite(at("rmse"))
               ? format_number(at("rmse") / best[h], 2) + "\u00d7"
               : std::string("\u2013")});
    }
  std::string scales;
  if (!b.band_models.empty()) {
    Table c;
    c.caption =
        "Band scales c_h (the factor that widens a model's bands to "
        "the coverage its errors imply)";
    c.header = {"Model"};
    for (double h : b.horizons)
      c.header.push_back("h = " + format_number(h, 0));
    c.numeric.assign(c.header.size(), true);
    c.numeric[0] = false;
    for (std::size_t m = 0; m < b.band_models.size(); ++m) {
      std::vector<std::string> row = {b.band_models[m]};
      for (std::size_t h = 0; h < nh; ++h)
        row.push_back(format_significant(b.band_scale[m * nh + h], 3));
      c.rows.push_back(std::move(row));
    }
    scales = render_table(c);
  }
  const std::string charts =
      "<div class=\"grid wide\">\n" +
      horizon_chart(b, "rmse", "RMSE of the median by horizon",
                    "RMSE (log error, %)", kNaN) +
      horizon_chart(b, "coverage90", "90% band coverage by horizon",
                    "Outturns inside the 90% band (%)", 0.9) +
      horizon_chart(b, "coverage50", "50% band coverage by horizon",
                    "Outturns inside the 50% band (%)", 0.5) +
      "</div>\n";
  return "<section id=\"backtest\">\n<h2>Backtest</h2>\n<p class=\"note\">" +
         escape(
             "Each model calibrated on data up to each origin only, "
             "projected, and scored against what happened (the panel, "
             "then the published outturns): RMSE and bias of the log "
             "error of the median (ln median - ln actual), and the share "
             "of outturns inside the 50% and 90% bands, against their "
             "nominal 50% and 90%. naive_trend and random_walk_drift are "
             "benchmarks without bands. From " +
             b.file + ".") +
         " Charts: the models' lines are solid, the benchmarks' dashed; the "
         "grey rule is the nominal coverage. The last column divides each "
         "RMSE by the lower of the two benchmarks' at that horizon.</p>\n" +
         charts + render_table(t) + scales + "</section>\n";
}

std::string page(const ReportData& data,
                 const BacktestData* backtest = nullptr) {
  const ForecastData& f = data.forecast;
  std::string gdp_note = "GDP in " + f.gdp_units + " (real output Y).";
  for (const auto& [label, value] : data.calibration.fit)
    if (label == "data file")
      gdp_note =
          "GDP in " + f.gdp_units + " (real output Y from " + value + ").";
  const std::string name = std::filesystem::path(data.file).filename();
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
      "charset=\"utf-8\">\n<meta name=\"viewport\" "
      "content=\"width=device-width, initial-scale=1\">\n<title>growthcast "
      "report \u2014 " +
      escape(name) + "</title>\n<style>" + kStyle +
      "</style>\n</head>\n<body>\n";
  out +=
      "<header>\n<h1>growthcast " +
      std::string(f.sweep_axes.empty() ? "forecast" : "sweep") +
      " report</h1>\n<p class=\"meta\">" + escape(data.file) + " \u00b7 " +
      std::to_string(f.scenarios.size()) + " scenarios \u00b7 projection " +
      std::to_string(f.years.front()) + "\u2013" +
      std::to_string(f.years.back()) + "</p>\n<nav>" +
      std::string(f.sweep_axes.empty() ? "" : "<a href=\"#sweep\">Sweep</a>") +
      "<a href=\"#forecasts\">Forecasts</a><a "
      "href=\"#calibration\">Calibration</a><a "
      "href=\"#accounting\">Growth accounting</a>" +
      std::string(backtest ? "<a href=\"#backtest\">Backtest</a>" : "") +
      "<a href=\"#provenance\">Provenance</a></nav>\n</header>\n<main>\n";
  const models::ModelInfo* model = model_of(data);
  out += sweep_section(f);
  out += fan_chart_section(f, gdp_note, contributions_of(model));
  out += calibration_section(data.calibration, model);
  out += accounting_section(data.accounting);
  if (backtest) out += backtest_section(*backtest);
  out += "</main>\n" + provenance_footer(data);
  return out + "</body>\n</html>\n";
}

}  // namespace

Result<std::string> render_report(const std::filesystem::path& result_file,
                                  const std::filesystem::path& backtest_file) {
  auto data = load_report_data(result_file);
  if (!data) return tl::unexpected(data.error());
  if (backtest_file.empty()) return page(*data);
  auto backtest = load_backtest(backtest_file);
  if (!backtest) return tl::unexpected(backtest.error());
  return page(*data, &*backtest);
}

Status write_file_atomically(const std::filesystem::path& out,
                             std::string_view text) {
  std::filesystem::path temporary = out;
  temporary += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) return fail("cannot create the output file", temporary.string());
    file.write(text.data(), std::streamsize(text.size()));
    file.close();
    if (!file) {
      std::error_code ec;
      std::filesystem::remove(temporary, ec);
      return fail("cannot write the output file", temporary.string());
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, out, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    return fail("cannot rename the temporary file into place: " + ec.message(),
                out.string());
  }
  return ok();
}

}  // namespace growthcast::report
