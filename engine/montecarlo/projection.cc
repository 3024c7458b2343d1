#include "montecarlo/projection.h"

#include <Random123/philox.h>

#include <Random123/uniform.hpp>
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <type_traits>

#include "common/avx512.h"
#include "common/lanes.h"
#include "models/registry.h"
#include "montecarlo/conditioning.h"
#include "montecarlo/float_core_math.h"
#include "montecarlo/parameter_factor.h"
#include "montecarlo/philox_lanes.h"
#include "montecarlo/random_stream.h"

// glibc declares its vector math (libmvec) only under -ffast-math; these
// declarations let GCC call the same vector functions from the `omp simd`
// loops below with IEEE semantics otherwise kept (this file is compiled
// with -fno-math-errno only). Every lane of a block runs the same vector
// code, so results do not depend on the number of threads or the blocking.
extern "C" {
#pragma omp declare simd notinbranch
double log(double) noexcept;
#pragma omp declare simd notinbranch
double exp(double) noexcept;
#pragma omp declare simd notinbranch
double sin(double) noexcept;
#pragma omp declare simd notinbranch
double cos(double) noexcept;
}

namespace growthcast::montecarlo {
namespace {

using scenario::Driver;
using scenario::DriverPath;

constexpr double kDefaultDepreciation =
    0.096;  // K was built with it (data/SOURCES.md)
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

// The target of a ramp before any draw.
double ramp_centre(const DriverPath& p, double baseline) {
  return p.target ? *p.target : baseline + p.change.value_or(0.0);
}

// Whether each draw has its own value of the driver: a ramp whose target
// is uncertain (drawn from the driver stream).
bool has_drawn_target(const DriverPath& p) {
  return p.kind == DriverPath::Kind::ramp && p.uncertainty.has_value();
}

// A ramp's value in `year` for a draw whose target is `target`.
double ramp_value(const DriverPath& path, double base, int last_year, int year,
                  double target) {
  if (year >= path.by) return target;
  const double f = double(year - last_year) / double(path.by - last_year);
  return base + (target - base) * f;
}

// The drawn target of a ramp, from the driver stream.
double ramp_target(const DriverPath& p, double baseline, RandomStream& random,
                   bool uncertain) {
  double target = ramp_centre(p, baseline);
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

static_assert(scenario::kOutputNames.size() == std::size_t(kVariableCount),
              "a scenario's outputs name the projection's variables");

const char* VariableName(int v) {
  return scenario::kOutputNames[std::size_t(v)];
}

std::vector<int> all_variables() {
  std::vector<int> out;
  for (int v = 0; v < kVariableCount; ++v) out.push_back(v);
  return out;
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
    case DriverPath::Kind::ramp:
      return ramp_value(path, baseline, last_year, year, target);
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
  // A scenario written for one model is refused with another's calibration.
  if (sc.model && *sc.model != cal.model)
    return fail("the scenario is written for model '" + *sc.model +
                    "' but the calibration is of model '" + cal.model + "'",
                sc.file, sc.line_of("model"), "model");
  ProjectionSetup p;
  p.regions = cal.regions;
  p.first_year = cal.years.front();
  p.last_year = cal.years.back();
  p.horizon = sc.horizon;
  p.model = cal.model;
  p.layout = cal.layout();
  p.shared = cal.model_options.shared;
  p.theta_hat = cal.estimate;
  p.lower = cal.lower;
  p.upper = cal.upper;
  p.rd_history = cal.rd;
  p.rho = cal.fit.shock_rho;
  p.sigma = cal.fit.shock_sigma;
  p.parameter_uncertainty = sc.parameter_uncertainty;
  if (sc.random_stream) p.random_stream = StreamVersion(*sc.random_stream);
  p.shock_uncertainty = sc.shock_uncertainty;
  const models::ModelInfo& info = cal.info();
  p.common_shocks = sc.common_shocks.value_or(info.default_common_shocks);
  p.trend_shocks = sc.trend_shocks.value_or(info.default_trend_shocks);
  p.band_calibration =
      sc.band_calibration.value_or(info.default_band_calibration);
  p.shock_sigma_common = cal.fit.shock_sigma_common;
  p.trend_sigma_common = cal.fit.trend_sigma_common;
  p.trend_sigma_regional = cal.fit.trend_sigma_regional;
  p.trend_persistence =
      sc.trend_persistence.value_or(cal.fit.trend_persistence);
  p.band_scale.assign(std::size_t(std::max(0, p.years())), 1.0);
  // The backtest's c_h, the last one held beyond the horizons it covers.
  for (std::size_t h = 0; h < p.band_scale.size() && !cal.band_scale.empty();
       ++h)
    p.band_scale[h] = cal.band_scale[std::min(h, cal.band_scale.size() - 1)];
  const std::size_t n = cal.regions.size();
  for (std::size_t i = 0; i < n; ++i) {
    p.gdp_last.push_back(cal.gdp[i].back());
    p.capital_last.push_back(cal.capital[i].back());
    p.labour_last.push_back(cal.labour[i].back());
    p.residual_last.push_back(cal.residual[i].back());
  }

  // Parameter draws: theta_hat + F z with F F' the free parameters'
  // covariance (parameter_factor.h: the arrow factor, O(N) terms, when the
  // covariance has the calibration's arrow structure).
  for (Eigen::Index k = 0; k < cal.estimate.size(); ++k)
    if (cal.parameter_status[std::size_t(k)] == models::ParameterStatus::free)
      p.free_index.push_back(int(k));
  if (p.parameter_uncertainty) {
    bool finite = cal.covariance.rows() == cal.estimate.size();
    for (int b : p.free_index)
      for (int a : p.free_index)
        finite = finite && std::isfinite(cal.covariance(a, b));
    if (!finite)
      return fail(
          "the calibration has no usable covariance (standard errors "
          "not identified): switch parameter uncertainty off",
          sc.file, sc.line_of("uncertainty.parameters"),
          "uncertainty.parameters");
    // Stream version 1 reproduces results from before version 2, whose
    // draws used the dense Cholesky factor: the same law, other bits.
    p.factor = std::make_shared<const ParameterFactor>(
        factor_covariance(cal.covariance, p.free_index, p.layout,
                          p.random_stream != StreamVersion::v1));
  }

  // Baselines: the mean over the last five data years (the model page).
  std::vector<double> labour_growth(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double> growth;
    for (std::size_t t = 1; t < cal.labour[i].size(); ++t)
      growth.push_back(cal.labour[i][t] / cal.labour[i][t - 1] - 1.0);
    labour_growth[i] = tail_mean(growth, kBaselineYears);
  }
  // The regions whose drivers the scenario's results depend on: its own
  // (all when it names none) and its groups' members; with spillovers every
  // region, as each one's knowledge stock enters the others'. Elsewhere a
  // missing baseline only leaves unreported paths undefined.
  bool spillover = false;
  models::visit_model(cal.model, [&]<class M>(std::type_identity<M>) {
    spillover = M::uses_spillover(M::configure(cal.model_options.shared));
  });
  std::vector<bool> needed(n, sc.regions.empty() || spillover);
  for (const auto& name : sc.regions)
    needed[std::size_t(region_index(cal.regions, name))] = true;
  for (const auto& [group, members] : sc.groups)
    for (const auto& member : members)
      needed[std::size_t(region_index(cal.regions, member))] = true;
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
      // Without an observed baseline, a table's first value stands for it:
      // the path holds that value until the table's first year.
      if (!std::isfinite(b) && path.kind == DriverPath::Kind::table &&
          !path.table.empty())
        b = path.table.begin()->second;
      if (!std::isfinite(b) && needs_baseline(path) && needed[i]) {
        const std::string key = "drivers." + name;
        return fail("no observed baseline for " + name + " in region '" +
                        cal.regions[i] +
                        "' (the calibration's panel lacks the nominal "
                        "columns): give the driver a constant value, or a "
                        "table of values (its first value is then the "
                        "baseline)",
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
  if (!sc.outputs.empty()) p.outputs = sc.outputs;
  if (auto s = condition_setup(p, sc, nullptr); !s)
    return tl::unexpected(s.error());
  return p;
}

Status check_uncertainty(const ProjectionSetup& p,
                         const scenario::Scenario& sc) {
  auto refuse = [&](const std::string& key, const std::string& message) {
    const std::string field = "uncertainty." + key;
    return fail(message, sc.file, sc.line_of(field), field);
  };
  if (p.common_shocks &&
      !(p.shock_sigma_common >= 0.0 && p.shock_sigma_common <= p.sigma))
    return refuse("common_shocks", "the common shocks' standard deviation " +
                                       std::to_string(p.shock_sigma_common) +
                                       " is outside [0, sigma = " +
                                       std::to_string(p.sigma) + "]");
  if (p.trend_shocks) {
    for (double zeta : {p.trend_sigma_common, p.trend_sigma_regional})
      if (!(std::isfinite(zeta) && zeta >= 0.0))
        return refuse("trend_shocks", "a trend shock's standard deviation " +
                                          std::to_string(zeta) +
                                          " is not finite and >= 0");
    if (!(p.trend_persistence >= 0.0 && p.trend_persistence < 1.0))
      return refuse("trend_persistence",
                    "trend_persistence " + std::to_string(p.trend_persistence) +
                        " is out of range [0, 1)");
  }
  if (p.band_calibration) {
    if (p.band_scale.size() != std::size_t(p.years()))
      return refuse("band_calibration",
                    "the band calibration has " +
                        std::to_string(p.band_scale.size()) + " factors for " +
                        std::to_string(p.years()) + " projection years");
    for (double c : p.band_scale)
      if (!(std::isfinite(c) && c > 0.0))
        return refuse("band_calibration", "a band calibration factor " +
                                              std::to_string(c) +
                                              " is not finite and > 0");
  }
  return {};
}

bool region_tiles_allowed(const ProjectionSetup& panel) {
  bool spillover = false;
  models::visit_model(panel.model, [&]<class M>(std::type_identity<M>) {
    spillover = M::uses_spillover(M::configure(panel.shared));
  });
  return !spillover && !panel.conditioning && !panel.panel;
}

namespace {

// Elements first .. first + count - 1 of a vector over regions (empty when
// `all` is), or of each of an array of them.
template <class T>
std::vector<T> region_slice(const std::vector<T>& all, int first, int count) {
  if (all.empty()) return {};
  return std::vector<T>(all.begin() + first, all.begin() + first + count);
}
template <class T, std::size_t N>
std::array<T, N> region_slice(const std::array<T, N>& all, int first,
                              int count) {
  std::array<T, N> out;
  for (std::size_t k = 0; k < N; ++k)
    out[k] = region_slice(all[k], first, count);
  return out;
}

}  // namespace

RegionInputs slice_regions(const RegionInputs& all, int first, int count) {
  RegionInputs out;
  // One name per field: a structured binding must name every field of
  // RegionInputs, so one added there without being sliced here does not
  // compile.
  auto& [regions, rd_history, gdp_last, capital_last, labour_last,
         residual_last, paths, baseline, observed_rd_intensity] = out;
  regions = region_slice(all.regions, first, count);
  rd_history = region_slice(all.rd_history, first, count);
  gdp_last = region_slice(all.gdp_last, first, count);
  capital_last = region_slice(all.capital_last, first, count);
  labour_last = region_slice(all.labour_last, first, count);
  residual_last = region_slice(all.residual_last, first, count);
  paths = region_slice(all.paths, first, count);
  baseline = region_slice(all.baseline, first, count);
  observed_rd_intensity = region_slice(all.observed_rd_intensity, first, count);
  return out;
}

ProjectionSetup region_tile_setup(const ProjectionSetup& panel, int first,
                                  int count, const std::vector<int>& groups) {
  const int end = first + count;
  ProjectionSetup t;
  // The panel's settings whole (the factor shared), its regions' inputs
  // sliced; the rest is the tile's own.
  static_cast<PanelSettings&>(t) = panel;
  static_cast<RegionInputs&>(t) = slice_regions(panel, first, count);
  t.panel = &panel;
  t.first_region = first;
  for (int i : panel.output_regions)
    if (i >= first && i < end) t.output_regions.push_back(i - first);
  for (int g : groups) {
    Group group{panel.groups[std::size_t(g)].name, {}};
    for (int i : panel.groups[std::size_t(g)].members) {
      if (i < first || i >= end)
        throw std::invalid_argument("a group spans region tiles");
      group.members.push_back(i - first);
    }
    t.groups.push_back(std::move(group));
  }
  return t;
}

namespace {

constexpr int B = kBlockDraws;
// Lanes whose parameter draws are made together (their sums in registers).
constexpr int kParameterTile = 32;

// Which draws a block holds: draws first .. first + B - 1 of scenario
// `scenario_index` under `seed`.
struct BlockKey {
  std::uint64_t seed, scenario_index, first;
  bool zero_shocks = false;  // ProjectionSetup::zero_shock_innovations
  StreamVersion version = kDefaultStreamVersion;
};

// Normals index0 .. index0 + count - 1 (index0 a multiple of 4) of the
// streams `stream` of draws first + lane0 .. first + lane_end - 1, normal j
// of draw first + lane at out[j * stride + lane - lane0]; `out` has room
// for count rounded up to 4 rows. The numbering is RandomStream's: Philox
// call c gives normals 4c .. 4c + 3 by Box-Muller on its words (0, 1) and
// (2, 3).
void lane_normals(const BlockKey& key, Stream stream, std::uint64_t index0,
                  int count, double* out, std::size_t stride = kRowStride,
                  int lane0 = 0, int lane_end = B) {
  const int calls = (count + 3) / 4;
  const int lanes = lane_end - lane0;
  if (key.zero_shocks && stream != Stream::parameters &&
      stream != Stream::drivers) {
    for (int row = 0; row < 4 * calls; ++row)
      std::fill(out + std::size_t(row) * stride,
                out + std::size_t(row) * stride + lanes, 0.0);
    return;
  }
  if (key.version != StreamVersion::v1) {
    // Versions 2 and 3 number draws and scenarios with 32 bits
    // (random_stream.h).
    if (((key.first + std::uint64_t(lane_end)) >> 32) != 0 ||
        (key.scenario_index >> 32) != 0)
      throw std::out_of_range(
          "random stream 2 numbers draws and scenarios below 2^32");
    for (int c = 0; c < calls; ++c) {
      double* rows = out + std::size_t(4 * c) * stride;
      float_normal_lanes(
          key.first + std::uint64_t(lane0), std::uint32_t(key.scenario_index),
          static_cast<std::uint32_t>(stream),
          std::uint32_t(index0 / 4 + std::uint64_t(c)), key.seed, lanes,
          {{rows, rows + stride, rows + 2 * stride, rows + 3 * stride}});
    }
    return;
  }
  const r123::Philox4x64::key_type philox_key = {
      {key.seed, key.scenario_index}};
  constexpr double kPi = 3.1415926535897932;
  double radius[B], sine[B];
  // Call by call, so that each call's four rows are written in order and
  // transformed while they are in cache.
  for (int c = 0; c < calls; ++c) {
    double* rows = out + std::size_t(4 * c) * stride;
    philox_uniforms(
        key.first + std::uint64_t(lane0), static_cast<std::uint64_t>(stream),
        index0 / 4 + std::uint64_t(c), 0, philox_key, lanes,
        {rows, rows + stride, rows + 2 * stride, rows + 3 * stride});
    // Box-Muller on the pairs (0, 1) and (2, 3). Two loops, so that GCC
    // does not fuse sin and cos into a (scalar) sincos call: each is a
    // vector call.
    for (int pair = 0; pair < 2; ++pair) {
      double* x = rows + std::size_t(2 * pair) * stride;
      double* y = x + stride;
#pragma omp simd
      for (int lane = 0; lane < lanes; ++lane) {
        radius[lane] = std::sqrt(-2.0 * std::log(y[lane]));
        sine[lane] = std::sin(kPi * x[lane]);
      }
#pragma omp simd
      for (int lane = 0; lane < lanes; ++lane) {
        y[lane] = std::cos(kPi * x[lane]) * radius[lane];
        x[lane] = sine[lane] * radius[lane];
      }
    }
  }
}

void fill(double* row, double value) { std::fill(row, row + B, value); }

// The kernel's logarithm and exponential, a template argument of every
// step that takes them (run_model<M, Math>): glibc's, which GCC calls as
// libmvec's vector variants in the loops (stream versions 1 and 2, whose
// bits stay as they were), or float_core_math.h's, double with a float
// polynomial, the same bits in every build and lane count (version 3;
// docs/architecture.md, "Error budget of version 3").
// select(c, a, b) is c ? a : b: as written for versions 1 and 2; on the
// bits for version 3, where GCC otherwise turns the select after a
// floating compare into a branch around the exponential and leaves
// tfp_convergence's output loop scalar.
// Always inlined: an out-of-line call in an `omp simd` loop is a scalar
// call per lane (float_core_math.h).
// kAvx512: run_model's projection years run in 8-double AVX-512 lanes
// (BlockSimulator::Scratch::project_year_avx512), only for version 3,
// whose bits do not depend on the lane count; libmvec's AVX-512 variants
// of glibc's log and exp may differ from its AVX2 ones in the last bit.
#define GROWTHCAST_LANE_MATH [[gnu::always_inline]] static
struct LibmMath {
  static constexpr bool kAvx512 = false;
  GROWTHCAST_LANE_MATH double log(double x) { return std::log(x); }
  GROWTHCAST_LANE_MATH double exp(double x) { return std::exp(x); }
  GROWTHCAST_LANE_MATH double select(bool c, double a, double b) {
    return c ? a : b;
  }
};
struct FloatCoreMath {
  static constexpr bool kAvx512 = false;
  GROWTHCAST_LANE_MATH double log(double x) { return float_core_math::log(x); }
  GROWTHCAST_LANE_MATH double exp(double x) { return float_core_math::exp(x); }
  GROWTHCAST_LANE_MATH double select(bool c, double a, double b) {
    return float_core_math::select(c, a, b);
  }
};
// Version 3's arithmetic in AVX-512 lanes where the CPU has them.
struct FloatCoreMathAvx512 : FloatCoreMath {
  static constexpr bool kAvx512 = true;
};
#undef GROWTHCAST_LANE_MATH

}  // namespace

void block_normals(StreamVersion version, std::uint64_t seed,
                   std::uint64_t scenario, std::uint64_t first, Stream stream,
                   std::uint64_t index0, int count, double* out,
                   std::size_t stride, int lanes) {
  for (int lane0 = 0; lane0 < lanes; lane0 += B) {
    const BlockKey key{seed, scenario, first + std::uint64_t(lane0), false,
                       version};
    lane_normals(key, stream, index0, count, out + lane0, stride, 0,
                 std::min(B, lanes - lane0));
  }
}

namespace {

// One value standing for a row whose lanes are all equal.
struct Uniform {
  double value;
  double operator[](int) const { return value; }
};

// Rows of B values, kRowStride apart, in the simulator's arena.
struct Rows {
  double* base = nullptr;
  double* data() const { return base; }
  double* row(std::size_t r) const { return base + r * kRowStride; }
};

// One year's normals of a per-region stream: region i of a panel of n
// regions uses normal h * n + i in projection year h. A tile of the panel's
// regions first .. first + count - 1 makes only theirs. They are made a
// year at a time, from the Philox call holding the year's first normal
// (calls give four normals each), so that they are in cache when used; when
// last year's last call holds it, its four rows are kept rather than made
// again (with 31 regions, one call in nine). `rows` has room for count + 8
// rows.
struct YearNormals {
  Rows rows;
  int begin = 0, end = 0;  // normals begin .. end - 1 are in `rows`

  void make(const BlockKey& key, Stream stream, int h, int n, int first,
            int count) {
    const int first_normal = (h * n + first) / 4 * 4;
    int kept = 0;
    if (h > 0 && first_normal < end) {
      kept = end - first_normal;  // 4: the rows of one call
      const double* from = rows.row(std::size_t(first_normal - begin));
      if (from != rows.data())
        std::copy(from, from + std::size_t(kept) * kRowStride, rows.data());
    }
    const int needed = h * n + first + count - first_normal;
    if (needed > kept)
      lane_normals(key, stream, std::uint64_t(first_normal + kept),
                   needed - kept, rows.row(std::size_t(kept)));
    begin = first_normal;
    end = first_normal + (needed + 3) / 4 * 4;
  }
  // The panel's region i's normals of year h (after make(h)).
  const double* region(int h, int n, int i) const {
    return rows.row(std::size_t(h * n + i - begin));
  }
};

// The accumulation equations of one region and year, lane by lane: the
// drivers are rows (one value per lane) or, when no draw has its own
// target, Uniform (the same arithmetic on each lane).
template <class Math, class Inv, class Rdi, class Lgr, class Dep>
void accumulate_lanes(const Inv& inv, const Rdi& rdi, const Lgr& lgr,
                      const Dep& dep, const double* ds, const double* y,
                      const double* k, const double* l, const double* s,
                      double* k1, double* l1, double* s1, double* lk1,
                      double* ls1) {
#pragma omp simd
  for (int lane = 0; lane < B; ++lane) {
    const models::DriverValues<double> drivers = {inv[lane], rdi[lane],
                                                  lgr[lane], dep[lane]};
    const auto next = models::accumulate_factors(drivers, ds[lane], y[lane],
                                                 k[lane], l[lane], s[lane]);
    l1[lane] = next.labour;
    k1[lane] = next.capital;
    s1[lane] = next.knowledge;
    lk1[lane] = Math::log(k1[lane]);
    ls1[lane] = Math::log(s1[lane]);
  }
}

// The rows one region's output equations read and write (year t - 1
// without suffix, year t with suffix 1), all plain pointers so that GCC
// keeps them in registers in the vector loop. u and u1 are the shock in
// ln Y: the level shock, plus the trend shock w when it is on.
struct RegionRows {
  const double *y, *u, *u1, *lk, *ll, *ls, *lsp, *k1, *s1, *lk1, *ll1, *ls1,
      *lsp1;
  double* y1;
  double* out[kVariableCount];
};

// GDP and its growth in one lane: ln Y = the model's log output plus the
// shock in ln Y, Y = e^(ln Y), and Y / Y_t-1 - 1. The one definition for
// both output loops, so that the GDP-only loop's values are the
// all-variables loop's bit for bit. Values rather than rows, and always
// inlined, so that the loops calling it stay vector loops.
struct GdpLane {
  double level, growth;
};
template <class M, bool kSpill, class Math>
[[gnu::always_inline]] inline double gdp_level_lane(
    const typename M::LaneRows& rows, int lane, double t, double u1, double lk1,
    double ll1, double ls1, double lsp1) {
  const double ln_y = M::template lane_log_output<kSpill, Math>(
                          rows, lane, t, lk1, ll1, ls1, lsp1) +
                      u1;
  return Math::exp(ln_y);
}
template <class M, bool kSpill, class Math>
[[gnu::always_inline]] inline GdpLane gdp_lane(const typename M::LaneRows& rows,
                                               int lane, double t, double y,
                                               double u1, double lk1,
                                               double ll1, double ls1,
                                               double lsp1) {
  const double level =
      gdp_level_lane<M, kSpill, Math>(rows, lane, t, u1, lk1, ll1, ls1, lsp1);
  return {level, level / y - 1.0};
}

// The output equations of one region and year: the model's log output
// plus the level shock, and what is reported. t: years since t0;
// years_ahead: h + 1; u_last: the shock at T. One instantiation per
// spillover setting: a branch inside keeps GCC from vectorising the loop
// (and phi * 0 would still be evaluated).
template <class M, bool kSpill, class Math>
void output_lanes(const typename M::LaneRows rows, double t, double years_ahead,
                  double u_last, const RegionRows& in, double* acc) {
  // Local copies of the row pointers: read through `in` inside the loop,
  // GCC reloads them per lane and does not vectorise.
  const double* y = in.y;
  const double* u = in.u;
  const double* u1 = in.u1;
  const double* lk = in.lk;
  const double* ll = in.ll;
  const double* ls = in.ls;
  const double* lsp = in.lsp;
  const double* k1 = in.k1;
  const double* s1 = in.s1;
  const double* lk1 = in.lk1;
  const double* ll1 = in.ll1;
  const double* ls1 = in.ls1;
  const double* lsp1 = in.lsp1;
  double* y1 = in.y1;
  double* out_gdp = in.out[kGdp];
  double* out_growth = in.out[kGdpGrowth];
  double* out_tfp = in.out[kTfp];
  double* out_capital = in.out[kCapital];
  double* out_knowledge = in.out[kKnowledge];
  double* out_c_capital = in.out[kContributionCapital];
  double* out_c_labour = in.out[kContributionLabour];
  double* out_c_knowledge = in.out[kContributionKnowledge];
  double* out_c_tfp = in.out[kContributionTfp];
#pragma omp simd
  for (int lane = 0; lane < B; ++lane) {
    const GdpLane gdp =
        gdp_lane<M, kSpill, Math>(rows, lane, t, y[lane], u1[lane], lk1[lane],
                                  ll1[lane], ls1[lane], lsp1[lane]);
    const double yv = gdp.level, growth = gdp.growth;
    const double tfp = Math::exp(
        M::template trend_since_last<Math>(rows, lane, t, years_ahead) +
        u1[lane] - u_last);
    double c_capital, c_labour, c_knowledge;
    M::template lane_contributions<kSpill>(
        rows, lane, lk1[lane] - lk[lane], ll1[lane] - ll[lane],
        ls1[lane] - ls[lane], kSpill ? lsp1[lane] - lsp[lane] : 0.0, c_capital,
        c_labour, c_knowledge);
    const double c_tfp =
        M::template trend_step<Math>(rows, lane, t) + u1[lane] - u[lane];
    y1[lane] = yv;
    out_gdp[lane] = yv;
    out_growth[lane] = growth;
    out_tfp[lane] = tfp;
    out_capital[lane] = k1[lane];
    out_knowledge[lane] = s1[lane];
    out_c_capital[lane] = c_capital;
    out_c_labour[lane] = c_labour;
    out_c_knowledge[lane] = c_knowledge;
    out_c_tfp[lane] = c_tfp;
    // Not finite exactly when some value is not (or, rarely, when finite
    // values add up beyond the doubles: the check then finds none).
    acc[lane] += ((yv + growth) + (tfp + k1[lane])) +
                 ((s1[lane] + c_capital) + (c_labour + c_knowledge)) + c_tfp;
  }
}

// The output equations when only GDP and its growth are reported (the
// scenario's `outputs`, Scratch::gdp_only): the same ln Y, Y and growth,
// bit for bit, without TFP's index and the contributions (for the
// convergence model four of the loop's seven exponentials). The finite
// check covers the values reported: a state that is not finite shows in
// the next year's GDP, so only one in the last year (or an overflow of the
// TFP index alone) would fail the all-variables run and not this one.
// kGrowth: whether growth is reported. When it is not, its division (the
// loop's costliest instruction with AVX-512: the divider takes about two
// cycles a lane) is left out and its row keeps its zeros; then a GDP that
// underflows to 0, whose next growth would not be finite, is not refused.
template <class M, bool kSpill, class Math, bool kGrowth>
void output_lanes_gdp(const typename M::LaneRows rows, double t,
                      const RegionRows& in, double* acc) {
  const double* y = in.y;
  const double* u1 = in.u1;
  const double* lk1 = in.lk1;
  const double* ll1 = in.ll1;
  const double* ls1 = in.ls1;
  const double* lsp1 = in.lsp1;
  double* y1 = in.y1;
  double* out_gdp = in.out[kGdp];
  double* out_growth = in.out[kGdpGrowth];
  if constexpr (kGrowth) {
#pragma omp simd
    for (int lane = 0; lane < B; ++lane) {
      const GdpLane gdp =
          gdp_lane<M, kSpill, Math>(rows, lane, t, y[lane], u1[lane], lk1[lane],
                                    ll1[lane], ls1[lane], lsp1[lane]);
      const double yv = gdp.level, growth = gdp.growth;
      y1[lane] = yv;
      out_gdp[lane] = yv;
      out_growth[lane] = growth;
      acc[lane] += yv + growth;
    }
  } else {
    (void)y;
    (void)out_growth;
#pragma omp simd
    for (int lane = 0; lane < B; ++lane) {
      const double yv = gdp_level_lane<M, kSpill, Math>(
          rows, lane, t, u1[lane], lk1[lane], ll1[lane], ls1[lane], lsp1[lane]);
      y1[lane] = yv;
      out_gdp[lane] = yv;
      acc[lane] += yv;
    }
  }
}

}  // namespace

struct BlockSimulator::Scratch {
  int n = 0, years = 0, units = 0, params = 0, free = 0, free4 = 0;
  // The panel's regions and this setup's first of them
  // (ProjectionSetup::panel; n and 0 for a whole panel).
  int panel_n = 0, first_region = 0;
  // What a draw's parameters need (all of them for a whole panel): the
  // rows of theta set (this setup's regions' and the shared parameters),
  // the free positions drawn (those and every free parameter with a
  // bound, whose box decides whether the draw is redrawn) and the spans of
  // the parameter normals their factor rows read, [begin, end) in
  // multiples of 4.
  std::vector<int> used_params, drawn;
  std::vector<std::pair<int, int>> z_spans;
  // From the model: its shared parameters, which of them is the knowledge
  // stock's depreciation, and whether spillover stocks are needed.
  int shared = 0, delta_index = 0;
  bool spillover = false;
  std::vector<double> rd_growth;  // g_i of the initial knowledge stock
  std::vector<double> stock_hat;  // S_i,T with delta_S of theta_hat
  bool delta_drawn = false;       // delta_S free and uncertain
  bool any_target_draw = false;   // some region's drivers_uniform is false
  // The parameter factor's terms (ProjectionSetup::factor, row-major):
  // row a's columns and values at factor_start[a] .. factor_start[a + 1].
  const int* factor_start = nullptr;
  const int* factor_column = nullptr;
  const double* factor_value = nullptr;
  std::vector<int> output_of;  // [region]: its output unit, or -1
  // Only GDP and its growth are reported (ProjectionSetup::outputs): the
  // output loop and the groups skip the other variables, whose rows then
  // hold zeros (output_lanes_gdp); gdp_growth: and growth is one of them
  // (otherwise its row is left at zero too).
  bool gdp_only = false, gdp_growth = true;
  // [region]: labour is the same in every lane (its growth path has no
  // drawn target), so its log is taken once per year, not per lane.
  std::vector<bool> labour_uniform;
  // [region]: no driver has a drawn target, so each is one value a year.
  std::vector<bool> drivers_uniform;
  std::vector<double> z;  // one tile's normals, [row][kParameterTile]
  // [row][lane] arrays, one after another in `arena`, so that rows of
  // different arrays are as apart in the L1 sets as rows of one array.
  std::vector<double> arena;
  Rows theta, candidate;
  std::vector<Rows> shared_rows;  // [shared parameter][lane], ties applied
  Rows target;                    // [driver][region][lane]
  Rows drivers;                   // [driver][lane], one region and year
  Rows y, k, l, s, u, lk, ll, ls, lsp;
  Rows y1, k1, l1, s1, u1, lk1, ll1, ls1, lsp1;
  // One year's shocks, [year * n + region - eps.begin][lane], and the
  // trend shocks' (trend_eps) alike.
  YearNormals eps, trend_eps;
  // The common normals e_t and h_t of every projection year, [h][lane].
  Rows common_eps, common_trend_eps;
  // Trend shocks: growth v and level w, [region][lane] (updated in place),
  // and one region's total shock u + w in years t - 1 and t.
  Rows trend_v, trend_w, shock, shock1;
  Rows region_rows;  // [variable][region][lane]
  Rows rows;         // [variable][unit][lane]
  Rows group_log_tfp, sums, acc;
  std::vector<double*> out_rows;  // this year's output rows: rows or target

  // Conditioning (conditioning.h), when the setup has pins. The pinned
  // years' innovations as drawn (base_*, [year * n + region][lane] and
  // [year][lane]), their corrections delta = K c ([innovation][lane]), and
  // the corrected ones the pinned years use (pinned_eps, pinned_trend_eps;
  // the common ones are corrected in common_eps and common_trend_eps).
  const Conditioning* cond = nullptr;
  Rows base_eps, base_trend_eps, base_common, base_common_trend;
  Rows pinned_eps, pinned_trend_eps, delta, residual;
  Rows step, last_residual;     // the last correction in pin space, its r
  Rows own_eps, own_trend_eps;  // the YearNormals' own rows
  std::vector<std::uint8_t> pin_moved;  // [pin]: some lane's residual != 0
  // The regions the correction passes simulate: the pins' members, whose
  // output only depends on their own state without spillovers; every
  // region with them.
  std::vector<int> pass_regions;

  void plan_parameters(const ProjectionSetup& p);
  // The kernel's steps, in the order run_model calls them.
  void draw_parameters(const ProjectionSetup& p, const BlockKey& key,
                       int* redraws);
  template <class M>
  void tie_shared(const ProjectionSetup& p, const typename M::Config& config,
                  const double** shared_row);
  template <class Math>
  void initial_state(const ProjectionSetup& p, const double* delta_s_row);
  template <class Math>
  void spill_logs(const Rows& stock, const Rows& ln_spill);
  void draw_targets(const ProjectionSetup& p, const BlockKey& key);
  void draw_common(const ProjectionSetup& p, const BlockKey& key);
  void set_out_rows(int h, const RowTarget* row_target);
  void year_shocks(const ProjectionSetup& p, const BlockKey& key, int h);
  template <class Math>
  void accumulate_region(const ProjectionSetup& p, int i, int year,
                         const double* delta_s_row);
  template <class M, class Math>
  void output_region(const ProjectionSetup& p, int i, int h,
                     const double* const* shared_row);
  template <class Math>
  void aggregate_group(const ProjectionSetup& p, std::size_t g);
  // One projection year's equations, after year_shocks: every region's
  // factor stocks, the spillover stocks, every region's output, the
  // groups.
  template <class M, class Math>
  void project_year(const ProjectionSetup& p, int h, const double* delta_s_row,
                    const double* const* shared_row);
#ifdef GROWTHCAST_AVX512
  // project_year<M, FloatCoreMath> compiled for AVX-512 with every call
  // inlined (flatten), so that its `omp simd` loops run in 8 lanes.
  template <class M>
  GROWTHCAST_TARGET_AVX512 __attribute__((flatten)) void project_year_avx512(
      const ProjectionSetup& p, int h, const double* delta_s_row,
      const double* const* shared_row) {
    project_year<M, FloatCoreMath>(p, h, delta_s_row, shared_row);
  }
  // initial_state<FloatCoreMath> (its logs) alike.
  GROWTHCAST_TARGET_AVX512 __attribute__((flatten)) void initial_state_avx512(
      const ProjectionSetup& p, const double* delta_s_row) {
    initial_state<FloatCoreMath>(p, delta_s_row);
  }
#endif
  void check_finite(int count, int year, DrawOutcome* outcomes) const;
  void advance_year();
  // Conditioning's steps (run_model, "Pins").
  void draw_pinned(const ProjectionSetup& p, const BlockKey& key);
  void apply_corrections();
  void use_pinned_normals(bool pinned);
  void pin_residuals(const ProjectionSetup& p, int h);
  bool correct(int count, bool first_pass);
  template <class M, class Math>
  void meet_pins(const ProjectionSetup& p, const BlockKey& key, int count,
                 const double* const* shared_row, const double* delta_s_row,
                 DrawOutcome* outcomes);

  // Where a region's values go: its output rows when it is reported, else
  // scratch rows (groups still need them).
  double* region_out(int variable, int region) const {
    const int o = output_of[std::size_t(region)];
    return o >= 0 ? out_rows[std::size_t(variable * units + o)]
                  : region_rows.row(std::size_t(variable * n + region));
  }
};

BlockSimulator::BlockSimulator(const ProjectionSetup& p)
    : setup_(p), scratch_(std::make_unique<Scratch>()) {
  Scratch& w = *scratch_;
  w.n = int(p.regions.size());
  w.panel_n = p.panel ? int(p.panel->regions.size()) : w.n;
  w.first_region = p.first_region;
  w.years = p.years();
  w.units = p.units();
  w.params = int(p.theta_hat.size());
  w.free = p.parameter_uncertainty ? int(p.free_index.size()) : 0;
  w.free4 = (w.free + 3) / 4 * 4;
  const std::size_t n = std::size_t(w.n);
  const bool known =
      models::visit_model(p.model, [&]<class M>(std::type_identity<M>) {
        // Pins (conditions, outturns) are met by corrections to 1e-13 in
        // ln Y (kPinTolerance); float_core_math's exp is exact to 1.4e-8
        // and moves in steps of its float term, so a conditioned run takes
        // glibc's arithmetic under every version (docs/architecture.md,
        // "Error budget of version 3").
        const bool float_core =
            p.random_stream == StreamVersion::v3 && !p.conditioning;
        // Version 3 in AVX-512 lanes where the CPU has them (the same
        // bits as AVX2's: float_core_math.h), unless the setup asks for
        // AVX2 (ProjectionSetup::avx512).
        avx512_ = float_core && p.avx512 && cpu_has_avx512();
        run_ = avx512_      ? &BlockSimulator::run_model<M, FloatCoreMathAvx512>
               : float_core ? &BlockSimulator::run_model<M, FloatCoreMath>
                            : &BlockSimulator::run_model<M, LibmMath>;
        w.shared = M::kShared;
        w.delta_index = p.layout.shared_index(M::kKnowledgeDepreciation);
        w.spillover = M::uses_spillover(M::configure(p.shared));
      });
  if (!known) throw std::invalid_argument("unknown model " + p.model);
  const int delta_index = w.delta_index;
  w.shared_rows.resize(std::size_t(w.shared));
  for (int idx : p.free_index)
    w.delta_drawn = w.delta_drawn || (w.free > 0 && idx == delta_index);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& rd = p.rd_history[i];
    w.rd_growth.push_back(models::rd_mean_log_growth(rd));
    std::vector<double> stock(rd.size());
    const bool ok = models::knowledge_stock<double>(
        rd, w.rd_growth[i], p.theta_hat[delta_index], stock.data());
    w.stock_hat.push_back(ok ? stock.back() : std::nan(""));
  }
  if (w.free > 0) {
    if (!p.factor)
      throw std::invalid_argument("the parameter factor is missing");
    const auto& f = p.factor->matrix;
    if (f.rows() != w.free || f.cols() != w.free || !f.isCompressed())
      throw std::invalid_argument("the parameter factor does not match");
    w.factor_start = f.outerIndexPtr();
    w.factor_column = f.innerIndexPtr();
    w.factor_value = f.valuePtr();
  }
  w.plan_parameters(p);
  for (std::size_t i = 0; i < n; ++i) {
    w.labour_uniform.push_back(
        !has_drawn_target(p.paths[int(Driver::labour_growth)][i]));
    bool uniform = true;
    for (int d = 0; d < scenario::kDriverCount; ++d)
      uniform = uniform && !has_drawn_target(p.paths[d][i]);
    w.drivers_uniform.push_back(uniform);
    w.any_target_draw = w.any_target_draw || !uniform;
  }
  w.gdp_only = std::all_of(p.outputs.begin(), p.outputs.end(),
                           [](int v) { return v == kGdp || v == kGdpGrowth; });
  w.gdp_growth = std::find(p.outputs.begin(), p.outputs.end(), kGdpGrowth) !=
                 p.outputs.end();
  w.output_of.assign(n, -1);
  for (std::size_t o = 0; o < p.output_regions.size(); ++o)
    w.output_of[std::size_t(p.output_regions[o])] = int(o);

  w.z.assign(std::size_t(w.free4) * kParameterTile, 0.0);  // [row][tile lane]
  const std::size_t years4 = std::size_t(w.years + 3) / 4 * 4;
  std::vector<std::pair<Rows*, std::size_t>> arrays = {
      {&w.theta, std::size_t(w.params)},
      {&w.candidate, std::size_t(w.free)},
      {&w.target, scenario::kDriverCount * n},
      {&w.drivers, scenario::kDriverCount},
      {&w.eps.rows, p.shock_uncertainty ? n + 8 : 0},
      {&w.trend_eps.rows, p.trend_shocks ? n + 8 : 0},
      {&w.common_eps, p.shock_uncertainty && p.common_shocks ? years4 : 0},
      {&w.common_trend_eps, p.trend_shocks ? years4 : 0},
      {&w.trend_v, p.trend_shocks ? n : 0},
      {&w.trend_w, p.trend_shocks ? n : 0},
      {&w.shock, p.trend_shocks ? 1 : 0},
      {&w.shock1, p.trend_shocks ? 1 : 0},
      {&w.region_rows, kVariableCount * n},
      {&w.rows, std::size_t(kVariableCount) * std::size_t(w.units)},
      {&w.group_log_tfp, p.groups.size()}};
  w.cond = p.conditioning.get();
  if (w.cond) {
    const Conditioning& c = *w.cond;
    const std::size_t pinned = (std::size_t(c.years) * n + 3) / 4 * 4;
    const std::size_t cy4 = std::size_t(c.years + 3) / 4 * 4;
    const bool level = p.shock_uncertainty, trend = p.trend_shocks;
    const bool common = level && p.common_shocks;
    for (auto [v, count] : std::initializer_list<std::pair<Rows*, std::size_t>>{
             {&w.base_eps, level ? pinned : 0},
             {&w.pinned_eps, level ? pinned : 0},
             {&w.base_trend_eps, trend ? pinned : 0},
             {&w.pinned_trend_eps, trend ? pinned : 0},
             {&w.base_common, common ? cy4 : 0},
             {&w.base_common_trend, trend ? cy4 : 0},
             {&w.delta, std::size_t(c.years) * std::size_t(c.per_year)},
             {&w.residual, c.pins.size()},
             {&w.step, c.pins.size()},
             {&w.last_residual, c.pins.size()}})
      arrays.emplace_back(v, count);
    w.pin_moved.assign(c.pins.size(), 0);
    std::vector<bool> in_pass(n, w.spillover);
    for (const Pin& pin : c.pins)
      for (int i : pin.members) in_pass[std::size_t(i)] = true;
    for (std::size_t i = 0; i < n; ++i)
      if (in_pass[i]) w.pass_regions.push_back(int(i));
  }
  for (Rows& v : w.shared_rows) arrays.emplace_back(&v, 1);
  for (Rows* v : {&w.sums, &w.acc}) arrays.emplace_back(v, 1);
  for (Rows* v :
       {&w.y, &w.k, &w.l, &w.s, &w.u, &w.lk, &w.ll, &w.ls, &w.lsp, &w.y1, &w.k1,
        &w.l1, &w.s1, &w.u1, &w.lk1, &w.ll1, &w.ls1, &w.lsp1})
    arrays.emplace_back(v, n);
  std::size_t total = 0;
  for (const auto& [v, count] : arrays) total += count;
  // Rows start on cache lines (kRowStride is a whole number of them).
  const std::size_t bytes = total * kRowStride * sizeof(double);
  w.arena.assign(total * kRowStride + 64 / sizeof(double), 0.0);
  void* start = w.arena.data();
  std::size_t space = w.arena.size() * sizeof(double);
  auto* next = static_cast<double*>(std::align(64, bytes, start, space));
  for (const auto& [v, count] : arrays) {
    v->base = next;
    next += count * kRowStride;
  }
  w.out_rows.resize(std::size_t(kVariableCount) * std::size_t(w.units));
  w.own_eps = w.eps.rows;
  w.own_trend_eps = w.trend_eps.rows;
}

BlockSimulator::~BlockSimulator() = default;

void BlockSimulator::run(std::uint64_t seed, std::uint64_t scenario_index,
                         std::uint64_t first, int count, const Sink& sink,
                         DrawOutcome* outcomes, const RowTarget* row_target) {
  (this->*run_)(seed, scenario_index, first, count, sink, outcomes, row_target);
}

// A draw's parameters of a tile of regions: its regions' and the shared
// ones, and for the box test every free parameter with a bound (a draw is
// redrawn when any is outside its box). A free parameter without bounds
// is always inside: its candidate is a finite theta_hat plus a sum of
// finite terms (each at most sqrt(Cov_aa) times a normal), never NaN.
void BlockSimulator::Scratch::plan_parameters(const ProjectionSetup& p) {
  const models::ParameterLayout& layout = p.layout;
  auto ours = [&](int idx) {
    if (!p.panel || layout.is_shared(idx)) return true;
    const int region = layout.regional > 0 ? idx / layout.regional : 0;
    return region >= first_region && region < first_region + n;
  };
  for (int idx = 0; idx < params; ++idx)
    if (ours(idx)) used_params.push_back(idx);
  std::vector<bool> call(std::size_t(free4 / 4), false);
  for (int a = 0; a < free; ++a) {
    const int idx = p.free_index[std::size_t(a)];
    if (!ours(idx) && !std::isfinite(p.lower[idx]) &&
        !std::isfinite(p.upper[idx]))
      continue;
    drawn.push_back(a);
    for (int q = factor_start[a]; q < factor_start[a + 1]; ++q)
      call[std::size_t(factor_column[q] / 4)] = true;
  }
  for (int c = 0; c < free4 / 4; ++c) {
    if (!call[std::size_t(c)]) continue;
    if (z_spans.empty() || z_spans.back().second != 4 * c)
      z_spans.emplace_back(4 * c, 4 * c);
    z_spans.back().second = std::min(free, 4 * c + 4);
  }
}

// Parameters: theta_hat + L z per lane, redrawn (from the next normals of
// the lane's stream) while a bounded one leaves its box. Attempt a of a
// draw uses its normals a * free4 .. a * free4 + free - 1.
void BlockSimulator::Scratch::draw_parameters(const ProjectionSetup& p,
                                              const BlockKey& key,
                                              int* redraws) {
  for (int idx : used_params)
    fill(theta.row(std::size_t(idx)), p.theta_hat[idx]);
  if (free == 0) return;
  std::uint8_t pending[B];
  std::fill(pending, pending + B, std::uint8_t(1));
  bool any_pending = true;
  for (int attempt = 0; attempt < kMaxRedraws && any_pending; ++attempt) {
    // candidate = theta_hat + L z, each lane's sum taken term by term in
    // column order. Lanes go in tiles whose sums stay in registers and
    // whose normals stay in L1, rather than a pass over all lanes per term;
    // after the first attempt only tiles with a lane still to draw (a few
    // lanes of a block need a second attempt, rarely a third).
    constexpr int kTile = kParameterTile;
    for (int first_lane = 0; first_lane < B; first_lane += kTile) {
      if (std::none_of(pending + first_lane, pending + first_lane + kTile,
                       [](std::uint8_t x) { return x != 0; }))
        continue;
      // The tile's normals, [row][kTile]: contiguous, where rows of a
      // block's width (4 KiB apart) would all fall in the same L1 sets.
      for (const auto& [begin, end] : z_spans)
        lane_normals(key, Stream::parameters,
                     std::uint64_t(attempt) * std::uint64_t(free4) +
                         std::uint64_t(begin),
                     end - begin, z.data() + std::size_t(begin) * kTile, kTile,
                     first_lane, first_lane + kTile);
      // Explicit vectors: left to itself, GCC vectorised across pairs of
      // terms with emulated gathers, a fifth of this function's time.
      constexpr int kVectors = kTile / 4;
      for (int a : drawn) {
        Lanes sum[kVectors] = {};
        for (int q = factor_start[a]; q < factor_start[a + 1]; ++q) {
          const double* zj = z.data() + std::size_t(factor_column[q]) * kTile;
          const Lanes v = broadcast_lanes(factor_value[q]);
          for (int j = 0; j < kVectors; ++j)
            sum[j] += v * load_lanes(zj + 4 * j);
        }
        double* c = candidate.row(std::size_t(a)) + first_lane;
        const Lanes hat = broadcast_lanes(p.theta_hat[p.free_index[a]]);
        for (int j = 0; j < kVectors; ++j) store_lanes(c + 4 * j, hat + sum[j]);
      }
    }
    const bool last_attempt = attempt + 1 == kMaxRedraws;
    // Which lanes' candidates are inside the bounds, row by row (each
    // row is contiguous; lane by lane would stride across all rows).
    std::uint8_t inside[B];
    std::fill(inside, inside + B, std::uint8_t(1));
    for (int a : drawn) {
      const int idx = p.free_index[a];
      const double lo = p.lower[idx], hi = p.upper[idx];
      const double* c = candidate.row(std::size_t(a));
      for (int lane = 0; lane < B; ++lane)
        inside[lane] &= std::uint8_t((c[lane] >= lo) & (c[lane] <= hi));
    }
    // A pending lane takes its candidate when it is inside (or at the
    // last attempt), else it is redrawn.
    std::uint8_t take[B];
    for (int lane = 0; lane < B; ++lane) {
      take[lane] = std::uint8_t(pending[lane] & (inside[lane] | last_attempt));
      redraws[lane] += pending[lane] & (inside[lane] ^ 1);
      pending[lane] &= std::uint8_t((inside[lane] ^ 1) & !last_attempt);
    }
    for (int a : drawn) {
      const double* c = candidate.row(std::size_t(a));
      double* th = theta.row(std::size_t(p.free_index[a]));
      for (int lane = 0; lane < B; ++lane)
        th[lane] = take[lane] ? c[lane] : th[lane];
    }
    any_pending = std::any_of(pending, pending + B,
                              [](std::uint8_t x) { return x != 0; });
  }
}

// The shared parameters' rows, with the model's ties (beta = 1 - alpha)
// applied lane by lane; shared_row[k] points at shared parameter k's row.
template <class M>
void BlockSimulator::Scratch::tie_shared(const ProjectionSetup& p,
                                         const typename M::Config& config,
                                         const double** shared_row) {
  for (int q = 0; q < M::kShared; ++q) {
    const double* from = theta.row(std::size_t(p.layout.shared_index(q)));
    std::copy(from, from + B, shared_rows[std::size_t(q)].data());
    shared_row[q] = shared_rows[std::size_t(q)].data();
  }
  for (int lane = 0; lane < B; ++lane) {
    double values[M::kShared];
    for (int q = 0; q < M::kShared; ++q) values[q] = shared_row[q][lane];
    M::apply_ties(config, values);
    for (int q = 0; q < M::kShared; ++q)
      shared_rows[std::size_t(q)].data()[lane] = values[q];
  }
}

// State at T. The knowledge stock is rebuilt from the R&D history with
// each draw's delta_S (once for all lanes when delta_S is not drawn).
template <class Math>
void BlockSimulator::Scratch::initial_state(const ProjectionSetup& p,
                                            const double* delta_s_row) {
  std::vector<double> stock;
  for (int i = 0; i < n; ++i) {
    const std::size_t r = std::size_t(i);
    fill(y.row(r), p.gdp_last[r]);
    fill(k.row(r), p.capital_last[r]);
    fill(l.row(r), p.labour_last[r]);
    fill(u.row(r), p.residual_last[r]);
    if (!delta_drawn) {
      fill(s.row(r), stock_hat[r]);
    } else {
      const auto& rd = p.rd_history[r];
      stock.resize(rd.size());
      for (int lane = 0; lane < B; ++lane)
        s.row(r)[lane] = models::knowledge_stock<double>(
                             rd, rd_growth[r], delta_s_row[lane], stock.data())
                             ? stock.back()
                             : std::nan("");
    }
    double* lk_r = lk.row(r);
    double* ll_r = ll.row(r);
    double* ls_r = ls.row(r);
    const double* k_r = k.row(r);
    const double* l_r = l.row(r);
    const double* s_r = s.row(r);
#pragma omp simd
    for (int lane = 0; lane < B; ++lane) {
      lk_r[lane] = Math::log(k_r[lane]);
      ll_r[lane] = Math::log(l_r[lane]);
      ls_r[lane] = Math::log(s_r[lane]);
    }
  }
  spill_logs<Math>(s, lsp);
  for (std::size_t g = 0; g < p.groups.size(); ++g)
    fill(group_log_tfp.row(g), 0.0);
  if (p.trend_shocks)
    for (std::size_t r = 0; r < std::size_t(n); ++r) {
      fill(trend_v.row(r), 0.0);
      fill(trend_w.row(r), 0.0);
    }
}

// The common normals of every projection year: e_t (normal h of the
// common_shocks stream) and h_t (normal h of common_trend_shocks).
void BlockSimulator::Scratch::draw_common(const ProjectionSetup& p,
                                          const BlockKey& key) {
  if (p.shock_uncertainty && p.common_shocks)
    lane_normals(key, Stream::common_shocks, 0, years, common_eps.data());
  if (p.trend_shocks)
    lane_normals(key, Stream::common_trend_shocks, 0, years,
                 common_trend_eps.data());
}

// ln Sspill of every region from the stocks (0 without spillovers, as
// ln 1).
template <class Math>
void BlockSimulator::Scratch::spill_logs(const Rows& stock,
                                         const Rows& ln_spill) {
  if (!spillover) return;
  double* total = sums.data();
  fill(total, 0.0);
  for (int i = 0; i < n; ++i) {
    const double* si = stock.row(std::size_t(i));
#pragma omp simd
    for (int lane = 0; lane < B; ++lane) total[lane] += si[lane];
  }
  for (int i = 0; i < n; ++i) {
    const double* si = stock.row(std::size_t(i));
    double* out = ln_spill.row(std::size_t(i));
#pragma omp simd
    for (int lane = 0; lane < B; ++lane)
      out[lane] = Math::log(
          models::spill_from_total(total[lane], si[lane], std::size_t(n)));
  }
}

// Each lane's ramp targets, from its driver stream, in the regions where
// some driver is drawn (elsewhere the drivers are one value a year and
// these rows are not read). A ramp without uncertainty takes no number
// from the stream, so leaving those regions out changes no draw.
void BlockSimulator::Scratch::draw_targets(const ProjectionSetup& p,
                                           const BlockKey& key) {
  if (!any_target_draw) return;
  // A tile of a panel's regions takes the stream's numbers of the panel's
  // other regions too (in the panel's order, driver by driver), keeping its
  // own regions' targets.
  const ProjectionSetup& whole = p.panel ? *p.panel : p;
  for (int lane = 0; lane < B; ++lane) {
    RandomStream random(key.seed, key.scenario_index,
                        key.first + std::uint64_t(lane), Stream::drivers,
                        key.version);
    for (int d = 0; d < scenario::kDriverCount; ++d)
      for (int g = 0; g < panel_n; ++g) {
        const int i = g - first_region;
        if (i < 0 || i >= n) {
          const DriverPath& other = whole.paths[d][std::size_t(g)];
          if (has_drawn_target(other))
            ramp_target(other, whole.baseline[d][std::size_t(g)], random, true);
          continue;
        }
        const DriverPath& path = p.paths[d][std::size_t(i)];
        if (path.kind == DriverPath::Kind::ramp &&
            !drivers_uniform[std::size_t(i)])
          target.row(std::size_t(d * n + i))[lane] =
              ramp_target(path, p.baseline[d][std::size_t(i)], random, true);
      }
  }
}

// This year's output rows (the caller's memory for a full block with a
// target, else `rows`), and the non-finite sums cleared.
void BlockSimulator::Scratch::set_out_rows(int h, const RowTarget* row_target) {
  // A target may decline a row (nullptr: a variable not reported); the
  // kernel computes it here all the same.
  for (std::size_t r = 0; r < out_rows.size(); ++r) {
    double* to = row_target ? (*row_target)(int(r), h) : nullptr;
    out_rows[r] = to != nullptr ? to : rows.row(r);
  }
  fill(acc.data(), 0.0);
}

// This year's shock normals: h * n .. h * n + n - 1 of the shock stream.
void BlockSimulator::Scratch::year_shocks(const ProjectionSetup& p,
                                          const BlockKey& key, int h) {
  if (cond && h < cond->years) return;  // pinned: use_pinned_normals(true)
  if (cond && h == cond->years) use_pinned_normals(false);
  if (p.shock_uncertainty)
    eps.make(key, Stream::shocks, h, panel_n, first_region, n);
  if (p.trend_shocks)
    trend_eps.make(key, Stream::trend_shocks, h, panel_n, first_region, n);
}

// Pins (conditioning.h). The pinned years' innovations as drawn: the same
// normals year_shocks and draw_common give (normal h * n + i of the shock
// streams, h of the common ones), all years at once; corrections start at
// 0.
void BlockSimulator::Scratch::draw_pinned(const ProjectionSetup& p,
                                          const BlockKey& key) {
  const int cy = cond->years;
  if (p.shock_uncertainty)
    lane_normals(key, Stream::shocks, 0, cy * n, base_eps.data());
  if (p.trend_shocks)
    lane_normals(key, Stream::trend_shocks, 0, cy * n, base_trend_eps.data());
  for (int h = 0; h < cy; ++h) {
    if (p.shock_uncertainty && p.common_shocks)
      std::copy(common_eps.row(std::size_t(h)),
                common_eps.row(std::size_t(h)) + B,
                base_common.row(std::size_t(h)));
    if (p.trend_shocks)
      std::copy(common_trend_eps.row(std::size_t(h)),
                common_trend_eps.row(std::size_t(h)) + B,
                base_common_trend.row(std::size_t(h)));
  }
  for (int a = 0; a < cy * cond->per_year; ++a)
    fill(delta.row(std::size_t(a)), 0.0);
}

// The innovations the pinned years use: as drawn plus the corrections.
void BlockSimulator::Scratch::apply_corrections() {
  const Conditioning& c = *cond;
  auto add = [](const double* base, const double* d, double* out) {
#pragma omp simd
    for (int lane = 0; lane < B; ++lane) out[lane] = base[lane] + d[lane];
  };
  for (int h = 0; h < c.years; ++h) {
    const std::size_t at = std::size_t(h) * std::size_t(c.per_year);
    for (int i = 0; i < n; ++i) {
      const std::size_t r = std::size_t(h * n + i);
      if (c.level >= 0)
        add(base_eps.row(r), delta.row(at + std::size_t(c.level + i)),
            pinned_eps.row(r));
      if (c.trend >= 0)
        add(base_trend_eps.row(r), delta.row(at + std::size_t(c.trend + i)),
            pinned_trend_eps.row(r));
    }
    if (c.level_common >= 0)
      add(base_common.row(std::size_t(h)),
          delta.row(at + std::size_t(c.level_common)),
          common_eps.row(std::size_t(h)));
    if (c.trend_common >= 0)
      add(base_common_trend.row(std::size_t(h)),
          delta.row(at + std::size_t(c.trend_common)),
          common_trend_eps.row(std::size_t(h)));
  }
}

// Whether the per-region normals come from the pinned years' corrected
// rows (years 0 .. cond->years - 1, normal h * n + i at row h * n + i) or,
// after them, from the YearNormals made a year at a time.
void BlockSimulator::Scratch::use_pinned_normals(bool pinned) {
  if (pinned) {
    eps.rows = pinned_eps;
    trend_eps.rows = pinned_trend_eps;
    eps.begin = trend_eps.begin = 0;
    eps.end = trend_eps.end = cond->years * n;
  } else {
    eps.rows = own_eps;
    trend_eps.rows = own_trend_eps;
    eps.begin = eps.end = trend_eps.begin = trend_eps.end = 0;
  }
}

// How far each pin of projection year h misses in ln Y, lane by lane, once
// year h is simulated (y1: year h, y: year h - 1); 0 when within
// kPinTolerance (and for a lane whose values are not finite: that draw
// fails as non-finite).
void BlockSimulator::Scratch::pin_residuals(const ProjectionSetup& p, int h) {
  const Conditioning& c = *cond;
  double* now = sums.data();
  double before[B];
  for (std::size_t j = 0; j < c.pins.size(); ++j) {
    const Pin& pin = c.pins[j];
    if (pin.h != h) continue;
    fill(now, 0.0);
    std::fill(before, before + B, 0.0);
    for (int i : pin.members) {
      const double* y1_r = y1.row(std::size_t(i));
      const double* y_r = y.row(std::size_t(i));
#pragma omp simd
      for (int lane = 0; lane < B; ++lane) {
        now[lane] += y1_r[lane];
        before[lane] += y_r[lane];
      }
    }
    double* r = residual.row(j);
    const double aim = pin.target;
    if (pin.growth) {
#pragma omp simd
      for (int lane = 0; lane < B; ++lane)
        r[lane] = aim - (std::log(now[lane]) - std::log(before[lane]));
    } else {
#pragma omp simd
      for (int lane = 0; lane < B; ++lane) r[lane] = aim - std::log(now[lane]);
    }
    std::uint8_t moved = 0;
    for (int lane = 0; lane < B; ++lane) {
      if (!(std::abs(r[lane]) > kPinTolerance)) r[lane] = 0.0;
      moved |= std::uint8_t(r[lane] != 0.0);
    }
    pin_moved[j] = moved;
  }
  (void)p;
}

// delta += K step (Matheron's correction), pin by pin in order, with
// step = r / J: r the pins' residuals, J a lane's estimate of how much of a
// step the last pass's residuals took back (the secant
// J = step'(r_before - r) / step'step of the last step; 1 on the first
// pass and whenever the estimate is unusable). J = 1 is the plain
// correction, exact when nothing feeds back; where output feeds back into
// capital and knowledge, J < 1 and the plain correction would converge only
// geometrically. A lane whose residuals are all 0 keeps its innovations, so
// each draw's result depends on its own residuals only, not on the other
// lanes of its block. Returns whether some used lane (< count) moved.
bool BlockSimulator::Scratch::correct(int count, bool first_pass) {
  const Conditioning& c = *cond;
  const std::size_t m = c.pins.size();
  double num[B] = {}, den[B] = {}, jacobian[B];
  if (!first_pass)
    for (std::size_t j = 0; j < m; ++j) {
      const double* r = residual.row(j);
      const double* before = last_residual.row(j);
      const double* st = step.row(j);
#pragma omp simd
      for (int lane = 0; lane < B; ++lane) {
        num[lane] += st[lane] * (before[lane] - r[lane]);
        den[lane] += st[lane] * st[lane];
      }
    }
  for (int lane = 0; lane < B; ++lane) {
    const double estimate = den[lane] > 0.0 ? num[lane] / den[lane] : 1.0;
    jacobian[lane] = std::isfinite(estimate)
                         ? std::clamp(estimate, kMinSecant, kMaxSecant)
                         : 1.0;
  }
  bool any = false;
  for (std::size_t j = 0; j < m; ++j) {
    const double* r = residual.row(j);
    double* st = step.row(j);
    double* before = last_residual.row(j);
#pragma omp simd
    for (int lane = 0; lane < B; ++lane) {
      st[lane] = r[lane] / jacobian[lane];
      before[lane] = r[lane];
    }
    if (!pin_moved[j]) continue;
    for (int lane = 0; lane < count && !any; ++lane) any = r[lane] != 0.0;
    for (Eigen::Index a = 0; a < c.gain.rows(); ++a) {
      const double gain = c.gain(a, Eigen::Index(j));
      if (gain == 0.0) continue;
      double* d = delta.row(std::size_t(a));
#pragma omp simd
      for (int lane = 0; lane < B; ++lane) d[lane] += gain * st[lane];
    }
  }
  return any;
}

// Capital, labour, knowledge of region i in `year`: the accumulation
// equations with this year's drivers.
template <class Math>
void BlockSimulator::Scratch::accumulate_region(const ProjectionSetup& p, int i,
                                                int year,
                                                const double* delta_s_row) {
  const std::size_t r = std::size_t(i);
  const double* y_r = y.row(r);
  const double* k_r = k.row(r);
  const double* l_r = l.row(r);
  const double* s_r = s.row(r);
  double* k1_r = k1.row(r);
  double* l1_r = l1.row(r);
  double* s1_r = s1.row(r);
  double* lk1_r = lk1.row(r);
  double* ll1_r = ll1.row(r);
  double* ls1_r = ls1.row(r);
  if (drivers_uniform[r]) {
    Uniform value[scenario::kDriverCount];
    for (int d = 0; d < scenario::kDriverCount; ++d) {
      const DriverPath& path = p.paths[d][r];
      const double base = p.baseline[d][r];
      value[d].value =
          driver_value(path, base, p.last_year, year, ramp_centre(path, base));
    }
    if (!p.observed_rd_intensity.empty()) {
      const double observed =
          p.observed_rd_intensity[r][std::size_t(year - p.last_year - 1)];
      if (std::isfinite(observed))
        value[int(Driver::rd_intensity)].value = observed;
    }
    accumulate_lanes<Math>(
        value[int(Driver::investment_rate)], value[int(Driver::rd_intensity)],
        value[int(Driver::labour_growth)], value[int(Driver::depreciation)],
        delta_s_row, y_r, k_r, l_r, s_r, k1_r, l1_r, s1_r, lk1_r, ls1_r);
  } else {
    // The drivers of each lane, from its drawn targets.
    for (int d = 0; d < scenario::kDriverCount; ++d) {
      const DriverPath& path = p.paths[d][r];
      const double base = p.baseline[d][r];
      double* out = drivers.row(std::size_t(d));
      if (path.kind != DriverPath::Kind::ramp) {
        fill(out, driver_value(path, base, p.last_year, year, 0.0));
      } else {
        const double* tg = target.row(std::size_t(d * n + i));
#pragma omp simd
        for (int lane = 0; lane < B; ++lane)
          out[lane] = ramp_value(path, base, p.last_year, year, tg[lane]);
      }
    }
    if (!p.observed_rd_intensity.empty()) {
      const double observed =
          p.observed_rd_intensity[r][std::size_t(year - p.last_year - 1)];
      if (std::isfinite(observed))
        fill(drivers.row(std::size_t(Driver::rd_intensity)), observed);
    }
    accumulate_lanes<Math>(drivers.row(std::size_t(Driver::investment_rate)),
                           drivers.row(std::size_t(Driver::rd_intensity)),
                           drivers.row(std::size_t(Driver::labour_growth)),
                           drivers.row(std::size_t(Driver::depreciation)),
                           delta_s_row, y_r, k_r, l_r, s_r, k1_r, l1_r, s1_r,
                           lk1_r, ls1_r);
  }
  if (labour_uniform[r]) {
    fill(ll1_r, Math::log(l1_r[0]));
  } else {
#pragma omp simd
    for (int lane = 0; lane < B; ++lane) ll1_r[lane] = Math::log(l1_r[lane]);
  }
}

// Region i in projection year h: the level shock, then the model's output
// equation (models/) and what is reported.
template <class M, class Math>
void BlockSimulator::Scratch::output_region(const ProjectionSetup& p, int i,
                                            int h,
                                            const double* const* shared_row) {
  const std::size_t r = std::size_t(i);
  const int year = p.last_year + 1 + h;
  const double rho = p.rho;
  // c_h: this year's innovations' scale (exactly 1 without band
  // calibration, so that sigma below is p.sigma itself).
  const double scale = p.band_calibration ? p.band_scale[std::size_t(h)] : 1.0;
  const double* u_r = u.row(r);
  double* u1_r = u1.row(r);
  if (p.shock_uncertainty && !p.common_shocks) {
    const double sigma = p.band_calibration ? scale * p.sigma : p.sigma;
    const double* e = eps.region(h, panel_n, first_region + i);
#pragma omp simd
    for (int lane = 0; lane < B; ++lane)
      u1_r[lane] = rho * u_r[lane] + sigma * e[lane];
  } else if (p.shock_uncertainty) {
    // sigma_c e_t + sigma_p e_i,t, sigma_c^2 + sigma_p^2 = sigma^2.
    const double sigma_c = p.shock_sigma_common;
    const double sigma_p = own_shock_sigma(p.sigma, sigma_c);
    const double common = scale * sigma_c, own = scale * sigma_p;
    const double* e = eps.region(h, panel_n, first_region + i);
    const double* ec = common_eps.row(std::size_t(h));
#pragma omp simd
    for (int lane = 0; lane < B; ++lane)
      u1_r[lane] = rho * u_r[lane] + (own * e[lane] + common * ec[lane]);
  } else {
#pragma omp simd
    for (int lane = 0; lane < B; ++lane) u1_r[lane] = rho * u_r[lane];
  }
  // The shock in ln Y: u, plus w with trend shocks.
  const double* shock_r = u_r;
  const double* shock1_r = u1_r;
  if (p.trend_shocks) {
    const double phi = p.trend_persistence;
    const double common = scale * p.trend_sigma_common;
    const double own = scale * p.trend_sigma_regional;
    const double* hi = trend_eps.region(h, panel_n, first_region + i);
    const double* hc = common_trend_eps.row(std::size_t(h));
    double* v_r = trend_v.row(r);
    double* w_r = trend_w.row(r);
    double* total = shock.data();
    double* total1 = shock1.data();
#pragma omp simd
    for (int lane = 0; lane < B; ++lane) {
      total[lane] = u_r[lane] + w_r[lane];
      const double v1 = phi * v_r[lane] + (own * hi[lane] + common * hc[lane]);
      v_r[lane] = v1;
      w_r[lane] += v1;
      total1[lane] = u1_r[lane] + w_r[lane];
    }
    shock_r = total;
    shock1_r = total1;
  }

  const double* regional_row[M::kRegional];
  for (int q = 0; q < M::kRegional; ++q)
    regional_row[q] =
        theta.row(std::size_t(p.layout.regional_index(first_region + i, q)));
  const typename M::LaneRows lane_rows = M::lane_rows(regional_row, shared_row);
  RegionRows in = {y.row(r),   shock_r,    shock1_r,    lk.row(r), ll.row(r),
                   ls.row(r),  lsp.row(r), k1.row(r),   s1.row(r), lk1.row(r),
                   ll1.row(r), ls1.row(r), lsp1.row(r), y1.row(r), {}};
  for (int v = 0; v < kVariableCount; ++v) in.out[v] = region_out(v, i);
  const double t = double(year - p.first_year);
  const double years_ahead = double(h + 1);
  const double u_last = p.residual_last[r];
  if (gdp_only && gdp_growth && spillover)
    output_lanes_gdp<M, true, Math, true>(lane_rows, t, in, acc.data());
  else if (gdp_only && gdp_growth)
    output_lanes_gdp<M, false, Math, true>(lane_rows, t, in, acc.data());
  else if (gdp_only && spillover)
    output_lanes_gdp<M, true, Math, false>(lane_rows, t, in, acc.data());
  else if (gdp_only)
    output_lanes_gdp<M, false, Math, false>(lane_rows, t, in, acc.data());
  else if (spillover)
    output_lanes<M, true, Math>(lane_rows, t, years_ahead, u_last, in,
                                acc.data());
  else
    output_lanes<M, false, Math>(lane_rows, t, years_ahead, u_last, in,
                                 acc.data());
}

// Group g: sums of levels; contributions weighted by last year's output
// shares (Divisia), TFP the remainder so the parts add up.
template <class Math>
void BlockSimulator::Scratch::aggregate_group(const ProjectionSetup& p,
                                              std::size_t g) {
  const std::size_t unit = p.output_regions.size() + g;
  double* out[kVariableCount];
  // GDP only: the other rows are never written and keep their zeros, as
  // the regions' (output_lanes_gdp); GDP's row is a sum, growth's is set.
  for (int v = 0; v < kVariableCount; ++v) {
    out[v] = out_rows[std::size_t(v) * std::size_t(units) + unit];
    if (!gdp_only || v == kGdp) fill(out[v], 0.0);
  }
  double* y_prev = sums.data();
  if (!gdp_only || gdp_growth) fill(y_prev, 0.0);
  if (gdp_only) {
    // GDP and its growth only (output_lanes_gdp): the same sums and ratio;
    // GDP alone, the same sum and no ratio.
    for (int i : p.groups[g].members) {
      const double* y1_r = y1.row(std::size_t(i));
#pragma omp simd
      for (int lane = 0; lane < B; ++lane) out[kGdp][lane] += y1_r[lane];
      if (!gdp_growth) continue;
      const double* y_r = y.row(std::size_t(i));
#pragma omp simd
      for (int lane = 0; lane < B; ++lane) y_prev[lane] += y_r[lane];
    }
    if (!gdp_growth) return;
    double* sum = acc.data();
#pragma omp simd
    for (int lane = 0; lane < B; ++lane) {
      const double growth = out[kGdp][lane] / y_prev[lane] - 1.0;
      out[kGdpGrowth][lane] = growth;
      sum[lane] += growth;
    }
    return;
  }
  for (int i : p.groups[g].members) {
    const std::size_t r = std::size_t(i);
    const double* y_r = y.row(r);
    const double* y1_r = y1.row(r);
    const double* k1_r = k1.row(r);
    const double* s1_r = s1.row(r);
#pragma omp simd
    for (int lane = 0; lane < B; ++lane) {
      out[kGdp][lane] += y1_r[lane];
      out[kCapital][lane] += k1_r[lane];
      out[kKnowledge][lane] += s1_r[lane];
      y_prev[lane] += y_r[lane];
    }
  }
  for (int i : p.groups[g].members) {
    const double* y_r = y.row(std::size_t(i));
    const double* cc = region_out(kContributionCapital, i);
    const double* cl = region_out(kContributionLabour, i);
    const double* ck = region_out(kContributionKnowledge, i);
#pragma omp simd
    for (int lane = 0; lane < B; ++lane) {
      const double share = y_r[lane] / y_prev[lane];
      out[kContributionCapital][lane] += share * cc[lane];
      out[kContributionLabour][lane] += share * cl[lane];
      out[kContributionKnowledge][lane] += share * ck[lane];
    }
  }
  double* log_tfp = group_log_tfp.row(g);
  double* sum = acc.data();
#pragma omp simd
  for (int lane = 0; lane < B; ++lane) {
    const double ratio = out[kGdp][lane] / y_prev[lane];
    const double growth = ratio - 1.0;
    const double c_tfp = Math::log(ratio) - out[kContributionCapital][lane] -
                         out[kContributionLabour][lane] -
                         out[kContributionKnowledge][lane];
    out[kGdpGrowth][lane] = growth;
    out[kContributionTfp][lane] = c_tfp;
    log_tfp[lane] += c_tfp;
    const double tfp = Math::exp(log_tfp[lane]);
    out[kTfp][lane] = tfp;
    sum[lane] += ((growth + c_tfp) + (tfp + out[kCapital][lane])) +
                 out[kKnowledge][lane];
  }
}

// Which value of a flagged lane is not finite (the sums flag a lane when
// any value of its year is; a non-reported region's values only count
// through the groups).
void BlockSimulator::Scratch::check_finite(int count, int year,
                                           DrawOutcome* outcomes) const {
  for (int lane = 0; lane < count; ++lane) {
    if (std::isfinite(acc.data()[lane]) || !outcomes[lane].finite) continue;
    for (int unit = 0; unit < units && outcomes[lane].finite; ++unit)
      for (int v = 0; v < kVariableCount; ++v)
        if (!std::isfinite(out_rows[std::size_t(v * units + unit)][lane])) {
          outcomes[lane].finite = false;
          outcomes[lane].nonfinite_region = unit;
          outcomes[lane].nonfinite_year = year;
          break;
        }
  }
}

// Year t becomes year t - 1.
void BlockSimulator::Scratch::advance_year() {
  std::swap(y, y1);
  std::swap(k, k1);
  std::swap(l, l1);
  std::swap(s, s1);
  std::swap(u, u1);
  std::swap(lk, lk1);
  std::swap(ll, ll1);
  std::swap(ls, ls1);
  std::swap(lsp, lsp1);
}

template <class M, class Math>
void BlockSimulator::run_model(std::uint64_t seed, std::uint64_t scenario_index,
                               std::uint64_t first, int count, const Sink& sink,
                               DrawOutcome* outcomes,
                               const RowTarget* row_target) {
  const ProjectionSetup& p = setup_;
  Scratch& w = *scratch_;
  const BlockKey key{seed, scenario_index, first, p.zero_shock_innovations,
                     p.random_stream};
  for (int lane = 0; lane < count; ++lane) outcomes[lane] = DrawOutcome{};
  int redraws[B] = {};

  w.draw_parameters(p, key, redraws);
  const double* shared_row[M::kShared];
  w.tie_shared<M>(p, M::configure(p.shared), shared_row);
  const double* delta_s_row = shared_row[M::kKnowledgeDepreciation];
#ifdef GROWTHCAST_AVX512
  if constexpr (Math::kAvx512)
    w.initial_state_avx512(p, delta_s_row);
  else
#endif
    w.initial_state<Math>(p, delta_s_row);
  w.draw_targets(p, key);
  w.draw_common(p, key);
  if (w.cond)
    w.meet_pins<M, Math>(p, key, count, shared_row, delta_s_row, outcomes);

  // A full block's rows can go straight to the caller's memory.
  const RowTarget* direct = count == B ? row_target : nullptr;
  w.eps.begin = w.eps.end = 0;
  w.trend_eps.begin = w.trend_eps.end = 0;
  if (w.cond) w.use_pinned_normals(w.cond->years > 0);
  for (int h = 0; h < w.years; ++h) {
    const int year = p.last_year + 1 + h;
    w.set_out_rows(h, direct);
    w.year_shocks(p, key, h);
#ifdef GROWTHCAST_AVX512
    if constexpr (Math::kAvx512)
      w.project_year_avx512<M>(p, h, delta_s_row, shared_row);
    else
#endif
      w.project_year<M, Math>(p, h, delta_s_row, shared_row);
    w.check_finite(count, year, outcomes);
    sink(h, direct ? nullptr : w.rows.data());
    w.advance_year();
  }
  for (int lane = 0; lane < count; ++lane)
    outcomes[lane].parameter_redraws = redraws[lane];
}

template <class M, class Math>
void BlockSimulator::Scratch::project_year(const ProjectionSetup& p, int h,
                                           const double* delta_s_row,
                                           const double* const* shared_row) {
  const int year = p.last_year + 1 + h;
  for (int i = 0; i < n; ++i) accumulate_region<Math>(p, i, year, delta_s_row);
  spill_logs<Math>(s1, lsp1);
  for (int i = 0; i < n; ++i) output_region<M, Math>(p, i, h, shared_row);
  for (std::size_t g = 0; g < p.groups.size(); ++g) aggregate_group<Math>(p, g);
}

// Pins: the pinned years are simulated with the draws' innovations, each
// pin's residual in ln Y corrects them by K r (Matheron's rule), and again,
// until every used lane meets every pin within kPinTolerance. One pass
// suffices when the pins' deterministic part does not move with the
// shocks; output feeding back into capital and knowledge, and a group's
// shares, need more (docs/conditioning.md). The state is then reset for
// the pass that reports.
template <class M, class Math>
void BlockSimulator::Scratch::meet_pins(const ProjectionSetup& p,
                                        const BlockKey& key, int count,
                                        const double* const* shared_row,
                                        const double* delta_s_row,
                                        DrawOutcome* outcomes) {
  Scratch& w = *this;
  const Conditioning& c = *w.cond;
  w.draw_pinned(p, key);
  for (int pass = 0;; ++pass) {
    w.apply_corrections();
    w.initial_state<Math>(p, delta_s_row);
    w.use_pinned_normals(true);
    for (int h = 0; h < c.years; ++h) {
      const int year = p.last_year + 1 + h;
      w.set_out_rows(h, nullptr);
      for (int i : w.pass_regions)
        w.accumulate_region<Math>(p, i, year, delta_s_row);
      w.spill_logs<Math>(w.s1, w.lsp1);
      for (int i : w.pass_regions)
        w.output_region<M, Math>(p, i, h, shared_row);
      w.pin_residuals(p, h);
      w.advance_year();
    }
    const bool moved = w.correct(count, pass == 0);
    if (!moved) break;
    if (pass + 1 == kMaxPinPasses) {
      // The last correction is applied; a lane still off names its pin.
      for (std::size_t j = 0; j < c.pins.size(); ++j)
        for (int lane = 0; lane < count; ++lane)
          if (w.residual.row(j)[lane] != 0.0 && outcomes[lane].unmet_pin < 0)
            outcomes[lane].unmet_pin = int(j);
      break;
    }
  }
  w.apply_corrections();
  w.initial_state<Math>(p, delta_s_row);
}

DrawOutcome simulate_draw(const ProjectionSetup& p, std::uint64_t seed,
                          std::uint64_t scenario_index, std::uint64_t draw,
                          double* out, std::size_t stride) {
  BlockSimulator simulator(p);
  DrawOutcome outcome;
  const int units = p.units();
  simulator.run(
      seed, scenario_index, draw, 1,
      [&](int h, const double* rows) {
        for (int v = 0; v < kVariableCount; ++v)
          for (int unit = 0; unit < units; ++unit)
            out[std::size_t(p.cell(v, unit, h)) * stride] =
                rows[std::size_t(v * units + unit) * kRowStride];
      },
      &outcome);
  return outcome;
}

}  // namespace growthcast::montecarlo
