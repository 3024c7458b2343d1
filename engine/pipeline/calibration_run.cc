#include "pipeline/calibration_run.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "backtest/trend_moments.h"
#include "data/pwt.h"
#include "pipeline/inputs.h"
#include "store/result_io.h"

namespace growthcast::pipeline {
namespace {

Result<double> parse_double(const std::string& text, const std::string& flag) {
  double value = 0;
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size())
    return usage_error("'" + text + "' is not a number", flag);
  return value;
}

// The model's shared parameters, "alpha, beta, ...", for messages.
std::string shared_names(const models::ModelInfo& info) {
  std::string out;
  for (int k = 0; k < info.shared_count(); ++k)
    out += (k ? ", " : "") + std::string(info.shared(k).name);
  return out;
}

// "NAME=REST" with NAME a shared parameter of the model.
Result<std::pair<int, std::string>> split_setting(
    const calibrate::ModelOptions& model, const std::string& text,
    const std::string& flag) {
  const auto eq = text.find('=');
  const std::string name = text.substr(0, eq);
  const int index = model.index(name);
  if (index < 0)
    return usage_error(
        "unknown parameter '" + name + "' (" + shared_names(model.info()) + ")",
        flag);
  if (eq == std::string::npos)
    return usage_error("expected NAME=VALUE, got '" + text + "'", flag);
  return std::pair{index, text.substr(eq + 1)};
}

// "A:B" as two numbers.
Result<std::pair<double, double>> parse_pair(const std::string& text,
                                             const std::string& flag) {
  const auto colon = text.find(':');
  if (colon == std::string::npos)
    return usage_error("expected two numbers A:B, got '" + text + "'", flag);
  auto a = parse_double(text.substr(0, colon), flag);
  if (!a) return tl::unexpected(a.error());
  auto b = parse_double(text.substr(colon + 1), flag);
  if (!b) return tl::unexpected(b.error());
  return std::pair{*a, *b};
}

}  // namespace

Result<std::vector<double>> read_band_scale(const std::string& path,
                                            const std::string& model) {
  auto reader = store::ResultReader::open(path);
  if (!reader) return tl::unexpected(reader.error());
  if (!reader->exists("/backtest/band_scale"))
    return fail("not a backtest result with band scales", path, 0, "--bands");
  auto names = reader->read_strings("/backtest/band_model");
  if (!names) return tl::unexpected(names.error());
  std::vector<std::size_t> shape;
  auto values = reader->read_doubles("/backtest/band_scale", &shape);
  if (!values) return tl::unexpected(values.error());
  const auto it = std::find(names->begin(), names->end(), model);
  if (it == names->end() || shape.size() != 2 || shape[0] != names->size())
    return fail("the backtest has no band scales for model '" + model + "'",
                path, 0, "--bands");
  const std::size_t row = std::size_t(it - names->begin());
  return std::vector<double>(
      values->begin() + std::ptrdiff_t(row * shape[1]),
      values->begin() + std::ptrdiff_t((row + 1) * shape[1]));
}

Status estimate_trend_shocks(const data::Panel& panel,
                             const std::string& gdp_column,
                             calibrate::CalibrationResult& result) {
  const data::PanelColumn* gdp = panel.column(gdp_column);
  const int last = panel.year_index(result.years.back());
  if (!gdp || last < 0) return ok();
  // The longest run of years to the window's end in which every calibrated
  // region has a positive GDP.
  int first = last;
  std::vector<int> rows;
  for (const auto& name : result.regions)
    rows.push_back(panel.region_index(name));
  auto complete = [&](int t) {
    for (int r : rows)
      if (r < 0 || !(gdp->values[std::size_t(r)][std::size_t(t)] > 0.0))
        return false;
    return true;
  };
  while (first > 0 && complete(first - 1)) --first;
  std::vector<std::vector<double>> log_y;
  for (int r : rows) {
    std::vector<double> series;
    for (int t = first; t <= last; ++t)
      series.push_back(std::log(gdp->values[std::size_t(r)][std::size_t(t)]));
    log_y.push_back(std::move(series));
  }
  backtest::TrendMomentOptions options;
  options.phi = result.fit.trend_persistence;
  auto moments = backtest::estimate_trend_moments(log_y, options);
  // Too short a history for the moments: no trend shocks, not an error.
  if (!moments) return ok();
  result.fit.trend_sigma_common = moments->common.zeta;
  result.fit.trend_sigma_regional = moments->regional.zeta;
  return ok();
}

