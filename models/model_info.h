// What every model declares about itself, and the parameter vector's layout
// that calibration, projection, storage and the report share. A model's
// folder (models/NAME/) fills a ModelInfo; the engine reads names, units,
// scopes, defaults, ties, drivers and contributions from it instead of
// knowing any one model. Plain data: nothing here knows about files,
// solvers or threads.
#pragma once

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace growthcast::models {

inline constexpr double kNoBound = std::numeric_limits<double>::infinity();

// Whether a parameter has one value per region (a_i) or one for all.
enum class Scope { regional, shared };
inline std::string_view ScopeToString(Scope s) {
  return s == Scope::regional ? "regional" : "shared";
}

struct GaussianPrior {
  double mean = 0.0;
  double sd = 1.0;  // in the parameter's own units
};

// A shared parameter as the user sets it up for a calibration.
struct ParameterSetting {
  bool free = true;
  double value = 0.0;  // the fixed value, or the starting value when free
  double lower = -1e300;
  double upper = 1e300;
  std::optional<GaussianPrior> prior;
  // Held at the model's tie expression (ParameterInfo::tie) instead of
  // being a parameter of its own.
  bool tied = false;
};

struct ParameterInfo {
  std::string_view name;
  std::string_view description;
  std::string_view units;
  Scope scope = Scope::shared;
  // Defaults for shared parameters: start (or fixed) value, bounds
  // (+-kNoBound: none), estimated or fixed, and a tie such as "1-alpha"
  // that holds by default (empty: none).
  double start = 0.0;
  double lower = -kNoBound;
  double upper = kNoBound;
  bool free = true;
  std::string_view tie;
  std::optional<GaussianPrior> prior;
  // Where the calibration takes the default value (and prior mean) from
  // the data unless the user sets it: "" (none), kFromPwtFrontierTfpGrowth
  // or kFromPwtCapitalShare (engine: data/pwt.h).
  std::string_view from_data;
};
inline constexpr std::string_view kFromPwtFrontierTfpGrowth =
    "PWT: labour share of China x mean growth of US real GDP per capita over "
    "the 20 years to the last data year";
inline constexpr std::string_view kFromPwtCapitalShare =
    "PWT: 1 - labour share of China in the last data year";

// A growth contribution the model reports, in log points per year; the
// technology share is the sum of those flagged `technology` over output
// growth (d ln Y), for history and forecast alike.
struct ContributionInfo {
  std::string_view name;  // "capital": reported as contribution_capital
  std::string_view description;
  bool technology = false;
};

// The one definition of the technology share, for the accounting, the
// forecast summary and the report: the sum of the contributions the model
// flags `technology` over output growth d ln Y. `contributions[k]` is the
// contribution of `flags[k]` (the model's ContributionInfo order), in log
// points; d ln Y over the same span (in a forecast, where the TFP
// contribution is the remainder of d ln Y, the sum of all contributions).
// NaN when d ln Y is 0.
inline double technology_share(const std::vector<double>& contributions,
                               const std::vector<ContributionInfo>& flags,
                               double dlny) {
  double technology = 0.0;
  for (std::size_t k = 0; k < flags.size() && k < contributions.size(); ++k)
    if (flags[k].technology) technology += contributions[k];
  return dlny != 0.0 ? technology / dlny
                     : std::numeric_limits<double>::quiet_NaN();
}
// The definition in words, stored with every technology share written
// (attribute `definition`) and shown by the report: e.g.
// "(contribution_knowledge + contribution_tfp) / d ln Y".
inline std::string technology_share_definition(
    const std::vector<ContributionInfo>& flags) {
  std::string sum;
  int terms = 0;
  for (const auto& c : flags)
    if (c.technology) {
      sum += (terms++ ? " + " : "") + std::string("contribution_") +
             std::string(c.name);
    }
  if (terms == 0) sum = "0";
  if (terms > 1) sum = "(" + sum + ")";
  return sum +
         " / d ln Y (the sum of the contributions the model flags as "
         "technology over output growth)";
}

// A state the projection carries and reports per unit and year.
struct StateInfo {
  std::string_view name;  // also the forecast variable's name
  std::string_view description;
  std::string_view units;
};

// A driver the projection takes from the scenario, with the rule for its
// default baseline when the scenario does not set it.
struct DriverInfo {
  std::string_view name;  // scenario key under [drivers]
  std::string_view description;
  std::string_view baseline;
};

struct ModelInfo {
  std::string_view name;
  std::string_view version;
  std::string_view summary;
  std::vector<std::string_view> equations;  // in words and symbols
  std::vector<ParameterInfo> parameters;    // regional ones first
  std::vector<std::string_view> inputs;     // panel series it is fitted to
  std::vector<StateInfo> states;
  std::vector<DriverInfo> drivers;
  std::vector<ContributionInfo> contributions;
  std::vector<std::string_view> sources;  // literature and data
  // The uncertainty components a forecast with this model includes unless
  // the scenario's [uncertainty] table says otherwise.
  bool default_common_shocks = false;
  bool default_trend_shocks = false;
  bool default_band_calibration = false;

  int regional_count() const {
    int n = 0;
    for (const auto& p : parameters) n += p.scope == Scope::regional;
    return n;
  }
  int shared_count() const {
    return static_cast<int>(parameters.size()) - regional_count();
  }
  const ParameterInfo& shared(int k) const {
    return parameters[std::size_t(regional_count() + k)];
  }
  // Index among the shared parameters, or -1.
  int shared_index(std::string_view parameter) const {
    for (int k = 0; k < shared_count(); ++k)
      if (shared(k).name == parameter) return k;
    return -1;
  }
  // The default settings of the shared parameters, in order.
  std::vector<ParameterSetting> default_settings() const {
    std::vector<ParameterSetting> out;
    for (int k = 0; k < shared_count(); ++k) {
      const ParameterInfo& p = shared(k);
      ParameterSetting s;
      s.free = p.free;
      s.value = p.start;
      s.lower = std::isinf(p.lower) ? -1e300 : p.lower;
      s.upper = std::isinf(p.upper) ? 1e300 : p.upper;
      s.prior = p.prior;
      s.tied = !p.tie.empty();
      out.push_back(s);
    }
    return out;
  }
};

// The parameter vector of a calibration: each region's regional parameters
// in the model's order, region by region, then the shared ones. The one
// definition of "2n + k".
struct ParameterLayout {
  int regions = 0;
  int regional = 0;  // per region
  int shared = 0;

  ParameterLayout() = default;
  ParameterLayout(const ModelInfo& info, int region_count)
      : regions(region_count),
        regional(info.regional_count()),
        shared(info.shared_count()) {}
  int size() const { return regions * regional + shared; }
  int shared_begin() const { return regions * regional; }
  int regional_index(int region, int k) const { return region * regional + k; }
  int shared_index(int k) const { return shared_begin() + k; }
  bool is_shared(int index) const { return index >= shared_begin(); }

  // "a[Sichuan]" for regional parameters, the bare name for shared ones.
  std::vector<std::string> names(
      const ModelInfo& info,
      const std::vector<std::string>& region_names) const {
    std::vector<std::string> out;
    for (int i = 0; i < regions; ++i)
      for (int k = 0; k < regional; ++k)
        out.push_back(std::string(info.parameters[std::size_t(k)].name) + "[" +
                      region_names[std::size_t(i)] + "]");
    for (int k = 0; k < shared; ++k) out.emplace_back(info.shared(k).name);
    return out;
  }
  // The ParameterInfo of an index into the vector.
  const ParameterInfo& info_of(const ModelInfo& info, int index) const {
    return is_shared(index) ? info.shared(index - shared_begin())
                            : info.parameters[std::size_t(index % regional)];
  }
};

// How a parameter ended up in a calibration.
enum class ParameterStatus {
  free,
  fixed,
  tied,
  at_lower_bound,
  at_upper_bound
};

// "free", "fixed", "at lower bound", "at upper bound", and for a tied
// parameter its tie expression (e.g. "1-alpha"), as stored in files.
inline std::string ParameterStatusToString(ParameterStatus s,
                                           std::string_view tie = "tied") {
  switch (s) {
    case ParameterStatus::free:
      return "free";
    case ParameterStatus::fixed:
      return "fixed";
    case ParameterStatus::tied:
      return std::string(tie);
    case ParameterStatus::at_lower_bound:
      return "at lower bound";
    case ParameterStatus::at_upper_bound:
      return "at upper bound";
  }
  return "free";
}

// The inverse; `tie` is the parameter's tie expression, if it has one.
inline bool StringToParameterStatus(std::string_view text, std::string_view tie,
                                    ParameterStatus* s) {
  for (ParameterStatus candidate :
       {ParameterStatus::free, ParameterStatus::fixed,
        ParameterStatus::at_lower_bound, ParameterStatus::at_upper_bound})
    if (text == ParameterStatusToString(candidate)) {
      *s = candidate;
      return true;
    }
  if (text == "tied" || (!tie.empty() && text == tie)) {
    *s = ParameterStatus::tied;
    return true;
  }
  return false;
}

// Estimated from the data (not fixed, tied or held on a bound).
inline bool is_estimated(ParameterStatus s) {
  return s == ParameterStatus::free;
}
// Varies in the model at all (free, or estimated but held on a bound).
inline bool is_variable(ParameterStatus s) {
  return s == ParameterStatus::free || s == ParameterStatus::at_lower_bound ||
         s == ParameterStatus::at_upper_bound;
}

}  // namespace growthcast::models
