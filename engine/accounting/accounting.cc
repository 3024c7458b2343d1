#include "accounting/accounting.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <type_traits>

#include "models/registry.h"

namespace growthcast::accounting {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
enum Factor { kOutput = 0, kCapital, kLabour, kKnowledge, kTfp };

// One accounting unit: a region, or a group's summed series.
struct Series {
  std::vector<double> output, capital, labour, share, knowledge, spill;
};

Series aggregate(const AccountingInput& in, const std::vector<int>& members) {
  const std::size_t years = in.years.size();
  Series s;
  s.output.assign(years, 0.0);
  s.capital.assign(years, 0.0);
  s.labour.assign(years, 0.0);
  s.share.assign(years, 0.0);
  s.knowledge.assign(years, 0.0);
  const bool spill = in.rd && !in.rd->spill.empty();
  s.spill.assign(spill ? years : 0, 0.0);
  for (int r : members)
    for (std::size_t t = 0; t < years; ++t) {
      s.output[t] += in.output[r][t];
      s.capital[t] += in.capital[r][t];
      s.labour[t] += in.labour[r][t];
      // Output-weighted mean labour share of the members.
      s.share[t] += in.labour_share[r][t] * in.output[r][t];
      if (in.rd) s.knowledge[t] += in.rd->knowledge[r][t];
      if (spill) s.spill[t] += in.rd->spill[r][t];
    }
  for (std::size_t t = 0; t < years; ++t) s.share[t] /= s.output[t];
  return s;
}

double dlog(const std::vector<double>& x, std::size_t t) {
  return std::log(x[t]) - std::log(x[t - 1]);
}

// The model's contributions (capital, labour, knowledge, TFP) to d ln Y.
std::array<double, 4> model_contributions(const RdModel& m, double dy,
                                          double dk, double dl, double ds,
                                          double dsp) {
  std::array<double, 4> out{kNaN, kNaN, kNaN, kNaN};
  models::visit_model(m.model, [&]<class M>(std::type_identity<M>) {
    out = M::history_contributions(M::configure(m.settings), m.shared.data(),
                                   dy, dk, dl, ds, dsp);
  });
  return out;
}

}  // namespace

std::string Period::label() const {
  return std::to_string(first) + "-" + std::to_string(last);
}

Result<std::vector<Period>> parse_periods(const std::string& text) {
  std::vector<Period> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    Period p;
    const char* b = item.data();
    const char* e = item.data() + item.size();
    auto r1 = std::from_chars(b, e, p.first);
    bool good = r1.ec == std::errc() && r1.ptr != e && *r1.ptr == '-';
    if (good) {
      auto r2 = std::from_chars(r1.ptr + 1, e, p.last);
      good = r2.ec == std::errc() && r2.ptr == e && p.first <= p.last;
    }
    if (!good)
      return usage_error(
          "'" + item + "' is not a period FIRST-LAST such as 2011-2015",
          "periods");
    out.push_back(p);
    start = end + 1;
  }
  return out;
}

const std::vector<models::ContributionInfo>& tornqvist_contributions() {
  static const std::vector<models::ContributionInfo> flags = {
      {"capital", "(1 - s) d ln K", false},
      {"labour", "s d ln L", false},
      {"tfp", "the rest of d ln Y", true}};
  return flags;
}

const std::vector<models::ContributionInfo>& AccountingResult::contributions(
    bool rd) const {
  if (rd)
    if (const models::ModelInfo* info = models::find_model(model))
      return info->contributions;
  return tornqvist_contributions();
}

std::string AccountingResult::technology_share_definition(bool rd) const {
  return models::technology_share_definition(contributions(rd));
}

double AccountingResult::technology_share(std::size_t unit, std::size_t period,
                                          bool rd) const {
  const Grid& table = rd ? contribution_rd[unit] : contribution[unit];
  const auto& row = table[period];
  // The contributions in the order of their flags, by name.
  const auto& flags = contributions(rd);
  std::vector<double> values;
  for (const auto& c : flags) {
    const auto it = std::find(kFactors.begin(), kFactors.end(), c.name);
    values.push_back(
        it == kFactors.end() ? kNaN : row[std::size_t(it - kFactors.begin())]);
  }
  return models::technology_share(values, flags, row[kOutput]);
}

