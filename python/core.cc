// growthcast._core: a thin pybind11 binding of the engine for the Python
// package (python/growthcast). It takes and returns plain arrays, strings
// and dicts; the labelled pandas and xarray objects are built in Python.
// Every number comes from the same functions the command line calls: the
// calibration, backtest and sweep through the engine's pipeline stage
// (engine/pipeline/), the forecast through pipeline::run_forecast and
// store::write_forecast, as in cli/forecast_command.cc.
// Long calls run on a worker thread while the caller's thread watches for
// Ctrl-C (interruptible(), below).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "calibrate/calibration.h"
#include "common/cancel.h"
#include "common/version.h"
#include "data/panel.h"
#include "models/registry.h"
#include "montecarlo/projection.h"
#include "montecarlo/quantiles.h"
#include "montecarlo/runner.h"
#include "pipeline/backtest_run.h"
#include "pipeline/calibration_run.h"
#include "pipeline/forecast_context.h"
#include "pipeline/forecast_run.h"
#include "pipeline/inputs.h"
#include "pipeline/sweep_run.h"
#include "scenario/scenario.h"
#include "store/atomic_file.h"
#include "store/result_io.h"
#include "sweep/run_sweep.h"

namespace py = pybind11;

namespace growthcast::python {
namespace {

// An engine Error as a C++ exception; translated to growthcast's
// EngineError (a ValueError) with the CLI's message text.
struct EngineException : std::exception {
  Error error;
  std::string text;
  explicit EngineException(Error e)
      : error(std::move(e)), text(error.to_string()) {}
  const char* what() const noexcept override { return text.c_str(); }
};

[[noreturn]] void raise(const Error& e) { throw EngineException(e); }

template <class T>
T value_or_raise(Result<T>&& r) {
  if (!r) raise(r.error());
  return std::move(*r);
}
void check(const Status& s) {
  if (!s) raise(s.error());
}

// Runs `work(cancel)` on a worker thread with the GIL released while the
// calling thread waits, waking every 100 ms to take the GIL and let Python
// run its signal handlers (PyErr_CheckSignals; only the main thread runs
// them, so a call from another Python thread is simply not interruptible).
// A handler that raises (Ctrl-C: KeyboardInterrupt) sets the flag; the
// engine stops at its next check (a chunk of draws, a solver iteration, a
// sweep point, before renaming a file into place), the worker is joined
// and the exception is raised here. The worker never touches Python.
template <class Work>
auto interruptible(Work&& work) {
  using R = std::invoke_result_t<Work&, const CancelFlag*>;
  CancelFlag cancel{false};
  std::optional<R> result;
  std::exception_ptr thrown;
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false, interrupted = false;
  {
    py::gil_scoped_release release;
    std::thread worker([&] {
      try {
        result.emplace(work(&cancel));
      } catch (...) {
        thrown = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mutex);
      done = true;
      finished.notify_one();
    });
    std::unique_lock<std::mutex> lock(mutex);
    while (!finished.wait_for(lock, std::chrono::milliseconds(100),
                              [&] { return done; })) {
      lock.unlock();
      {
        py::gil_scoped_acquire acquire;
        // The exception stays set in this thread until raised below.
        interrupted = PyErr_CheckSignals() != 0;
      }
      lock.lock();
      if (interrupted) {
        cancel = true;
        break;
      }
    }
    lock.unlock();
    worker.join();
  }
  if (interrupted) throw py::error_already_set();
  if (thrown) std::rethrow_exception(thrown);
  return std::move(*result);
}

py::array_t<double> eigen_1d(const Eigen::VectorXd& v) {
  py::array_t<double> out(py::ssize_t(v.size()));
  for (Eigen::Index i = 0; i < v.size(); ++i) out.mutable_data()[i] = v[i];
  return out;
}
py::array_t<double> matrix_2d(const std::vector<std::vector<double>>& m) {
  const std::size_t rows = m.size(), cols = rows ? m[0].size() : 0;
  py::array_t<double> out({py::ssize_t(rows), py::ssize_t(cols)});
  double* p = out.mutable_data();
  for (const auto& row : m)
    for (std::size_t j = 0; j < cols; ++j) *p++ = j < row.size() ? row[j] : 0;
  return out;
}

// The forecast's and the sweep's draws (-1: the files'), threads (0: all
// cores) and memory, refused as the command line refuses its flags.
void check_run_options(std::int64_t draws, int threads, double memory_mib) {
  if (draws != -1 && (draws < 1 || draws > 1000000000LL))
    raise(usage_error("must be between 1 and 10^9", "draws").value());
  if (threads < 0 || threads > pipeline::max_threads())
    raise(usage_error("must be between 1 and " +
                          std::to_string(pipeline::max_threads()) +
                          " (0: all cores)",
                      "threads")
              .value());
  if (!(memory_mib > 0 && memory_mib <= 1e12))
    raise(usage_error("must be a number of MiB above 0 and at most 10^12",
                      "memory")
              .value());
}

// A calibration held in C++ (so forecasts project from exactly it).
struct Calibration {
  calibrate::CalibrationResult result;
  // The regions file of the calibrated panel (recorded when saved, as
  // `growthcast calibrate` does); empty when none.
  std::string regions_file;
};

std::shared_ptr<Calibration> calibrate_panel(const py::dict& o) {
  pipeline::CalibrationRequest flags;
  flags.panel.data = o["data"].cast<std::string>();
  if (o.contains("regions_file"))
    flags.panel.regions_file = o["regions_file"].cast<std::string>();
  flags.panel.region_col = o["region"].cast<std::string>();
  flags.panel.year_col = o["year"].cast<std::string>();
  flags.panel.regions = o["regions"].cast<std::vector<std::string>>();
  flags.model_name = o["model"].cast<std::string>();
  flags.from = o["first_year"].cast<int>();
  flags.to = o["last_year"].cast<int>();
  for (auto [key, list] : {std::pair{"fix", &flags.fix},
                           {"free", &flags.free},
                           {"bound", &flags.bound},
                           {"prior", &flags.prior},
                           {"start", &flags.start}})
    *list = o[key].cast<std::vector<std::string>>();
  flags.bands = o["bands"].cast<std::string>();
  flags.pwt = o["pwt"].cast<std::string>();
  if (const int threads = o["threads"].cast<int>(); threads > 0)
    flags.solver.threads = threads;
  flags.loss = o["loss"].cast<std::string>();
  auto& c = flags.columns;
  const auto columns = o["columns"].cast<py::dict>();
  for (auto [key, field] : {std::pair{"gdp", &c.gdp},
                            {"capital", &c.capital},
                            {"labour", &c.labour},
                            {"rd", &c.rd},
                            {"gdp_nominal", &c.gdp_nominal},
                            {"investment_nominal", &c.investment_nominal},
                            {"rd_nominal", &c.rd_nominal}})
    if (columns.contains(key)) *field = columns[key].cast<std::string>();
  if (auto s = pipeline::check_region_list(flags.panel.regions); !s)
    raise(s.error());
  auto out = std::make_shared<Calibration>();
  Result<calibrate::CalibrationResult> r =
      interruptible([&](const CancelFlag* cancel) {
        return pipeline::run_calibration(flags, cancel);
      });
  // A DataFrame's panel was written to a temporary file: name it as the
  // caller knows it.
  if (o.contains("source")) {
    const auto source = o["source"].cast<std::string>();
    if (!r && r.error().file == flags.panel.data) r.error().file = source;
    if (r) r->source = source;
  }
  out->result = value_or_raise(std::move(r));
  out->regions_file = flags.panel.regions_file;
  return out;
}

py::dict calibration_dict(const Calibration& c) {
  const auto& r = c.result;
  py::dict d;
  d["model"] = r.model;
  d["model_version"] = r.model_version;
  d["source"] = r.source;
  d["regions"] = r.regions;
  d["years"] = r.years;
  d["parameter"] = r.parameter_names;
  std::vector<std::string> status;
  for (std::size_t k = 0; k < r.parameter_names.size(); ++k)
    status.push_back(r.status_label(int(k)));
  d["status"] = status;
  d["estimate"] = eigen_1d(r.estimate);
  d["std_error"] = eigen_1d(r.std_error);
  d["t_stat"] = eigen_1d(r.t_stat);
  d["lower"] = eigen_1d(r.lower);
  d["upper"] = eigen_1d(r.upper);
  const auto n = py::ssize_t(r.covariance.rows());
  py::array_t<double> cov({n, py::ssize_t(r.covariance.cols())});
  for (py::ssize_t i = 0; i < n; ++i)
    for (py::ssize_t j = 0; j < r.covariance.cols(); ++j)
      cov.mutable_at(i, j) = r.covariance(i, j);
  d["covariance"] = cov;
  d["covariance_ok"] = r.covariance_ok;
  d["covariance_message"] = r.covariance_message;
  d["gdp"] = matrix_2d(r.gdp);
  d["capital"] = matrix_2d(r.capital);
  d["labour"] = matrix_2d(r.labour);
  d["rd"] = matrix_2d(r.rd);
  d["knowledge"] = matrix_2d(r.knowledge);
  d["fitted"] = matrix_2d(r.fitted);
  d["residual"] = matrix_2d(r.residual);
  d["band_scale"] = r.band_scale;
  py::dict fit;
  const auto& f = r.fit;
  fit["observations"] = f.observations;
  fit["free_parameters"] = f.free_parameters;
  fit["ssr"] = f.ssr;
  fit["sigma2"] = f.sigma2;
  fit["r_squared"] = f.r_squared;
  fit["rmse"] = f.rmse;
  fit["log_likelihood"] = f.log_likelihood;
  fit["aic"] = f.aic;
  fit["bic"] = f.bic;
  fit["shock_rho"] = f.shock_rho;
  fit["shock_sigma"] = f.shock_sigma;
  fit["shock_sigma_common"] = f.shock_sigma_common;
  fit["trend_sigma_common"] = f.trend_sigma_common;
  fit["trend_sigma_regional"] = f.trend_sigma_regional;
  d["fit"] = fit;
  return d;
}

template <class Write>
void write_file(const std::string& path, const std::string& command_line,
                const std::vector<std::string>& inputs, Write&& write) {
  if (auto s = pipeline::check_output_path(path, inputs, "path"); !s)
    raise(s.error());
  store::Provenance provenance;
  provenance.command_line = command_line;
  for (const auto& f : inputs)
    if (!f.empty()) provenance.input_files.push_back(f);
  check(interruptible([&](const CancelFlag* cancel) {
    return pipeline::write_result(path, provenance, write, cancel);
  }));
}

// `outputs=[...]` of forecast() and sweep(), as the command line's
// --outputs: the variables' indices (nullopt: the scenarios' own).
std::optional<std::vector<int>> chosen_outputs(
    const std::optional<std::vector<std::string>>& outputs) {
  if (!outputs) return std::nullopt;
  if (outputs->empty())
    raise(usage_error("must name at least one variable", "outputs").value());
  std::string list;
  for (const auto& name : *outputs) {
    if (name.find(',') != std::string::npos)
      raise(usage_error("unknown output variable '" + name + "'", "outputs")
                .value());
    list += (list.empty() ? "" : ",") + name;
  }
  return value_or_raise(scenario::parse_output_list(list, "outputs"));
}

// The forecasts of one call, held so that save() writes exactly what the
// command line writes for the same runs.
struct Forecast {
  std::shared_ptr<Calibration> calibration;
  std::vector<montecarlo::Group> groups;
  std::vector<montecarlo::ScenarioForecast> runs;
  std::optional<std::uint64_t> seed;  // the provenance seed
  std::vector<std::string> files;
};

// Scenarios as (toml_text, file) pairs; a file with empty text is read.
std::shared_ptr<Forecast> run_forecast(
    std::shared_ptr<Calibration> cal_ptr,
    const std::vector<std::pair<std::string, std::string>>& sources,
    std::int64_t draws, std::optional<std::uint64_t> seed_flag, int threads,
    bool paths, double memory_mib, const std::string& outturns,
    const std::optional<std::vector<std::string>>& outputs,
    std::optional<int> random_stream) {
  check_run_options(draws, threads, memory_mib);
  const std::optional<std::vector<int>> chosen = chosen_outputs(outputs);
  std::vector<scenario::Scenario> scenarios;
  for (const auto& [text, file] : sources) {
    scenarios.push_back(
        value_or_raise(text.empty() ? scenario::read_scenario(file)
                                    : scenario::parse_scenario(text, file)));
    if (chosen) scenarios.back().outputs = *chosen;
    // random_stream= (checked 1, 2 or 3 by growthcast/forecast.py), as
    // --random-stream.
    if (random_stream) scenarios.back().random_stream = random_stream;
  }
  check(scenario::check_outputs(scenarios, chosen.has_value()));
  auto out = std::make_shared<Forecast>();
  out->calibration = cal_ptr;
  const calibrate::CalibrationResult& cal = cal_ptr->result;
  check(pipeline::check_forecast_scenarios(cal, scenarios));
  // Policy targets are solved by `growthcast forecast` only; projecting
  // without solving them would answer another question.
  for (const auto& sc : scenarios)
    if (!sc.targets.empty())
      raise(fail("the Python module does not solve [[targets]] yet "
                 "(docs/targets.md): use `growthcast forecast`",
                 sc.file, sc.line_of("targets"), "targets")
                .value());
  // Outturns (`outturns=` or a scenario's key), each file read once and
  // before any work, as the command line's --outturns.
  out->groups = pipeline::default_groups(cal);
  auto prepared = value_or_raise(
      pipeline::prepare_forecast(cal, scenarios, out->groups, outturns));
  auto runs = interruptible(
      [&](const CancelFlag* cancel) -> Result<pipeline::ForecastRuns> {
        montecarlo::RunOptions options;
        options.threads = threads;
        options.keep_paths = paths;
        options.exact_memory_bytes = std::size_t(memory_mib * 1048576.0);
        options.cancel = cancel;
        return pipeline::run_forecast(
            cal, scenarios, prepared,
            draws > 0 ? std::optional(draws) : std::nullopt, seed_flag,
            options);
      });
  out->runs = std::move(value_or_raise(std::move(runs)).runs);
  if (seed_flag)
    out->seed = *seed_flag;
  else if (scenarios.size() == 1)
    out->seed = scenarios[0].seed;
  for (const auto& sc : scenarios) out->files.push_back(sc.file);
  for (const auto& [file, gdp] : prepared.observed) out->files.push_back(file);
  return out;
}

void save_forecast(const Forecast& f, const std::string& path,
                   const std::string& command_line) {
  const auto& cal = f.calibration->result;
  std::vector<std::string> inputs;
  for (const auto& file : f.files)
    if (std::filesystem::exists(file)) inputs.push_back(file);
  if (auto s = pipeline::check_output_path(path, inputs, "path"); !s)
    raise(s.error());
  store::Provenance provenance;
  provenance.command_line = command_line;
  for (const auto& file : inputs) provenance.input_files.push_back(file);
  provenance.seed = f.seed;
  check(interruptible([&](const CancelFlag* cancel) {
    return pipeline::write_result(
        path, provenance,
        [&](store::ResultFile& file) {
          if (auto s = pipeline::write_context(file, cal, f.groups); !s)
            return s;
          return store::write_forecast(file, f.runs,
                                       pipeline::history_of(cal, f.groups));
        },
        cancel);
  }));
}

py::list forecast_runs(const Forecast& f) {
  py::list out;
  const std::size_t levels = montecarlo::kQuantileLevels.size();
  for (const auto& run : f.runs) {
    py::dict d;
    d["name"] = run.name;
    d["file"] = run.file;
    d["toml"] = run.text;
    d["units"] = run.units;
    d["is_group"] = std::vector<bool>(run.is_group.begin(), run.is_group.end());
    d["years"] = run.years;
    d["draws"] = run.draws;
    d["seed"] = run.seed;
    d["random_stream"] = run.random_stream;
    d["parameter_redraws"] = run.parameter_redraws;
    d["exact"] = run.exact;
    d["quantile_method"] = run.quantile_method;
    d["parameter_uncertainty"] = run.parameter_uncertainty;
    d["shock_uncertainty"] = run.shock_uncertainty;
    std::vector<std::string> variables;
    for (int v : run.variables)
      variables.emplace_back(montecarlo::VariableName(v));
    d["variables"] = variables;
    // Only the reported variables (the scenario's `outputs`).
    const auto vars = py::ssize_t(run.variables.size());
    const auto units = py::ssize_t(run.units.size());
    const auto years = py::ssize_t(run.years.size());
    // [variable][unit][year][quantile]: the engine's cell order.
    py::array_t<double> q({vars, units, years, py::ssize_t(levels)});
    std::copy(run.quantiles.begin(), run.quantiles.end(), q.mutable_data());
    py::array_t<double> mean({vars, units, years}), sd({vars, units, years});
    std::copy(run.mean.begin(), run.mean.end(), mean.mutable_data());
    std::copy(run.sd.begin(), run.sd.end(), sd.mutable_data());
    d["quantiles"] = q;
    d["mean"] = mean;
    d["sd"] = sd;
    out.append(d);
  }
  return out;
}

py::dict forecast_history(const Forecast& f) {
  const auto h = pipeline::history_of(f.calibration->result, f.groups);
  py::dict d;
  d["years"] = h.years;
  d["units"] = h.units;
  d["gdp"] = matrix_2d(h.gdp);
  // Each variable's units as the files record them (the calibration's
  // panel's units sidecar).
  std::vector<std::pair<std::string, std::string>> units;
  for (int v = 0; v < montecarlo::kVariableCount; ++v)
    units.emplace_back(
        montecarlo::VariableName(v),
        store::forecast_variable_units(montecarlo::VariableName(v), h).units);
  d["variable_units"] = units;
  return d;
}

py::list model_list() {
  py::list out;
  for (const models::ModelInfo* m : models::all_models()) {
    py::dict d;
    d["name"] = std::string(m->name);
    d["version"] = std::string(m->version);
    d["summary"] = std::string(m->summary);
    std::vector<std::string> equations, inputs;
    for (auto e : m->equations) equations.emplace_back(e);
    for (auto i : m->inputs) inputs.emplace_back(i);
    d["equations"] = equations;
    d["inputs"] = inputs;
    py::list params;
    for (const auto& p : m->parameters) {
      py::dict q;
      q["name"] = std::string(p.name);
      q["description"] = std::string(p.description);
      q["units"] = std::string(p.units);
      q["scope"] = std::string(models::ScopeToString(p.scope));
      q["start"] = p.start;
      q["lower"] = p.lower;
      q["upper"] = p.upper;
      q["free"] = p.free;
      q["tie"] = std::string(p.tie);
      q["from_data"] = std::string(p.from_data);
      if (p.prior)
        q["prior"] = py::make_tuple(p.prior->mean, p.prior->sd);
      else
        q["prior"] = py::none();
      params.append(q);
    }
    d["parameters"] = params;
    py::list drivers;
    for (const auto& dr : m->drivers)
      drivers.append(py::make_tuple(std::string(dr.name),
                                    std::string(dr.description),
                                    std::string(dr.baseline)));
    d["drivers"] = drivers;
    out.append(d);
  }
  return out;
}

}  // namespace
}  // namespace growthcast::python

