#include "pipeline/backtest_run.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "backtest/band_calibration.h"
#include "backtest/outturns.h"
#include "backtest/scores.h"
#include "montecarlo/quantiles.h"
#include "montecarlo/runner.h"
#include "pipeline/calibration_run.h"
#include "pipeline/inputs.h"
#include "scenario/scenario.h"
#include "store/backtest_io.h"

namespace growthcast::pipeline {
namespace {

Result<std::vector<int>> parse_origins(const std::string& text) {
  const auto colon = text.find(':');
  int first = 0, last = 0;
  auto parse = [](const std::string& s, int* v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return ec == std::errc() && p == s.data() + s.size();
  };
  const bool good = colon == std::string::npos
                        ? parse(text, &first) && (last = first, true)
                        : parse(text.substr(0, colon), &first) &&
                              parse(text.substr(colon + 1), &last);
  if (!good || first > last)
    return usage_error("'" + text + "' is not FIRST:LAST such as 2012:2019",
                       "--origins");
  std::vector<int> out;
  for (int y = first; y <= last; ++y) out.push_back(y);
  return out;
}

// The first year from which every calibration column is present for every
// region through `last`.
int first_complete_year(const data::Panel& panel, int last) {
  int t = panel.year_index(last);
  if (t < 0) return last;
  auto complete = [&](int index) {
    for (const auto& column : panel.columns)
      for (std::size_t r = 0; r < panel.regions.size(); ++r)
        if (!std::isfinite(column.values[r][std::size_t(index)])) return false;
    return true;
  };
  while (t > 0 && complete(t - 1)) --t;
  return panel.years[std::size_t(t)];
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// The baseline scenario of one origin: every region, the regions file's
// groups and the national total, drivers held at their baselines.
std::string scenario_text(const std::string& name, int horizon,
                          std::int64_t draws, std::uint64_t seed,
                          const std::vector<std::string>& regions,
                          const std::vector<data::RegionGroup>& groups) {
  std::string text = "name = " + quoted(name) +
                     "\nhorizon = " + std::to_string(horizon) +
                     "\ndraws = " + std::to_string(draws) +
                     "\nseed = " + std::to_string(seed) + "\n[groups]\n";
  auto list = [&](const std::vector<std::string>& members) {
    std::string out = "[";
    for (std::size_t i = 0; i < members.size(); ++i)
      out += (i ? ", " : "") + quoted(members[i]);
    return out + "]";
  };
  for (const auto& g : groups)
    text += quoted(g.name) + " = " + list(g.members) + "\n";
  text += quoted(kNational) + " = " + list(regions) + "\n";
  return text;
}

double value_at(const backtest::UnitSeries& s, int year) {
  const int i = year - s.first_year;
  return i >= 0 && i < int(s.values.size()) ? s.values[std::size_t(i)]
                                            : std::nan("");
}

std::string percent(double v, int digits = 1) {
  if (!std::isfinite(v)) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, 100.0 * v);
  return buffer;
}

// Per model and horizon: regions pooled, then the national total.
std::string format_scores(const std::vector<backtest::ModelScores>& scores,
                          int horizon) {
  std::string out =
      "Backtest: log error of the median (RMSE, bias) and band coverage, "
      "by horizon (%; regions pooled | national total)\n";
  char line[256];
  std::snprintf(line, sizeof line,
                "  %-18s %2s %5s %7s %7s %6s %6s | %7s %7s %6s\n", "model", "h",
                "n", "RMSE", "bias", "cov50", "cov90", "RMSE", "bias", "cov90");
  out += line;
  for (const auto& m : scores) {
    const auto national =
        std::find(m.units.begin(), m.units.end(), std::string(kNational));
    for (int h = 1; h <= horizon; ++h) {
      const auto& s = m.by_horizon[std::size_t(h - 1)];
      backtest::Score n;
      if (national != m.units.end())
        n = m.by_unit_horizon[std::size_t(national - m.units.begin())]
                             [std::size_t(h - 1)];
      std::snprintf(
          line, sizeof line, "  %-18s %2d %5zu %7s %7s %6s %6s | %7s %7s %6s\n",
          h == 1 ? m.model.c_str() : "", h, s.n, percent(s.rmse, 2).c_str(),
          percent(s.bias, 2).c_str(), percent(s.coverage50, 0).c_str(),
          percent(s.coverage90, 0).c_str(), percent(n.rmse, 2).c_str(),
          percent(n.bias, 2).c_str(), percent(n.coverage90, 0).c_str());
      out += line;
    }
  }
  return out;
}

bool is_region(const data::Panel& panel, const std::string& unit) {
  return std::find(panel.regions.begin(), panel.regions.end(), unit) !=
         panel.regions.end();
}

int last_known_year(const std::vector<backtest::UnitSeries>& series) {
  int last = 0;
  for (const auto& s : series)
    last = std::max(last, s.first_year + int(s.values.size()) - 1);
  return last;
}

// A forecast's error in units of its own spread, in logs: the spread from
// the 90% band as for a normal distribution.
backtest::BandPoint band_point(const backtest::ForecastPoint& p) {
  backtest::BandPoint b;
  b.origin = p.origin;
  b.horizon = p.horizon;
  b.unit = p.unit;
  b.median = std::log(p.median);
  b.sd = (std::log(p.q95) - std::log(p.q05)) / (2.0 * 1.6448536269514722);
  b.actual = std::log(p.actual);
  return b;
}

struct OriginForecast {
  std::vector<backtest::ForecastPoint> points;
};

// Calibrates `model` on the data up to `origin` (a window of the flag's
// length, cut where the data start), projects the baseline scenario with
// band scales `band_scale` (empty: none) and returns its GDP points.
Result<OriginForecast> forecast_origin(
    const BacktestRequest& request, const data::Panel& panel,
    const std::string& model, int origin,
    const std::vector<data::RegionGroup>& groups,
    const std::vector<double>& band_scale,
    const std::map<std::string, const backtest::UnitSeries*>& series_of,
    const CancelFlag* cancel, bool single_thread = false) {
  CalibrationRequest f = request.calibration;
  f.model_name = model;
  f.to = origin;
  f.from =
      std::max(origin - request.window + 1, first_complete_year(panel, origin));
  auto cal = run_calibration(f, cancel);
  if (!cal) return tl::unexpected(cal.error());
  const std::string name = model + "@" + std::to_string(origin);
  auto sc = scenario::parse_scenario(
      scenario_text(name, origin + request.horizon, request.draws, request.seed,
                    cal->regions, groups),
      "backtest " + name);
  if (!sc) return tl::unexpected(sc.error());
  sc->random_stream = request.random_stream;
  auto setup = montecarlo::make_setup(*cal, *sc, {});
  if (!setup) return tl::unexpected(setup.error());
  if (!band_scale.empty()) {
    setup->band_calibration = true;
    for (std::size_t h = 0; h < setup->band_scale.size(); ++h)
      setup->band_scale[h] = band_scale[std::min(h, band_scale.size() - 1)];
  }
  montecarlo::RunOptions options;
  // --threads (the calibration's option) sets the Monte Carlo's too; its
  // default of 1 leaves the Monte Carlo on every core.
  options.threads =
      single_thread ? 1 : (f.solver.threads > 1 ? f.solver.threads : 0);
  options.cancel = cancel;
  auto run = montecarlo::run_scenario(*setup, *sc, 0, request.draws,
                                      request.seed, options);
  if (!run) return tl::unexpected(run.error());
  const auto& levels = montecarlo::kQuantileLevels;
  const std::size_t nq = levels.size();
  auto level_index = [&](double q) {
    return std::size_t(std::find(levels.begin(), levels.end(), q) -
                       levels.begin());
  };
  OriginForecast out;
  for (std::size_t u = 0; u < run->units.size(); ++u)
    for (int h = 1; h <= request.horizon; ++h) {
      const std::size_t cell =
          std::size_t(run->cell(montecarlo::kGdp, int(u), h - 1));
      auto q = [&](double level) {
        return run->quantiles[cell * nq + level_index(level)];
      };
      backtest::ForecastPoint p;
      p.origin = origin;
      p.horizon = h;
      p.model = model;
      p.unit = run->units[u];
      p.median = q(0.50);
      p.q05 = q(0.05);
      p.q25 = q(0.25);
      p.q75 = q(0.75);
      p.q95 = q(0.95);
      const auto it = series_of.find(p.unit);
      p.actual = it == series_of.end() ? std::nan("")
                                       : value_at(*it->second, origin + h);
      out.points.push_back(p);
    }
  return out;
}

// forecast_origin for every origin, in parallel over the origins (each
// forecast on one thread; a forecast is the same bits on any number of
// threads, so the scores do not depend on the scheduling). The first error
// in origin order is returned.
Result<std::vector<OriginForecast>> forecast_origins(
    const BacktestRequest& request, const data::Panel& panel,
    const std::string& model, const std::vector<int>& origins,
    const std::vector<data::RegionGroup>& groups,
    const std::vector<std::vector<double>>& band_scales,
    const std::map<std::string, const backtest::UnitSeries*>& series_of,
    const CancelFlag* cancel) {
  const int n = int(origins.size());
  std::vector<std::optional<Result<OriginForecast>>> results(origins.size());
  BacktestRequest one = request;
  if (n > 1) one.calibration.solver.threads = 1;
#pragma omp parallel for schedule(dynamic, 1) if (n > 1)
  for (int k = 0; k < n; ++k) {
    results[std::size_t(k)] =
        forecast_origin(one, panel, model, origins[std::size_t(k)], groups,
                        band_scales[std::size_t(k)], series_of, cancel, n > 1);
    if (request.forecast_done) request.forecast_done();
  }
  std::vector<OriginForecast> out;
  for (auto& r : results) {
    if (!*r) return tl::unexpected(r->error());
    out.push_back(std::move(**r));
  }
  return out;
}

}  // namespace

std::int64_t backtest_forecasts(const BacktestRequest& request) {
  auto origins = parse_origins(request.origins);
  if (!origins) return 0;
  std::int64_t count = 0;
  for (const auto& model : request.models) {
    const models::ModelInfo* info = models::find_model(model);
    if (info == nullptr) return 0;
    count += std::int64_t(origins->size()) *
             (info->default_band_calibration ? 2 : 1);
  }
  return count;
}

Status check_backtest(const BacktestRequest& request) {
  auto origins = parse_origins(request.origins);
  if (!origins) return tl::unexpected(origins.error());
  if (request.horizon < 1 || request.horizon > 30)
    return usage_error("must be 1..30", "--horizon");
  if (request.window < 3) return usage_error("must be at least 3", "--window");
  if (request.draws < 100)
    return usage_error("must be at least 100", "--draws");
  for (const auto& m : request.models)
    if (!models::find_model(m))
      return usage_error(
          "unknown model '" + m + "' (" + models::model_names() + ")",
          "--models");
  return ok();
}

Result<BacktestResult> run_backtest(BacktestRequest& request,
                                    const CancelFlag* cancel) {
  if (auto s = check_backtest(request); !s) return tl::unexpected(s.error());
  const std::vector<int> origins = *parse_origins(request.origins);
  CalibrationRequest& base = request.calibration;
  base.panel.resolve();
  if (request.outturns.empty())
    request.outturns =
        (shipped_data_dir() / "china_province_outturns.csv").string();

  // What happened: the panel's GDP, then the outturns.
  const auto& columns = base.columns;
  data::ColumnMapping mapping;
  mapping.region = base.panel.region_col;
  mapping.year = base.panel.year_col;
  mapping.values = {columns.gdp, columns.capital, columns.labour, columns.rd};
  auto panel = data::read_panel(base.panel.data, mapping);
  if (!panel) return tl::unexpected(panel.error());
  auto outturns = backtest::read_outturns(request.outturns);
  if (!outturns) return tl::unexpected(outturns.error());
  auto actual = backtest::actual_series(*panel, columns.gdp, *outturns);
  if (!actual) return tl::unexpected(actual.error());
  auto groups = load_groups(base.panel, panel->regions);
  if (!groups) return tl::unexpected(groups.error());
  std::vector<data::RegionGroup> all_groups = *groups;
  all_groups.push_back({kNational, panel->regions});
  auto group_actual = backtest::group_series(*actual, all_groups);
  if (!group_actual) return tl::unexpected(group_actual.error());
  std::map<std::string, const backtest::UnitSeries*> series_of;
  for (const auto* list : {&*actual, &*group_actual})
    for (const auto& s : *list) series_of[s.unit] = &s;

  BacktestResult result;
  result.horizon = request.horizon;
  result.random_stream =
      request.random_stream.value_or(int(montecarlo::kDefaultStreamVersion));
  auto& points = result.points;
  for (const auto& model : request.models) {
    // Unscaled forecasts first: their errors give c_h. Then, for a model
    // whose forecasts calibrate their bands, each origin again with c_h
    // from the origins before it whose errors were known by then, so the
    // scores are out of sample.
    auto plain_run = forecast_origins(
        request, *panel, model, origins, *groups,
        std::vector<std::vector<double>>(origins.size()), series_of, cancel);
    if (!plain_run) return tl::unexpected(plain_run.error());
    const std::vector<OriginForecast>& plain = *plain_run;
    std::vector<backtest::BandPoint> band_points;
    for (const auto& f : plain)
      for (const auto& p : f.points)
        if (is_region(*panel, p.unit)) band_points.push_back(band_point(p));
    const bool scaled = models::find_model(model)->default_band_calibration;
    std::vector<OriginForecast> final_run = plain;
    if (scaled) {
      std::vector<std::vector<double>> scales;
      for (int origin : origins) {
        auto c =
            backtest::calibrate_bands(band_points, origin, request.horizon);
        if (!c) return tl::unexpected(c.error());
        scales.push_back(c->c);
      }
      auto scaled_run = forecast_origins(request, *panel, model, origins,
                                         *groups, scales, series_of, cancel);
      if (!scaled_run) return tl::unexpected(scaled_run.error());
      final_run = std::move(*scaled_run);
    }
    for (const auto& f : final_run)
      points.insert(points.end(), f.points.begin(), f.points.end());
    // The bands a forecast from the last data year would use: every error
    // known by the outturns' last year.
    auto c = backtest::calibrate_bands(band_points, last_known_year(*actual),
                                       request.horizon);
    if (!c) return tl::unexpected(c.error());
    result.bands[model] = *c;
  }
  std::vector<backtest::UnitSeries> units = *actual;
  units.insert(units.end(), group_actual->begin(), group_actual->end());
  backtest::BenchmarkOptions bench;
  bench.origins = origins;
  bench.max_horizon = request.horizon;
  auto benchmarks = backtest::benchmark_forecasts(units, bench);
  if (!benchmarks) return tl::unexpected(benchmarks.error());
  // Benchmarks are scored on the same units as the models.
  for (auto& p : *benchmarks)
    if (series_of.count(p.unit)) points.push_back(p);
  // Score regions (pooled) and the national total separately: groups are
  // sums of regions and would count their errors twice.
  std::vector<backtest::ForecastPoint> region_points, national_points;
  for (const auto& p : points) {
    if (is_region(*panel, p.unit)) region_points.push_back(p);
    if (p.unit == kNational) national_points.push_back(p);
  }
  auto scores = backtest::score_forecasts(region_points, request.horizon);
  if (!scores) return tl::unexpected(scores.error());
  auto national = backtest::score_forecasts(national_points, request.horizon);
  if (!national) return tl::unexpected(national.error());
  for (auto& m : *scores)
    for (const auto& n : *national)
      if (n.model == m.model) {
        m.units.push_back(kNational);
        m.by_unit_horizon.push_back(n.by_horizon);
      }
  result.scores = std::move(*scores);
  return result;
}

std::string format_backtest(const BacktestResult& result) {
  std::string out = format_scores(result.scores, result.horizon);
  for (const auto& [model, c] : result.bands) {
    out +=
        "Band scale c_h of " + model + " (errors known by " +
        std::to_string(c.last_data_year) + "; applied to its forecasts: " +
        (models::find_model(model)->default_band_calibration ? "yes" : "no") +
        "):";
    for (double v : c.c) {
      char buffer[16];
      std::snprintf(buffer, sizeof buffer, " %.2f", v);
      out += buffer;
    }
    out += "\n";
  }
  return out;
}

Status write_backtest(store::ResultFile& f, const BacktestResult& result) {
  if (auto st = store::write_backtest(f, result.points, result.scores,
                                      result.horizon, kNational);
      !st)
    return st;
  std::vector<std::string> names;
  std::vector<double> scale;
  for (const auto& [model, c] : result.bands) {
    names.push_back(model);
    scale.insert(scale.end(), c.c.begin(), c.c.end());
  }
  if (auto st = f.add_scale("/backtest", "band_model", names); !st) return st;
  if (auto st = f.set_attribute("/backtest", "random_stream",
                                std::int64_t(result.random_stream));
      !st)
    return st;
  return f.add_dataset("/backtest", "band_scale", scale,
                       {"band_model", "horizon"}, "1",
                       "c_h: max(1, RMS of (ln median - ln actual) / sd) "
                       "over every error known by the last outturn year");
}

}  // namespace growthcast::pipeline
