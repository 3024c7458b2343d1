#include "montecarlo/conditioning.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <sstream>

namespace growthcast::montecarlo {
namespace {

int index_of(const std::vector<std::string>& names, const std::string& name) {
  auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? -1 : int(it - names.begin());
}

std::string describe(const Pin& pin, int year) {
  std::ostringstream s;
  s << pin.unit << " " << year << " " << (pin.growth ? "growth " : "level ")
    << pin.value;
  return s.str();
}

// An error about one pin: the scenario's conditions[k] at its line, or the
// outturns file's row of that region and year.
tl::unexpected<Error> refuse(const Pin& pin, int year,
                             const std::string& message) {
  if (pin.outturn)
    return fail("the outturn of '" + pin.unit + "' in " + std::to_string(year) +
                    " " + message,
                pin.file, 0, pin.field);
  return fail(
      "condition " + pin.field + " (" + describe(pin, year) + ") " + message,
      pin.file, pin.line, pin.field);
}

// The innovations of one projection year, in the order Conditioning names.
void lay_out(const ProjectionSetup& p, Conditioning& c) {
  const int n = int(p.regions.size());
  int slot = 0;
  if (p.shock_uncertainty) {
    c.level = slot;
    slot += n;
    if (p.common_shocks) c.level_common = slot++;
  }
  if (p.trend_shocks) {
    c.trend = slot;
    slot += n;
    c.trend_common = slot++;
  }
  c.per_year = slot;
}

// Linearisation weights of a pin's members: 1 for a region; for a group
// each member's share of the group's output in the last data year
// (d ln sum Y / d ln Y_i at that year). A group's pin is met by repeating
// the correction with the actual shares (projection.cc), so these weights
// set the direction of the correction, not whether the pin is met.
std::vector<double> member_weights(const ProjectionSetup& p, const Pin& pin) {
  if (!pin.group) return {1.0};
  double total = 0.0;
  for (int i : pin.members) total += p.gdp_last[std::size_t(i)];
  std::vector<double> w;
  for (int i : pin.members) w.push_back(p.gdp_last[std::size_t(i)] / total);
  return w;
}

Status add_scenario_pins(const ProjectionSetup& p, const scenario::Scenario& sc,
                         std::vector<Pin>& pins) {
  for (std::size_t k = 0; k < sc.conditions.size(); ++k) {
    const scenario::Condition& c = sc.conditions[k];
    Pin pin;
    pin.field = "conditions[" + std::to_string(k) + "]";
    pin.file = sc.file;
    pin.line = c.line;
    pin.growth = c.growth.has_value();
    pin.value = pin.growth ? *c.growth : *c.level;
    pin.target = pin.growth ? std::log1p(*c.growth) : std::log(*c.level);
    if (c.year <= p.last_year || c.year > p.horizon)
      return fail(
          "year " + std::to_string(c.year) + " is outside the projection (" +
              std::to_string(p.last_year + 1) + ".." +
              std::to_string(p.horizon) +
              "): a condition pins a projected year",
          sc.file, sc.line_of(pin.field + ".year"), pin.field + ".year");
    pin.h = c.year - p.last_year - 1;
    if (!c.region.empty()) {
      const int i = index_of(p.regions, c.region);
      if (i < 0)
        return fail("unknown region '" + c.region + "' (not in the data)",
                    sc.file, sc.line_of(pin.field + ".region"),
                    pin.field + ".region");
      pin.unit = c.region;
      pin.members = {i};
    } else {
      auto g = std::find_if(p.groups.begin(), p.groups.end(),
                            [&](const Group& x) { return x.name == c.group; });
      if (g == p.groups.end()) {
        std::string known;
        for (const auto& x : p.groups)
          known += (known.empty() ? "'" : ", '") + x.name + "'";
        return fail("unknown group '" + c.group + "' (groups of this " +
                        "scenario: " + (known.empty() ? "none" : known) + ")",
                    sc.file, sc.line_of(pin.field + ".group"),
                    pin.field + ".group");
      }
      pin.unit = c.group;
      pin.group = true;
      pin.members = g->members;
    }
    pins.push_back(std::move(pin));
  }
  return {};
}

Status add_outturn_pins(const ProjectionSetup& p, const ObservedGdp& o,
                        std::vector<Pin>& pins, std::vector<int>& years) {
  for (std::size_t t = 0; t < o.years.size(); ++t)
    if (o.years[t] > p.last_year && o.years[t] <= p.horizon)
      years.push_back(o.years[t]);
  for (int i : p.output_regions) {
    const std::string& name = p.regions[std::size_t(i)];
    const int r = index_of(o.regions, name);
    if (r < 0 && !years.empty())
      return fail(
          "no outturns for region '" + name + "', which the scenario reports",
          o.file, 0, "region");
    for (std::size_t t = 0; t < o.years.size(); ++t) {
      const int year = o.years[t];
      if (year <= p.last_year || year > p.horizon) continue;
      Pin pin;
      pin.outturn = true;
      pin.file = o.file;
      pin.field = "gdp_real";
      pin.unit = name;
      pin.members = {i};
      pin.h = year - p.last_year - 1;
      pin.value = o.gdp[std::size_t(r)][t];
      if (!(pin.value > 0.0) || !std::isfinite(pin.value))
        return refuse(pin, year, "is not a positive number");
      pin.target = std::log(pin.value);
      pins.push_back(std::move(pin));
    }
  }
  return {};
}

}  // namespace

void add_shock_loading(const ProjectionSetup& p, const Conditioning& c,
                       int region, int h, double weight,
                       Eigen::Ref<Eigen::RowVectorXd> row) {
  const int n = int(p.regions.size());
  const double sigma_c = p.shock_sigma_common;
  const double sigma_p =
      p.common_shocks ? own_shock_sigma(p.sigma, sigma_c) : p.sigma;
  const double phi = p.trend_persistence;
  for (int k = 0; k <= h; ++k) {
    const double scale =
        p.band_calibration ? p.band_scale[std::size_t(k)] : 1.0;
    const Eigen::Index at = Eigen::Index(k) * c.per_year;
    if (c.level >= 0) {
      // u_h = rho u_h-1 + scale (sigma_p e_i + sigma_c e): e of year k
      // reaches year h as rho^(h-k).
      const double a = weight * std::pow(p.rho, h - k) * scale;
      row[at + c.level + region] += a * sigma_p;
      if (c.level_common >= 0) row[at + c.level_common] += a * sigma_c;
    }
    if (c.trend >= 0) {
      // v_j = phi v_j-1 + scale (zeta_p h_i + zeta_c h), w_h = sum_j<=h
      // v_j: the innovation of year k reaches w_h as
      // sum_{j=k..h} phi^(j-k) = (1 - phi^(h-k+1)) / (1 - phi).
      double reach = 0.0, power = 1.0;
      for (int j = k; j <= h; ++j) {
        reach += power;
        power *= phi;
      }
      const double b = weight * scale * reach;
      row[at + c.trend + region] += b * p.trend_sigma_regional;
      row[at + c.trend_common] += b * p.trend_sigma_common;
    }
  }
  (void)n;
}

Status condition_setup(ProjectionSetup& p, const scenario::Scenario& sc,
                       const ObservedGdp* outturns) {
  p.conditioning.reset();
  p.observed_rd_intensity.clear();
  auto c = std::make_shared<Conditioning>();
  if (outturns && !outturns->rd_intensity.empty()) {
    const std::size_t n = p.regions.size();
    std::vector<std::vector<double>> observed(
        n,
        std::vector<double>(std::size_t(std::max(0, p.years())), std::nan("")));
    bool any = false;
    for (std::size_t i = 0; i < n; ++i) {
      const int r = index_of(outturns->regions, p.regions[i]);
      if (r < 0) continue;
      for (std::size_t t = 0; t < outturns->years.size(); ++t) {
        const int h = outturns->years[t] - p.last_year - 1;
        const double v = outturns->rd_intensity[std::size_t(r)][t];
        if (h < 0 || h >= p.years() || !std::isfinite(v)) continue;
        observed[i][std::size_t(h)] = v;
        any = true;
      }
    }
    if (any) p.observed_rd_intensity = std::move(observed);
  }
  if (outturns) {
    if (auto s = add_outturn_pins(p, *outturns, c->pins, c->outturn_years); !s)
      return s;
    c->outturns_file = outturns->file;
  }
  if (auto s = add_scenario_pins(p, sc, c->pins); !s) return s;
  if (c->pins.empty()) {
    // Outturns that end before the projection: nothing to condition on,
    // and the draws are those of the unconditioned forecast, bit for bit.
    return {};
  }
  lay_out(p, *c);
  for (const Pin& pin : c->pins) c->years = std::max(c->years, pin.h + 1);

  // G = A M, one row per pin, and the check that the pins can be met
  // together: Gram-Schmidt in pin order names the first pin that the
  // shocks cannot move, or that the pins before it already fix.
  const Eigen::Index q = Eigen::Index(c->years) * c->per_year;
  const Eigen::Index m = Eigen::Index(c->pins.size());
  using RowMajor =
      Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  RowMajor G = RowMajor::Zero(m, q);
  Eigen::MatrixXd basis(q, 0);
  for (Eigen::Index j = 0; j < m; ++j) {
    const Pin& pin = c->pins[std::size_t(j)];
    const int year = p.last_year + 1 + pin.h;
    const std::vector<double> w = member_weights(p, pin);
    for (std::size_t k = 0; k < pin.members.size(); ++k) {
      if (q == 0) break;
      add_shock_loading(p, *c, pin.members[k], pin.h, w[k], G.row(j));
      if (pin.growth && pin.h > 0)
        add_shock_loading(p, *c, pin.members[k], pin.h - 1, -w[k], G.row(j));
    }
    const double norm = q ? G.row(j).norm() : 0.0;
    if (!(norm > 0.0))
      return refuse(pin, year,
                    "cannot be met: no shock of the model moves it (shock "
                    "uncertainty is off, or its standard deviation is 0)");
    Eigen::VectorXd rest = G.row(j).transpose();
    for (int sweep = 0; sweep < 2; ++sweep)  // twice: Gram-Schmidt's rounding
      rest -= basis * (basis.transpose() * rest);
    if (rest.norm() <= 1e-9 * norm) {
      std::string why;
      for (Eigen::Index i = 0; i < j; ++i) {
        const Pin& other = c->pins[std::size_t(i)];
        if (other.h == pin.h && other.unit == pin.unit &&
            other.growth == pin.growth) {
          why = " (it repeats " +
                (other.outturn ? "the outturn of '" + other.unit + "' in " +
                                     std::to_string(year)
                               : "condition " + other.field) +
                ")";
          break;
        }
      }
      if (why.empty())
        why =
            " (more pins than shocks: the pins before it already fix the "
            "shocks that move it)";
      return refuse(pin, year,
                    "cannot be met together with the pins before it" + why);
    }
    basis.conservativeResize(q, basis.cols() + 1);
    basis.col(basis.cols() - 1) = rest / rest.norm();
  }
  // K = G' (G G')^-1: G has full row rank (checked above), so G G' is
  // positive definite.
  const Eigen::MatrixXd gram = G * G.transpose();
  const Eigen::LLT<Eigen::MatrixXd> llt(gram);
  c->gain = llt.solve(Eigen::MatrixXd(G)).transpose();
  p.conditioning = std::move(c);
  return {};
}

}  // namespace growthcast::montecarlo
