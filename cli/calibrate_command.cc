#include "cli/calibrate_command.h"

#include <filesystem>
#include <iostream>

#include "cli/forecast_common.h"
#include "data/column_units.h"
#include "store/result_io.h"

namespace growthcast::cli {

void CalibrateFlags::add_model_flags(CLI::App& app) {
  add_panel_flags(app, panel);
  app.add_option("--model", model_name,
                 "Model to fit (`growthcast models` lists them)")
      ->capture_default_str();
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
  app.add_option("--bands", bands,
                 "Backtest result (growthcast backtest --out) whose band "
                 "scales c_h this model's forecasts use");
  app.add_option("--pwt", pwt,
                 "Penn World Table CSV for the defaults models take from data "
                 "(default: the shipped data/pwt1001.csv)");
  app.add_option("--from", from, "First year of the calibration window")
      ->capture_default_str();
  app.add_option("--to", to, "Last year of the calibration window")
      ->capture_default_str();
  app.add_option("--fix", fix,
                 "Fix a shared parameter: NAME=VALUE (repeatable)");
  app.add_option("--free", free,
                 "Estimate a shared parameter that is fixed or tied by "
                 "default (cobb_douglas_rd: delta_S, phi; beta frees it from "
                 "1 - alpha)");
  app.add_option("--bound", bound, "Bounds: NAME=LOWER:UPPER (repeatable)");
  app.add_option("--prior", prior,
                 "Gaussian prior: NAME=MEAN:SD, adds (theta - mean)/sd as a "
                 "residual (repeatable)");
  app.add_option("--start", start, "Starting value: NAME=VALUE (repeatable)");
  app.add_option("--linear-solver", solver.linear_solver,
                 "Ceres linear solver (dense_qr, dense_normal_cholesky, "
                 "sparse_normal_cholesky, ...)")
      ->capture_default_str();
  app.add_flag_callback(
      "--ceres-only", [this] { solver.gauss_newton_by_qr = false; },
      "Solve with Ceres alone, without the Gauss-Newton steps by QR that "
      "end a model linear in its free parameters before Ceres runs");
  app.add_option("--trust-region", solver.trust_region,
                 "levenberg_marquardt or dogleg")
      ->capture_default_str();
  app.add_option("--loss", loss, "none, huber or cauchy")
      ->capture_default_str();
  app.add_option("--loss-scale", solver.loss_scale, "Scale of the robust loss")
      ->capture_default_str();
  app.add_option("--max-iterations", solver.max_iterations,
                 "Ceres iteration limit (a run that reaches it has not "
                 "converged: see --allow-no-convergence)")
      ->capture_default_str();
  app.add_option("--function-tolerance", solver.function_tolerance,
                 "Converged when the cost's relative change in a step is "
                 "below this")
      ->capture_default_str();
  app.add_option("--gradient-tolerance", solver.gradient_tolerance,
                 "Converged when the projected gradient's largest entry is "
                 "below this")
      ->capture_default_str();
  app.add_option("--parameter-tolerance", solver.parameter_tolerance,
                 "Converged when a step is below this, relative to the "
                 "parameters' norm")
      ->capture_default_str();
  app.add_option("--threads", solver.threads, "Threads for Ceres")
      ->capture_default_str()
      ->check(threads_validator());
  app.add_flag("--allow-no-convergence", solver.allow_no_convergence,
               "Keep the result when the solver stops without converging");
}

void add_calibrate_command(CLI::App& app, CalibrateFlags& flags) {
  auto* cmd = app.add_subcommand(
      "calibrate",
      "Fit a production model (--model; `growthcast models` lists them) to a "
      "panel with Ceres and write estimates, standard errors, covariance and "
      "fit to HDF5");
  flags.add_model_flags(*cmd);
  cmd->add_option("--out", flags.out, "Output HDF5 file")->required();
  cmd->add_flag("--full-report", flags.full_report,
                "Print Ceres' full solver report");
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
  // The panel's units sidecar, when it has one (data/column_units.h).
  if (std::error_code ec;
      std::filesystem::exists(data::units_sidecar_path(flags.panel.data), ec))
    provenance.input_files.push_back(
        data::units_sidecar_path(flags.panel.data));
  // The regions file of the calibrated panel: its groups are the default
  // groups of forecasts from this calibration
  // (engine/pipeline/forecast_context.h).
  if (!flags.panel.regions_file.empty())
    provenance.input_files.push_back(flags.panel.regions_file);
  auto written = write_result(flags.out, provenance, [&](store::ResultFile& f) {
    if (auto s = store::write_calibration(f, *result); !s) return s;
    return record_regions_file(f, flags.panel.regions_file);
  });
  if (!written) return report(written.error());
  std::cout << "Wrote " << flags.out << "\n";
  return 0;
}

}  // namespace growthcast::cli
