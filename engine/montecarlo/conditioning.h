// Conditional forecasts (docs/conditioning.md): pins on GDP (a scenario's
// [[conditions]] and the outturns of `forecast --outturns`) met by every
// draw, with the shocks drawn from their law given the pins.
//
// Per draw, ln Y_i,t = d_i,t + s_i,t: d is the model's deterministic part
// (the draw's parameters, drivers and past output), s the shock part, linear
// in the stacked standard-normal innovations x of the pinned years (level
// and trend shocks, common and regional, times sigma, c_h and the AR(1) and
// random-walk recursions): s = s_0 + M x, M fixed for a scenario. Pins are
// A ln Y = a, so G x = b with G = A M and b = a - A (d + s_0). Matheron's
// rule (conditioning by kriging; Hoffman & Ribak 1991, Doucet 2010)
// x_c = x + K (b - G x), K = G' (G G')^-1, turns an unconditional draw x
// into an exact draw of x given G x = b. K is computed once per scenario
// here; projection.cc applies it lane by lane.
#pragma once

#include <Eigen/Dense>
#include <string>
#include <vector>

#include "common/error.h"
#include "montecarlo/projection.h"
#include "scenario/scenario.h"

namespace growthcast::montecarlo {

// Observed GDP after the calibration's last year, in the calibration's
// units (data/china_province_outturns.csv through the command line).
struct ObservedGdp {
  std::string file;
  std::vector<std::string> regions;
  std::vector<int> years;                // ascending
  std::vector<std::vector<double>> gdp;  // [region][year index], > 0
  // R&D / GDP at current prices, NaN where not observed; empty: none.
  std::vector<std::vector<double>> rd_intensity;
};

// One pin: sum_i w_i ln Y_i in projection year h (minus the same in year
// h - 1 for growth; ln of the members' sum for a group) equals `target`.
struct Pin {
  std::vector<int> members;  // region indices (one for a region)
  bool group = false;
  bool growth = false;
  int h = 0;            // projection year offset (year = last_year + 1 + h)
  double target = 0.0;  // ln level, or ln(1 + growth)
  double value = 0.0;   // as given: the level, or the growth
  std::string unit;     // region or group name
  // Where it came from, for errors: a scenario's conditions[index] or an
  // outturns file's gdp_real.
  std::string file, field;
  long line = 0;
  bool outturn = false;
};

struct Conditioning {
  std::vector<Pin> pins;
  int years = 0;     // projection years 0 .. years - 1 hold the pinned shocks
  int per_year = 0;  // innovations per year (below)
  // Where each kind of innovation sits in a year's block, -1 when off:
  // regional level shocks e_i (n), the common one e, regional trend shocks
  // h_i (n), the common one h.
  int level = -1, level_common = -1, trend = -1, trend_common = -1;
  Eigen::MatrixXd gain;  // K, [innovation][pin], innovation = h*per_year+slot
  std::vector<int> outturn_years;  // pinned by outturns, ascending
  std::string outturns_file;
};

// The pins of `scenario`'s [[conditions]] and, when given, a level pin for
// every region the scenario reports in every year of `outturns` after the
// calibration's last year (up to the horizon); then K. Errors name the pin:
// its scenario field (conditions[3]) and line, or the outturns file and
// region and year; a pin the shocks cannot move, or one the pins before it
// already fix (more pins than shocks in a year, a repeated pin), is refused.
// No pins: setup.conditioning stays null and draws are as without this.
// Observed R&D intensities of the outturns replace the rd_intensity
// driver's path in their years (setup.observed_rd_intensity).
Status condition_setup(ProjectionSetup& setup,
                       const scenario::Scenario& scenario,
                       const ObservedGdp* outturns);

// The row of M for ln Y of region i in projection year h (its loading on
// every innovation of years 0 .. c.years - 1), times `weight`, added to row.
void add_shock_loading(const ProjectionSetup& setup, const Conditioning& c,
                       int region, int h, double weight,
                       Eigen::Ref<Eigen::RowVectorXd> row);

// How close a draw must meet each pin in ln Y; the corrections repeat until
// it does (docs/conditioning.md, "Feedback").
inline constexpr double kPinTolerance = 1e-13;
inline constexpr int kMaxPinPasses = 100;
// Bounds of a draw's secant estimate of the pins' Jacobian in the
// corrections' direction (projection.cc, correct).
inline constexpr double kMinSecant = 0.05, kMaxSecant = 20.0;

}  // namespace growthcast::montecarlo
