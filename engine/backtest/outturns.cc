#include "backtest/outturns.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "data/panel.h"

namespace growthcast::backtest {

int Outturns::region_index(const std::string& name) const {
  auto it = std::find(regions.begin(), regions.end(), name);
  return it == regions.end() ? -1 : static_cast<int>(it - regions.begin());
}

int Outturns::year_index(int year) const {
  if (years.empty() || year < years.front() || year > years.back()) return -1;
  return year - years.front();
}

Result<Outturns> read_outturns(const std::filesystem::path& path) {
  data::ColumnMapping mapping;
  mapping.values = {"gdp_real", "gdp_growth_index", "rd_nominal"};
  mapping.optional_values = {"gdp_nominal"};
  auto panel = data::read_panel(path, mapping);
  if (!panel) return tl::unexpected(panel.error());

  // A row for every region and year, gdp_real and the index positive: the
  // panel reader's window check names the file, line and column.
  data::Selection selection;
  selection.first_year = panel->years.front();
  selection.last_year = panel->years.back();
  selection.positive = {"gdp_real", "gdp_growth_index"};
  auto window = data::select(*panel, selection);
  if (!window) return tl::unexpected(window.error());

  Outturns out;
  out.file = panel->file;
  out.regions = window->regions;
  out.years = window->years;
  out.gdp_real = window->at("gdp_real");
  out.gdp_growth_index = window->at("gdp_growth_index");

  const data::PanelColumn* nominal = panel->column("gdp_nominal");
  out.gdp_nominal.assign(
      out.regions.size(),
      std::vector<double>(out.years.size(),
                          std::numeric_limits<double>::quiet_NaN()));
  for (std::size_t r = 0; r < out.regions.size() && nominal; ++r) {
    const int pr = panel->region_index(out.regions[r]);
    for (std::size_t t = 0; t < out.years.size(); ++t) {
      const int py = panel->year_index(out.years[t]);
      const double v = nominal->values[pr][py];
      if (!std::isnan(v) && !(v > 0))
        return fail("nominal GDP " + std::to_string(v) + " for region '" +
                        out.regions[r] + "', year " +
                        std::to_string(out.years[t]) +
                        " must be positive or empty",
                    out.file, nominal->lines[pr][py], "gdp_nominal");
      out.gdp_nominal[r][t] = v;
    }
  }
  const data::PanelColumn* rd = panel->column("rd_nominal");
  const data::PanelColumn* level = panel->column("gdp_real");
  out.rd_nominal.assign(
      out.regions.size(),
      std::vector<double>(out.years.size(),
                          std::numeric_limits<double>::quiet_NaN()));
  for (std::size_t r = 0; r < out.regions.size(); ++r) {
    const int pr = panel->region_index(out.regions[r]);
    for (std::size_t t = 0; t < out.years.size(); ++t) {
      const int py = panel->year_index(out.years[t]);
      const std::string where = "region '" + out.regions[r] + "', year " +
                                std::to_string(out.years[t]);
      const double v = rd->values[pr][py];
      if (!std::isnan(v) && !(v > 0))
        return fail("R&D expenditure " + std::to_string(v) + " for " + where +
                        " must be positive or empty",
                    out.file, rd->lines[pr][py], "rd_nominal");
      out.rd_nominal[r][t] = v;
      if (t == 0) continue;
      const double ratio = out.gdp_real[r][t] / out.gdp_real[r][t - 1];
      const double index = out.gdp_growth_index[r][t] / 100;
      if (!(std::fabs(ratio / index - 1) <= 1e-8))
        return fail("gdp_real grows by a factor " + std::to_string(ratio) +
                        " for " + where + ", but gdp_growth_index says " +
                        std::to_string(index) +
                        " (levels must be chained from the index)",
                    out.file, level->lines[pr][py], "gdp_real");
    }
  }
  return out;
}

Result<std::vector<UnitSeries>> actual_series(const data::Panel& panel,
                                              const std::string& column,
                                              const Outturns& outturns) {
  const data::PanelColumn* values = panel.column(column);
  if (values == nullptr)
    return fail("column was not read from the panel", panel.file, 0, column);
  if (panel.years.empty() || outturns.years.empty() ||
      outturns.years.front() != panel.years.back() + 1)
    return fail(
        "the outturns must start the year after the panel's last "
        "year",
        outturns.file, 0, "year");
  const int first = panel.years.front();
  const auto length =
      static_cast<std::size_t>(outturns.years.back() - first + 1);
  std::vector<UnitSeries> out;
  for (std::size_t r = 0; r < panel.regions.size(); ++r) {
    const int o = outturns.region_index(panel.regions[r]);
    if (o < 0)
      return fail("region '" + panel.regions[r] + "' of " + panel.file +
                      " is not in the outturns",
                  outturns.file, 0, "region");
    UnitSeries s{
        panel.regions[r], first,
        std::vector<double>(length, std::numeric_limits<double>::quiet_NaN())};
    for (std::size_t t = 0; t < panel.years.size(); ++t)
      s.values[static_cast<std::size_t>(panel.years[t] - first)] =
          values->values[r][t];
    for (std::size_t t = 0; t < outturns.years.size(); ++t)
      s.values[static_cast<std::size_t>(outturns.years[t] - first)] =
          outturns.gdp_real[static_cast<std::size_t>(o)][t];
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<UnitSeries>> group_series(
    const std::vector<UnitSeries>& regions,
    const std::vector<data::RegionGroup>& groups) {
  std::vector<UnitSeries> out;
  for (const auto& group : groups) {
    UnitSeries total{group.name, 0, {}};
    for (std::size_t k = 0; k < group.members.size(); ++k) {
      auto it = std::find_if(
          regions.begin(), regions.end(),
          [&](const UnitSeries& s) { return s.unit == group.members[k]; });
      if (it == regions.end())
        return fail("member '" + group.members[k] + "' of group '" +
                        group.name + "' has no series",
                    {}, 0, "region");
      if (k == 0) {
        total.first_year = it->first_year;
        total.values.assign(it->values.size(), 0.0);
      } else if (it->first_year != total.first_year ||
                 it->values.size() != total.values.size()) {
        return fail(
            "members of group '" + group.name + "' cover different years", {},
            0, "year");
      }
      for (std::size_t t = 0; t < total.values.size(); ++t)
        total.values[t] += it->values[t];  // NaN stays NaN
    }
    out.push_back(std::move(total));
  }
  return out;
}

}  // namespace growthcast::backtest
