// The target solve (solve.h): the central path as one deterministic draw,
// Ceres for the ramp levels, and a second pass over the Monte Carlo's draws
// for the probability of reaching each target.
#include "targets/solve.h"

#include <ceres/ceres.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "scenario/toml_reader.h"

namespace growthcast::targets {

namespace {

using montecarlo::ProjectionSetup;
using scenario::DriverPath;
using scenario::TargetSpec;

std::string unit_name(const ProjectionSetup& p, int unit) {
  const int n = int(p.output_regions.size());
  return unit < n ? p.regions[std::size_t(p.output_regions[std::size_t(unit)])]
                  : p.groups[std::size_t(unit - n)].name;
}

int unit_index(const ProjectionSetup& p, const std::string& name) {
  for (int u = 0; u < p.units(); ++u)
    if (unit_name(p, u) == name) return u;
  return -1;
}

int region_index(const ProjectionSetup& p, const std::string& name) {
  auto it = std::find(p.regions.begin(), p.regions.end(), name);
  return it == p.regions.end() ? -1 : int(it - p.regions.begin());
}

std::string number(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

// The members of a unit, as region indices.
std::vector<int> members_of(const ProjectionSetup& p, int unit) {
  const int n = int(p.output_regions.size());
  if (unit < n) return {p.output_regions[std::size_t(unit)]};
  return p.groups[std::size_t(unit - n)].members;
}

// The instrument's ramp to level L.
DriverPath ramp_to(double level, int by) {
  DriverPath path;
  path.kind = DriverPath::Kind::ramp;
  path.target = level;
  path.by = by;
  return path;
}

// Writes each target's ramp at its level into the setup's paths.
void set_instruments(ProjectionSetup& p, const std::vector<TargetSpec>& specs,
                     const double* levels) {
  for (std::size_t k = 0; k < specs.size(); ++k)
    for (const auto& name : specs[k].regions)
      p.paths[std::size_t(specs[k].driver)]
             [std::size_t(region_index(p, name))] =
          ramp_to(levels[k], specs[k].by);
}

// The setup's central version: no parameter, shock or driver draws.
ProjectionSetup central_setup(const ProjectionSetup& setup) {
  ProjectionSetup p = setup;
  p.parameter_uncertainty = false;
  p.shock_uncertainty = false;
  p.common_shocks = false;
  p.trend_shocks = false;
  p.band_calibration = false;
  for (auto& driver_paths : p.paths)
    for (auto& path : driver_paths) path.uncertainty.reset();
  return p;
}

// Everything the residuals need of one target.
struct Goal {
  int unit = 0;
  int h = 0;                // the target year's projection offset
  int base_h = -1;          // the base year's, when the central path gives it
  double base_fixed = 0.0;  // the base's value otherwise (panel, outturn)
  double multiple = 1.0;    // target = multiple x base (level: base = level)
};

double target_of(const Goal& g, const ProjectionSetup& p,
                 const std::vector<double>& cells) {
  const double base =
      g.base_h >= 0
          ? cells[std::size_t(p.cell(montecarlo::kGdp, g.unit, g.base_h))]
          : g.base_fixed;
  return g.multiple * base;
}

// r_k = Y_k(L) / target_k(L) - 1 on the central path.
class Residuals {
 public:
  Residuals(ProjectionSetup* central, const std::vector<TargetSpec>* specs,
            const std::vector<Goal>* goals)
      : p_(central), specs_(specs), goals_(goals) {}
  bool operator()(double const* const* levels, double* residuals) const {
    set_instruments(*p_, *specs_, levels[0]);
    const std::vector<double> cells = central_path(*p_);
    for (std::size_t k = 0; k < goals_->size(); ++k) {
      const Goal& g = (*goals_)[k];
      const double y =
          cells[std::size_t(p_->cell(montecarlo::kGdp, g.unit, g.h))];
      residuals[k] = y / target_of(g, *p_, cells) - 1.0;
      if (!std::isfinite(residuals[k])) return false;
    }
    return true;
  }

 private:
  ProjectionSetup* p_;
  const std::vector<TargetSpec>* specs_;
  const std::vector<Goal>* goals_;
};

}  // namespace

std::vector<double> central_path(const ProjectionSetup& setup) {
  std::vector<double> cells(std::size_t(setup.cells()));
  montecarlo::simulate_draw(setup, 0, 0, 0, cells.data(), 1);
  return cells;
}

Status check_targets(const ProjectionSetup& p, const scenario::Scenario& sc) {
  const int first = p.first_year, last = p.last_year;
  for (const TargetSpec& t : sc.targets) {
    auto refuse = [&](const std::string& message, long line,
                      const std::string& key) {
      return fail(message, sc.file, line != 0 ? line : t.line, t.field(key));
    };
    if (unit_index(p, t.gdp_of) < 0) {
      std::vector<std::string> units;
      for (int u = 0; u < p.units(); ++u) units.push_back(unit_name(p, u));
      std::string list;
      for (std::size_t i = 0; i < units.size(); ++i)
        list += (i == 0                  ? "'"
                 : i + 1 == units.size() ? " or '"
                                         : ", '") +
                units[i] + "'";
      return refuse("'" + t.gdp_of +
                        "' is not a region or group the scenario reports (" +
                        list + ")",
                    t.gdp_of_line, "gdp_of");
    }
    if (t.year <= last || t.year > p.horizon)
      return refuse("target year " + std::to_string(t.year) +
                        " is outside the projection " +
                        std::to_string(last + 1) + ".." +
                        std::to_string(p.horizon),
                    t.year_line, "year");
    const std::string base_key =
        t.kind == TargetSpec::Kind::growth ? "growth_from" : "ratio_to_year";
    if (t.kind != TargetSpec::Kind::level && t.base_year < first)
      return refuse(base_key + " " + std::to_string(t.base_year) +
                        " is before the panel's first year " +
                        std::to_string(first),
                    t.base_line, base_key);
    const std::string driver = scenario::DriverToString(t.driver);
    if (sc.drivers.count(t.driver))
      return refuse("the instrument " + driver +
                        " also has a path in [drivers." + driver +
                        "]; a target sets that driver's path itself: remove "
                        "one of the two",
                    t.driver_line, "driver");
    for (std::size_t r = 0; r < t.regions.size(); ++r) {
      const int i = region_index(p, t.regions[r]);
      if (i < 0)
        return refuse("unknown region '" + t.regions[r] + "'" +
                          toml_reader::suggestion(t.regions[r], p.regions) +
                          " (not in the data)",
                      t.region_lines[r], "regions");
      if (!std::isfinite(p.baseline[std::size_t(t.driver)][std::size_t(i)]))
        return refuse("no observed baseline for " + driver + " in region '" +
                          t.regions[r] +
                          "', where the instrument's ramp "
                          "would start",
                      t.region_lines[r], "regions");
    }
    if (t.by <= last)
      return refuse("by " + std::to_string(t.by) +
                        " must be after the last data year " +
                        std::to_string(last),
                    t.by_line, "by");
  }
  return ok();
}

Result<std::vector<TargetResult>> solve_targets(
    ProjectionSetup& setup, const scenario::Scenario& sc,
    const calibrate::CalibrationResult& cal, const ObservedGdp& observed) {
  std::vector<TargetResult> results;
  if (sc.targets.empty()) return results;
  if (auto s = check_targets(setup, sc); !s) return tl::unexpected(s.error());
  const int last = setup.last_year;
  std::vector<Goal> goals;
  for (const TargetSpec& t : sc.targets) {
    TargetResult r;
    r.spec = t;
    r.unit = unit_index(setup, t.gdp_of);
    Goal g;
    g.unit = r.unit;
    g.h = t.year - last - 1;
    r.base_value = std::nan("");
    if (t.kind == TargetSpec::Kind::level) {
      g.base_fixed = t.level;
    } else {
      g.multiple = t.kind == TargetSpec::Kind::ratio
                       ? t.ratio
                       : std::pow(1.0 + t.growth, double(t.year - t.base_year));
      std::optional<double> seen;
      if (t.base_year > last && observed)
        seen = observed(t.gdp_of, t.base_year);
      if (t.base_year <= last) {
        double sum = 0.0;  // a group's GDP is its members' sum
        for (int i : members_of(setup, r.unit))
          sum += cal.gdp[std::size_t(i)]
                        [std::size_t(t.base_year - setup.first_year)];
        g.base_fixed = r.base_value = sum;
        r.base_source = "panel";
      } else if (seen) {
        g.base_fixed = r.base_value = *seen;
        r.base_source = "outturn";
      } else {
        g.base_h = t.base_year - last - 1;
        r.base_source = "central path";
      }
    }
    goals.push_back(g);
    results.push_back(std::move(r));
  }

  // Start from the instrument regions' mean baseline, inside the bounds.
  const std::size_t K = results.size();
  std::vector<double> levels(K);
  for (std::size_t k = 0; k < K; ++k) {
    const TargetSpec& t = sc.targets[k];
    double sum = 0.0;
    for (const auto& name : t.regions)
      sum += setup.baseline[std::size_t(t.driver)]
                           [std::size_t(region_index(setup, name))];
    levels[k] = std::clamp(sum / double(t.regions.size()), t.lower, t.upper);
  }
  ProjectionSetup central = central_setup(setup);
  auto* cost =
      new ceres::DynamicNumericDiffCostFunction<Residuals, ceres::CENTRAL>(
          new Residuals(&central, &sc.targets, &goals));
  cost->AddParameterBlock(int(K));
  cost->SetNumResiduals(int(K));
  ceres::Problem problem;
  problem.AddResidualBlock(cost, nullptr, levels.data());
  for (std::size_t k = 0; k < K; ++k) {
    problem.SetParameterLowerBound(levels.data(), int(k), sc.targets[k].lower);
    problem.SetParameterUpperBound(levels.data(), int(k), sc.targets[k].upper);
  }
  ceres::Solver::Options options;
  options.linear_solver_type = ceres::DENSE_QR;
  options.max_num_iterations = 200;
  // Tight enough that a reachable target is met far inside kTolerance.
  options.function_tolerance = 1e-16;
  options.gradient_tolerance = 1e-24;
  options.parameter_tolerance = 1e-14;
  options.num_threads = 1;
  options.logging_type = ceres::SILENT;
  ceres::Solver::Summary summary;
  ceres::Solve(options, &problem, &summary);

  // The outcome at the solution, recomputed once more.
  set_instruments(central, sc.targets, levels.data());
  const std::vector<double> cells = central_path(central);
  for (std::size_t k = 0; k < K; ++k) {
    TargetResult& r = results[k];
    const TargetSpec& t = r.spec;
    const Goal& g = goals[k];
    r.level = levels[k];
    r.central_value =
        cells[std::size_t(central.cell(montecarlo::kGdp, g.unit, g.h))];
    r.target_value = target_of(g, central, cells);
    if (g.base_h >= 0)
      r.base_value =
          cells[std::size_t(central.cell(montecarlo::kGdp, g.unit, g.base_h))];
    r.reachable =
        std::abs(r.central_value / r.target_value - 1.0) <= kTolerance;
    const double eps = 1e-9 * (t.upper - t.lower);
    if (r.level <= t.lower + eps) r.bound = "lower";
    if (r.level >= t.upper - eps) r.bound = "upper";
    r.solver_iterations = int(summary.iterations.size());
    r.solver_termination =
        ceres::TerminationTypeToString(summary.termination_type);
    for (const auto& name : t.regions) {
      const int i = region_index(setup, name);
      const double base = setup.baseline[std::size_t(t.driver)][std::size_t(i)];
      const DriverPath path = ramp_to(r.level, t.by);
      std::vector<double> values;
      for (int year = last + 1; year <= setup.horizon; ++year)
        values.push_back(
            montecarlo::driver_value(path, base, last, year, r.level));
      r.path_regions.push_back(i);
      r.path.push_back(std::move(values));
    }
  }
  set_instruments(setup, sc.targets, levels.data());
  return results;
}

void count_reaching(const ProjectionSetup& setup, std::uint64_t seed,
                    std::uint64_t scenario_index, std::int64_t draws,
                    int threads, std::vector<TargetResult>& results) {
  if (results.empty()) return;
  const std::size_t K = results.size();
  const std::int64_t blocks =
      (draws + montecarlo::kBlockDraws - 1) / montecarlo::kBlockDraws;
  std::vector<std::int64_t> reached(K, 0);
  const int units = setup.units();
  if (threads <= 0) threads = omp_get_max_threads();
#pragma omp parallel num_threads(threads)
  {
    montecarlo::BlockSimulator simulator(setup);
    montecarlo::DrawOutcome outcomes[montecarlo::kBlockDraws];
    std::vector<std::int64_t> local(K, 0);
#pragma omp for schedule(dynamic)
    for (std::int64_t b = 0; b < blocks; ++b) {
      const std::int64_t first = b * montecarlo::kBlockDraws;
      const int count =
          int(std::min<std::int64_t>(montecarlo::kBlockDraws, draws - first));
      simulator.run(
          seed, scenario_index, std::uint64_t(first), count,
          [&](int h, const double* rows) {
            for (std::size_t k = 0; k < K; ++k) {
              if (results[k].spec.year - setup.last_year - 1 != h) continue;
              const double* row = rows + std::size_t(montecarlo::kGdp * units +
                                                     results[k].unit) *
                                             montecarlo::kRowStride;
              for (int lane = 0; lane < count; ++lane)
                local[k] += row[lane] >= results[k].target_value ? 1 : 0;
            }
          },
          outcomes);
    }
#pragma omp critical
    for (std::size_t k = 0; k < K; ++k) reached[k] += local[k];
  }
  for (std::size_t k = 0; k < K; ++k) {
    results[k].draws = draws;
    results[k].draws_reaching = reached[k];
  }
}

std::string format_targets(const std::string& scenario,
                           const std::vector<TargetResult>& results) {
  std::ostringstream out;
  char line[512];
  out << "Targets of " << scenario
      << " (solved on the central path; P = share of draws reaching "
         "the target):\n";
  std::snprintf(line, sizeof line, "  %-30s %5s %14s %14s  %-32s %7s\n",
                "target", "year", "target GDP", "central GDP", "instrument",
                "P");
  out << line;
  for (const auto& r : results) {
    const auto& t = r.spec;
    std::string what = t.gdp_of;
    if (t.kind == TargetSpec::Kind::ratio)
      what += " x" + number(t.ratio) + " of " + std::to_string(t.base_year);
    if (t.kind == TargetSpec::Kind::growth)
      what += " " + number(100 * t.growth) + "%/yr from " +
              std::to_string(t.base_year);
    char level[64];
    std::snprintf(level, sizeof level, "%s %.6g by %d",
                  scenario::DriverToString(t.driver).c_str(), r.level, t.by);
    std::snprintf(line, sizeof line, "  %-30s %5d %14.6g %14.6g  %-32s %7.4f\n",
                  what.c_str(), t.year, r.target_value, r.central_value, level,
                  r.probability());
    out << line;
    if (!r.reachable) {
      out << "    NOT REACHABLE within [" << number(t.lower) << ", "
          << number(t.upper) << "]: the closest attainable GDP is "
          << number(r.central_value) << " ("
          << number(100.0 * (r.central_value / r.target_value - 1.0))
          << "% off the target)";
      if (!r.bound.empty())
        out << ", with " << scenario::DriverToString(t.driver) << " at its "
            << r.bound << " bound " << number(r.level);
      else
        out << " (solver: " << r.solver_termination << ")";
      out << "\n";
    }
  }
  return out.str();
}

}  // namespace growthcast::targets
