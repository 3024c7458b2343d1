// growthcast._core: a thin pybind11 binding of the engine for the Python
// package (python/growthcast). It takes and returns plain arrays, strings
// and dicts; the labelled pandas and xarray objects are built in Python.
// Every number comes from the same functions the command line calls: the
// calibration through cli::run_calibration, the forecast through
// montecarlo::make_setup / run_scenario and store::write_forecast, as in
// cli/forecast_command.cc.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "calibrate/calibration.h"
#include "cli/backtest_command.h"
#include "cli/calibrate_command.h"
#include "cli/common.h"
#include "cli/forecast_common.h"
#include "common/version.h"
#include "data/panel.h"
#include "models/registry.h"
#include "montecarlo/projection.h"
#include "montecarlo/quantiles.h"
#include "montecarlo/runner.h"
#include "scenario/scenario.h"
#include "store/result_io.h"

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

// A calibration held in C++ (so forecasts project from exactly it).
struct Calibration {
  calibrate::CalibrationResult result;
  // The regions file of the calibrated panel (recorded when saved, as
  // `growthcast calibrate` does); empty when none.
  std::string regions_file;
};

std::shared_ptr<Calibration> calibrate_panel(const py::dict& o) {
  cli::CalibrateFlags flags;
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
  if (auto s = cli::check_region_list(flags.panel.regions); !s)
    raise(s.error());
  auto out = std::make_shared<Calibration>();
  Result<calibrate::CalibrationResult> r;
  {
    py::gil_scoped_release release;
    r = cli::run_calibration(flags);
  }
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

// The engine's file writer (store/atomic_file.cc) installs SIGINT and
// SIGTERM handlers the first time it writes, once per process, that remove
// its temporaries and kill the process: in Python that would turn every
// later Ctrl-C into the death of the interpreter (a notebook's kernel)
// instead of a KeyboardInterrupt. Each write keeps Python's handlers: the
// write runs with the GIL held, so Python's handler only sets a flag and
// the temporary is renamed or removed as usual.
class KeepSignalHandlers {
 public:
  KeepSignalHandlers() {
    for (std::size_t k = 0; k < kSignals.size(); ++k)
      sigaction(kSignals[k], nullptr, &saved_[k]);
  }
  ~KeepSignalHandlers() {
    for (std::size_t k = 0; k < kSignals.size(); ++k)
      sigaction(kSignals[k], &saved_[k], nullptr);
  }
  KeepSignalHandlers(const KeepSignalHandlers&) = delete;
  KeepSignalHandlers& operator=(const KeepSignalHandlers&) = delete;

 private:
  static constexpr std::array<int, 2> kSignals = {SIGINT, SIGTERM};
  std::array<struct sigaction, 2> saved_{};
};

template <class Write>
void write_file(const std::string& path, const std::string& command_line,
                const std::vector<std::string>& inputs, Write&& write) {
  if (auto s = cli::check_output_path(path, inputs, "path"); !s)
    raise(s.error());
  store::Provenance provenance;
  provenance.command_line = command_line;
  for (const auto& f : inputs)
    if (!f.empty()) provenance.input_files.push_back(f);
  KeepSignalHandlers keep;
  check(cli::write_result(path, provenance, std::forward<Write>(write)));
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
    bool paths, double memory_mib) {
  if (draws != -1 && (draws < 1 || draws > 1000000000LL))
    raise(usage_error("must be between 1 and 10^9", "draws").value());
  if (threads < 0 || threads > cli::max_threads())
    raise(usage_error("must be between 1 and " +
                          std::to_string(cli::max_threads()) +
                          " (0: all cores)",
                      "threads")
              .value());
  if (!(memory_mib > 0 && memory_mib <= 1e12))
    raise(usage_error("must be a number of MiB above 0 and at most 10^12",
                      "memory")
              .value());
  std::vector<scenario::Scenario> scenarios;
  for (const auto& [text, file] : sources)
    scenarios.push_back(
        value_or_raise(text.empty() ? scenario::read_scenario(file)
                                    : scenario::parse_scenario(text, file)));
  auto out = std::make_shared<Forecast>();
  out->calibration = cal_ptr;
  const calibrate::CalibrationResult& cal = cal_ptr->result;
  for (const auto& sc : scenarios)
    check(scenario::check_against_data(sc, cal.regions, cal.years.back()));
  for (std::size_t a = 0; a < scenarios.size(); ++a)
    for (std::size_t b = 0; b < a; ++b)
      if (scenarios[a].name == scenarios[b].name)
        raise(fail("two scenarios are named '" +
                       cli::shorten(scenarios[a].name) + "' (also in '" +
                       cli::shorten(scenarios[b].file, 200) +
                       "'); names must be unique within one result",
                   scenarios[a].file, scenarios[a].line_of("name"), "name")
                  .value());
  // Policy targets are solved by `growthcast forecast` only; projecting
  // without solving them would answer another question.
  for (const auto& sc : scenarios)
    if (!sc.targets.empty())
      raise(fail("the Python module does not solve [[targets]] yet "
                 "(docs/targets.md): use `growthcast forecast`",
                 sc.file, sc.line_of("targets"), "targets")
                .value());
  out->groups = cli::default_groups(cal);
  // Ctrl-C: the progress callback runs on the calling thread (the OpenMP
  // master); it takes the GIL briefly to let Python run its signal
  // handlers. The engine has no way to cancel a run, so an interrupt stops
  // the call at the end of the current scenario.
  std::optional<py::error_already_set> interrupted;
  for (std::size_t k = 0; k < scenarios.size(); ++k) {
    const auto& sc = scenarios[k];
    auto setup = value_or_raise(montecarlo::make_setup(cal, sc, out->groups));
    montecarlo::RunOptions options;
    options.threads = threads;
    options.keep_paths = paths;
    options.exact_memory_bytes = std::size_t(memory_mib * 1048576.0);
    // At most every 100 ms: taking the GIL waits for another Python
    // thread that holds it (up to the 5 ms switch interval).
    auto last_check = std::chrono::steady_clock::now();
    options.progress = [&](double) {
      if (interrupted) return;
      const auto now = std::chrono::steady_clock::now();
      if (now - last_check < std::chrono::milliseconds(100)) return;
      last_check = now;
      py::gil_scoped_acquire acquire;
      if (PyErr_CheckSignals() != 0) interrupted.emplace();
    };
    const std::int64_t n = draws > 0 ? draws : sc.draws;
    const std::uint64_t seed = seed_flag ? *seed_flag : sc.seed;
    Result<montecarlo::ScenarioForecast> run;
    {
      py::gil_scoped_release release;
      run = montecarlo::run_scenario(setup, sc, k, n, seed, options);
    }
    if (interrupted) throw *interrupted;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    out->runs.push_back(value_or_raise(std::move(run)));
  }
  if (seed_flag)
    out->seed = *seed_flag;
  else if (scenarios.size() == 1)
    out->seed = scenarios[0].seed;
  for (const auto& sc : scenarios) out->files.push_back(sc.file);
  return out;
}

void save_forecast(const Forecast& f, const std::string& path,
                   const std::string& command_line) {
  const auto& cal = f.calibration->result;
  std::vector<std::string> inputs;
  for (const auto& file : f.files)
    if (std::filesystem::exists(file)) inputs.push_back(file);
  if (auto s = cli::check_output_path(path, inputs, "path"); !s)
    raise(s.error());
  store::Provenance provenance;
  provenance.command_line = command_line;
  for (const auto& file : inputs) provenance.input_files.push_back(file);
  provenance.seed = f.seed;
  KeepSignalHandlers keep;
  check(cli::write_result(path, provenance, [&](store::ResultFile& file) {
    if (auto s = cli::write_context(file, cal, f.groups); !s) return s;
    return store::write_forecast(file, f.runs, cli::history_of(cal, f.groups));
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
    d["parameter_redraws"] = run.parameter_redraws;
    d["exact"] = run.exact;
    d["quantile_method"] = run.quantile_method;
    d["parameter_uncertainty"] = run.parameter_uncertainty;
    d["shock_uncertainty"] = run.shock_uncertainty;
    const auto vars = py::ssize_t(montecarlo::kVariableCount);
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
  const auto h = cli::history_of(f.calibration->result, f.groups);
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
  m.def("shipped_data_dir", [] { return cli::shipped_data_dir().string(); });
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
              return cli::record_regions_file(f, c.regions_file);
            });
          },
          py::arg("path"), py::arg("command_line"), py::arg("inputs"));
  m.def("calibrate", &calibrate_panel, py::arg("options"));
  // As the forecast command loads --calibration (it also notes the regions
  // file the calibration records, whose groups forecasts report).
  m.def("read_calibration", [](const std::string& path) {
    auto out = std::make_shared<Calibration>();
    std::vector<std::filesystem::path> inputs;
    out->result = value_or_raise(cli::load_calibration(path, inputs));
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
             return cli::format_summary(
                 f.runs, &f.calibration->result.info(),
                 f.calibration->result.units_of("gdp").units);
           })
      .def("save", &save_forecast, py::arg("path"), py::arg("command_line"));
  m.def("forecast", &run_forecast, py::arg("calibration"), py::arg("scenarios"),
        py::arg("draws") = -1, py::arg("seed") = std::nullopt,
        py::arg("threads") = 0, py::arg("paths") = false,
        py::arg("memory_mib") = 1024.0);

  // The backtest command as it is (it prints its table and writes `out`).
  m.def(
      "backtest",
      [](const py::dict& o) {
        cli::BacktestFlags flags;
        flags.calibration.panel.data = o["data"].cast<std::string>();
        flags.origins = o["origins"].cast<std::string>();
        flags.horizon = o["horizon"].cast<int>();
        flags.models = o["models"].cast<std::vector<std::string>>();
        flags.window = o["window"].cast<int>();
        flags.draws = o["draws"].cast<std::int64_t>();
        flags.seed = o["seed"].cast<std::uint64_t>();
        flags.outturns = o["outturns"].cast<std::string>();
        flags.out = o["out"].cast<std::string>();
        const std::string command_line = o["command_line"].cast<std::string>();
        int code = 0;
        {
          // A Ctrl-C is seen when the backtest returns (the engine cannot
          // be cancelled), except while it writes its file: then the
          // engine's handler removes the temporary and ends the process, as
          // with the command line. Python's handlers are back afterwards.
          KeepSignalHandlers keep;
          py::gil_scoped_release release;
          code = cli::backtest_main(flags, command_line);
        }
        if (code != 0)
          throw std::runtime_error("growthcast backtest failed (exit " +
                                   std::to_string(code) +
                                   "; the message is on stderr)");
      },
      py::arg("options"));
}
