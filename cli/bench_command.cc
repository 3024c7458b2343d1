#include "cli/bench_command.h"

#include <iostream>
#include <memory>

#include "calibrate/calibration.h"
#include "cli/progress.h"
#include "solverbench/bench.h"
#include "store/atomic_file.h"

namespace growthcast::cli {
namespace {

// The shipped panel's calibration window, as `growthcast calibrate` reads
// it by default (31 provinces, 2010-2019).
Result<calibrate::CalibrationData> shipped_calibration_data(
    std::filesystem::path* file) {
  PanelFlags panel;
  panel.resolve();
  *file = panel.data;
  calibrate::ModelColumns c;
  data::ColumnMapping mapping;
  mapping.region = panel.region_col;
  mapping.year = panel.year_col;
  mapping.values = {c.gdp, c.capital, c.labour, c.rd};
  auto read = data::read_panel(panel.data, mapping);
  if (!read) return tl::unexpected(read.error());
  data::Selection selection;
  selection.first_year = 2010;
  selection.last_year = 2019;
  selection.positive = mapping.values;
  auto window = data::select(*read, selection);
  if (!window) return tl::unexpected(window.error());
  return calibrate::calibration_data(*window, c);
}

}  // namespace

void add_bench_command(CLI::App& app, BenchFlags& flags) {
  auto* bench = app.add_subcommand(
      "bench",
      "Benchmark solvers on the NIST StRD problems and the calibration");
  bench->require_subcommand(1);
  auto* cmd = bench->add_subcommand(
      "solvers",
      "Solve every problem from each start under each configuration, "
      "repeatedly; rank the configurations and write the runs to HDF5");
  cmd->add_option("--problems", flags.problems,
                  "Comma-separated: all, nist, nist_lower, nist_average, "
                  "nist_higher, calibration (31 and 310 regions), "
                  "calibration_large (3,100 regions), or problem names")
      ->capture_default_str();
  cmd->add_option("--configs", flags.configs,
                  "Comma-separated: default, trust_region, line_search, "
                  "minpack, all, or names such as ceres:lm:dense_qr:auto, "
                  "ceres:dogleg:dense_qr:numeric, ceres:subspace:cgnr:auto:t2, "
                  "ceres:lbfgs:auto, minpack:lmder, minpack:lmdif")
      ->capture_default_str();
  cmd->add_option("--repeats", flags.options.repeats,
                  "Timed solves per problem x start x configuration")
      ->capture_default_str();
  cmd->add_option("--max-iterations", flags.options.max_iterations,
                  "Ceres iteration limit")
      ->capture_default_str();
  cmd->add_option("--nist-dir", flags.nist_dir,
                  "Folder with the NIST .dat files (default: the shipped "
                  "data/nist)");
  cmd->add_option("--json", flags.json, "Also write the runs as JSON");
  cmd->add_option("--out", flags.out, "Output HDF5 file")->required();
  add_quiet_flag(*cmd, flags.quiet);
  cmd->add_flag("--details", flags.details,
                "Print the per-problem LRE and timing tables");
}

int bench_main(BenchFlags& flags, const std::string& command_line) {
  std::string why;
  if (!flags.options.IsValid(&why))
    return report(usage_error(why, "bench options").value());
  auto configs = solverbench::parse_config_list(flags.configs);
  if (!configs) return report(configs.error());
  if (auto s = check_output_path(flags.out); !s) return report(s.error());
  if (!flags.json.empty()) {
    if (auto s = check_output_path(flags.json, {}, "--json"); !s)
      return report(s.error());
    // Both outputs to one file: the JSON would replace the HDF5 result.
    if (std::filesystem::path(flags.json).lexically_normal() ==
            std::filesystem::path(flags.out).lexically_normal() ||
        same_file(flags.json, flags.out))
      return report(usage_error("--json and --out name the same file '" +
                                    shorten(flags.out) +
                                    "': give each its own path",
                                "--json")
                        .value());
  }

  solverbench::ProblemSources sources;
  sources.nist_dir = flags.nist_dir.empty()
                         ? shipped_data_dir() / "nist"
                         : std::filesystem::path(flags.nist_dir);
  std::vector<std::filesystem::path> inputs;
  const bool needs_panel =
      flags.problems.find("calibration") != std::string::npos ||
      flags.problems.find("china31") != std::string::npos ||
      flags.problems.find("all") != std::string::npos;
  if (needs_panel) {
    std::filesystem::path file;
    auto panel = shipped_calibration_data(&file);
    if (!panel) return report(panel.error());
    sources.shipped_panel = std::move(*panel);
    inputs.push_back(file);
  }
  auto problems = solverbench::select_problems(flags.problems, sources);
  if (!problems) return report(problems.error());
  for (const auto& p : *problems)
    if (p.nist) inputs.push_back(p.nist->file);

  // Solves done of the total the bench reports with its first count; on a
  // terminal the line also names the solve under way.
  const ProgressMeter::Mode mode = ProgressMeter::mode_for(flags.quiet);
  std::unique_ptr<ProgressMeter> meter;
  solverbench::Progress progress = [&](std::size_t done, std::size_t total,
                                       const std::string& what) {
    if (!meter)
      meter = std::make_unique<ProgressMeter>("bench solvers", double(total),
                                              "solves", mode);
    if (mode == ProgressMeter::Mode::terminal)
      meter->step(double(done), what);
    else
      meter->set(double(done));
  };
  auto result = solverbench::run_bench(std::move(*problems), *configs,
                                       flags.options, progress);
  if (meter) meter->finish();
  if (!result) return report(result.error());

  std::cout << solverbench::format_ranking(*result) << "\n";
  if (flags.details) std::cout << solverbench::format_details(*result) << "\n";
  std::cout << solverbench::format_summary(*result);

  store::Provenance provenance;
  provenance.command_line = command_line;
  provenance.input_files = inputs;
  auto written = write_result(flags.out, provenance, [&](store::ResultFile& f) {
    return solverbench::write_bench(f, *result);
  });
  if (!written) return report(written.error());
  std::cout << "Wrote " << flags.out << "\n";
  if (!flags.json.empty()) {
    // The same atomic path as the HDF5 outputs: an exclusive temporary,
    // synced and renamed, so a full disk keeps the old JSON.
    if (auto s = store::write_text_atomically(
            flags.json, solverbench::to_json(*result), "--json");
        !s)
      return report(s.error());
    std::cout << "Wrote " << flags.json << "\n";
  }
  return 0;
}

}  // namespace growthcast::cli
