#include "report/result_data.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <sstream>

#include "models/registry.h"
#include "montecarlo/runner.h"
#include "scenario/toml_reader.h"
#include "store/result_file.h"
#include "store/result_io.h"

namespace growthcast::report {
namespace {

using store::ResultReader;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i)
    out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

// Numbers stored as floating point or integers.
Result<std::vector<double>> read_numbers(const ResultReader& reader,
                                         const std::string& dataset,
                                         std::vector<std::size_t>* shape) {
  auto doubles = reader.read_doubles(dataset, shape);
  if (doubles) return doubles;
  auto ints = reader.read_ints(dataset);
  if (!ints) return tl::unexpected(doubles.error());
  if (shape) *shape = {ints->size()};
  return std::vector<double>(ints->begin(), ints->end());
}

// A dataset whose shape must be `expected`.
Result<std::vector<double>> read_shaped(
    const ResultReader& reader, const std::string& file,
    const std::string& dataset, const std::vector<std::size_t>& expected) {
  std::vector<std::size_t> shape;
  auto values = read_numbers(reader, dataset, &shape);
  if (!values) return values;
  if (shape != expected)
    return fail("dataset '" + dataset + "' has shape " + shape_text(shape) +
                    ", expected " + shape_text(expected),
                file);
  return values;
}

Result<std::vector<int>> read_years(const ResultReader& reader,
                                    const std::string& dataset) {
  auto numbers = read_numbers(reader, dataset, nullptr);
  if (!numbers) return tl::unexpected(numbers.error());
  std::vector<int> out;
  for (double v : *numbers) out.push_back(int(std::lround(v)));
  return out;
}

std::vector<bool> as_flags(const std::vector<double>& values) {
  std::vector<bool> out;
  for (double v : values) out.push_back(v != 0.0);
  return out;
}

// An attribute of any kind as display text; empty if absent.
std::string attribute_text(const ResultReader& reader,
                           const std::string& object, const std::string& name) {
  if (auto s = reader.string_attribute(object, name)) return *s;
  if (auto i = reader.int_attribute(object, name)) return std::to_string(*i);
  if (auto d = reader.double_attribute(object, name)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", *d);
    return buf;
  }
  return {};
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, separator);)
    out.push_back(part);
  return out;
}

// What the report takes from a scenario's stored TOML text: the
// description and the [groups] table (a sweep point's text has them at the
// top level; a sweep file's under [base]). Text that does not parse gives
// nothing: the file's datasets are what the report is about.
void scenario_facts(const std::string& text, std::string& description,
                    std::map<std::string, std::vector<std::string>>& groups) {
  auto document = toml_reader::Document::parse(text, "stored scenario");
  if (!document) return;
  toml_reader::Node root = document->root();
  if (!root.get("description") && root.get("base").is_table())
    root = root.get("base");
  if (auto d = root.get("description")) description = d.string().value_or("");
  const toml_reader::Node table = root.get("groups");
  if (!table || !table.is_table()) return;
  for (const auto& entry : table.entries_in_file_order()) {
    if (!entry.node.is_array()) continue;
    auto& members = groups[entry.key];
    for (std::size_t i = 0; i < entry.node.size(); ++i) {
      const auto region = entry.node.at(i).string();
      if (region &&
          std::find(members.begin(), members.end(), *region) == members.end())
        members.push_back(*region);
    }
  }
}

