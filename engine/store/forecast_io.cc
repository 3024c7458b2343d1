#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <sstream>

#include "common/version.h"
#include "models/registry.h"
#include "montecarlo/runner.h"
#include "store/hdf5_detail.h"
#include "store/paths_writer.h"
#include "store/result_io.h"

namespace growthcast::store {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int index_of(const std::vector<std::string>& v, const std::string& x) {
  return int(std::find(v.begin(), v.end(), x) - v.begin());
}

// The variable of each name the kernel reports, or -1.
int variable_index(const std::string& name) {
  for (int v = 0; v < montecarlo::kVariableCount; ++v)
    if (name == montecarlo::VariableName(v)) return v;
  return -1;
}

// "gdp,gdp_growth": the attribute `variables` of /forecast.
std::string variable_list(const std::vector<int>& variables) {
  std::string out;
  for (int v : variables)
    out += (out.empty() ? "" : ",") + std::string(montecarlo::VariableName(v));
  return out;
}

// The writer names the variables by montecarlo::VariableName; each
// registered model's states and contributions (contribution_<name>) must
// be among them, so the files say what the models declare.
Status check_model_variables() {
  for (const models::ModelInfo* m : models::all_models()) {
    std::vector<std::string> declared;
    for (const auto& state : m->states) declared.emplace_back(state.name);
    for (const auto& c : m->contributions)
      declared.push_back("contribution_" + std::string(c.name));
    for (const auto& name : declared)
      if (variable_index(name) < 0)
        return fail("the model " + std::string(m->name) +
                        " declares the forecast variable '" + name +
                        "' which the projection does not report",
                    {}, 0, "forecast variables");
  }
  return ok();
}

// The per-scenario content digests. The writer and the reader feed the same
// values in the same order: first head(), then var() for each variable in
// order, then tail(). Everything read_forecast returns for a scenario but
// its conditioning is covered, so any edit of it changes the digest.
// Version 2 (the `/forecast` attribute `digest_version`) also covers the
// random stream version; files without the attribute have version 1's,
// written before it did, and are read with it.
constexpr std::int64_t kDigestVersion = 2;
struct PerScenarioFacts {
  const std::vector<double>*draws, *redraws, *uncertified, *param_unc,
      *shock_unc, *exact;
  const std::vector<std::uint64_t>* seeds;
};

void digest_head(
    Sha256& h, std::size_t k, const std::vector<std::string>& names,
    const std::vector<std::string>& units, const std::vector<double>& is_group,
    const std::vector<double>& reports, const std::vector<std::int32_t>& years,
    const PerScenarioFacts& facts, const std::string& file,
    const std::string& toml, const std::string& quantile_method,
    const std::string& build, std::int64_t digest_version, int random_stream) {
  const std::size_t U = units.size();
  h.text("growthcast forecast scenario v" + std::to_string(digest_version));
  h.text(build);
  h.text(names[k]);
  h.integer(U);
  for (std::size_t u = 0; u < U; ++u) {
    h.text(units[u]);
    h.number(is_group[u]);
    h.number(reports[k * U + u]);
  }
  h.integer(years.size());
  for (std::int32_t y : years) h.integer(std::uint64_t(std::int64_t(y)));
  for (const auto* v : {facts.draws, facts.redraws, facts.uncertified,
                        facts.param_unc, facts.shock_unc, facts.exact})
    h.number((*v)[k]);
  h.integer((*facts.seeds)[k]);
  h.text(file);
  h.text(toml);
  h.text(quantile_method);
  if (digest_version >= 2) h.integer(std::uint64_t(random_stream));
}

void digest_var(Sha256& h, std::size_t k, std::size_t cells, std::size_t Q,
                const std::vector<double>& quantiles,
                const std::vector<double>& mean,
                const std::vector<double>& sd) {
  h.numbers(std::span(quantiles).subspan(k * cells * Q, cells * Q));
  h.numbers(std::span(mean).subspan(k * cells, cells));
  h.numbers(std::span(sd).subspan(k * cells, cells));
}

void digest_tail(Sha256& h, std::size_t k,
                 const std::vector<std::int32_t>& hist_years,
                 const std::vector<double>& hist, const SweepInfo* sweep) {
  h.integer(hist_years.size());
  for (std::int32_t y : hist_years) h.integer(std::uint64_t(std::int64_t(y)));
  h.numbers(hist);
  if (sweep == nullptr) {
    h.text("no sweep");
    return;
  }
  h.text(sweep->sweep_id);
  h.text(sweep->calibration_sha256);
  h.integer(std::uint64_t(sweep->total_points));
  h.integer(std::uint64_t(sweep->point_index[k]));
  h.integer(sweep->axes.size());
  for (const auto& axis : sweep->axes) {
    h.text(axis.key);
    if (axis.numeric) {
      h.text("n");
      h.number(axis.numbers[k]);
    } else {
      h.text("s");
      h.text(axis.labels[k]);
    }
  }
}

// /forecast/series: history and projection on one year axis (the union of
// history_year and year), so one .plot() draws both. In history years every
// quantile is the observed value (gdp, and gdp_growth computed from it;
// the other variables have no observed history here and are NaN); in
// projection years the forecast's quantiles. `is_projection` flags the
// years. quantiles[var] is [scenario, region, year, quantile] as written.
Status write_series(ResultFile& f, const std::vector<std::string>& names,
                    const std::vector<std::string>& units,
                    const std::vector<double>& reports,
                    const std::vector<std::int32_t>& years,
                    const std::vector<std::int32_t>& hist_years,
                    const std::vector<double>& hist,
                    const ForecastHistory& history,
                    const std::vector<std::vector<double>>& quantiles) {
  const std::string g = "/forecast/series";
  const std::size_t S = names.size(), U = units.size(), Y = years.size(),
                    HY = hist_years.size(),
                    Q = montecarlo::kQuantileLevels.size();
  std::vector<std::int32_t> all_years = hist_years;
  for (std::int32_t y : years)
    if (std::find(all_years.begin(), all_years.end(), y) == all_years.end())
      all_years.push_back(y);
  std::sort(all_years.begin(), all_years.end());
  const std::size_t A = all_years.size();
  auto position = [&](std::int32_t year) {
    return std::size_t(
        std::lower_bound(all_years.begin(), all_years.end(), year) -
        all_years.begin());
  };
  std::vector<bool> is_projection(A, false);
  for (std::int32_t y : years) is_projection[position(y)] = true;
  if (auto s = f.add_scale(g, "scenario", names); !s) return s;
  if (auto s = f.add_scale(g, "region", units); !s) return s;
  if (auto s = f.add_scale(g, "year", all_years, "year"); !s) return s;
  if (auto s = f.add_scale(g, "quantile", montecarlo::kQuantileLevels, "1"); !s)
    return s;
  if (auto s = f.add_flag_dataset(g, "is_projection", is_projection, {"year"},
                                  "a projected year (false: observed)");
      !s)
    return s;
  for (int var = 0; var < montecarlo::kVariableCount; ++var) {
    if (quantiles[std::size_t(var)].empty()) continue;  // not reported
    const std::string name = montecarlo::VariableName(var);
    std::vector<double> out(S * U * A * Q, kNaN);
    for (std::size_t k = 0; k < S; ++k)
      for (std::size_t u = 0; u < U; ++u) {
        if (reports[k * U + u] == 0.0) continue;
        const std::size_t row = (k * U + u) * A;
        for (std::size_t h = 0; h < Y; ++h)
          for (std::size_t q = 0; q < Q; ++q)
            out[(row + position(years[h])) * Q + q] =
                quantiles[std::size_t(var)][((k * U + u) * Y + h) * Q + q];
        for (std::size_t t = 0; t < HY; ++t) {
          double value = kNaN;
          const double level = hist[u * HY + t];
          if (name == "gdp") value = level;
          if (name == "gdp_growth" && t > 0 &&
              hist_years[t - 1] + 1 == hist_years[t])
            value = level / hist[u * HY + t - 1] - 1.0;
          for (std::size_t q = 0; q < Q; ++q)
            out[(row + position(hist_years[t])) * Q + q] = value;
        }
      }
    const data::ColumnUnits var_units = forecast_variable_units(name, history);
    if (auto s = f.add_dataset(g, name, out,
                               {"scenario", "region", "year", "quantile"},
                               var_units.units, var_units.long_name);
        !s)
      return s;
  }
  return ok();
}

// /forecast/grid: a sweep's points with each axis as a dimension whose
// coordinates are the axis values, so xarray selects by value
// (ds.sel({"drivers.rd_intensity.target": 0.03})). Written only when the
// file holds every point of a sweep whose points form the full grid of
// distinct axis values (a shard or checkpoint holds a part: none).
Status write_sweep_grid(ResultFile& f, const SweepInfo& sweep,
                        const std::vector<std::string>& units,
                        const std::vector<std::int32_t>& years,
                        const ForecastHistory& history,
                        const std::vector<std::vector<double>>& quantiles) {
  const std::size_t S = sweep.point_index.size();
  if (sweep.axes.empty() || std::int64_t(S) != sweep.total_points) return ok();
  std::vector<std::size_t> scenario_of(S, S);  // point -> scenario
  for (std::size_t k = 0; k < S; ++k) {
    const auto p = sweep.point_index[k];
    if (p < 0 || std::size_t(p) >= S || scenario_of[std::size_t(p)] != S)
      return ok();
    scenario_of[std::size_t(p)] = k;
  }
  // Each axis's distinct values in the order the points meet them.
  const std::size_t A = sweep.axes.size();
  std::vector<std::vector<double>> numbers(A);
  std::vector<std::vector<std::string>> labels(A);
  std::vector<std::vector<std::size_t>> index(A, std::vector<std::size_t>(S));
  for (std::size_t a = 0; a < A; ++a) {
    const SweepAxisValues& axis = sweep.axes[a];
    for (std::size_t p = 0; p < S; ++p) {
      const std::size_t k = scenario_of[p];
      std::size_t i = 0;
      if (axis.numeric) {
        const double v = axis.numbers[k];
        i = std::size_t(std::find(numbers[a].begin(), numbers[a].end(), v) -
                        numbers[a].begin());
        if (i == numbers[a].size()) numbers[a].push_back(v);
      } else {
        const std::string& v = axis.labels[k];
        i = std::size_t(std::find(labels[a].begin(), labels[a].end(), v) -
                        labels[a].begin());
        if (i == labels[a].size()) labels[a].push_back(v);
      }
      index[a][p] = i;
    }
  }
  std::vector<std::size_t> sizes(A);
  std::size_t product = 1;
  for (std::size_t a = 0; a < A; ++a) {
    sizes[a] = sweep.axes[a].numeric ? numbers[a].size() : labels[a].size();
    product *= sizes[a];
  }
  if (product != S) return ok();
  // Point p must sit at its row-major position (the last axis fastest).
  for (std::size_t p = 0; p < S; ++p) {
    std::size_t flat = 0;
    for (std::size_t a = 0; a < A; ++a) flat = flat * sizes[a] + index[a][p];
    if (flat != p) return ok();
  }
  const std::string g = "/forecast/grid";
  std::vector<std::string> dims;
  for (std::size_t a = 0; a < A; ++a) {
    const SweepAxisValues& axis = sweep.axes[a];
    if (auto s = axis.numeric ? f.add_scale(g, axis.key, numbers[a], "1")
                              : f.add_scale(g, axis.key, labels[a]);
        !s)
      return s;
    if (auto s = f.set_attribute(g + "/" + axis.key, "long_name",
                                 "sweep axis " + axis.key);
        !s)
      return s;
    dims.push_back(axis.key);
  }
  if (auto s = f.add_scale(g, "region", units); !s) return s;
  if (auto s = f.add_scale(g, "year", years, "year"); !s) return s;
  if (auto s = f.add_scale(g, "quantile", montecarlo::kQuantileLevels, "1"); !s)
    return s;
  for (const char* dim : {"region", "year", "quantile"}) dims.push_back(dim);
  const std::size_t cell =
      units.size() * years.size() * montecarlo::kQuantileLevels.size();
  for (int var = 0; var < montecarlo::kVariableCount; ++var) {
    if (quantiles[std::size_t(var)].empty()) continue;  // not reported
    const std::string name = montecarlo::VariableName(var);
    std::vector<double> out(S * cell);
    for (std::size_t p = 0; p < S; ++p)
      std::copy_n(quantiles[std::size_t(var)].begin() +
                      std::ptrdiff_t(scenario_of[p] * cell),
                  cell, out.begin() + std::ptrdiff_t(p * cell));
    const data::ColumnUnits var_units = forecast_variable_units(name, history);
    if (auto s = f.add_dataset(g, name, out, dims, var_units.units,
                               var_units.long_name + ": quantiles over draws");
        !s)
      return s;
  }
  return ok();
}

}  // namespace