Result<AccountingResult> account(const AccountingInput& in) {
  const std::size_t years = in.years.size();
  if (years < 2)
    return fail("growth accounting needs at least two years", in.source);
  for (const Period& p : in.periods)
    if (p.first - 1 < in.years.front() || p.last > in.years.back())
      return usage_error("period " + p.label() + " needs data from " +
                             std::to_string(p.first - 1) + " to " +
                             std::to_string(p.last) + " but the data cover " +
                             std::to_string(in.years.front()) + "-" +
                             std::to_string(in.years.back()),
                         "periods");
  for (std::size_t r = 0; r < in.regions.size(); ++r)
    for (std::size_t t = 0; t < years; ++t) {
      const double s = in.labour_share[r][t];
      if (!(s > 0.0 && s < 1.0))
        return fail("labour share " + std::to_string(s) + " for region '" +
                        in.regions[r] + "', year " +
                        std::to_string(in.years[t]) + " is not in (0, 1)",
                    in.source, 0, "labour share");
    }

  AccountingResult out;
  out.years = in.years;
  out.periods = in.periods;
  out.has_rd = in.rd.has_value();
  if (in.rd) out.model = in.rd->model;
  std::vector<std::vector<int>> members;
  for (std::size_t r = 0; r < in.regions.size(); ++r) {
    out.units.push_back(in.regions[r]);
    out.is_group.push_back(false);
    members.push_back({static_cast<int>(r)});
  }
  for (const auto& group : in.groups) {
    std::vector<int> idx;
    for (const auto& m : group.members) {
      auto it = std::find(in.regions.begin(), in.regions.end(), m);
      if (it != in.regions.end())
        idx.push_back(static_cast<int>(it - in.regions.begin()));
    }
    if (idx.empty()) continue;
    out.units.push_back(group.name);
    out.is_group.push_back(true);
    members.push_back(std::move(idx));
  }

  for (const auto& unit_members : members) {
    const Series s = aggregate(in, unit_members);
    // Annual Tornqvist terms [year][factor]; year 0 has no growth.
    Grid annual(years, std::vector<double>(kFactors.size(), kNaN));
    Grid annual_rd = annual;
    std::vector<double> tfp(years, kNaN);
    for (std::size_t t = 1; t < years; ++t) {
      const double share = 0.5 * (s.share[t] + s.share[t - 1]);
      const double dy = dlog(s.output, t), dk = dlog(s.capital, t),
                   dl = dlog(s.labour, t);
      annual[t][kOutput] = dy;
      annual[t][kCapital] = (1.0 - share) * dk;
      annual[t][kLabour] = share * dl;
      annual[t][kTfp] = dy - (1.0 - share) * dk - share * dl;
      tfp[t] = annual[t][kTfp];
      if (in.rd) {
        const double ds = dlog(s.knowledge, t);
        const double dsp = s.spill.empty() ? 0.0 : dlog(s.spill, t);
        const auto c = model_contributions(*in.rd, dy, dk, dl, ds, dsp);
        annual_rd[t][kOutput] = dy;
        annual_rd[t][kCapital] = c[0];
        annual_rd[t][kLabour] = c[1];
        annual_rd[t][kKnowledge] = c[2];
        annual_rd[t][kTfp] = c[3];
      }
    }
    auto period_means = [&](const Grid& a) {
      Grid table;
      for (const Period& p : in.periods) {
        std::vector<double> mean(kFactors.size(), 0.0);
        for (int year = p.first; year <= p.last; ++year) {
          const std::size_t t =
              static_cast<std::size_t>(year - in.years.front());
          for (std::size_t f = 0; f < kFactors.size(); ++f) mean[f] += a[t][f];
        }
        for (double& v : mean) v /= double(p.last - p.first + 1);
        table.push_back(std::move(mean));
      }
      return table;
    };
    out.tfp_growth.push_back(tfp);
    out.contribution.push_back(period_means(annual));
    if (in.rd) out.contribution_rd.push_back(period_means(annual_rd));
  }
  return out;
}

std::string format_accounting_table(const AccountingResult& r) {
  std::string out;
  char buffer[256];
  const bool rd = r.has_rd;
  out += rd ? "Growth accounting with the calibrated R&D model (% per year; "
              "technology = TFP + knowledge)\n"
            : "Tornqvist growth accounting (% per year; technology = TFP)\n";
  std::snprintf(buffer, sizeof buffer, "  %-30s %-9s %7s %7s %7s %7s %7s %8s\n",
                "region", "period", "GDP", "capital", "labour",
                rd ? "knowl." : "", "TFP", "tech.%");
  out += buffer;
  for (std::size_t u = 0; u < r.units.size(); ++u) {
    if (u > 0 && r.is_group[u] && !r.is_group[u - 1]) out += "  groups:\n";
    for (std::size_t p = 0; p < r.periods.size(); ++p) {
      const auto& row = rd ? r.contribution_rd[u][p] : r.contribution[u][p];
      char kbuf[16] = "";
      if (rd)
        std::snprintf(kbuf, sizeof kbuf, "%7.2f", 100.0 * row[kKnowledge]);
      std::snprintf(buffer, sizeof buffer,
                    "  %-30s %-9s %7.2f %7.2f %7.2f %7s %7.2f %7.1f%%\n",
                    p == 0 ? r.units[u].c_str() : "",
                    r.periods[p].label().c_str(), 100.0 * row[kOutput],
                    100.0 * row[kCapital], 100.0 * row[kLabour], kbuf,
                    100.0 * row[kTfp], 100.0 * r.technology_share(u, p, rd));
      out += buffer;
    }
  }
  return out;
}

}  // namespace growthcast::accounting