Status load_forecast(const ResultReader& reader, const std::string& file,
                     ForecastData& f) {
  auto scenarios = reader.read_strings("/forecast/scenario");
  if (!scenarios) return tl::unexpected(scenarios.error());
  auto units = reader.read_strings("/forecast/region");
  if (!units) return tl::unexpected(units.error());
  auto years = read_years(reader, "/forecast/year");
  if (!years) return tl::unexpected(years.error());
  auto levels = read_numbers(reader, "/forecast/quantile", nullptr);
  if (!levels) return tl::unexpected(levels.error());
  f.scenarios = std::move(*scenarios);
  f.units = std::move(*units);
  f.years = std::move(*years);
  f.quantile_levels = std::move(*levels);
  const std::size_t ns = f.scenarios.size(), nu = f.units.size(),
                    ny = f.years.size(), nq = f.quantile_levels.size();
  if (ns == 0 || nu == 0 || ny == 0)
    return fail("the forecast has no scenarios, regions or years", file);
  for (double q : {0.05, 0.25, 0.5, 0.75, 0.95})
    if (f.level(q) == nq)
      return fail("/forecast/quantile lacks the level " +
                      std::to_string(q).substr(0, 4),
                  file);

  if (reader.exists("/forecast/is_group")) {
    auto g = read_shaped(reader, file, "/forecast/is_group", {nu});
    if (!g) return tl::unexpected(g.error());
    f.is_group = as_flags(*g);
  } else {
    f.is_group.assign(nu, false);
  }
  // Every variable the file lists; the fans and tables need gdp and
  // gdp_growth (a forecast whose scenarios' `outputs` left one out cannot
  // be reported; the contributions may be missing: their columns show a
  // dash).
  auto listed = store::forecast_variables(file);
  if (!listed) return tl::unexpected(listed.error());
  f.variables = std::move(*listed);
  for (const char* needed : {"gdp", "gdp_growth"})
    if (std::find(f.variables.begin(), f.variables.end(), needed) ==
        f.variables.end()) {
      std::string have;
      for (const auto& v : f.variables) have += (have.empty() ? "" : ", ") + v;
      return fail(
          "the report needs the forecast variables gdp and "
          "gdp_growth, but the file reports only " +
              (have.empty() ? std::string("none") : have) +
              " (its scenarios' `outputs`): forecast again with "
              "outputs including both",
          file, 0, std::string("/forecast/") + needed);
    }
  auto q =
      read_shaped(reader, file, "/forecast/gdp/quantiles", {ns, nu, ny, nq});
  if (!q) return tl::unexpected(q.error());
  f.gdp_quantiles = std::move(*q);

  for (const auto& variable : f.variables) {
    // "mean" in files written before issue 17 renamed it.
    const std::string group = "/forecast/" + variable + "/";
    auto m = read_shaped(
        reader, file,
        group + (reader.exists(group + "mean_value") ? "mean_value" : "mean"),
        {ns, nu, ny});
    if (!m) return tl::unexpected(m.error());
    f.means[variable] = std::move(*m);
  }
  if (!f.means.count("gdp_growth"))
    return fail("the forecast has no variable gdp_growth", file);
  f.gdp_growth_mean = f.means["gdp_growth"];

  // GDP's units as the file records them (the panel's units sidecar).
  if (reader.exists("/forecast/history/gdp")) {
    auto hy = read_years(reader, "/forecast/history/history_year");
    if (!hy) return tl::unexpected(hy.error());
    auto h =
        read_shaped(reader, file, "/forecast/history/gdp", {nu, hy->size()});
    if (!h) return tl::unexpected(h.error());
    f.history_years = std::move(*hy);
    f.history_gdp = std::move(*h);
  }

  if (reader.exists("/forecast/targets/target")) {
    auto labels = reader.read_strings("/forecast/targets/target");
    if (!labels) return tl::unexpected(labels.error());
    const std::size_t nt = labels->size();
    std::map<std::string, std::vector<double>> column;
    for (const char* name : {"scenario_index", "target_year", "target_value",
                             "reachable", "probability"}) {
      auto v = read_shaped(reader, file,
                           std::string("/forecast/targets/") + name, {nt});
      if (!v) return tl::unexpected(v.error());
      column[name] = std::move(*v);
    }
    for (std::size_t k = 0; k < nt; ++k) {
      const std::string unit = attribute_text(
          reader, "/forecast/targets", "gdp_of[" + std::to_string(k) + "]");
      const auto it = std::find(f.units.begin(), f.units.end(), unit);
      const double s = column["scenario_index"][k];
      if (it == f.units.end() || !(s >= 0 && s < double(ns)))
        return fail("/forecast/targets: target " + std::to_string(k) +
                        " names no unit or scenario of the forecast",
                    file);
      f.targets.push_back({std::size_t(s), std::size_t(it - f.units.begin()),
                           int(column["target_year"][k]),
                           column["target_value"][k], column["probability"][k],
                           column["reachable"][k] != 0.0});
    }
  }

  const auto per_scenario = [&](const char* name) {
    const std::string path = std::string("/forecast/") + name;
    if (reader.exists(path))
      if (auto v = read_shaped(reader, file, path, {ns})) return *v;
    return std::vector<double>(ns, kNaN);
  };
  f.draws = per_scenario("draws");
  f.seeds = per_scenario("seed");
  for (std::size_t s = 0; s < ns; ++s) {
    const std::string key = "scenario_" + std::to_string(s) + "_";
    f.quantile_methods.push_back(
        attribute_text(reader, "/forecast", key + "quantile_method"));
    f.files.push_back(attribute_text(reader, "/forecast", key + "file"));
    std::int64_t stream = 1;
    if (reader.has_attribute("/forecast", key + "random_stream")) {
      auto v = reader.int_attribute("/forecast", key + "random_stream");
      if (!v) return tl::unexpected(v.error());
      stream = *v;
    }
    f.random_streams.push_back(stream);
    // Absent on unconditioned forecasts (attribute_text gives "").
    std::vector<int> outturns;
    std::istringstream outturn_text(
        attribute_text(reader, "/forecast", key + "outturn_years"));
    for (std::string y; std::getline(outturn_text, y, ',');)
      outturns.push_back(std::atoi(y.c_str()));
    f.outturn_years.push_back(std::move(outturns));
    std::vector<ForecastData::PinMark> pins;
    std::istringstream lines(
        attribute_text(reader, "/forecast", key + "conditions"));
    for (std::string line; std::getline(lines, line);) {
      std::istringstream fields(line);
      ForecastData::PinMark pin;
      std::string year, kind, value;
      if (std::getline(fields, pin.unit, '\t') &&
          std::getline(fields, year, '\t') &&
          std::getline(fields, kind, '\t') && std::getline(fields, value)) {
        pin.year = std::atoi(year.c_str());
        pin.growth = kind == "growth";
        pin.value = std::strtod(value.c_str(), nullptr);
        pins.push_back(std::move(pin));
      }
    }
    f.pins.push_back(std::move(pins));
    f.descriptions.emplace_back();
    scenario_facts(attribute_text(reader, "/forecast", key + "toml"),
                   f.descriptions.back(), f.group_regions);
  }
  f.gdp_units = attribute_text(reader, "/forecast/gdp/quantiles", "units");
  if (f.gdp_units.empty() || f.gdp_units.starts_with("as the "))
    f.gdp_units = "unknown";
  if (reader.exists("/forecast/gdp_growth/quantiles")) {
    auto g = read_shaped(reader, file, "/forecast/gdp_growth/quantiles",
                         {ns, nu, ny, nq});
    if (!g) return tl::unexpected(g.error());
    f.growth_quantiles = std::move(*g);
    f.growth_units =
        attribute_text(reader, "/forecast/gdp_growth/quantiles", "units");
  }
  // A sweep: its axes as the store reads them back (the one reader of the
  // sweep layout), which also verifies the scenarios' digests.
  if (reader.string_attribute("/forecast", "sweep_axes")) {
    auto sweep_file = store::read_forecast(file);
    if (!sweep_file) return tl::unexpected(sweep_file.error());
    if (sweep_file->sweep)
      for (const auto& axis : sweep_file->sweep->axes)
        f.sweep_axes.push_back(
            {axis.key, axis.numeric, axis.numbers, axis.labels});
  }
  return ok();
}