data::ColumnUnits forecast_variable_units(const std::string& variable,
                                          const ForecastHistory& history) {
  auto series = [&](const char* role) {
    const auto it = history.series_units.find(role);
    return it != history.series_units.end()
               ? it->second
               : data::ColumnUnits{std::string(data::kUnknownUnits), role};
  };
  if (variable == "gdp") return series("gdp");
  if (variable == "capital") return series("capital");
  if (variable == "knowledge")
    return {series("rd").units,
            "knowledge stock S (R&D accumulated at the estimated delta_S)"};
  if (variable == "gdp_growth")
    return {"1", "annual GDP growth, Y_t / Y_t-1 - 1"};
  if (variable == "tfp") return {"1", "TFP index, last data year = 1"};
  if (variable.starts_with("contribution_"))
    return {"1", "contribution of " + variable.substr(13) +
                     " to the year's GDP growth, in ln Y_t - ln Y_t-1"};
  return {"1", variable};
}

std::string build_label() {
  return std::string(growthcast::version()) + " (" + growthcast::git_commit() +
         ")";
}

std::string calibration_digest(const calibrate::CalibrationResult& cal) {
  Sha256 h;
  h.text("growthcast calibration v1");
  h.text(cal.model);
  h.integer(cal.regions.size());
  for (const auto& r : cal.regions) h.text(r);
  h.integer(cal.years.size());
  for (int y : cal.years) h.integer(std::uint64_t(std::int64_t(y)));
  h.integer(cal.parameter_names.size());
  for (const auto& p : cal.parameter_names) h.text(p);
  h.numbers(std::span(cal.estimate.data(), std::size_t(cal.estimate.size())));
  h.numbers(
      std::span(cal.covariance.data(), std::size_t(cal.covariance.size())));
  for (const auto* table :
       {&cal.gdp, &cal.capital, &cal.labour, &cal.rd, &cal.knowledge}) {
    h.integer(table->size());
    for (const auto& row : *table) h.numbers(row);
  }
  return h.hex();
}

