// The default calibration as `growthcast calibrate` runs it, timed inside
// a fresh process (issue 20: "calibration of the default problem, cold, as
// the CLI runs it"). Google Benchmark (calibration_benchmark.cc) repeats a
// step thousands of times in one process, so every first-call cost (pages
// touched for the first time, lazily bound library calls, Ceres' and
// HDF5's one-time set-up, cold caches) is averaged away; here the first
// run of the process is the figure, then `--warm N` more runs in the same
// process show what repetition hides.
//
// One run is what cli/calibrate_command.cc's calibrate_main does after the
// command line is parsed, with the same engine calls in the same order:
// resolve the panel, check the output path and region list,
// pipeline::run_calibration's steps (read the CSV and its units sidecar,
// select 2010-2019; calibrate(): build, solve, covariance, fit
// statistics; the trend shocks), format the table it prints, and write
// the HDF5 result atomically. Only the printing is left out (the table is
// formatted, not written to stdout).
//
// Prints one JSON object: per run, seconds for `read` (options, CSV,
// select), `fit` (calibrate() from the data in memory), `calibration`
// (the two plus the trend shocks: run_calibration), `table`, `write` and
// `total`, plus the final cost (%.17g) so a caller can check the result.
// bench/scipy_compare.py
// (--cold-binary) runs this program many times beside scipy's solve.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "calibrate/calibration.h"
#include "data/column_units.h"
#include "data/panel.h"
#include "pipeline/calibration_run.h"
#include "pipeline/forecast_context.h"
#include "pipeline/inputs.h"
#include "store/result_io.h"

namespace {

namespace gc = growthcast;
using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct RunTimes {
  // read: options, CSV and units sidecar, select, calibration data;
  // fit: calibrate() (build, solve, covariance and fit statistics) from
  // the data in memory; calibration: read + fit + trend shocks, what
  // run_calibration does.
  double read = 0, fit = 0, calibration = 0, table = 0, write = 0, total = 0;
  double final_cost = 0;
  std::size_t table_bytes = 0;
};

[[noreturn]] void die(const gc::Error& e) {
  std::fprintf(stderr, "calibration_cold: %s\n", e.to_string().c_str());
  std::exit(2);
}

// calibrate_main (cli/calibrate_command.cc) without the command-line
// parsing and the printing. pipeline::run_calibration's steps are made
// here one by one (its read_calibration_input, then calibrate() and the
// trend shocks), so that one cold process times both the whole
// calibration and calibrate() from data in memory.
RunTimes run_once(const std::string& model, const std::string& data,
                  const std::string& out, bool calibration_only) {
  RunTimes times;
  const auto t0 = Clock::now();
  gc::pipeline::CalibrationRequest request;
  request.model_name = model;
  request.panel.data = data;
  request.panel.resolve();
  if (auto s = gc::pipeline::check_output_path(
          out, {request.panel.data, request.panel.regions_file});
      !s)
    die(s.error());
  if (auto s = gc::pipeline::check_region_list(request.panel.regions); !s)
    die(s.error());
  auto options = request.model_options();
  if (!options) die(options.error());
  auto input = gc::pipeline::read_calibration_input(request);
  if (!input) die(input.error());
  const auto t_read = Clock::now();
  auto result = gc::calibrate::calibrate(std::move(input->data), *options,
                                         request.solver);
  if (!result) die(result.error());
  const auto t_fit = Clock::now();
  if (auto s = gc::pipeline::estimate_trend_shocks(
          input->panel, request.columns.gdp, *result);
      !s)
    die(s.error());
  const auto t1 = Clock::now();
  times.read = seconds(t0, t_read);
  times.fit = seconds(t_read, t_fit);
  times.calibration = seconds(t0, t1);
  times.final_cost = result->solve.final_cost;
  if (calibration_only) return times;
  const std::string table = gc::calibrate::format_calibration_table(*result);
  times.table_bytes = table.size();
  const auto t2 = Clock::now();
  gc::store::Provenance provenance;
  provenance.command_line = "growthcast calibrate --model " + model +
                            (data.empty() ? "" : " --data " + data) +
                            " --out " + out;
  provenance.input_files = {request.panel.data};
  if (std::error_code ec; std::filesystem::exists(
          gc::data::units_sidecar_path(request.panel.data), ec))
    provenance.input_files.push_back(
        gc::data::units_sidecar_path(request.panel.data));
  if (!request.panel.regions_file.empty())
    provenance.input_files.push_back(request.panel.regions_file);
  auto written = gc::pipeline::write_result(
      out, provenance, [&](gc::store::ResultFile& f) {
        if (auto s = gc::store::write_calibration(f, *result); !s) return s;
        return gc::pipeline::record_regions_file(f, request.panel.regions_file);
      });
  if (!written) die(written.error());
  const auto t3 = Clock::now();
  times.table = seconds(t1, t2);
  times.write = seconds(t2, t3);
  times.total = seconds(t0, t3);
  return times;
}

void print_run(const RunTimes& t, bool last) {
  std::printf(
      "    {\"read\": %.9f, \"fit\": %.9f, \"calibration\": %.9f, "
      "\"table\": %.9f, \"write\": %.9f, \"total\": %.9f, "
      "\"final_cost\": %.17g}%s\n",
      t.read, t.fit, t.calibration, t.table, t.write, t.total, t.final_cost,
      last ? "" : ",");
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = "cobb_douglas_rd";
  std::string data, out;
  int warm = 0;
  bool calibration_only = false;
  for (int k = 1; k < argc; ++k) {
    const std::string arg = argv[k];
    if (arg == "--model" && k + 1 < argc) {
      model = argv[++k];
    } else if (arg == "--data" && k + 1 < argc) {
      data = argv[++k];
    } else if (arg == "--out" && k + 1 < argc) {
      out = argv[++k];
    } else if (arg == "--calibration-only") {
      calibration_only = true;
    } else if (arg == "--warm" && k + 1 < argc) {
      warm = std::atoi(argv[++k]);
    } else {
      std::fprintf(stderr,
                   "usage: %s --out FILE.h5 [--model NAME] [--data CSV] "
                   "[--warm N] [--calibration-only]\n"
                   "Times `growthcast calibrate --model NAME [--data CSV] "
                   "--out FILE.h5` in this process: the first (cold) run, "
                   "then N warm ones (default data: the shipped panel). "
                   "--calibration-only stops each run after "
                   "run_calibration (no table, no file; for profiling).\n",
                   argv[0]);
      return 2;
    }
  }
  if (out.empty()) {
    std::fprintf(stderr, "calibration_cold: --out FILE.h5 is required\n");
    return 2;
  }
  std::vector<RunTimes> runs;
  for (int k = 0; k <= warm; ++k)
    runs.push_back(run_once(model, data, out, calibration_only));
  std::printf("{\n  \"model\": \"%s\",\n  \"cold\":\n", model.c_str());
  print_run(runs[0], false);
  std::printf("  \"warm\": [\n");
  for (std::size_t k = 1; k < runs.size(); ++k)
    print_run(runs[k], k + 1 == runs.size());
  std::printf("  ]\n}\n");
  return 0;
}
