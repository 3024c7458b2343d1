// Growth accounting (DESIGN.md, "Growth accounting"): Tornqvist TFP growth
//   dlnTFP = dlnY - (1 - s) dlnK - s dlnL,  s = labour share averaged over
// adjacent years, and per period the contributions of each factor. With the
// R&D model the calibrated alpha, beta, gamma split growth into alpha dlnK,
// beta dlnL, gamma dlnS and the remainder (TFP net of knowledge).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "data/regions.h"

namespace growthcast::accounting {

using Grid = std::vector<std::vector<double>>;  // [region][year]

struct Period {
  int first = 0;  // first growth year (growth from first-1 to first)
  int last = 0;
  std::string label() const;
};

// Parses "2011-2015,2016-2019".
Result<std::vector<Period>> parse_periods(const std::string& text);

struct RdModel {
  double alpha = 0.0, beta = 0.0, gamma = 0.0;
  Grid knowledge;  // S, aligned with AccountingInput::years
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

  // Share of output growth due to technology: TFP (Tornqvist), or TFP +
  // knowledge (R&D model), over output growth.
  double technology_share(std::size_t unit, std::size_t period, bool rd) const;
};

Result<AccountingResult> account(const AccountingInput& input);

std::string format_accounting_table(const AccountingResult& result);

}  // namespace growthcast::accounting
