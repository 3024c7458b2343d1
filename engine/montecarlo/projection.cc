#include "montecarlo/projection.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/cobb_douglas_rd.h"
#include "montecarlo/random_stream.h"

namespace growthcast::montecarlo {
namespace {

using models::Shared;
using scenario::Driver;
using scenario::DriverPath;

constexpr double kDefaultDepreciation =
    0.096;  // DESIGN.md: K was built with it
constexpr int kBaselineYears = 5;
constexpr int kMaxRedraws = 100000;

// Mean of the last `count` finite values of a series.
double tail_mean(const std::vector<double>& series, int count) {
  double sum = 0.0;
  int n = 0;
  for (auto it = series.rbegin(); it != series.rend() && n < count; ++it) {
    if (!std::isfinite(*it)) return std::nan("");
    sum += *it;
    ++n;
  }
  return n ? sum / n : std::nan("");
}

bool needs_baseline(const DriverPath& p) {
  switch (p.kind) {
    case DriverPath::Kind::hold:
    case DriverPath::Kind::table:
      return true;
    case DriverPath::Kind::constant:
      return !p.value;
    case DriverPath::Kind::ramp:
      return true;  // the ramp starts from the baseline
  }
  return true;
}

int region_index(const std::vector<std::string>& regions,
                 const std::string& name) {
  auto it = std::find(regions.begin(), regions.end(), name);
  return it == regions.end() ? -1 : int(it - regions.begin());
}

// The drawn target of a ramp, from the driver stream.
double ramp_target(const DriverPath& p, double baseline, RandomStream& random,
                   bool uncertain) {
  double target = p.target ? *p.target : baseline + p.change.value_or(0.0);
  if (uncertain && p.uncertainty) {
    const auto& u = *p.uncertainty;
    if (u.dist == scenario::TargetUncertainty::Dist::normal)
      target += u.sd * random.normal();
    else
      target += u.low + (u.high - u.low) * random.uniform();
  }
  return target;
}

}  // namespace

const char* VariableName(int v) {
  static const char* names[kVariableCount] = {"gdp",
                                              "gdp_growth",
                                              "tfp",
                                              "capital",
                                              "knowledge",
                                              "contribution_capital",
                                              "contribution_labour",
                                              "contribution_knowledge",
                                              "contribution_tfp"};
  return names[v];
}

const char* VariableUnits(int v) {
  static const char* units[kVariableCount] = {"as the calibration's gdp",
                                              "1 (Y_t / Y_t-1 - 1)",
                                              "index, last data year = 1",
                                              "as the calibration's capital",
                                              "as the calibration's rd (stock)",
                                              "log points",
                                              "log points",
                                              "log points",
                                              "log points"};
  return units[v];
}

double driver_value(const DriverPath& path, double baseline, int last_year,
                    int year, double target) {
  switch (path.kind) {
    case DriverPath::Kind::hold:
      return baseline;
    case DriverPath::Kind::constant:
      return path.value.value_or(baseline);
    case DriverPath::Kind::ramp: {
      if (year >= path.by) return target;
      const double f = double(year - last_year) / double(path.by - last_year);
      return baseline + (target - baseline) * f;
    }
    case DriverPath::Kind::table: {
      int x0 = last_year;
      double y0 = baseline;
      for (const auto& [x1, y1] : path.table) {
        if (x1 <= last_year) continue;
        if (year <= x1)
          return y0 + (y1 - y0) * double(year - x0) / double(x1 - x0);
        x0 = x1;
        y0 = y1;
      }
      return y0;
    }
  }
  return baseline;
}

Result<ProjectionSetup> make_setup(const calibrate::CalibrationResult& cal,
                                   const scenario::Scenario& sc,
                                   const std::vector<Group>& default_groups) {
  if (auto s = scenario::check_against_data(sc, cal.regions, cal.years.back());
      !s)
    return tl::unexpected(s.error());
  ProjectionSetup p;
  p.regions = cal.regions;
  p.first_year = cal.years.front();
  p.last_year = cal.years.back();
  p.horizon = sc.horizon;
  p.theta_hat = cal.estimate;
  p.lower = cal.lower;
  p.upper = cal.upper;
  p.beta_tied = cal.model_options.beta_is_one_minus_alpha;
  p.spillover = cal.model_options.spillover();
  p.rd_history = cal.rd;
  p.rho = cal.fit.shock_rho;
  p.sigma = cal.fit.shock_sigma;
  p.parameter_uncertainty = sc.parameter_uncertainty;
  p.shock_uncertainty = sc.shock_uncertainty;
  const std::size_t n = cal.regions.size();
  for (std::size_t i = 0; i < n; ++i) {
    p.gdp_last.push_back(cal.gdp[i].back());
    p.capital_last.push_back(cal.capital[i].back());
    p.labour_last.push_back(cal.labour[i].back());
    p.residual_last.push_back(cal.residual[i].back());
  }

  // Parameter draws: the free parameters' covariance through its Cholesky
  // factor (an eigen-decomposition square root if it is only semidefinite).
  for (Eigen::Index k = 0; k < cal.estimate.size(); ++k)
    if (cal.parameter_status[k] == "free") p.free_index.push_back(int(k));
  const Eigen::Index m = Eigen::Index(p.free_index.size());
  Eigen::MatrixXd cov(m, m);
  for (Eigen::Index a = 0; a < m; ++a)
    for (Eigen::Index b = 0; b < m; ++b)
      cov(a, b) = cal.covariance(p.free_index[a], p.free_index[b]);
  if (p.parameter_uncertainty) {
    if (!cov.allFinite())
      return fail(
          "the calibration has no usable covariance (standard errors "
          "not identified): switch parameter uncertainty off",
          sc.file, sc.line_of("uncertainty.parameters"),
          "uncertainty.parameters");
    Eigen::LLT<Eigen::MatrixXd> llt(cov);
    if (llt.info() == Eigen::Success) {
      p.cholesky = llt.matrixL();
    } else {
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
      p.cholesky = eig.eigenvectors() *
                   eig.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal();
    }
  }

  // Baselines: the mean over the last five data years (DESIGN.md).
  std::vector<double> labour_growth(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double> growth;
    for (std::size_t t = 1; t < cal.labour[i].size(); ++t)
      growth.push_back(cal.labour[i][t] / cal.labour[i][t - 1] - 1.0);
    labour_growth[i] = tail_mean(growth, kBaselineYears);
  }
  for (int d = 0; d < scenario::kDriverCount; ++d) {
    const Driver driver = static_cast<Driver>(d);
    const std::string name = scenario::DriverToString(driver);
    for (std::size_t i = 0; i < n; ++i) {
      double b = std::nan("");
      if (driver == Driver::depreciation) {
        b = kDefaultDepreciation;
      } else if (driver == Driver::labour_growth) {
        b = labour_growth[i];
      } else if (auto it = cal.drivers.find(name); it != cal.drivers.end()) {
        b = tail_mean(it->second[i], kBaselineYears);
      }
      DriverPath path = sc.path_for(driver, cal.regions[i]);
      if (!std::isfinite(b) && needs_baseline(path)) {
        const std::string key = "drivers." + name;
        return fail("no observed baseline for " + name + " in region '" +
                        cal.regions[i] +
                        "' (the calibration's panel lacks the nominal "
                        "columns): give the driver an explicit constant "
                        "value, or a ramp target and a table",
                    sc.file, sc.line_of(key), key);
      }
      p.paths[d].push_back(std::move(path));
      p.baseline[d].push_back(b);
    }
  }

  // Output regions and groups (a group is reported when all its members
  // are projected).
  if (sc.regions.empty()) {
    for (std::size_t i = 0; i < n; ++i) p.output_regions.push_back(int(i));
  } else {
    for (const auto& name : sc.regions)
      p.output_regions.push_back(region_index(cal.regions, name));
  }
  if (!sc.groups.empty()) {
    for (const auto& [name, members] : sc.groups) {
      Group g{name, {}};
      for (const auto& member : members)
        g.members.push_back(region_index(cal.regions, member));
      p.groups.push_back(std::move(g));
    }
  } else {
    for (const auto& g : default_groups) {
      bool all_output = true;
      for (int member : g.members)
        all_output = all_output &&
                     std::find(p.output_regions.begin(), p.output_regions.end(),
                               member) != p.output_regions.end();
      if (all_output) p.groups.push_back(g);
    }
  }
  return p;
}

DrawOutcome simulate_draw(const ProjectionSetup& p, std::uint64_t seed,
                          std::uint64_t scenario_index, std::uint64_t draw,
                          double* out, std::size_t stride) {
  DrawOutcome outcome;
  const int n = int(p.regions.size());
  const int years = p.years();
  const Eigen::Index shared0 = 2 * n;

  // Parameters: theta_hat + L z, redrawn while a bounded one leaves its box.
  Eigen::VectorXd theta = p.theta_hat;
  if (p.parameter_uncertainty && !p.free_index.empty()) {
    RandomStream random(seed, scenario_index, draw, Stream::parameters);
    const Eigen::Index m = Eigen::Index(p.free_index.size());
    Eigen::VectorXd z(m);
    for (int attempt = 0; attempt < kMaxRedraws; ++attempt) {
      for (Eigen::Index k = 0; k < m; ++k) z[k] = random.normal();
      const Eigen::VectorXd step = p.cholesky * z;
      bool inside = true;
      for (Eigen::Index k = 0; k < m; ++k) {
        const int idx = p.free_index[k];
        theta[idx] = p.theta_hat[idx] + step[k];
        inside =
            inside && theta[idx] >= p.lower[idx] && theta[idx] <= p.upper[idx];
      }
      if (inside) break;
      ++outcome.parameter_redraws;
    }
  }
  auto shared = [&](Shared s) { return theta[shared0 + int(s)]; };
  const double alpha = shared(Shared::alpha);
  const double beta = p.beta_tied ? 1.0 - alpha : shared(Shared::beta);
  const double gamma = shared(Shared::gamma);
  const double delta_s = shared(Shared::delta_S);
  const double phi = shared(Shared::phi);

  // State at T. The knowledge stock is rebuilt from the R&D history with
  // this draw's delta_S.
  std::vector<double> y(p.gdp_last), k(p.capital_last), l(p.labour_last), s(n),
      u(p.residual_last);
  for (int i = 0; i < n; ++i) {
    const auto& rd = p.rd_history[i];
    std::vector<double> stock(rd.size());
    models::knowledge_stock<double>(rd, models::rd_mean_log_growth(rd), delta_s,
                                    stock.data());
    s[i] = stock.back();
  }
  auto spill_of = [&](const std::vector<double>& stock, int i) {
    double sum = 0.0;
    for (int j = 0; j < n; ++j)
      if (j != i) sum += stock[j];
    return sum / double(n - 1);
  };
  std::vector<double> spill(n, 1.0);
  if (p.spillover)
    for (int i = 0; i < n; ++i) spill[i] = spill_of(s, i);

  // Drawn ramp targets, one per driver and region.
  RandomStream driver_random(seed, scenario_index, draw, Stream::drivers);
  std::array<std::vector<double>, scenario::kDriverCount> target;
  for (int d = 0; d < scenario::kDriverCount; ++d)
    for (int i = 0; i < n; ++i)
      target[d].push_back(p.paths[d][i].kind == scenario::DriverPath::Kind::ramp
                              ? ramp_target(p.paths[d][i], p.baseline[d][i],
                                            driver_random, true)
                              : 0.0);

  RandomStream shocks(seed, scenario_index, draw, Stream::shocks);
  const int units = p.units();
  const int n_out = int(p.output_regions.size());
  // Per-region values of the current year, for the groups.
  std::vector<double> y_next(n), k_next(n), l_next(n), s_next(n), u_next(n),
      spill_next(n, 1.0);
  std::vector<std::array<double, kVariableCount>> region_values(n);
  std::vector<double> group_log_tfp(p.groups.size(), 0.0);
  const std::vector<double>& u_last = p.residual_last;

  auto emit = [&](int unit, int h,
                  const std::array<double, kVariableCount>& v) {
    for (int var = 0; var < kVariableCount; ++var) {
      out[std::size_t(p.cell(var, unit, h)) * stride] = v[var];
      if (!std::isfinite(v[var]) && outcome.finite) {
        outcome.finite = false;
        outcome.nonfinite_region = unit;
        outcome.nonfinite_year = p.last_year + 1 + h;
      }
    }
  };

  for (int h = 0; h < years; ++h) {
    const int year = p.last_year + 1 + h;
    for (int i = 0; i < n; ++i) {
      auto value = [&](Driver d) {
        const int di = int(d);
        return driver_value(p.paths[di][i], p.baseline[di][i], p.last_year,
                            year, target[di][i]);
      };
      l_next[i] = l[i] * (1.0 + value(Driver::labour_growth));
      k_next[i] = (1.0 - value(Driver::depreciation)) * k[i] +
                  value(Driver::investment_rate) * y[i];
      s_next[i] = (1.0 - delta_s) * s[i] + value(Driver::rd_intensity) * y[i];
    }
    if (p.spillover)
      for (int i = 0; i < n; ++i) spill_next[i] = spill_of(s_next, i);
    for (int i = 0; i < n; ++i) {
      const double eps = p.shock_uncertainty ? shocks.normal() : 0.0;
      u_next[i] = p.rho * u[i] + p.sigma * eps;
      const double a = theta[2 * i], lambda = theta[2 * i + 1];
      const double ln_y =
          models::log_output<double, double>(
              a, lambda, double(year - p.first_year), alpha, beta, gamma, phi,
              std::log(k_next[i]), std::log(l_next[i]), std::log(s_next[i]),
              std::log(spill_next[i]), p.spillover) +
          u_next[i];
      y_next[i] = std::exp(ln_y);
      auto& v = region_values[i];
      v[kGdp] = y_next[i];
      v[kGdpGrowth] = y_next[i] / y[i] - 1.0;
      v[kTfp] =
          std::exp(lambda * double(year - p.last_year) + u_next[i] - u_last[i]);
      v[kCapital] = k_next[i];
      v[kKnowledge] = s_next[i];
      v[kContributionCapital] = alpha * std::log(k_next[i] / k[i]);
      v[kContributionLabour] = beta * std::log(l_next[i] / l[i]);
      v[kContributionKnowledge] =
          gamma * std::log(s_next[i] / s[i]) +
          (p.spillover ? phi * std::log(spill_next[i] / spill[i]) : 0.0);
      v[kContributionTfp] = lambda + u_next[i] - u[i];
    }
    for (int o = 0; o < n_out; ++o)
      emit(o, h, region_values[p.output_regions[o]]);
    // Groups: sums of levels; contributions weighted by last year's output
    // shares (Divisia), TFP the remainder so the parts add up.
    for (std::size_t g = 0; g < p.groups.size(); ++g) {
      std::array<double, kVariableCount> v{};
      double y_prev = 0.0;
      for (int i : p.groups[g].members) {
        v[kGdp] += y_next[i];
        v[kCapital] += k_next[i];
        v[kKnowledge] += s_next[i];
        y_prev += y[i];
      }
      for (int i : p.groups[g].members) {
        const double w = y[i] / y_prev;
        v[kContributionCapital] += w * region_values[i][kContributionCapital];
        v[kContributionLabour] += w * region_values[i][kContributionLabour];
        v[kContributionKnowledge] +=
            w * region_values[i][kContributionKnowledge];
      }
      v[kGdpGrowth] = v[kGdp] / y_prev - 1.0;
      v[kContributionTfp] = std::log(v[kGdp] / y_prev) -
                            v[kContributionCapital] - v[kContributionLabour] -
                            v[kContributionKnowledge];
      group_log_tfp[g] += v[kContributionTfp];
      v[kTfp] = std::exp(group_log_tfp[g]);
      emit(n_out + int(g), h, v);
    }
    y.swap(y_next);
    k.swap(k_next);
    l.swap(l_next);
    s.swap(s_next);
    u.swap(u_next);
    spill.swap(spill_next);
  }
  (void)units;
  return outcome;
}

}  // namespace growthcast::montecarlo