Status write_forecast(ResultFile& f,
                      const std::vector<montecarlo::ScenarioForecast>& runs,
                      const ForecastHistory& history, const SweepInfo* sweep) {
  using montecarlo::kQuantileLevels;
  using montecarlo::kVariableCount;
  const std::string g = "/forecast";
  if (runs.empty()) return fail("no scenarios to write");
  if (auto s = check_model_variables(); !s) return s;
  // Union of units (first appearance order) and of years.
  std::vector<std::string> units;
  std::vector<double> is_group;
  for (const auto& run : runs)
    for (std::size_t u = 0; u < run.units.size(); ++u)
      if (index_of(units, run.units[u]) == int(units.size())) {
        units.push_back(run.units[u]);
        is_group.push_back(run.is_group[u]);
      }
  std::vector<std::int32_t> years;
  for (const auto& run : runs)
    for (int y : run.years)
      if (std::find(years.begin(), years.end(), y) == years.end())
        years.push_back(y);
  std::sort(years.begin(), years.end());
  std::vector<std::string> names;
  for (const auto& run : runs) names.push_back(run.name);
  for (std::size_t a = 0; a < names.size(); ++a)
    for (std::size_t b = 0; b < a; ++b)
      if (names[a] == names[b])
        return fail("two scenarios are named '" + names[a] +
                        "'; names must be unique within one result",
                    runs[a].file, 0, "name");

  // One file reports the same variables for every scenario: each
  // variable's datasets span all of them.
  const std::vector<int>& variables = runs.front().variables;
  for (const auto& run : runs)
    if (run.variables != variables)
      return fail("scenario '" + run.name + "' reports the variables " +
                      variable_list(run.variables) + " but scenario '" +
                      runs.front().name + "' reports " +
                      variable_list(variables) +
                      "; scenarios written to one file report the same "
                      "variables (the same `outputs` or --outputs, also "
                      "for every shard of a sweep)",
                  run.file, 0, "outputs");

  const std::size_t S = runs.size(), U = units.size(), Y = years.size(),
                    Q = kQuantileLevels.size();
  if (sweep != nullptr) {
    bool sizes = sweep->point_index.size() == S;
    for (const auto& axis : sweep->axes)
      sizes = sizes &&
              (axis.numeric ? axis.numbers.size() : axis.labels.size()) == S;
    if (!sizes)
      return fail("sweep coordinates for " +
                      std::to_string(sweep->point_index.size()) +
                      " points given with " + std::to_string(S) + " scenarios",
                  f.final_path().string());
  }
  if (auto s = f.add_scale(g, "scenario", names); !s) return s;
  if (auto s = f.add_scale(g, "region", units); !s) return s;
  if (auto s = f.add_scale(g, "year", years, "year"); !s) return s;
  if (auto s = f.add_scale(g, "quantile", kQuantileLevels, "1"); !s) return s;
  auto flags = [](const std::vector<double>& values) {
    std::vector<bool> out;
    for (double v : values) out.push_back(v != 0.0);
    return out;
  };
  if (auto s = f.add_flag_dataset(g, "is_group", flags(is_group), {"region"},
                                  "a group (members summed per draw)");
      !s)
    return s;

  // Which units each scenario reports (the region axis is their union).
  std::vector<double> reports(S * U, 0.0);
  for (std::size_t k = 0; k < S; ++k)
    for (const auto& unit : runs[k].units)
      reports[k * U + std::size_t(index_of(units, unit))] = 1.0;
  if (auto s = f.add_flag_dataset(g, "reports", flags(reports),
                                  {"scenario", "region"},
                                  "the scenario reports the region");
      !s)
    return s;
  if (sweep != nullptr) {
    if (auto s = f.set_attribute(g, "sweep_id", sweep->sweep_id); !s) return s;
    if (auto s = f.set_attribute(g, "sweep_points", sweep->total_points); !s)
      return s;
    std::string keys, kinds;
    for (const auto& axis : sweep->axes) {
      keys += (keys.empty() ? "" : "\n") + axis.key;
      kinds += axis.numeric ? "n" : "s";
    }
    if (auto s = f.set_attribute(g, "sweep_axes", keys); !s) return s;
    if (auto s = f.set_attribute(g, "sweep_axis_kinds", kinds); !s) return s;
    if (auto s = f.add_int64_dataset(g, "point_index", sweep->point_index,
                                     {"scenario"}, "1",
                                     "the point's index in the sweep (0..N-1)");
        !s)
      return s;
    for (const auto& axis : sweep->axes) {
      if (axis.numeric) {
        if (auto s = f.add_dataset(g, axis.key, axis.numbers, {"scenario"}, "1",
                                   "sweep axis value of each point");
            !s)
          return s;
      } else {
        // String values: stored as the text of each point, one attribute
        // per point, since string datasets here are dimension scales.
        for (std::size_t k = 0; k < axis.labels.size(); ++k)
          if (auto s = f.set_attribute(
                  g, axis.key + "[" + std::to_string(k) + "]", axis.labels[k]);
              !s)
            return s;
      }
    }
  }

  // Per-scenario facts.
  std::vector<double> draws, redraws, uncertified, param_unc, shock_unc, exact;
  std::vector<std::uint64_t> seeds;
  for (const auto& run : runs) {
    draws.push_back(double(run.draws));
    seeds.push_back(run.seed);
    redraws.push_back(double(run.parameter_redraws));
    uncertified.push_back(double(run.uncertified_quantiles));
    param_unc.push_back(run.parameter_uncertainty);
    shock_unc.push_back(run.shock_uncertainty);
    exact.push_back(run.exact);
  }
  struct Facts {
    const char* name;
    const std::vector<double>* values;
    const char* long_name;
  };
  // Counts as integers, yes/no facts as CF flags.
  for (const Facts& fact :
       {Facts{"draws", &draws, "draws per scenario"},
        Facts{"parameter_redraws", &redraws,
              "parameter draws outside the bounds, redrawn"},
        Facts{"uncertified_quantiles", &uncertified,
              "streaming quantiles resolved by an exact second pass"}}) {
    std::vector<std::int64_t> counts(fact.values->begin(), fact.values->end());
    if (auto s = f.add_int64_dataset(g, fact.name, counts, {"scenario"}, "1",
                                     fact.long_name);
        !s)
      return s;
  }
  for (const Facts& fact :
       {Facts{"parameter_uncertainty", &param_unc, "theta was drawn"},
        Facts{"shock_uncertainty", &shock_unc, "AR(1) shocks were drawn"},
        Facts{"exact_quantiles", &exact,
              "exact quantiles (type 7); false: streaming histogram"}})
    if (auto s = f.add_flag_dataset(g, fact.name, flags(*fact.values),
                                    {"scenario"}, fact.long_name);
        !s)
      return s;
  // Seeds as unsigned 64-bit integers: a double loses digits above 2^53.
  if (auto s = f.add_uint64_dataset(g, "seed", seeds, "scenario", "1",
                                    "random seed");
      !s)
    return s;
  const std::string build = build_label();
  if (auto s = f.set_attribute(g, "build", build); !s) return s;
  // A selection of variables (the scenarios' `outputs`) is recorded; a
  // file without the attribute reports all of them, as files did before.
  if (variables != montecarlo::all_variables())
    if (auto s = f.set_attribute(g, "variables", variable_list(variables)); !s)
      return s;
  if (sweep != nullptr)
    if (auto s =
            f.set_attribute(g, "calibration_sha256", sweep->calibration_sha256);
        !s)
      return s;
  std::vector<std::unique_ptr<Sha256>> digests;
  const PerScenarioFacts facts{&draws,     &redraws, &uncertified, &param_unc,
                               &shock_unc, &exact,   &seeds};
  for (std::size_t k = 0; k < S; ++k) {
    digests.push_back(std::make_unique<Sha256>());
    digest_head(*digests[k], k, names, units, is_group, reports, years, facts,
                runs[k].file, runs[k].text, runs[k].quantile_method, build,
                kDigestVersion, runs[k].random_stream);
  }
  if (auto s = f.set_attribute(g, "digest_version", kDigestVersion); !s)
    return s;
  for (std::size_t k = 0; k < S; ++k) {
    const std::string prefix = "scenario_" + std::to_string(k) + "_";
    for (const auto& [key, value] :
         {std::pair<std::string, std::string>{"file", runs[k].file},
          {"toml", runs[k].text},
          {"quantile_method", runs[k].quantile_method}})
      if (auto s = f.set_attribute(g, prefix + key, value); !s) return s;
    // The random stream's version (docs/architecture.md, "Determinism"):
    // the same seed gives other draws under another version.
    if (auto s = f.set_attribute(g, prefix + "random_stream",
                                 std::int64_t(runs[k].random_stream));
        !s)
      return s;
    // Conditioning (docs/conditioning.md), only when there is some, so
    // that unconditioned files stay as they were.
    std::string outturn_years;
    for (int y : runs[k].outturn_years)
      outturn_years += (outturn_years.empty() ? "" : ",") + std::to_string(y);
    for (const auto& [key, value] :
         {std::pair<std::string, std::string>{"outturn_years", outturn_years},
          {"outturns_file", runs[k].outturns_file},
          {"conditions", runs[k].conditions}})
      if (!value.empty())
        if (auto s = f.set_attribute(g, prefix + key, value); !s) return s;
  }

  const bool any_paths = std::any_of(
      runs.begin(), runs.end(), [](const auto& r) { return !r.paths.empty(); });
  std::int64_t max_draws = 0;
  for (const auto& run : runs) max_draws = std::max(max_draws, run.draws);
  std::vector<std::int32_t> draw_index;
  if (any_paths) {
    draw_index.resize(static_cast<std::size_t>(max_draws));
    for (std::int64_t d = 0; d < max_draws; ++d)
      draw_index[std::size_t(d)] = std::int32_t(d);
    if (auto s = f.add_scale(g, "draw", draw_index, "1"); !s) return s;
  }

  // Each variable's quantiles, kept for /forecast/series and /grid.
  std::vector<std::vector<double>> kept_quantiles(kVariableCount);
  for (int var : variables) {
    const std::string vg = g + "/" + montecarlo::VariableName(var);
    // Each variable's group carries its own copies of the coordinate
    // scales, so xarray.open_dataset(path, group="forecast/gdp") shows
    // labelled coordinates (xarray does not look up a parent group's).
    if (auto s = f.add_scale(vg, "scenario", names); !s) return s;
    if (auto s = f.add_scale(vg, "region", units); !s) return s;
    if (auto s = f.add_scale(vg, "year", years, "year"); !s) return s;
    if (auto s = f.add_scale(vg, "quantile", kQuantileLevels, "1"); !s)
      return s;
    if (any_paths)
      if (auto s = f.add_scale(vg, "draw", draw_index, "1"); !s) return s;
    const data::ColumnUnits var_units =
        forecast_variable_units(montecarlo::VariableName(var), history);
    const std::string& units_attr = var_units.units;
    std::vector<double> quantiles(S * U * Y * Q, kNaN), mean(S * U * Y, kNaN),
        sd(S * U * Y, kNaN);
    for (std::size_t k = 0; k < S; ++k) {
      const auto& run = runs[k];
      for (const auto& [cell, position] :
           cell_positions(run, var, units, years)) {
        const std::size_t at = k * U * Y + position;
        mean[at] = run.mean[cell];
        sd[at] = run.sd[cell];
        for (std::size_t q = 0; q < Q; ++q)
          quantiles[at * Q + q] = run.quantiles[cell * Q + q];
      }
    }
    for (std::size_t k = 0; k < S; ++k)
      digest_var(*digests[k], k, U * Y, Q, quantiles, mean, sd);
    kept_quantiles[std::size_t(var)] = quantiles;
    if (auto s = f.add_dataset(vg, "quantiles", quantiles,
                               {"scenario", "region", "year", "quantile"},
                               units_attr, var_units.long_name);
        !s)
      return s;
    // Not "mean": xarray's Dataset.mean would hide it from ds.mean.
    if (auto s = f.add_dataset(vg, "mean_value", mean,
                               {"scenario", "region", "year"}, units_attr,
                               var_units.long_name + ", mean over draws");
        !s)
      return s;
    if (auto s = f.add_dataset(
            vg, "sd", sd, {"scenario", "region", "year"}, units_attr,
            var_units.long_name + ", standard deviation over draws");
        !s)
      return s;
    if (any_paths) {
      // Written in blocks of draws into a chunked dataset, so no copy of
      // all paths is ever held.
      const std::string path = vg + "/paths";
      if (auto s = f.create_chunked_dataset(
              vg, "paths", {"scenario", "draw", "region", "year"},
              {1, kPathsDrawBlock, U, Y}, units_attr,
              var_units.long_name + ", every draw");
          !s)
        return s;
      if (auto s = write_paths(f, path, runs, var, units, years, max_draws); !s)
        return s;
    }
  }

  // Observed history for the fan charts.
  std::vector<std::int32_t> hist_years(history.years.begin(),
                                       history.years.end());
  std::vector<double> hist(U * hist_years.size(), kNaN);
  for (std::size_t u = 0; u < history.units.size(); ++u) {
    const int uu = index_of(units, history.units[u]);
    if (uu == int(U)) continue;
    for (std::size_t t = 0; t < hist_years.size(); ++t)
      hist[std::size_t(uu) * hist_years.size() + t] = history.gdp[u][t];
  }
  const std::string hg = g + "/history";
  if (auto s = f.add_scale(hg, "region", units); !s) return s;
  if (auto s = f.add_scale(hg, "history_year", hist_years, "year"); !s)
    return s;
  const data::ColumnUnits gdp_units = forecast_variable_units("gdp", history);
  if (auto s =
          f.add_dataset(hg, "gdp", hist, {"region", "history_year"},
                        gdp_units.units, "observed " + gdp_units.long_name);
      !s)
    return s;
  if (auto s = write_series(f, names, units, reports, years, hist_years, hist,
                            history, kept_quantiles);
      !s)
    return s;
  if (sweep != nullptr)
    if (auto s =
            write_sweep_grid(f, *sweep, units, years, history, kept_quantiles);
        !s)
      return s;
  for (std::size_t k = 0; k < S; ++k) {
    digest_tail(*digests[k], k, hist_years, hist, sweep);
    if (auto s = f.set_attribute(g, "scenario_" + std::to_string(k) + "_sha256",
                                 digests[k]->hex());
        !s)
      return s;
  }
  return ok();
}

