// Growth accounting (docs/architecture.md, "Growth accounting"): Tornqvist
// TFP growth
//   dlnTFP = dlnY - (1 - s) dlnK - s dlnL,  s = labour share averaged over
// adjacent years, and per period the contributions of each factor. With a
// calibrated model its contribution function splits growth (for
// cobb_douglas_rd alpha dlnK, beta dlnL, gamma dlnS + phi dlnSspill) and TFP
// is the remainder. The technology share is the sum of the contributions
// the model flags as technology over output growth d ln Y, for history and
// forecast alike.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "data/regions.h"
#include "models/model_info.h"

namespace growthcast::accounting {

using Grid = std::vector<std::vector<double>>;  // [region][year]

struct Period {
  int first = 0;  // first growth year (growth from first-1 to first)
  int last = 0;
  std::string label() const;
};

// Parses "2011-2015,2016-2019".
Result<std::vector<Period>> parse_periods(const std::string& text);

// A calibrated model's decomposition: its shared parameters (ties applied)
// and knowledge stocks; the model's own contribution function
// (models/NAME/model.h) splits growth, so history and forecast agree.
struct RdModel {
  std::string model = "cobb_douglas_rd";
  std::vector<models::ParameterSetting> settings;  // the calibration's
  std::vector<double> shared;                      // estimates, in order
  Grid knowledge;  // S, aligned with AccountingInput::years
  Grid spill;      // Sspill when the model has spillovers, else empty
};

struct AccountingInput {
  std::string source;
  std::vector<std::string> regions;
  std::vector<int> years;  // consecutive
  Grid output, capital, labour, labour_share;
  std::vector<data::RegionGroup> groups;
  std::vector<Period> periods;
  std::optional<RdModel> rd;
};

// The factors along the last axis of a contribution table.
inline const std::vector<std::string> kFactors = {"output", "capital", "labour",
                                                  "knowledge", "tfp"};

struct AccountingResult {
  std::vector<std::string> units;  // the regions, then the groups
  std::vector<bool> is_group;
  std::vector<int> years;
  Grid tfp_growth;  // [unit][year], NaN in the first year
  std::vector<Period> periods;
  // [unit][period][factor]: mean annual log growth over the period. In the
  // Tornqvist table knowledge is NaN (it is inside TFP).
  std::vector<Grid> contribution;
  std::vector<Grid> contribution_rd;  // empty without the R&D model
  bool has_rd = false;
  std::string model;  // the calibrated model (with has_rd)

  // Share of output growth due to technology (models::technology_share):
  // the contributions flagged technology over output growth, with
  // Tornqvist's flags (TFP) or the model's (cobb_douglas_rd: TFP +
  // knowledge).
  double technology_share(std::size_t unit, std::size_t period, bool rd) const;
  // The flags the share uses, and its definition in words (stored in
  // files).
  const std::vector<models::ContributionInfo>& contributions(bool rd) const;
  std::string technology_share_definition(bool rd) const;
};

// The Tornqvist table's contributions: capital, labour and TFP (the one
// flagged technology).
const std::vector<models::ContributionInfo>& tornqvist_contributions();

// The labour share the accounting assumes when the data have none: 0.586,
// China's in 2019 (PWT 10.01; data/SOURCES.md). The accounting command's
// default and the history stored beside a forecast both use it.
inline constexpr double kDefaultLabourShare = 0.586;

Result<AccountingResult> account(const AccountingInput& input);

std::string format_accounting_table(const AccountingResult& result);

}  // namespace growthcast::accounting