PYBIND11_MODULE(_core, m) {
  using namespace growthcast;
  using namespace growthcast::python;
  m.doc() = "growthcast engine binding (use the growthcast package)";
  // Ctrl-C stays Python's KeyboardInterrupt: the engine's file writer
  // installs no SIGINT/SIGTERM handler of its own in this process (a
  // cancelled write removes its temporary as it unwinds).
  store::leave_signal_handlers_to_host();
  static py::exception<EngineException> engine_error(m, "EngineError",
                                                     PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const EngineException& e) {
      py::object err = py::handle(engine_error.ptr())(e.text);
      err.attr("message") = e.error.message;
      err.attr("file") = e.error.file;
      err.attr("line") = e.error.line;
      err.attr("field") = e.error.field;
      err.attr("exit_code") = e.error.exit_code;
      PyErr_SetObject(engine_error.ptr(), err.ptr());
    }
  });

  m.def("version", [] { return store::build_label(); });
  m.def("variables", [] {
    std::vector<std::pair<std::string, std::string>> out;
    for (int v = 0; v < montecarlo::kVariableCount; ++v)
      out.emplace_back(montecarlo::VariableName(v),
                       montecarlo::VariableUnits(v));
    return out;
  });
  m.def("quantile_levels", [] { return montecarlo::kQuantileLevels; });
  m.def("shipped_data_dir",
        [] { return pipeline::shipped_data_dir().string(); });
  m.def("models", &model_list);

  // Checks a panel (CSV text) as the command line reads one; returns its
  // regions, years and columns.
  m.def(
      "check_panel",
      [](const std::string& text, const std::string& file,
         const std::string& region, const std::string& year,
         const std::vector<std::string>& values,
         const std::vector<std::string>& optional_values) {
        data::ColumnMapping mapping;
        mapping.region = region;
        mapping.year = year;
        mapping.values = values;
        mapping.optional_values = optional_values;
        auto panel = value_or_raise(data::parse_panel(text, file, mapping));
        py::dict d;
        d["regions"] = panel.regions;
        d["years"] = panel.years;
        std::vector<std::string> columns;
        for (const auto& c : panel.columns) columns.push_back(c.name);
        d["columns"] = columns;
        return d;
      },
      py::arg("text"), py::arg("file"), py::arg("region"), py::arg("year"),
      py::arg("values"), py::arg("optional_values"));

  py::class_<Calibration, std::shared_ptr<Calibration>>(m, "Calibration")
      .def("to_dict", &calibration_dict)
      .def("table",
           [](const Calibration& c) {
             return calibrate::format_calibration_table(c.result);
           })
      .def(
          "save",
          [](const Calibration& c, const std::string& path,
             const std::string& command_line,
             const std::vector<std::string>& inputs) {
            std::vector<std::string> all = inputs;
            if (!c.regions_file.empty()) all.push_back(c.regions_file);
            write_file(path, command_line, all, [&](store::ResultFile& f) {
              if (auto s = store::write_calibration(f, c.result); !s) return s;
              return pipeline::record_regions_file(f, c.regions_file);
            });
          },
          py::arg("path"), py::arg("command_line"), py::arg("inputs"));
  m.def("calibrate", &calibrate_panel, py::arg("options"));
  // As the forecast command loads --calibration (it also notes the regions
  // file the calibration records, whose groups forecasts report).
  m.def("read_calibration", [](const std::string& path) {
    auto out = std::make_shared<Calibration>();
    std::vector<std::filesystem::path> inputs;
    out->result = value_or_raise(pipeline::load_calibration(path, inputs));
    if (auto reader = store::ResultReader::open(path))
      if (auto regions =
              reader->string_attribute("/calibration", "regions_file"))
        out->regions_file = *regions;
    return out;
  });

  py::class_<Forecast, std::shared_ptr<Forecast>>(m, "Forecast")
      .def("runs", &forecast_runs)
      .def("history", &forecast_history)
      .def("summary",
           [](const Forecast& f) {
             return pipeline::format_summary(
                 f.runs, &f.calibration->result.info(),
                 f.calibration->result.units_of("gdp").units);
           })
      .def("save", &save_forecast, py::arg("path"), py::arg("command_line"));
  m.def("forecast", &run_forecast, py::arg("calibration"), py::arg("scenarios"),
        py::arg("draws") = -1, py::arg("seed") = std::nullopt,
        py::arg("threads") = 0, py::arg("paths") = false,
        py::arg("memory_mib") = 1024.0, py::arg("outturns") = "",
        py::arg("outputs") = std::nullopt,
        py::arg("random_stream") = std::nullopt);

  // The backtest command's run: returns its table; writes `out` when given.
  m.def(
      "backtest",
      [](const py::dict& o) {
        pipeline::BacktestRequest request;
        request.calibration.panel.data = o["data"].cast<std::string>();
        request.origins = o["origins"].cast<std::string>();
        request.horizon = o["horizon"].cast<int>();
        request.models = o["models"].cast<std::vector<std::string>>();
        request.window = o["window"].cast<int>();
        request.draws = o["draws"].cast<std::int64_t>();
        request.seed = o["seed"].cast<std::uint64_t>();
        if (!o["random_stream"].is_none())
          request.random_stream = o["random_stream"].cast<int>();
        request.outturns = o["outturns"].cast<std::string>();
        const auto out = o["out"].cast<std::string>();
        check(pipeline::check_backtest(request));
        if (!out.empty()) check(pipeline::check_output_path(out, {}, "out"));
        auto result =
            value_or_raise(interruptible([&](const CancelFlag* cancel) {
              return pipeline::run_backtest(request, cancel);
            }));
        if (!out.empty())
          write_file(out, o["command_line"].cast<std::string>(),
                     {request.calibration.panel.data, request.outturns},
                     [&](store::ResultFile& f) {
                       return pipeline::write_backtest(f, result);
                     });
        return pipeline::format_backtest(result);
      },
      py::arg("options"));

  // `growthcast sweep` in this process: every point of the sweep file,
  // from `calibration` (else the sweep's `calibration`, else the shipped
  // panel calibrated with the defaults), into `out`. Interrupted or
  // failed, it leaves neither `out` nor a checkpoint it created.
  m.def(
      "sweep",
      [](const std::string& file, std::shared_ptr<Calibration> given,
         std::int64_t draws, std::optional<std::uint64_t> seed, int threads,
         double memory_mib, const std::string& out,
         const std::string& command_line, std::optional<int> random_stream,
         const std::optional<std::vector<std::string>>& outputs) {
        check_run_options(draws, threads, memory_mib);
        check(pipeline::check_output_path(out, {file}, "out"));
        auto def = value_or_raise(pipeline::read_sweep_with(file, draws, seed));
        // As `growthcast sweep --outputs`: every point's `outputs`.
        def.outputs_override = chosen_outputs(outputs);
        def.random_stream_override = random_stream;
        store::Provenance provenance;
        provenance.command_line = command_line;
        provenance.input_files.push_back(file);
        if (def.base_file != def.file)
          provenance.input_files.push_back(def.base_file);
        calibrate::CalibrationResult cal;
        if (given) {
          cal = given->result;
        } else {
          if (!def.calibration.empty())
            check(pipeline::check_output_path(out, {def.calibration}, "out"));
          auto loaded = interruptible([&](const CancelFlag* cancel) {
            return pipeline::load_calibration(def.calibration,
                                              provenance.input_files, cancel);
          });
          if (!loaded && !def.calibration.empty())
            raise(fail("cannot use the calibration '" + def.calibration +
                           "': " + loaded.error().to_string(),
                       def.file, def.calibration_line, "calibration")
                      .value());
          cal = value_or_raise(std::move(loaded));
        }
        sweep::SweepJob job =
            pipeline::sweep_job(def, cal, 0, def.points(), out);
        job.run_options.threads = threads;
        job.run_options.exact_memory_bytes =
            std::size_t(memory_mib * 1048576.0);
        job.provenance = provenance;
        const auto checkpoint = sweep::checkpoint_dir(out);
        std::error_code ec;
        const bool had_checkpoint = std::filesystem::exists(checkpoint, ec);
        Status status;
        try {
          status = interruptible([&](const CancelFlag* cancel) {
            job.run_options.cancel = cancel;
            auto pool = sweep::WorkPool::create_local(job.first, job.last);
            return sweep::run_sweep(job, *pool);
          });
        } catch (...) {
          if (!had_checkpoint) std::filesystem::remove_all(checkpoint, ec);
          throw;
        }
        if (!status && !had_checkpoint)
          std::filesystem::remove_all(checkpoint, ec);
        check(status);
        return def.points();
      },
      py::arg("sweep"), py::arg("calibration"), py::arg("draws"),
      py::arg("seed"), py::arg("threads"), py::arg("memory_mib"),
      py::arg("out"), py::arg("command_line"),
      py::arg("random_stream") = std::nullopt,
      py::arg("outputs") = std::nullopt);
}
