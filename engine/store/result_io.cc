#include "store/result_io.h"

#include <algorithm>
#include <cmath>
#include <span>
#include <type_traits>

#include "store/calibration_checks.h"

namespace growthcast::store {
namespace {

using calibrate::CalibrationResult;

std::vector<double> flatten(const std::vector<std::vector<double>>& grid) {
  std::vector<double> out;
  for (const auto& row : grid) out.insert(out.end(), row.begin(), row.end());
  return out;
}

std::vector<std::vector<double>> unflatten(const std::vector<double>& flat,
                                           std::size_t rows) {
  std::vector<std::vector<double>> out(rows);
  const std::size_t cols = rows ? flat.size() / rows : 0;
  for (std::size_t r = 0; r < rows; ++r)
    out[r].assign(flat.begin() + static_cast<std::ptrdiff_t>(r * cols),
                  flat.begin() + static_cast<std::ptrdiff_t>((r + 1) * cols));
  return out;
}

// Runs each step in order and stops at the first error.
class Steps {
 public:
  Status status = ok();
  template <class F>
  Steps& then(F&& step) {
    if (status) status = step();
    return *this;
  }
};

// The covariance, P x P, contiguous as add_dataset writes it, but in blocks
// of rows: after each block the kernel is asked to start writing it to disk,
// so the disk works while the next block is copied into the page cache and
// the final fsync has little left (at 3,100 regions the matrix is 308 MB:
// one 0.08 s copy then a 0.14 s fsync, bench/README.md), and the block
// before it, on disk by then, leaves the page cache (write_behind: fresh
// page cache for all 308 MB cost 0.5-0.7 s of system time on this VM).
Status write_covariance(ResultFile& f, const std::string& group,
                        std::span<const double> covariance) {
  constexpr std::size_t kBlockBytes = std::size_t{32} << 20;
  const std::size_t n = static_cast<std::size_t>(
      std::llround(std::sqrt(double(covariance.size()))));
  if (covariance.size() * sizeof(double) <= kBlockBytes || n == 0)
    return f.add_dataset(group, "covariance", covariance,
                         {"parameter", "parameter_2"}, "1",
                         "sigma^2 (J'J)^-1 over the free parameters");
  if (auto s = f.create_chunked_dataset(
          group, "covariance", {"parameter", "parameter_2"}, {}, "1",
          "sigma^2 (J'J)^-1 over the free parameters");
      !s)
    return s;
  const std::size_t rows = std::max<std::size_t>(1, kBlockBytes / (n * 8));
  for (std::size_t first = 0; first < n; first += rows) {
    const std::size_t count = std::min(rows, n - first);
    if (auto s = f.write_block(group + "/covariance", {first, 0}, {count, n},
                               covariance.subspan(first * n, count * n));
        !s)
      return s;
    f.write_behind();
  }
  return ok();
}

}  // namespace

Status write_calibration(ResultFile& f, const CalibrationResult& r) {
  const std::string g = "/calibration";
  std::vector<std::int32_t> years(r.years.begin(), r.years.end());
  std::vector<bool> is_free;
  for (const auto s : r.parameter_status)
    is_free.push_back(s == models::ParameterStatus::free);
  // Eigen is column-major; the covariance is symmetric so the bytes are the
  // same row-major, and it is written from where it is (at 3,100 regions a
  // copy is 308 MB).
  const std::span<const double> covariance(r.covariance.data(),
                                           std::size_t(r.covariance.size()));
  const auto& fit = r.fit;
  const auto& solve = r.solve;
  // The panel's units (its sidecar), else "unknown"; the knowledge stock
  // accumulates R&D spending, so it is in R&D's units.
  const data::ColumnUnits gdp = r.units_of("gdp"),
                          capital = r.units_of("capital"),
                          labour = r.units_of("labour"), rd = r.units_of("rd");
  Steps steps;
  steps.then([&] { return f.add_scale(g, "parameter", r.parameter_names); })
      .then([&] { return f.add_scale(g, "region", r.regions); })
      .then([&] { return f.add_scale(g, "year", years, "year"); })
      .then([&] {
        return f.add_dataset(
            g, "estimate", {r.estimate.data(), std::size_t(r.estimate.size())},
            {"parameter"}, "1", "parameter estimate");
      })
      .then([&] {
        return f.add_dataset(
            g, "std_error",
            {r.std_error.data(), std::size_t(r.std_error.size())},
            {"parameter"}, "1",
            "standard error, sqrt of the covariance diagonal");
      })
      .then([&] {
        return f.add_dataset(g, "t_stat",
                             {r.t_stat.data(), std::size_t(r.t_stat.size())},
                             {"parameter"}, "1", "estimate / std_error");
      })
      .then([&] {
        return f.add_dataset(g, "lower",
                             {r.lower.data(), std::size_t(r.lower.size())},
                             {"parameter"}, "1", "lower bound (-inf: none)");
      })
      .then([&] {
        return f.add_dataset(g, "upper",
                             {r.upper.data(), std::size_t(r.upper.size())},
                             {"parameter"}, "1", "upper bound (+inf: none)");
      })
      .then([&] {
        return f.add_flag_dataset(g, "is_free", is_free, {"parameter"},
                                  "estimated (1), or fixed, tied or on a "
                                  "bound (0)");
      })
      // The covariance's second dimension has its own name (a copy of the
      // parameter scale), so xarray can index both (.sel, to_dataframe).
      .then([&] { return f.add_scale(g, "parameter_2", r.parameter_names); })
      .then([&] { return write_covariance(f, g, covariance); })
      .then([&] {
        return f.add_dataset(g, "gdp", flatten(r.gdp), {"region", "year"},
                             gdp.units, gdp.long_name);
      })
      .then([&] {
        return f.add_dataset(g, "capital", flatten(r.capital),
                             {"region", "year"}, capital.units,
                             capital.long_name);
      })
      .then([&] {
        return f.add_dataset(g, "labour", flatten(r.labour), {"region", "year"},
                             labour.units, labour.long_name);
      })
      .then([&] {
        return f.add_dataset(g, "rd", flatten(r.rd), {"region", "year"},
                             rd.units, rd.long_name);
      })
      .then([&] {
        return f.add_dataset(
            g, "knowledge", flatten(r.knowledge), {"region", "year"}, rd.units,
            "knowledge stock S (R&D accumulated at the estimated delta_S)");
      })
      .then([&] {
        return f.add_dataset(
            g, "fitted", flatten(r.fitted), {"region", "year"}, "1",
            "ln Yhat, natural log of fitted GDP in " + gdp.units);
      })
      .then([&] {
        return f.add_dataset(g, "residual", flatten(r.residual),
                             {"region", "year"}, "1",
                             "ln Y - ln Yhat (log difference)");
      });
  if (!r.band_scale.empty()) {
    std::vector<std::int32_t> horizons;
    for (std::size_t h = 1; h <= r.band_scale.size(); ++h)
      horizons.push_back(std::int32_t(h));
    steps
        .then([&] { return f.add_scale(g, "band_horizon", horizons, "years"); })
        .then([&] {
          return f.add_dataset(g, "band_scale", r.band_scale, {"band_horizon"},
                               "1",
                               "c_h: band scale from a backtest (shock "
                               "innovations of year h scaled by it)");
        });
  }
  // A plain loop variable: lambdas cannot capture structured bindings
  // before C++20 compilers caught up (clang 14 builds the fuzzers).
  for (const auto& driver : r.drivers)
    steps.then([&] {
      return f.add_dataset(
          g, driver.first, flatten(driver.second), {"region", "year"}, "1",
          "observed " + driver.first + " (nominal ratio to GDP)");
    });
  auto attr = [&](const char* name, auto value) {
    steps.then([&] { return f.set_attribute(g, name, value); });
  };
  std::string statuses;
  for (std::size_t k = 0; k < r.parameter_status.size(); ++k)
    statuses += (statuses.empty() ? "" : ",") + r.status_label(int(k));
  attr("model", r.model);
  attr("model_version", r.model_version);
  // Each parameter's scope (regional/shared) and units, from the model's
  // metadata, in the parameter order; comma-separated like
  // parameter_status.
  {
    const models::ModelInfo& info = r.info();
    const models::ParameterLayout layout = r.layout();
    std::string scopes, units;
    for (int k = 0; k < layout.size(); ++k) {
      const models::ParameterInfo& p = layout.info_of(info, k);
      if (steps.status && p.units.find(',') != std::string_view::npos)
        steps.status = fail("the units of " + std::string(p.name) +
                                " contain a comma, which the file's list "
                                "cannot hold",
                            {}, 0, "/calibration/parameter_units");
      scopes += std::string(k ? "," : "") +
                std::string(models::ScopeToString(p.scope));
      units += std::string(k ? "," : "") + std::string(p.units);
    }
    attr("parameter_scope", scopes);
    attr("parameter_units", units);
  }
  // One per parameter, in order: free, fixed, 1-alpha, at lower/upper bound.
  attr("parameter_status", statuses);
  attr("data_file", r.source);
  attr("first_year", std::int64_t{r.years.front()});
  attr("last_year", std::int64_t{r.years.back()});
  // What the model says of its own settings (cobb_douglas_rd: whether beta
  // is 1 - alpha, spillovers on, their weights).
  models::visit_model(r.model, [&]<class M>(std::type_identity<M>) {
    const auto config = M::configure(r.model_options.shared);
    for (const auto& [name, value] : M::int_attributes(config))
      attr(name, value);
    for (const auto& [name, value] : M::text_attributes(config))
      attr(name, value);
  });
  attr("observations", std::int64_t{fit.observations});
  attr("free_parameters", std::int64_t{fit.free_parameters});
  attr("ssr", fit.ssr);
  attr("sigma2", fit.sigma2);
  attr("r_squared", fit.r_squared);
  attr("rmse", fit.rmse);
  attr("log_likelihood", fit.log_likelihood);
  attr("aic", fit.aic);
  attr("bic", fit.bic);
  attr("shock_rho", fit.shock_rho);
  attr("shock_sigma", fit.shock_sigma);
  attr("shock_sigma_common", fit.shock_sigma_common);
  attr("trend_sigma_common", fit.trend_sigma_common);
  attr("trend_sigma_regional", fit.trend_sigma_regional);
  attr("trend_persistence", fit.trend_persistence);
  attr("shock_pairs", std::int64_t{fit.shock_pairs});
  if (fit.prior_scale > 0.0) attr("prior_scale", fit.prior_scale);
  attr("covariance_ok", std::int64_t{r.covariance_ok});
  attr("termination", solve.termination);
  attr("solver_message", solve.message);
  attr("converged", std::int64_t{solve.converged});
  attr("iterations", std::int64_t{solve.iterations});
  attr("residual_evaluations", std::int64_t{solve.residual_evaluations});
  attr("jacobian_evaluations", std::int64_t{solve.jacobian_evaluations});
  attr("initial_cost", solve.initial_cost);
  attr("final_cost", solve.final_cost);
  attr("preprocessor_seconds", solve.preprocessor_seconds);
  attr("minimizer_seconds", solve.minimizer_seconds);
  attr("total_seconds", solve.total_seconds);
  attr("brief_report", solve.brief_report);
  attr("full_report", solve.full_report);
  attr("linear_solver", r.solver_options.linear_solver);
  attr("trust_region", r.solver_options.trust_region);
  attr("loss", calibrate::LossKindToString(r.solver_options.loss));
  attr("loss_scale", r.solver_options.loss_scale);
  return steps.status;
}

Result<CalibrationResult> read_calibration(const std::filesystem::path& path) {
  auto reader = ResultReader::open(path);
  if (!reader) return tl::unexpected(reader.error());
  const std::string g = "/calibration/";
  if (!reader->exists("/calibration"))
    return fail("not a calibration result (no /calibration group)",
                path.string());
  CalibrationResult r;
  auto model = reader->string_attribute("/calibration", "model");
  if (!model) return tl::unexpected(model.error());
  r.model = *model;
  auto options = calibrate::ModelOptions::for_model(r.model);
  if (!options)
    return fail("unknown model '" + r.model + "' (this build knows " +
                    models::model_names() + ")",
                path.string(), 0, "/calibration/model");
  r.model_options = *options;
  const models::ModelInfo& info = r.info();
  // Files from before the version was recorded: the build's model.
  r.model_version = info.version;
  if (auto v = reader->string_attribute("/calibration", "model_version"))
    r.model_version = *v;
  auto names = reader->read_strings(g + "parameter");
  auto regions = reader->read_strings(g + "region");
  auto years = reader->read_ints(g + "year");
  for (const Error* e :
       {names ? nullptr : &names.error(), regions ? nullptr : &regions.error(),
        years ? nullptr : &years.error()})
    if (e) return tl::unexpected(*e);
  r.parameter_names = *names;
  r.regions = *regions;
  r.years.assign(years->begin(), years->end());
  const models::ParameterLayout layout = r.layout();
  const auto n = static_cast<Eigen::Index>(layout.size());
  if (r.parameter_names.size() != std::size_t(n))
    return fail("the model " + r.model + " has " + std::to_string(n) +
                    " parameters for " + std::to_string(r.regions.size()) +
                    " regions, the file names " +
                    std::to_string(r.parameter_names.size()),
                path.string(), 0, g + "parameter");
  // Every vector is read against the shape the parameters give, so a
  // short dataset is refused before anything indexes it.
  const std::vector<std::size_t> vector_shape = {std::size_t(n)};
  const std::vector<std::size_t> matrix_shape = {std::size_t(n),
                                                 std::size_t(n)};
  auto estimate = reader->read_doubles(g + "estimate", vector_shape);
  auto std_error = reader->read_doubles(g + "std_error", vector_shape);
  auto covariance = reader->read_doubles(g + "covariance", matrix_shape);
  auto lower = reader->read_doubles(g + "lower", vector_shape);
  auto upper = reader->read_doubles(g + "upper", vector_shape);
  for (const Error* e :
       {estimate ? nullptr : &estimate.error(),
        std_error ? nullptr : &std_error.error(),
        covariance ? nullptr : &covariance.error(),
        lower ? nullptr : &lower.error(), upper ? nullptr : &upper.error()})
    if (e) return tl::unexpected(*e);
  r.estimate = Eigen::Map<const Eigen::VectorXd>(estimate->data(), n);
  r.std_error = Eigen::Map<const Eigen::VectorXd>(std_error->data(), n);
  r.t_stat = r.estimate.cwiseQuotient(r.std_error);
  r.lower = Eigen::Map<const Eigen::VectorXd>(lower->data(), n);
  r.upper = Eigen::Map<const Eigen::VectorXd>(upper->data(), n);
  r.covariance = Eigen::Map<const Eigen::MatrixXd>(covariance->data(), n, n);
  auto statuses = reader->string_attribute("/calibration", "parameter_status");
  if (!statuses) return tl::unexpected(statuses.error());
  std::vector<std::string> labels;
  for (std::size_t start = 0; start <= statuses->size();) {
    std::size_t end = statuses->find(',', start);
    if (end == std::string::npos) end = statuses->size();
    labels.push_back(statuses->substr(start, end - start));
    start = end + 1;
  }
  if (labels.size() != std::size_t(n))
    return fail("parameter_status has the wrong number of entries",
                path.string(), 0, "/calibration/parameter_status");
  for (Eigen::Index k = 0; k < n; ++k) {
    models::ParameterStatus status;
    if (!models::StringToParameterStatus(
            labels[std::size_t(k)], layout.info_of(info, int(k)).tie, &status))
      return fail("unknown parameter status '" + labels[std::size_t(k)] +
                      "' of " + r.parameter_names[std::size_t(k)],
                  path.string(), 0, "/calibration/parameter_status");
    r.parameter_status.push_back(status);
  }
  // The scopes, when recorded (older files do not), must be the model's.
  if (auto scopes =
          reader->string_attribute("/calibration", "parameter_scope")) {
    std::vector<std::string> items;
    for (std::size_t start = 0; start <= scopes->size();) {
      std::size_t end = scopes->find(',', start);
      if (end == std::string::npos) end = scopes->size();
      items.push_back(scopes->substr(start, end - start));
      start = end + 1;
    }
    if (items.size() != std::size_t(n))
      return fail("parameter_scope has the wrong number of entries",
                  path.string(), 0, "/calibration/parameter_scope");
    for (Eigen::Index k = 0; k < n; ++k)
      if (items[std::size_t(k)] !=
          models::ScopeToString(layout.info_of(info, int(k)).scope))
        return fail("parameter_scope says '" + items[std::size_t(k)] +
                        "' for " + r.parameter_names[std::size_t(k)] +
                        ", the model " + r.model + " says '" +
                        std::string(models::ScopeToString(
                            layout.info_of(info, int(k)).scope)) +
                        "'",
                    path.string(), 0, "/calibration/parameter_scope");
  }
  for (int k = 0; k < layout.shared; ++k) {
    auto& s = r.model_options.shared[std::size_t(k)];
    const Eigen::Index i = layout.shared_index(k);
    const models::ParameterStatus status = r.parameter_status[std::size_t(i)];
    s.value = r.estimate[i];
    // Whether the parameter varies in the model at all: estimated (free or
    // held on a bound) versus fixed by the user or tied.
    s.tied = status == models::ParameterStatus::tied;
    s.free = models::is_variable(status);
    s.lower = std::max(r.lower[i], -1e300);
    s.upper = std::min(r.upper[i], 1e300);
  }
  const std::size_t rows = r.regions.size();
  for (auto [name, grid] : {std::pair{"gdp", &r.gdp},
                            {"capital", &r.capital},
                            {"labour", &r.labour},
                            {"rd", &r.rd},
                            {"knowledge", &r.knowledge},
                            {"fitted", &r.fitted},
                            {"residual", &r.residual}}) {
    auto values = reader->read_doubles(g + name);
    if (!values) return tl::unexpected(values.error());
    if (values->size() != rows * r.years.size())
      return fail(std::string("dataset has the wrong size"), path.string(), 0,
                  g + name);
    *grid = unflatten(*values, rows);
  }
  // The series' units; files from before the units sidecar said "as the
  // input column": unknown.
  for (const char* role : {"gdp", "capital", "labour", "rd"}) {
    const std::string dataset = g + role;
    auto units = reader->string_attribute(dataset, "units");
    if (!units || *units == "as the input column") continue;
    data::ColumnUnits entry{*units, role};
    if (auto long_name = reader->string_attribute(dataset, "long_name"))
      entry.long_name = *long_name;
    r.units[role] = entry;
  }
  for (const char* name : {"investment_rate", "rd_intensity"}) {
    if (!reader->exists(g + name)) continue;
    auto values = reader->read_doubles(g + name);
    if (!values) return tl::unexpected(values.error());
    if (values->size() != rows * r.years.size())
      return fail("dataset has the wrong size", path.string(), 0, g + name);
    r.drivers[name] = unflatten(*values, rows);
  }
  if (reader->exists(g + "band_scale")) {
    auto values = reader->read_doubles(g + "band_scale");
    if (!values) return tl::unexpected(values.error());
    for (double v : *values)
      if (!(v >= 1.0 && v < 100.0))
        return fail("band scales must lie in [1, 100)", path.string(), 0,
                    g + "band_scale");
    r.band_scale = *values;
  }
  auto rho = reader->double_attribute("/calibration", "shock_rho");
  auto sigma = reader->double_attribute("/calibration", "shock_sigma");
  auto source = reader->string_attribute("/calibration", "data_file");
  if (!rho) return tl::unexpected(rho.error());
  if (!sigma) return tl::unexpected(sigma.error());
  if (!source) return tl::unexpected(source.error());
  r.fit.shock_rho = *rho;
  r.fit.shock_sigma = *sigma;
  // Files from before the shock components: no common or trend shocks.
  for (auto [name, field] :
       {std::pair{"shock_sigma_common", &r.fit.shock_sigma_common},
        {"trend_sigma_common", &r.fit.trend_sigma_common},
        {"trend_sigma_regional", &r.fit.trend_sigma_regional},
        {"trend_persistence", &r.fit.trend_persistence}})
    if (auto v = reader->double_attribute("/calibration", name)) *field = *v;
  // The rest of the fit and the solver's summary, so that a forecast
  // from this file reports the fit it was made from.
  auto& f = r.fit;
  for (auto [name, field] : {std::pair{"ssr", &f.ssr},
                             {"sigma2", &f.sigma2},
                             {"r_squared", &f.r_squared},
                             {"rmse", &f.rmse},
                             {"log_likelihood", &f.log_likelihood},
                             {"aic", &f.aic},
                             {"bic", &f.bic},
                             {"prior_scale", &f.prior_scale},
                             {"initial_cost", &r.solve.initial_cost},
                             {"final_cost", &r.solve.final_cost}})
    if (auto v = reader->double_attribute("/calibration", name)) *field = *v;
  for (auto [name, field] : {std::pair{"observations", &f.observations},
                             {"free_parameters", &f.free_parameters},
                             {"shock_pairs", &f.shock_pairs}})
    if (auto v = reader->int_attribute("/calibration", name)) *field = long(*v);
  if (auto v = reader->int_attribute("/calibration", "iterations"))
    r.solve.iterations = int(*v);
  if (auto v = reader->int_attribute("/calibration", "residual_evaluations"))
    r.solve.residual_evaluations = int(*v);
  if (auto v = reader->int_attribute("/calibration", "jacobian_evaluations"))
    r.solve.jacobian_evaluations = int(*v);
  if (auto v = reader->int_attribute("/calibration", "converged"))
    r.solve.converged = *v != 0;
  for (auto [name, field] : {std::pair{"termination", &r.solve.termination},
                             {"solver_message", &r.solve.message},
                             {"brief_report", &r.solve.brief_report},
                             {"full_report", &r.solve.full_report}})
    if (auto v = reader->string_attribute("/calibration", name)) *field = *v;
  r.source = *source;
  r.covariance_ok = std::isfinite(r.covariance.sum());
  // A file edited by hand or by another tool must not give numbers
  // silently: validated before any use (issue 16).
  if (auto s = check_calibration(r, path.string()); !s)
    return tl::unexpected(s.error());
  return r;
}

Status write_accounting(ResultFile& f, const accounting::AccountingResult& r) {
  const std::string g = "/accounting";
  std::vector<std::int32_t> years(r.years.begin(), r.years.end());
  std::vector<std::string> periods;
  for (const auto& p : r.periods) periods.push_back(p.label());
  std::vector<bool> is_group(r.is_group.begin(), r.is_group.end());
  auto flatten3 = [](const std::vector<accounting::Grid>& cube) {
    std::vector<double> out;
    for (const auto& grid : cube)
      for (const auto& row : grid)
        out.insert(out.end(), row.begin(), row.end());
    return out;
  };
  auto shares = [&](bool rd) {
    std::vector<double> out;
    for (std::size_t u = 0; u < r.units.size(); ++u)
      for (std::size_t p = 0; p < r.periods.size(); ++p)
        out.push_back(r.technology_share(u, p, rd));
    return out;
  };
  Steps steps;
  steps.then([&] { return f.add_scale(g, "region", r.units); })
      .then([&] { return f.add_scale(g, "year", years, "year"); })
      .then([&] { return f.add_scale(g, "period", periods); })
      .then([&] { return f.add_scale(g, "factor", accounting::kFactors); })
      .then([&] {
        return f.add_flag_dataset(g, "is_group", is_group, {"region"},
                                  "a region group (members summed)");
      })
      .then([&] {
        return f.add_dataset(g, "tfp_growth", flatten(r.tfp_growth),
                             {"region", "year"}, "log points per year",
                             "Tornqvist TFP growth");
      })
      .then([&] {
        return f.add_dataset(
            g, "contribution", flatten3(r.contribution),
            {"region", "period", "factor"}, "log points per year",
            "Tornqvist contributions, mean over the period's years");
      })
      .then([&] {
        return f.add_dataset(g, "technology_share", shares(false),
                             {"region", "period"}, "1",
                             "TFP growth / output growth");
      })
      .then([&] {
        return f.set_attribute(g + "/technology_share", "definition",
                               r.technology_share_definition(false));
      });
  if (r.has_rd)
    steps
        .then([&] {
          return f.add_dataset(
              g, "contribution_rd", flatten3(r.contribution_rd),
              {"region", "period", "factor"}, "log points per year",
              "contributions in the calibrated R&D model");
        })
        .then([&] {
          return f.add_dataset(g, "technology_share_rd", shares(true),
                               {"region", "period"}, "1",
                               "(TFP + knowledge) growth / output growth");
        })
        .then([&] {
          return f.set_attribute(g + "/technology_share_rd", "definition",
                                 r.technology_share_definition(true));
        })
        .then([&] { return f.set_attribute(g, "model", r.model); });
  return steps.status;
}

}  // namespace growthcast::store
