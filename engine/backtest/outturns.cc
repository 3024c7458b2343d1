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

}  // namespace growthcast::backtest
