#include "cli/calibrate_command.h"

#include <charconv>
#include <iostream>

#include "store/result_io.h"

namespace growthcast::cli {
namespace {

using calibrate::SharedParameterIndex;

Result<double> parse_double(const std::string& text, const std::string& flag) {
  double value = 0;
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size())
    return usage_error("'" + text + "' is not a number", flag);
  return value;
}

// "NAME=REST" with NAME a shared parameter.
Result<std::pair<int, std::string>> split_setting(const std::string& text,
                                                  const std::string& flag) {
  const auto eq = text.find('=');
  const std::string name = text.substr(0, eq);
  const int index = SharedParameterIndex(name);
  if (index < 0)
    return usage_error(
        "unknown parameter '" + name + "' (alpha, beta, gamma, delta_S, phi)",
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

void CalibrateFlags::add_model_flags(CLI::App& app) {
  panel.add_to(app);
  app.add_option("--gdp", columns.gdp, "Column with real output Y")
      ->capture_default_str();
  app.add_option("--capital", columns.capital,
                 "Column with the capital stock K")
      ->capture_default_str();
  app.add_option("--labour,--labor", columns.labour, "Column with labour L")
      ->capture_default_str();
  app.add_option("--rd", columns.rd, "Column with real R&D spending R")
      ->capture_default_str();
  app.add_option("--gdp-nominal", columns.gdp_nominal,
                 "Column with nominal GDP (optional; with the next two it "
                 "gives the forecast's default investment rate and R&D "
                 "intensity)")
      ->capture_default_str();
  app.add_option("--investment-nominal", columns.investment_nominal,
                 "Column with nominal investment (optional)")
      ->capture_default_str();
  app.add_option("--rd-nominal", columns.rd_nominal,
                 "Column with nominal R&D spending (optional)")
      ->capture_default_str();
  app.add_option("--from", from, "First year of the calibration window")
      ->capture_default_str();
  app.add_option("--to", to, "Last year of the calibration window")
      ->capture_default_str();
  app.add_option("--fix", fix,
                 "Fix a shared parameter: NAME=VALUE (repeatable)");
  app.add_option("--free", free,
                 "Estimate a shared parameter that is fixed by default "
                 "(delta_S, phi; beta frees it from 1 - alpha)");
  app.add_option("--bound", bound, "Bounds: NAME=LOWER:UPPER (repeatable)");
  app.add_option("--prior", prior,
                 "Gaussian prior: NAME=MEAN:SD, adds (theta - mean)/sd as a "
                 "residual (repeatable)");
  app.add_option("--start", start, "Starting value: NAME=VALUE (repeatable)");
  app.add_option("--linear-solver", solver.linear_solver,
                 "Ceres linear solver (dense_qr, dense_normal_cholesky, "
                 "sparse_normal_cholesky, ...)")
      ->capture_default_str();
  app.add_option("--trust-region", solver.trust_region,
                 "levenberg_marquardt or dogleg")
      ->capture_default_str();
  app.add_option("--loss", loss, "none, huber or cauchy")
      ->capture_default_str();
  app.add_option("--loss-scale", solver.loss_scale, "Scale of the robust loss")
      ->capture_default_str();
  app.add_option("--max-iterations", solver.max_iterations)
      ->capture_default_str();
  app.add_option("--function-tolerance", solver.function_tolerance)
      ->capture_default_str();
  app.add_option("--gradient-tolerance", solver.gradient_tolerance)
      ->capture_default_str();
  app.add_option("--parameter-tolerance", solver.parameter_tolerance)
      ->capture_default_str();
  app.add_option("--threads", solver.threads, "Threads for Ceres")
      ->capture_default_str()
      ->check(threads_validator());
  app.add_flag("--allow-no-convergence", solver.allow_no_convergence,
               "Keep the result when the solver stops without converging");
}

Result<calibrate::ModelOptions> CalibrateFlags::model_options() const {
  calibrate::ModelOptions model;
  const int beta = static_cast<int>(models::Shared::beta);
  for (const auto& name : free) {
    const int k = SharedParameterIndex(name);
    if (k < 0) return usage_error("unknown parameter '" + name + "'", "--free");
    model.shared[k].free = true;
    if (k == beta) model.beta_is_one_minus_alpha = false;
  }
  for (const auto& text : fix) {
    auto s = split_setting(text, "--fix");
    if (!s) return tl::unexpected(s.error());
    auto v = parse_double(s->second, "--fix");
    if (!v) return tl::unexpected(v.error());
    model.shared[s->first].free = false;
    model.shared[s->first].value = *v;
    if (s->first == beta) model.beta_is_one_minus_alpha = false;
  }
  for (const auto& text : start) {
    auto s = split_setting(text, "--start");
    if (!s) return tl::unexpected(s.error());
    auto v = parse_double(s->second, "--start");
    if (!v) return tl::unexpected(v.error());
    model.shared[s->first].value = *v;
  }
  for (const auto& text : bound) {
    auto s = split_setting(text, "--bound");
    if (!s) return tl::unexpected(s.error());
    auto b = parse_pair(s->second, "--bound");
    if (!b) return tl::unexpected(b.error());
    model.shared[s->first].lower = b->first;
    model.shared[s->first].upper = b->second;
  }
  for (const auto& text : prior) {
    auto s = split_setting(text, "--prior");
    if (!s) return tl::unexpected(s.error());
    auto b = parse_pair(s->second, "--prior");
    if (!b) return tl::unexpected(b.error());
    model.shared[s->first].prior =
        calibrate::GaussianPrior{b->first, b->second};
  }
  std::string why;
  if (!model.IsValid(&why)) return usage_error(why, "parameters");
  return model;
}

void add_calibrate_command(CLI::App& app, CalibrateFlags& flags) {
  auto* cmd = app.add_subcommand(
      "calibrate",
      "Fit the cobb_douglas_rd production model to a panel with Ceres and "
      "write estimates, standard errors, covariance and fit to HDF5");
  flags.add_model_flags(*cmd);
  cmd->add_option("--out", flags.out, "Output HDF5 file")->required();
  cmd->add_flag("--full-report", flags.full_report,
                "Print Ceres' full solver report");
}

Result<calibrate::CalibrationResult> run_calibration(CalibrateFlags& flags) {
  flags.panel.resolve();
  if (!calibrate::StringToLossKind(flags.loss, &flags.solver.loss))
    return usage_error(
        "unknown loss '" + flags.loss + "' (none, huber, cauchy)", "--loss");
  std::string why;
  if (!flags.solver.IsValid(&why)) return usage_error(why, "solver options");
  auto model = flags.model_options();
  if (!model) return tl::unexpected(model.error());

  data::ColumnMapping mapping;
  mapping.region = flags.panel.region_col;
  mapping.year = flags.panel.year_col;
  const auto& c = flags.columns;
  mapping.values = {c.gdp, c.capital, c.labour, c.rd};
  mapping.optional_values = {c.gdp_nominal, c.investment_nominal, c.rd_nominal};
  auto panel = data::read_panel(flags.panel.data, mapping);
  if (!panel) return tl::unexpected(panel.error());
  data::Selection selection;
  selection.regions = flags.panel.regions;
  selection.first_year = flags.from;
  selection.last_year = flags.to;
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
  return calibrate::calibrate(std::move(*data), *model, flags.solver);
}

int calibrate_main(CalibrateFlags& flags, const std::string& command_line) {
  flags.panel.resolve();
  if (auto s = check_output_path(flags.out,
                                 {flags.panel.data, flags.panel.regions_file});
      !s)
    return report(s.error());
  if (auto s = check_region_list(flags.panel.regions); !s)
    return report(s.error());
  auto result = run_calibration(flags);
  if (!result) return report(result.error());
  std::cout << calibrate::format_calibration_table(*result);
  if (flags.full_report) std::cout << result->solve.full_report << "\n";
  store::Provenance provenance;
  provenance.command_line = command_line;
  provenance.input_files = {flags.panel.data};
  auto written = write_result(flags.out, provenance, [&](store::ResultFile& f) {
    return store::write_calibration(f, *result);
  });
  if (!written) return report(written.error());
  std::cout << "Wrote " << flags.out << "\n";
  return 0;
}

}  // namespace growthcast::cli