namespace {

template <class T>
Status take(Result<T> r, T* out) {
  if (!r) return tl::unexpected(r.error());
  *out = std::move(*r);
  return ok();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

namespace {

// A finite whole number in [0, limit], as stored in a double dataset.
Result<std::int64_t> whole(double v, double limit, const std::string& what,
                           std::size_t k, const std::string& file) {
  if (!(v >= 0.0 && v <= limit) || v != std::floor(v))
    return fail("dataset '" + what + "' holds " + std::to_string(v) +
                    " for scenario " + std::to_string(k) +
                    ", not a whole number in [0, " + std::to_string(limit) +
                    "]",
                file);
  return std::int64_t(v);
}

}  // namespace

Result<std::vector<std::string>> forecast_variables(
    const std::filesystem::path& path) {
  const std::string file = path.string();
  detail::silence_hdf5_errors();
  detail::Handle f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT),
                   H5Fclose);
  if (!f.valid()) return detail::hdf5_fail("cannot open", file, file);
  if (H5Lexists(f.get(), "/forecast", H5P_DEFAULT) <= 0)
    return fail("not a forecast result (no /forecast group)", file);
  detail::Handle g(H5Gopen2(f.get(), "/forecast", H5P_DEFAULT), H5Gclose);
  if (!g.valid()) return detail::hdf5_fail("cannot open", "/forecast", file);
  std::vector<std::string> members;
  auto collect = [](hid_t, const char* name, const H5L_info_t*,
                    void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  hsize_t index = 0;
  if (H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, &index, collect,
                 &members) < 0)
    return detail::hdf5_fail("cannot list", "/forecast", file);
  std::vector<std::string> out;
  for (const auto& name : members) {
    // A dataset member fails the check (no links under it): not listed.
    const std::string quantiles = name + "/quantiles";
    if (H5Lexists(g.get(), quantiles.c_str(), H5P_DEFAULT) > 0)
      out.push_back(name);
  }
  return out;
}

