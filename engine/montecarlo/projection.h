// One draw of the projection (docs/architecture.md, "Projection"):
// parameters drawn from the calibration's covariance, driver paths from the
// scenario, AR(1) shocks, and the model's equations (models/NAME/model.h)
// evaluated with double, one kernel instantiation per registered model.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "calibrate/calibration.h"
#include "common/error.h"
#include "montecarlo/parameter_factor.h"
#include "montecarlo/stream_version.h"
#include "scenario/scenario.h"

namespace growthcast::montecarlo {

// The quantities reported per unit (region or group) and projection year.
enum Variable : int {
  kGdp = 0,
  kGdpGrowth,
  kTfp,
  kCapital,
  kKnowledge,
  kContributionCapital,
  kContributionLabour,
  kContributionKnowledge,
  kContributionTfp,
  kVariableCount
};
const char* VariableName(int v);  // scenario::kOutputNames[v]
const char* VariableUnits(int v);
// Every variable, in order: what is reported when nothing is selected.
std::vector<int> all_variables();

struct Conditioning;  // conditioning.h

struct Group {
  std::string name;
  std::vector<int> members;  // region indices
};

// A setup's settings for the whole panel, fixed for one scenario: a tile of
// regions (region_tile_setup) copies them whole. Add a setting here, a
// per-region input to RegionInputs.
struct PanelSettings {
  int first_year = 0;  // t0 of the calibration
  int last_year = 0;   // T, the last data year
  int horizon = 0;     // projection years T+1..horizon
  int years() const { return horizon - last_year; }

  std::string model;                             // registered model name
  models::ParameterLayout layout;                // of theta_hat
  std::vector<models::ParameterSetting> shared;  // the calibration's settings
  Eigen::VectorXd theta_hat, lower, upper;
  std::vector<int> free_index;  // parameters drawn when uncertain
  // F F' = the covariance over free_index; null without parameter
  // uncertainty. Shared, not copied, by a tile (it is the panel's largest
  // field: the dense factor has one term per pair of free parameters).
  std::shared_ptr<const ParameterFactor> factor;

  double rho = 0.0, sigma = 0.0;

  bool parameter_uncertainty = true;
  bool shock_uncertainty = true;  // AR(1) level shocks u

  // Uncertainty beyond the parameters and the level shocks' AR(1), each
  // switched by the scenario's [uncertainty] table and off by default (then
  // the draws are those of the model without them, bit for bit). Normals
  // come from streams of their own (random_stream.h), so switching one
  // component leaves the others' numbers unchanged.
  //
  // Level shocks with a common factor (common_shocks, needs
  // shock_uncertainty): u_i,t = rho u_i,t-1 + sigma_c e_t + sigma_p e_i,t
  // with sigma_c = shock_sigma_common (in [0, sigma]) and
  // sigma_p = own_shock_sigma(sigma, sigma_c) = sqrt(sigma^2 - sigma_c^2),
  // so each region's shock keeps the variance sigma^2. Off: sigma e_i,t as
  // before.
  bool common_shocks = false;
  double shock_sigma_common = 0.0;
  // Trend shocks (trend_shocks): v_i,t = phi v_i,t-1 + zeta_c h_t +
  // zeta_p h_i,t, w_i,t = w_i,t-1 + v_i,t (v, w = 0 at T), and ln Y, the TFP
  // index and TFP's contribution get w_i,t. zeta_c, zeta_p >= 0, phi in
  // [0, 1).
  bool trend_shocks = false;
  double trend_sigma_common = 0.0;    // zeta_c
  double trend_sigma_regional = 0.0;  // zeta_p
  double trend_persistence = 0.8;     // phi
  // Band calibration (band_calibration): every innovation of projection
  // year h (level and trend, common and regional) is multiplied by
  // band_scale[h] (c_h, h = 0..years()-1; make_setup sets all 1). This
  // approximates issue 15's "draws spread around the median path by c_h":
  // it scales the shocks' spread, not the spread from parameter and
  // driver draws, and a year's scale carries into later years through the
  // AR(1) and the random walk.
  bool band_calibration = false;
  std::vector<double> band_scale;

  // Pins on GDP the draws meet (conditioning.h): null without pins, and
  // then nothing below depends on it.
  std::shared_ptr<const Conditioning> conditioning;
  // Every shock innovation drawn as zero while the shock processes stay on
  // (the central path of policy targets, docs/targets.md): without pins the
  // shocks then vanish; with pins their corrections alone meet them, the
  // conditional mean of the innovations given the pins.
  bool zero_shock_innovations = false;

  // The random stream's version (random_stream.h): the scenario's
  // `random_stream`, else the default; the command line may override it.
  StreamVersion random_stream = kDefaultStreamVersion;
  // Version 3's projection years in AVX-512 lanes where the CPU has them
  // (common/avx512.h); false: AVX2 lanes. The same bits either way
  // (tests/montecarlo/avx512_kernel_test.cc compares whole runs); versions
  // 1 and 2 always run in AVX2 lanes.
  bool avx512 = true;

