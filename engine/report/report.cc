#include "report/report.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

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

// The projection's quantiles, starting at the last observed year so that
// the fan opens from the data.
Series projection(const ForecastData& f, std::size_t s, std::size_t u) {
  Series out;
  const std::size_t nh = f.history_years.size();
  if (nh > 0 && f.history_years.back() < f.years.front() &&
      std::isfinite(f.history(u, nh - 1))) {
    const double last = f.history(u, nh - 1);
    out.x.push_back(f.history_years.back());
    for (auto* v : {&out.q05, &out.q25, &out.q50, &out.q75, &out.q95})
      v->push_back(last);
  }
  const std::size_t levels[] = {f.level(0.05), f.level(0.25), f.level(0.5),
                                f.level(0.75), f.level(0.95)};
  for (std::size_t y = 0; y < f.years.size(); ++y) {
    out.x.push_back(f.years[y]);
    out.q05.push_back(f.gdp(s, u, y, levels[0]));
    out.q25.push_back(f.gdp(s, u, y, levels[1]));
    out.q50.push_back(f.gdp(s, u, y, levels[2]));
    out.q75.push_back(f.gdp(s, u, y, levels[3]));
    out.q95.push_back(f.gdp(s, u, y, levels[4]));
  }
  return out;
}

// The GDP range over a panel's history and 90% bands, shared by its charts
// so that scenarios compare at a glance.
Range gdp_range(const ForecastData& f, const Panel& panel) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  const auto take = [&](double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  };
  for (std::size_t t = 0; t < f.history_years.size(); ++t)
    take(f.history(panel.unit, t));
  for (std::size_t s : panel.scenarios) {
    const Series series = projection(f, s, panel.unit);
    for (double v : series.q05) take(v);
    for (double v : series.q95) take(v);
  }
  if (!std::isfinite(lo)) return {0.0, 1.0};
  return {lo, hi};
}

std::string fan_chart(const ForecastData& f, std::size_t s, std::size_t u,
                      Range gdp) {
  constexpr double kWidth = 340, kHeight = 280, kTitleFont = 12;
  const std::string title = f.units[u] + " \u2014 " + f.scenarios[s];
  const auto lines = wrap_title(title, kWidth - 8, kTitleFont);
  const double legend_y = 6 + 15 * double(lines.size()) + 12;

  const std::vector<double> y_ticks = nice_ticks(gdp.lo, gdp.hi, 6);
  const int first_year =
      f.history_years.empty() ? f.years.front() : f.history_years.front();
  const int last_year = f.years.back();
  Chart chart(kWidth, kHeight, 58, 14, legend_y + 12, 24,
              {double(first_year), double(last_year)},
              {y_ticks.front(), y_ticks.back()});
  const int tick_decimals =
      y_ticks.size() > 1 ? step_decimals(y_ticks[1] - y_ticks[0]) : 0;
  chart.axes(
      year_ticks(first_year, last_year, 7), y_ticks,
      [](double year) { return std::to_string(int(std::lround(year))); },
      [&](double v) { return format_number(v, tick_decimals); });

  const Series p = projection(f, s, u);
  chart.band(p.x, p.q05, p.q95, kBand90Colour);
  chart.band(p.x, p.q25, p.q75, kBand50Colour);
  if (!f.history_years.empty()) {
    std::vector<double> hx, hy;
    for (std::size_t t = 0; t < f.history_years.size(); ++t) {
      hx.push_back(f.history_years[t]);
      hy.push_back(f.history(u, t));
    }
    chart.vertical_rule(f.history_years.back(), "#999999");
    chart.line(hx, hy, kHistoryColour, 2.0);
  }
  chart.line(p.x, p.q50, kMedianColour, 1.6);
  chart.title(lines, kTitleFont);
  chart.legend({{"History", kHistoryColour, false},
                {"Median", kMedianColour, false},
                {"50% band", kBand50Colour, true},
                {"90% band", kBand90Colour, true}},
               16, legend_y);
  return "<figure class=\"chart\">\n" + chart.svg(title) + "</figure>\n";
}

// --------------------------------------------------------------- tables

std::string forecast_table(const ForecastData& f, const Panel& panel,
                           const std::vector<models::ContributionInfo>& flags) {
  Table table;
  table.header = {"Scenario"};
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
  table.numeric[0] = false;

  const std::size_t q05 = f.level(0.05), q50 = f.level(0.5),
                    q95 = f.level(0.95);
  for (std::size_t s : panel.scenarios) {
    std::vector<std::string> row = {f.scenarios[s]};
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

std::string fan_chart_section(
    const ForecastData& f, const std::string& gdp_note,
    const std::vector<models::ContributionInfo>& flags) {
  std::string out =
      "<section id=\"forecasts\">\n<h2>Forecasts</h2>\n<p class=\"note\">" +
      escape(gdp_note) +
      " Solid dark line: observed GDP; blue line: the projection's median; "
      "bands: 50% (25th\u201375th percentile) and 90% (5th\u201395th) of the "
      "Monte Carlo draws. Charts of one unit share their GDP axis. Mean "
      "annual growth is the mean over the projection years of the mean GDP "
      "growth; technology's share of growth is " +
      escape(models::technology_share_definition(flags)) +
      ", each summed over the projection years (the contributions add up to "
      "d ln Y).</p>\n";
  for (const Panel& panel : panels_of(f)) {
    out += "<section class=\"unit\">\n<h3>" + escape(f.units[panel.unit]) +
           "</h3>\n<div class=\"grid\">\n";
    const Range gdp = gdp_range(f, panel);
    for (std::size_t s : panel.scenarios)
      out += fan_chart(f, s, panel.unit, gdp);
    out += "</div>\n" + forecast_table(f, panel, flags) + "</section>\n";
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
  runs.header = {"Scenario", "File", "Draws", "Seed", "Quantiles"};
  runs.numeric = {false, false, true, true, false};
  for (std::size_t s = 0; s < f.scenarios.size(); ++s)
    runs.rows.push_back({f.scenarios[s], f.files[s],
                         format_number(f.draws[s], 0), integer_text(f.seeds[s]),
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
};

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
  return b;
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
              "National 90% band held"};
  t.numeric = {false, true, true, true, true, true, true, true, true, true};
  const std::size_t nh = b.horizons.size();
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
           cell(at("national_coverage90"), 0)});
    }
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
         "</p>\n" + render_table(t) + "</section>\n";
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
  out += "<header>\n<h1>growthcast forecast report</h1>\n<p class=\"meta\">" +
         escape(data.file) + " \u00b7 " + std::to_string(f.scenarios.size()) +
         " scenarios \u00b7 projection " + std::to_string(f.years.front()) +
         "\u2013" + std::to_string(f.years.back()) +
         "</p>\n<nav><a href=\"#forecasts\">Forecasts</a><a "
         "href=\"#calibration\">Calibration</a><a "
         "href=\"#accounting\">Growth accounting</a>" +
         std::string(backtest ? "<a href=\"#backtest\">Backtest</a>" : "") +
         "<a href=\"#provenance\">Provenance</a></nav>\n</header>\n<main>\n";
  const models::ModelInfo* model = model_of(data);
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