Result<calibrate::ModelOptions> CalibrationRequest::model_options() const {
  auto defaults = calibrate::ModelOptions::for_model(model_name);
  if (!defaults)
    return usage_error(
        "unknown model '" + model_name + "' (" + models::model_names() + ")",
        "--model");
  calibrate::ModelOptions model = *defaults;
  // Freeing or fixing a tied parameter (beta) unties it.
  for (const auto& name : free) {
    const int k = model.index(name);
    if (k < 0)
      return usage_error("unknown parameter '" + name + "' (" +
                             shared_names(model.info()) + ")",
                         "--free");
    model.shared[std::size_t(k)].free = true;
    model.shared[std::size_t(k)].tied = false;
  }
  for (const auto& text : fix) {
    auto s = split_setting(model, text, "--fix");
    if (!s) return tl::unexpected(s.error());
    auto v = parse_double(s->second, "--fix");
    if (!v) return tl::unexpected(v.error());
    model.shared[std::size_t(s->first)].free = false;
    model.shared[std::size_t(s->first)].value = *v;
    model.shared[std::size_t(s->first)].tied = false;
  }
  for (const auto& text : start) {
    auto s = split_setting(model, text, "--start");
    if (!s) return tl::unexpected(s.error());
    auto v = parse_double(s->second, "--start");
    if (!v) return tl::unexpected(v.error());
    model.shared[std::size_t(s->first)].value = *v;
  }
  for (const auto& text : bound) {
    auto s = split_setting(model, text, "--bound");
    if (!s) return tl::unexpected(s.error());
    auto b = parse_pair(s->second, "--bound");
    if (!b) return tl::unexpected(b.error());
    model.shared[std::size_t(s->first)].lower = b->first;
    model.shared[std::size_t(s->first)].upper = b->second;
  }
  for (const auto& text : prior) {
    auto s = split_setting(model, text, "--prior");
    if (!s) return tl::unexpected(s.error());
    auto b = parse_pair(s->second, "--prior");
    if (!b) return tl::unexpected(b.error());
    model.shared[std::size_t(s->first)].prior =
        calibrate::GaussianPrior{b->first, b->second};
  }
  // Defaults the model takes from the data (PWT), for the parameters the
  // user did not set.
  std::set<std::string> set_by_user(free.begin(), free.end());
  for (const auto* list : {&fix, &start, &prior})
    for (const auto& text : *list)
      set_by_user.insert(text.substr(0, text.find('=')));
  const models::ModelInfo& info = model.info();
  for (int k = 0; k < info.shared_count(); ++k) {
    const models::ParameterInfo& p = info.shared(k);
    if (p.from_data.empty() || set_by_user.count(std::string(p.name))) continue;
    auto facts =
        data::pwt_facts(pwt.empty() ? shipped_data_dir() / "pwt1001.csv"
                                    : std::filesystem::path(pwt),
                        to);
    if (!facts) return tl::unexpected(facts.error());
    auto& setting = model.shared[std::size_t(k)];
    if (p.from_data == models::kFromPwtFrontierTfpGrowth) {
      setting.value = facts->labour_share * facts->frontier_growth;
    } else if (p.from_data == models::kFromPwtCapitalShare) {
      setting.value = 1.0 - facts->labour_share;
      if (setting.prior) setting.prior->mean = setting.value;
    }
  }
  std::string why;
  if (!model.IsValid(&why)) return usage_error(why, "parameters");
  return model;
}

Result<CalibrationInput> read_calibration_input(
    const CalibrationRequest& request) {
  data::ColumnMapping mapping;
  mapping.region = request.panel.region_col;
  mapping.year = request.panel.year_col;
  const auto& c = request.columns;
  mapping.values = {c.gdp, c.capital, c.labour, c.rd};
  mapping.optional_values = {c.gdp_nominal, c.investment_nominal, c.rd_nominal};
  auto panel = data::read_panel(request.panel.data, mapping);
  if (!panel) return tl::unexpected(panel.error());
  data::Selection selection;
  selection.regions = request.panel.regions;
  selection.first_year = request.from;
  selection.last_year = request.to;
  selection.positive = mapping.values;
  // The nominal series give the projection's default driver ratios; when
  // the panel has them they must be complete in the window.
  if (panel->column(c.gdp_nominal)) {
    selection.positive.push_back(c.gdp_nominal);
    for (const auto* name : {&c.investment_nominal, &c.rd_nominal})
      if (panel->column(*name)) selection.required.push_back(*name);
  }
  auto window = data::select(*panel, selection);
  if (!window) return tl::unexpected(window.error());
  auto data = calibrate::calibration_data(*window, c);
  if (!data) return tl::unexpected(data.error());
  return CalibrationInput{std::move(*panel), std::move(*data)};
}

Result<calibrate::CalibrationResult> run_calibration(
    CalibrationRequest& request, const CancelFlag* cancel) {
  request.panel.resolve();
  if (!calibrate::StringToLossKind(request.loss, &request.solver.loss))
    return usage_error(
        "unknown loss '" + request.loss + "' (none, huber, cauchy)", "--loss");
  std::string why;
  if (!request.solver.IsValid(&why)) return usage_error(why, "solver options");
  auto model = request.model_options();
  if (!model) return tl::unexpected(model.error());

  auto input = read_calibration_input(request);
  if (!input) return tl::unexpected(input.error());
  const auto& c = request.columns;
  calibrate::SolverOptions solver = request.solver;
  solver.cancel = cancel;
  auto result = calibrate::calibrate(std::move(input->data), *model, solver);
  if (!result) return result;
  if (!request.bands.empty()) {
    auto scale = read_band_scale(request.bands, result->model);
    if (!scale) return tl::unexpected(scale.error());
    result->band_scale = *scale;
  }
  if (auto s = estimate_trend_shocks(input->panel, c.gdp, *result); !s)
    return tl::unexpected(s.error());
  return result;
}

}  // namespace growthcast::pipeline