  // The variables summarised (the scenario's `outputs`), ascending. A
  // draw's values of these do not depend on the selection: the kernel
  // computes every variable, except that with only gdp and gdp_growth its
  // output loop skips the others (their rows are then 0); the runner
  // counts, sorts and stores only the rows of these (ScenarioForecast's
  // layout).
  std::vector<int> outputs = all_variables();
};

// A setup's inputs per region, each indexed by the setup's region: a tile
// of regions (region_tile_setup) holds its regions' slice of each
// (slice_regions, which must name every field: it does not compile
// otherwise).
struct RegionInputs {
  std::vector<std::string> regions;  // all calibrated regions (projected)
  std::vector<std::vector<double>> rd_history;  // R over t0..T, per region
  std::vector<double> gdp_last, capital_last, labour_last, residual_last;
  // Driver paths per driver and region, and their baselines.
  std::array<std::vector<scenario::DriverPath>, scenario::kDriverCount> paths;
  std::array<std::vector<double>, scenario::kDriverCount> baseline;
  // R&D intensity observed after the last data year (outturns), which
  // replaces the rd_intensity path there: [region][h], NaN = the path's
  // value; empty = none (conditioning.h).
  std::vector<std::vector<double>> observed_rd_intensity;
};

// Regions first .. first + count - 1 of every field of `all` (an empty
// field stays empty).
RegionInputs slice_regions(const RegionInputs& all, int first, int count);

// Everything a draw needs, fixed for one scenario: the panel's settings,
// its regions' inputs, and the fields below, which region_tile_setup sets
// for a tile of regions.
struct ProjectionSetup : PanelSettings, RegionInputs {
  // A tile of a panel's regions (region_tile_setup): null for a whole
  // panel. A tile's regions are the panel's first_region ..
  // first_region + regions.size() - 1, with their slice of RegionInputs
  // and their output regions and groups; its PanelSettings (the
  // parameters, indexed as the panel's) are the panel's, whose normals the
  // tile's draws use.
  const ProjectionSetup* panel = nullptr;
  int first_region = 0;

  // What is reported: these regions (indices), then these groups.
  std::vector<int> output_regions;
  std::vector<Group> groups;
  int units() const { return int(output_regions.size() + groups.size()); }
  // The kernel's cells: every variable of every unit and year (what
  // simulate_draw writes).
  int cells() const { return units() * years() * kVariableCount; }
  // Cell index of (variable, unit, year offset h in 0..years()-1).
  int cell(int variable, int unit, int h) const {
    return (variable * units() + unit) * years() + h;
  }