Result<ForecastFile> read_forecast(const std::filesystem::path& path) {
  using montecarlo::kQuantileLevels;
  using montecarlo::kVariableCount;
  const std::string file = path.string();
  auto opened = ResultReader::open(path);
  if (!opened) return tl::unexpected(opened.error());
  const ResultReader& r = *opened;
  const std::string g = "/forecast/";
  if (!r.exists("/forecast"))
    return fail("not a forecast result (no /forecast group)", file);
  // The dimensions come from the coordinate scales, each 1-D; every other
  // dataset must have exactly the shape they imply before it is read.
  auto length = [&](const std::string& dataset) -> Result<std::size_t> {
    auto shape = r.shape(dataset);
    if (!shape) return tl::unexpected(shape.error());
    if (shape->size() != 1)
      return fail("dataset '" + dataset + "' is not one-dimensional", file);
    return shape->front();
  };
  std::size_t S = 0, U = 0, Y = 0, HY = 0;
  const std::size_t Q = kQuantileLevels.size();
  Status s = ok();
  auto step = [&](Status next) {
    if (s && !next) s = next;
  };
  step(take(length(g + "scenario"), &S));
  step(take(length(g + "region"), &U));
  step(take(length(g + "year"), &Y));
  step(take(length(g + "history/history_year"), &HY));
  if (!s) return tl::unexpected(s.error());
  const std::vector<std::size_t> dim_s{S}, dim_u{U}, dim_y{Y}, dim_hy{HY},
      dim_su{S, U}, dim_suy{S, U, Y}, dim_suyq{S, U, Y, Q}, dim_uhy{U, HY};

  std::vector<std::string> names, units;
  std::vector<std::int32_t> years, hist_years;
  std::vector<double> is_group, reports, draws, redraws, uncertified, param_unc,
      shock_unc, exact, hist;
  std::vector<std::uint64_t> seeds;
  step(take(r.read_strings(g + "scenario", &dim_s), &names));
  step(take(r.read_strings(g + "region", &dim_u), &units));
  step(take(r.read_ints(g + "year", &dim_y), &years));
  step(take(r.read_doubles(g + "is_group", dim_u), &is_group));
  step(take(r.read_doubles(g + "reports", dim_su), &reports));
  for (auto [name, target] : {std::pair{"draws", &draws},
                              {"parameter_redraws", &redraws},
                              {"uncertified_quantiles", &uncertified},
                              {"parameter_uncertainty", &param_unc},
                              {"shock_uncertainty", &shock_unc},
                              {"exact_quantiles", &exact}})
    step(take(r.read_doubles(g + name, dim_s), target));
  step(take(r.read_uint64s(g + "seed", &dim_s), &seeds));
  step(take(r.read_ints(g + "history/history_year", &dim_hy), &hist_years));
  step(take(r.read_doubles(g + "history/gdp", dim_uhy), &hist));
  if (!s) return tl::unexpected(s.error());

  // The variables are those the file lists (groups with quantiles); each
  // must be one the projection reports. A file of a scenario with
  // `outputs` records them in the attribute `variables` (absent: all), and
  // exactly those must be there.
  auto listed = forecast_variables(path);
  if (!listed) return tl::unexpected(listed.error());
  std::vector<bool> present(kVariableCount, false);
  for (const auto& name : *listed) {
    const int v = variable_index(name);
    if (v < 0)
      return fail(
          "the forecast variable '" + name + "' is not one this build reports",
          file, 0, g + name);
    present[std::size_t(v)] = true;
  }
  std::vector<int> variables = montecarlo::all_variables();
  if (r.has_attribute("/forecast", "variables")) {
    std::string text;
    step(take(r.string_attribute("/forecast", "variables"), &text));
    if (!s) return tl::unexpected(s.error());
    auto parsed = scenario::parse_output_list(text, "variables");
    if (!parsed)
      return fail("attribute 'variables' of '/forecast' is '" + text +
                      "', not a list of forecast variables",
                  file, 0, "variables");
    if (!parsed->empty()) variables = *parsed;  // empty: all
  }
  for (int var = 0; var < kVariableCount; ++var) {
    const bool wanted =
        std::find(variables.begin(), variables.end(), var) != variables.end();
    if (wanted && !present[std::size_t(var)])
      return fail("the file has no forecast variable '" +
                      std::string(montecarlo::VariableName(var)) + "'",
                  file, 0, g + montecarlo::VariableName(var) + "/quantiles");
    if (!wanted && present[std::size_t(var)])
      return fail("the file holds the forecast variable '" +
                      std::string(montecarlo::VariableName(var)) +
                      "' which its attribute 'variables' does not list",
                  file, 0, g + montecarlo::VariableName(var));
  }
  std::vector<std::vector<double>> quantiles(kVariableCount),
      mean(kVariableCount), sd(kVariableCount);
  for (int var : variables) {
    const std::string vg = g + montecarlo::VariableName(var) + "/";
    step(take(r.read_doubles(vg + "quantiles", dim_suyq), &quantiles[var]));
    // "mean" in files written before issue 17.
    const std::string mean_name =
        r.exists(vg + "mean_value") ? "mean_value" : "mean";
    step(take(r.read_doubles(vg + mean_name, dim_suy), &mean[var]));
    step(take(r.read_doubles(vg + "sd", dim_suy), &sd[var]));
  }
  if (!s) return tl::unexpected(s.error());

  ForecastFile out;
  if (auto arch = r.string_attribute("/", "instruction_set"))
    out.instruction_set = *arch;
  if (r.has_attribute("/forecast", "build"))
    step(take(r.string_attribute("/forecast", "build"), &out.build));
  // Absent in files written before version 2 of the digests.
  std::int64_t digest_version = 1;
  if (r.has_attribute("/forecast", "digest_version"))
    step(take(r.int_attribute("/forecast", "digest_version"), &digest_version));
  std::string calibration_sha256;
  if (r.has_attribute("/forecast", "calibration_sha256"))
    step(take(r.string_attribute("/forecast", "calibration_sha256"),
              &calibration_sha256));
  if (!s) return tl::unexpected(s.error());
  if (digest_version < 1 || digest_version > kDigestVersion)
    return fail("attribute 'digest_version' of '/forecast' is " +
                    std::to_string(digest_version) +
                    "; this build knows content digest versions 1 to " +
                    std::to_string(kDigestVersion) +
                    " (was the file written by a newer growthcast?)",
                file, 0, "digest_version");

  // Sweep coordinates, if any, before the runs (their digests cover them).
  if (r.exists(g + "point_index")) {
    SweepInfo sweep;
    sweep.calibration_sha256 = calibration_sha256;
    std::vector<double> points;
    std::string keys, kinds;
    step(take(r.string_attribute("/forecast", "sweep_id"), &sweep.sweep_id));
    step(take(r.int_attribute("/forecast", "sweep_points"),
              &sweep.total_points));
    step(take(r.read_doubles(g + "point_index", dim_s), &points));  // ints
    step(take(r.string_attribute("/forecast", "sweep_axes"), &keys));
    step(take(r.string_attribute("/forecast", "sweep_axis_kinds"), &kinds));
    if (!s) return tl::unexpected(s.error());
    if (sweep.total_points < 0)
      return fail("attribute 'sweep_points' of '/forecast' is negative", file);
    for (std::size_t k = 0; k < S; ++k) {
      auto p = whole(points[k], double(sweep.total_points) - 1,
                     "/forecast/point_index", k, file);
      if (!p) return tl::unexpected(p.error());
      sweep.point_index.push_back(*p);
    }
    const auto key_list = split_lines(keys);
    if (kinds.size() != key_list.size())
      return fail("the sweep has " + std::to_string(key_list.size()) +
                      " axes but " + std::to_string(kinds.size()) +
                      " axis kinds",
                  file, 0, "sweep_axis_kinds");
    for (std::size_t a = 0; a < key_list.size(); ++a) {
      SweepAxisValues axis;
      axis.key = key_list[a];
      axis.numeric = kinds[a] == 'n';
      if (axis.numeric) {
        step(take(r.read_doubles(g + axis.key, dim_s), &axis.numbers));
      } else {
        for (std::size_t k = 0; k < S; ++k) {
          std::string label;
          step(take(r.string_attribute(
                        "/forecast", axis.key + "[" + std::to_string(k) + "]"),
                    &label));
          axis.labels.push_back(label);
        }
      }
      sweep.axes.push_back(std::move(axis));
    }
    if (!s) return tl::unexpected(s.error());
    out.sweep = std::move(sweep);
  }

  const PerScenarioFacts facts{&draws,     &redraws, &uncertified, &param_unc,
                               &shock_unc, &exact,   &seeds};
  std::size_t digested = 0;
  for (std::size_t k = 0; k < S; ++k) {
    montecarlo::ScenarioForecast run;
    run.name = names[k];
    const std::string prefix = "/forecast";
    const std::string key = "scenario_" + std::to_string(k) + "_";
    step(take(r.string_attribute(prefix, key + "file"), &run.file));
    step(take(r.string_attribute(prefix, key + "toml"), &run.text));
    step(take(r.string_attribute(prefix, key + "quantile_method"),
              &run.quantile_method));
    // Files written before stream version 2 have no random_stream: 1.
    run.random_stream = 1;
    if (r.has_attribute(prefix, key + "random_stream")) {
      std::int64_t version = 0;
      step(take(r.int_attribute(prefix, key + "random_stream"), &version));
      run.random_stream = int(version);
    }
    if (r.has_attribute(prefix, key + "outturn_years")) {
      std::string years_text;
      step(
          take(r.string_attribute(prefix, key + "outturn_years"), &years_text));
      std::istringstream in(years_text);
      for (std::string y; std::getline(in, y, ',');)
        run.outturn_years.push_back(std::atoi(y.c_str()));
    }
    if (r.has_attribute(prefix, key + "outturns_file"))
      step(take(r.string_attribute(prefix, key + "outturns_file"),
                &run.outturns_file));
    if (r.has_attribute(prefix, key + "conditions"))
      step(take(r.string_attribute(prefix, key + "conditions"),
                &run.conditions));
    if (!s) return tl::unexpected(s.error());
    if (r.has_attribute(prefix, key + "sha256")) {
      std::string stored;
      step(take(r.string_attribute(prefix, key + "sha256"), &stored));
      if (!s) return tl::unexpected(s.error());
      Sha256 h;
      digest_head(h, k, names, units, is_group, reports, years, facts, run.file,
                  run.text, run.quantile_method, out.build, digest_version,
                  run.random_stream);
      for (int var : variables)
        digest_var(h, k, U * Y, Q, quantiles[var], mean[var], sd[var]);
      digest_tail(h, k, hist_years, hist, out.sweep ? &*out.sweep : nullptr);
      if (h.hex() != stored)
        return fail("scenario " + std::to_string(k) + " ('" +
                        names[k].substr(0, 80) +
                        "') does not match the content digest recorded when "
                        "it was written: its values, coordinates, names or "
                        "provenance were changed since",
                    file, 0, key + "sha256");
      ++digested;
    }
    std::vector<std::size_t> local;  // union index of each reported unit
    for (std::size_t u = 0; u < U; ++u)
      if (reports[k * U + u] != 0.0) {
        run.units.push_back(units[u]);
        run.is_group.push_back(is_group[u] != 0.0);
        local.push_back(u);
      }
    run.years.assign(years.begin(), years.end());
    constexpr double kMaxCount = 9007199254740992.0;  // 2^53
    std::int64_t counts[3];
    const std::pair<const std::vector<double>*, const char*> count_sets[3] = {
        {&draws, "/forecast/draws"},
        {&redraws, "/forecast/parameter_redraws"},
        {&uncertified, "/forecast/uncertified_quantiles"}};
    for (int c = 0; c < 3; ++c) {
      auto v = whole((*count_sets[c].first)[k], kMaxCount, count_sets[c].second,
                     k, file);
      if (!v) return tl::unexpected(v.error());
      counts[c] = *v;
    }
    run.draws = counts[0];
    run.seed = seeds[k];
    run.scenario_index = k;
    run.parameter_redraws = counts[1];
    run.uncertified_quantiles = counts[2];
    run.parameter_uncertainty = param_unc[k] != 0.0;
    run.shock_uncertainty = shock_unc[k] != 0.0;
    run.exact = exact[k] != 0.0;
    run.variables = variables;
    const std::size_t cells = std::size_t(run.cells());
    run.quantiles.resize(cells * Q);
    run.mean.resize(cells);
    run.sd.resize(cells);
    for (int var : variables)
      for (std::size_t u = 0; u < local.size(); ++u)
        for (std::size_t h = 0; h < Y; ++h) {
          const std::size_t cell = std::size_t(run.cell(var, int(u), int(h)));
          const std::size_t at = (k * U + local[u]) * Y + h;
          run.mean[cell] = mean[var][at];
          run.sd[cell] = sd[var][at];
          for (std::size_t q = 0; q < Q; ++q)
            run.quantiles[cell * Q + q] = quantiles[var][at * Q + q];
        }
    out.runs.push_back(std::move(run));
  }
  out.digests = S > 0 && digested == S;

  // The level variables' units (files before issue 17 wrote phrases such
  // as "as the calibration's gdp": unknown).
  for (const auto& [role, dataset] :
       {std::pair<std::string, std::string>{"gdp", g + "history/gdp"},
        {"capital", g + "capital/quantiles"},
        {"rd", g + "knowledge/quantiles"}}) {
    auto units_attr = r.string_attribute(dataset, "units");
    if (!units_attr || units_attr->starts_with("as the ")) continue;
    data::ColumnUnits entry{*units_attr, role};
    if (role != "rd")
      if (auto long_name = r.string_attribute(dataset, "long_name")) {
        entry.long_name = *long_name;
        if (entry.long_name.starts_with("observed "))
          entry.long_name = entry.long_name.substr(9);
      }
    out.history.series_units[role] = entry;
  }
  out.history.years.assign(hist_years.begin(), hist_years.end());
  out.history.units = units;
  for (std::size_t u = 0; u < U; ++u)
    out.history.gdp.emplace_back(hist.begin() + std::ptrdiff_t(u * HY),
                                 hist.begin() + std::ptrdiff_t((u + 1) * HY));
  return out;
}

}  // namespace growthcast::store