Status load_calibration(const ResultReader& reader, const std::string& file,
                        CalibrationData& c) {
  auto names = reader.read_strings("/calibration/parameter");
  if (!names) return tl::unexpected(names.error());
  const std::size_t n = names->size();
  c.parameters = std::move(*names);
  const std::pair<const char*, std::vector<double>*> columns[] = {
      {"estimate", &c.estimate},
      {"std_error", &c.std_error},
      {"t_stat", &c.t_stat}};
  for (const auto& [name, target] : columns) {
    const std::string path = "/calibration/" + std::string(name);
    if (!reader.exists(path)) {
      target->assign(n, kNaN);
      continue;
    }
    auto v = read_shaped(reader, file, path, {n});
    if (!v) return tl::unexpected(v.error());
    *target = std::move(*v);
  }
  c.model = attribute_text(reader, "/calibration", "model");
  c.model_version = attribute_text(reader, "/calibration", "model_version");
  c.status =
      split(attribute_text(reader, "/calibration", "parameter_status"), ',');
  if (c.status.size() != n) c.status.assign(n, "");

  const std::pair<const char*, const char*> fit[] = {
      {"model", "model"},
      {"observations", "observations"},
      {"free_parameters", "free parameters"},
      {"r_squared", "R\u00b2"},
      {"rmse", "RMSE (log GDP)"},
      {"sigma2", "\u03c3\u00b2 (residual variance)"},
      {"log_likelihood", "log-likelihood"},
      {"aic", "AIC"},
      {"bic", "BIC"},
      {"shock_rho", "shock AR(1) \u03c1"},
      {"shock_sigma", "shock AR(1) \u03c3"},
      {"termination", "solver termination"},
      {"iterations", "solver iterations"},
      {"linear_solver", "linear solver"},
      {"data_file", "data file"}};
  for (const auto& [attribute, label] : fit) {
    std::string value = attribute_text(reader, "/calibration", attribute);
    if (!value.empty()) c.fit.emplace_back(label, value);
  }
  const std::string first =
      attribute_text(reader, "/calibration", "first_year");
  const std::string last = attribute_text(reader, "/calibration", "last_year");
  if (!first.empty() && !last.empty())
    c.fit.emplace_back("calibration window", first + "\u2013" + last);
  c.present = true;
  return ok();
}