  // Reported row k (0..reported_rows()-1) is the kernel's row
  // kernel_row(k) = outputs[k / units] * units + k % units; its cell of
  // year h is k * years + h (ScenarioForecast::cell).
  int reported_rows() const { return int(outputs.size()) * units(); }
  int reported_cells() const { return reported_rows() * years(); }
  int kernel_row(int k) const {
    return outputs[std::size_t(k / units())] * units() + k % units();
  }
};

// sigma_p, the sd of a region's own level-shock innovation when a common
// factor of sd sigma_c takes the rest of sigma: sqrt(sigma^2 - sigma_c^2),
// exactly 0 when the shocks are fully common (sigma_c == sigma, which the
// calibration's clamp sigma_c = min(sqrt(mean innovation variance), sigma)
// gives, e.g. on one region). Without the test for equality it was not 0:
// built for x86-64-v3 (FMA), GCC contracts sigma * sigma - sigma_c *
// sigma_c into fma(sigma, sigma, -(sigma_c * sigma_c)), which for equal
// arguments is the rounding error of sigma^2 (|.| <= 2^-53 sigma^2, of
// either sign), and its square root, up to about 1e-8 sigma, gave every
// region an own shock of sd ~1e-10 that the equation says is 0 (and the
// clamp to 0 hid it for the sigmas whose error is negative). For
// sigma_c < sigma the expression is kept as it was, so those runs keep
// their bits: there its error is at most that of sigma_c's own last bit.
// Requires 0 <= sigma_c <= sigma (check_uncertainty).
inline double own_shock_sigma(double sigma, double sigma_c) {
  if (!(sigma_c < sigma)) return 0.0;
  return std::sqrt(std::max(0.0, sigma * sigma - sigma_c * sigma_c));
}

// Builds the setup from a calibration and a scenario; errors name the
// scenario file, line and key (unknown region, horizon too early, a driver
// with no observed baseline). The scenario's [[conditions]] are prepared
// here (condition_setup without outturns).
Result<ProjectionSetup> make_setup(const calibrate::CalibrationResult& cal,
                                   const scenario::Scenario& scenario,
                                   const std::vector<Group>& default_groups);

// Checks the uncertainty settings above (sigma_c in [0, sigma], zeta_c and
// zeta_p finite and >= 0, phi in [0, 1), one positive c_h per projection
// year); errors name the scenario's [uncertainty] key.
Status check_uncertainty(const ProjectionSetup& setup,
                         const scenario::Scenario& scenario);

// The setup of regions first .. first + count - 1 of `panel` alone, whose
// draws are the same bits as those regions' (and their groups') in the
// panel's draws: without spillovers or pins a region's path depends only on
// its own parameters, its own shock normals and the common ones. Reported
// are the panel's output regions in the range (in the panel's order) and
// the groups listed in `groups` (indices into panel.groups, whose members
// must lie in the range). `panel` must outlive the tile's setup.
ProjectionSetup region_tile_setup(const ProjectionSetup& panel, int first,
                                  int count, const std::vector<int>& groups);

// Whether a panel can be simulated in tiles of regions: no spillovers and no
// pins (each couples every region, or a pin's members, in a draw).
bool region_tiles_allowed(const ProjectionSetup& panel);

struct DrawOutcome {
  int parameter_redraws = 0;
  bool finite = true;
  int nonfinite_region = -1;
  int nonfinite_year = 0;
  // A pin (index into Conditioning::pins) the draw still missed by more
  // than kPinTolerance after kMaxPinPasses corrections; -1 when all met.
  int unmet_pin = -1;
};

// Draws simulated together, one per SIMD lane, in structure-of-arrays form.
// Every lane runs the same vector code, so a draw's values are a pure
// function of (seed, scenario, draw), whatever block, thread or shard it is
// simulated in. 256: a year's rows of every unit, the regions' state and
// the year's histogram counts then come near one core's L2 (2 MB here),
// where with 512 the output loop of all variables streamed them from L3.
// With the counts laid out in counting order (StreamingHistogram::
// finish_placing) a 10^6-draw run of all variables took 0.93 of 512's
// wall time, and 128 was slower again (bench/README.md, "Blocks of 256
// draws").
inline constexpr int kBlockDraws = 256;
// A block's rows are this many values apart: one cache line more than a
// row. Rows 4 KiB apart put the same lanes of every row in the same L1
// sets, and a loop over twenty or thirty rows (the simulation's output
// loop) then missed L1, which holds eight lines per set.
inline constexpr int kRowStride = kBlockDraws + 8;

// Simulates blocks of draws; holds the per-thread scratch memory (a few MB).
class BlockSimulator {
 public:
  explicit BlockSimulator(const ProjectionSetup& setup);
  ~BlockSimulator();
  BlockSimulator(const BlockSimulator&) = delete;
  BlockSimulator& operator=(const BlockSimulator&) = delete;

  // Called once per projection year h (in order) with that year's values,
  // rows[(variable * units + unit) * kRowStride + lane]; the row of cell
  // ProjectionSetup::cell(variable, unit, h). Lanes >= count are padding.
  using Sink = std::function<void(int h, const double* rows)>;

  // Where row r of year h goes instead (kBlockDraws values), so a caller
  // that keeps every value saves a copy.
  using RowTarget = std::function<double*(int r, int h)>;

  // Simulates draws first .. first + count - 1 (count <= kBlockDraws);
  // outcomes[lane] receives each draw's redraws and first non-finite value.
  // With a target and a full block (count == kBlockDraws) the rows are
  // written there and the sink gets nullptr for them.
  void run(std::uint64_t seed, std::uint64_t scenario_index,
           std::uint64_t first, int count, const Sink& sink,
           DrawOutcome* outcomes, const RowTarget* target = nullptr);

  // Whether run() uses the AVX-512 kernel (ProjectionSetup::avx512).
  bool avx512() const { return avx512_; }

 private:
  struct Scratch;
  // The kernel for one model (projection.cc) with the stream version's
  // logarithm and exponential (Math), chosen at construction.
  template <class M, class Math>
  void run_model(std::uint64_t seed, std::uint64_t scenario_index,
                 std::uint64_t first, int count, const Sink& sink,
                 DrawOutcome* outcomes, const RowTarget* target);
  using RunFunction = void (BlockSimulator::*)(std::uint64_t, std::uint64_t,
                                               std::uint64_t, int, const Sink&,
                                               DrawOutcome*, const RowTarget*);
  const ProjectionSetup& setup_;
  std::unique_ptr<Scratch> scratch_;
  RunFunction run_ = nullptr;
  bool avx512_ = false;
};

// Simulates draw `draw` of scenario `scenario_index` and writes each cell's
// value to out[cell * stride] (one block with a single used lane). When
// setup.outputs holds only gdp and gdp_growth the kernel skips the other
// variables, and their cells are 0.
DrawOutcome simulate_draw(const ProjectionSetup& setup, std::uint64_t seed,
                          std::uint64_t scenario_index, std::uint64_t draw,
                          double* out, std::size_t stride);

// The value of a driver path in `year` given its baseline and a target
// (already drawn if uncertain).
double driver_value(const scenario::DriverPath& path, double baseline,
                    int last_year, int year, double target);

}  // namespace growthcast::montecarlo
