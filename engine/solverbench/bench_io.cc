// /bench in a result file, written through store::ResultFile (the only
// code that touches HDF5).
#include <algorithm>
#include <cmath>
#include <limits>

#include "solverbench/bench.h"
#include "store/result_file.h"

namespace growthcast::solverbench {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

}  // namespace

Status write_bench(store::ResultFile& f, const BenchResult& r) {
  const std::string g = "/bench";
  std::vector<std::string> problem_names, kinds, difficulties, labels;
  for (const auto& p : r.problems) {
    problem_names.push_back(p.name);
    kinds.push_back(p.kind);
    difficulties.push_back(p.difficulty);
    labels.push_back(p.name + ": " + join(p.parameter_labels(), " "));
  }
  std::vector<std::string> config_names;
  for (const auto& c : r.configs) config_names.push_back(c.name());
  const std::size_t np = r.problems.size(), nc = r.configs.size();
  const std::size_t nk = r.max_parameters();
  std::vector<std::int32_t> parameter_index(nk);
  for (std::size_t k = 0; k < nk; ++k)
    parameter_index[k] = static_cast<std::int32_t>(k + 1);

  if (auto s = f.add_scale(g, "problem", problem_names); !s) return s;
  if (auto s = f.add_scale(g, "start", std::vector<std::int32_t>{1, 2}, "1");
      !s)
    return s;
  if (auto s = f.add_scale(g, "config", config_names); !s) return s;
  if (auto s = f.add_scale(g, "parameter", parameter_index, "1"); !s) return s;
  if (auto s = f.set_attribute(g + "/problem", "kind", join(kinds, ",")); !s)
    return s;
  if (auto s = f.set_attribute(g + "/problem", "difficulty",
                               join(difficulties, ","));
      !s)
    return s;
  if (auto s = f.set_attribute(g + "/parameter", "labels", join(labels, "; "));
      !s)
    return s;

  // Termination types as CF flags.
  std::vector<std::string> terminations;
  for (const auto& rec : r.records)
    if (std::find(terminations.begin(), terminations.end(), rec.termination) ==
        terminations.end())
      terminations.push_back(rec.termination);

  const std::size_t cells = np * 2 * nc;
  auto per_cell = [&](auto&& value) {
    std::vector<double> v(cells);
    for (std::size_t i = 0; i < cells; ++i) v[i] = value(r.records[i]);
    return v;
  };
  auto stat = [](const std::vector<double>& v, int which) {
    if (v.empty()) return kNaN;
    std::vector<double> s = v;
    std::sort(s.begin(), s.end());
    if (which == 0) return s.front();
    if (which == 2) return s.back();
    const std::size_t n = s.size();
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  };
  auto count = [](int v) { return v >= 0 ? static_cast<double>(v) : kNaN; };
  const std::vector<std::string> dims = {"problem", "start", "config"};
  struct Field {
    const char* name;
    const char* units;
    const char* long_name;
    std::vector<double> data;
  };
  std::vector<Field> fields = {
      {"solve_time_median", "s", "median wall time of the solve over repeats",
       per_cell([&](const RunRecord& x) { return stat(x.solve_seconds, 1); })},
      {"solve_time_min", "s", "minimum wall time of the solve over repeats",
       per_cell([&](const RunRecord& x) { return stat(x.solve_seconds, 0); })},
      {"solve_time_max", "s", "maximum wall time of the solve over repeats",
       per_cell([&](const RunRecord& x) { return stat(x.solve_seconds, 2); })},
      {"build_time_median", "s", "median wall time of problem construction",
       per_cell([&](const RunRecord& x) { return stat(x.build_seconds, 1); })},
      {"build_time_min", "s", "minimum wall time of problem construction",
       per_cell([&](const RunRecord& x) { return stat(x.build_seconds, 0); })},
      {"build_time_max", "s", "maximum wall time of problem construction",
       per_cell([&](const RunRecord& x) { return stat(x.build_seconds, 2); })},
      {"iterations", "1", "solver iterations (NaN: not reported)",
       per_cell([&](const RunRecord& x) { return count(x.iterations); })},
      {"residual_evaluations", "1", "residual evaluations",
       per_cell(
           [&](const RunRecord& x) { return count(x.residual_evaluations); })},
      {"jacobian_evaluations", "1", "Jacobian evaluations (NaN: not reported)",
       per_cell(
           [&](const RunRecord& x) { return count(x.jacobian_evaluations); })},
      {"initial_cost", "1", "1/2 sum of squared residuals at the start",
       per_cell([&](const RunRecord& x) {
         return x.applicable ? x.initial_cost : kNaN;
       })},
      {"final_cost", "1", "1/2 sum of squared residuals at the end",
       per_cell([&](const RunRecord& x) {
         return x.applicable ? x.final_cost : kNaN;
       })},
      {"min_lre", "1", "minimum log relative error over the parameters",
       per_cell([&](const RunRecord& x) {
         return x.applicable ? x.min_lre() : kNaN;
       })},
      {"solved", "1",
       "1 when every LRE reaches the threshold, 0 if not, NaN n/a",
       per_cell([&](const RunRecord& x) {
         return x.applicable ? (x.solved ? 1.0 : 0.0) : kNaN;
       })},
      {"termination", "1", "termination type (flag_meanings)",
       per_cell([&](const RunRecord& x) {
         return static_cast<double>(std::find(terminations.begin(),
                                              terminations.end(),
                                              x.termination) -
                                    terminations.begin());
       })},
  };
  for (const auto& field : fields)
    if (auto s = f.add_dataset(g, field.name, field.data, dims, field.units,
                               field.long_name);
        !s)
      return s;
  std::string values;
  for (std::size_t k = 0; k < terminations.size(); ++k)
    values += (k ? " " : "") + std::to_string(k);
  if (auto s = f.set_attribute(g + "/termination", "flag_values", values); !s)
    return s;
  if (auto s = f.set_attribute(g + "/termination", "flag_meanings",
                               join(terminations, " "));
      !s)
    return s;

  std::vector<double> lre(cells * nk, kNaN);
  for (std::size_t i = 0; i < cells; ++i)
    for (std::size_t k = 0; k < r.records[i].lre.size() && k < nk; ++k)
      lre[i * nk + k] = r.records[i].lre[k];
  if (auto s = f.add_dataset(g, "lre", lre,
                             {"problem", "start", "config", "parameter"}, "1",
                             "log relative error per parameter, capped at the "
                             "certified digits (at most 11); NaN padded");
      !s)
    return s;

  // The parameters each run returned (what its LRE were computed from).
  std::vector<double> estimate(cells * nk, kNaN);
  for (std::size_t i = 0; i < cells; ++i)
    for (std::size_t k = 0; k < r.records[i].estimate.size() && k < nk; ++k)
      estimate[i * nk + k] = r.records[i].estimate[k];
  if (auto s = f.add_dataset(g, "estimate", estimate,
                             {"problem", "start", "config", "parameter"}, "1",
                             "parameter values the run returned (the LRE are "
                             "computed from them); NaN: not applicable, or a "
                             "per-region minimum, or padding");
      !s)
    return s;
  // Whether the configuration applies to the problem (0: not applicable;
  // then every value of the run is NaN and termination is NOT_APPLICABLE).
  if (auto s = f.add_dataset(
          g, "applicable",
          per_cell([](const RunRecord& x) { return x.applicable ? 1.0 : 0.0; }),
          dims, "1",
          "1 when the configuration applies to the problem, 0 if not");
      !s)
    return s;

  std::vector<double> certified(np * nk, kNaN), std_dev(np * nk, kNaN);
  for (std::size_t p = 0; p < np; ++p) {
    const auto& bp = r.problems[p];
    if (bp.nist) {
      for (std::size_t k = 0; k < bp.nist->certified.size(); ++k) {
        certified[p * nk + k] = bp.nist->certified[k];
        std_dev[p * nk + k] = bp.nist->certified_std_dev[k];
      }
    } else if (bp.calibration && bp.calibration->truth_known) {
      certified[p * nk + 0] = bp.calibration->alpha;
      certified[p * nk + 1] = bp.calibration->gamma;
      certified[p * nk + 2] = bp.calibration->delta_s;
    }
  }
  if (auto s = f.add_dataset(g, "certified_value", certified,
                             {"problem", "parameter"}, "1",
                             "certified (NIST) or true (synthetic) value");
      !s)
    return s;
  if (auto s = f.add_dataset(g, "certified_std_dev", std_dev,
                             {"problem", "parameter"}, "1",
                             "NIST certified standard deviation");
      !s)
    return s;

  const BenchOptions& o = r.options;
  if (auto s = f.set_attribute(g, "repeats", std::int64_t{o.repeats}); !s)
    return s;
  if (auto s =
          f.set_attribute(g, "max_iterations", std::int64_t{o.max_iterations});
      !s)
    return s;
  if (auto s = f.set_attribute(g, "function_tolerance", o.function_tolerance);
      !s)
    return s;
  if (auto s = f.set_attribute(g, "gradient_tolerance", o.gradient_tolerance);
      !s)
    return s;
  if (auto s = f.set_attribute(g, "parameter_tolerance", o.parameter_tolerance);
      !s)
    return s;
  if (auto s = f.set_attribute(g, "minpack_tolerance", o.minpack_tolerance); !s)
    return s;
  if (auto s = f.set_attribute(g, "solved_lre", o.solved_lre); !s) return s;
  if (auto s = f.set_attribute(g, "total_seconds", r.total_seconds); !s)
    return s;
  return ok();
}

}  // namespace growthcast::solverbench