Status load_accounting(const ResultReader& reader, const std::string& file,
                       AccountingData& a) {
  auto regions = reader.read_strings("/accounting/region");
  if (!regions) return tl::unexpected(regions.error());
  auto periods = reader.read_strings("/accounting/period");
  if (!periods) return tl::unexpected(periods.error());
  auto factors = reader.read_strings("/accounting/factor");
  if (!factors) return tl::unexpected(factors.error());
  const std::size_t nr = regions->size(), np = periods->size(),
                    nf = factors->size();
  a.regions = std::move(*regions);
  a.periods = std::move(*periods);
  a.factors = std::move(*factors);
  if (reader.exists("/accounting/is_group")) {
    auto g = read_shaped(reader, file, "/accounting/is_group", {nr});
    if (!g) return tl::unexpected(g.error());
    a.is_group = as_flags(*g);
  } else {
    a.is_group.assign(nr, false);
  }
  auto c =
      read_shaped(reader, file, "/accounting/contribution_rd", {nr, np, nf});
  if (!c) return tl::unexpected(c.error());
  a.contribution_rd = std::move(*c);
  if (reader.exists("/accounting/technology_share_rd")) {
    auto t =
        read_shaped(reader, file, "/accounting/technology_share_rd", {nr, np});
    if (!t) return tl::unexpected(t.error());
    a.technology_share_rd = std::move(*t);
  } else {
    a.technology_share_rd.assign(nr * np, kNaN);
  }
  a.technology_share_definition =
      attribute_text(reader, "/accounting/technology_share_rd", "definition");
  if (a.technology_share_definition.empty()) {
    // Older files: the definition the accounting has always used, with the
    // flags of the model the file names.
    const models::ModelInfo* model =
        models::find_model(attribute_text(reader, "/calibration", "model"));
    if (!model) model = models::find_model(models::kDefaultModel);
    a.technology_share_definition =
        models::technology_share_definition(model->contributions);
  }
  a.present = true;
  return ok();
}

}  // namespace

std::size_t ForecastData::level(double q) const {
  for (std::size_t i = 0; i < quantile_levels.size(); ++i)
    if (std::fabs(quantile_levels[i] - q) < 1e-9) return i;
  return quantile_levels.size();
}

bool ForecastData::reports(std::size_t s, std::size_t u) const {
  const std::size_t median = level(0.5);
  for (std::size_t y = 0; y < years.size(); ++y)
    if (std::isfinite(gdp(s, u, y, median))) return true;
  return false;
}

double ForecastData::history(std::size_t u, std::size_t t) const {
  if (history_gdp.empty()) return kNaN;
  return history_gdp[u * history_years.size() + t];
}

Result<ReportData> load_report_data(const std::filesystem::path& path) {
  const std::string file = path.string();
  auto reader = ResultReader::open(path);
  if (!reader) return tl::unexpected(reader.error());
  ReportData data;
  data.file = file;
  const std::string program = attribute_text(*reader, "/", "program");
  if (program != "growthcast")
    return fail(
        "not a growthcast result file (the root group has no "
        "program = \"growthcast\" attribute)",
        file);
  if (!reader->exists("/forecast"))
    return fail("the file has no /forecast group: it is not a forecast result",
                file, 0, "/forecast");
  if (auto s = load_forecast(*reader, file, data.forecast); !s)
    return tl::unexpected(s.error());
  if (reader->exists("/calibration/parameter"))
    if (auto s = load_calibration(*reader, file, data.calibration); !s)
      return tl::unexpected(s.error());
  if (reader->exists("/accounting/contribution_rd"))
    if (auto s = load_accounting(*reader, file, data.accounting); !s)
      return tl::unexpected(s.error());

  for (const char* name : {"program", "version", "git_commit", "created",
                           "command_line", "seed"}) {
    std::string value = attribute_text(*reader, "/", name);
    if (!value.empty()) data.provenance.emplace_back(name, value);
  }
  data.input_files = attribute_text(*reader, "/", "input_files");
  return data;
}

}  // namespace growthcast::report
