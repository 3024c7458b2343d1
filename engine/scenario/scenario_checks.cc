// The checks of a scenario that need the data (check_against_data in
// scenario.h): they run once the calibration's regions and last year are
// known, and name the lines the scenario noted while it was read.
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "scenario/scenario.h"
#include "scenario/toml_reader.h"

namespace growthcast::scenario {

namespace {

// The first line known: errors name the most precise line the file has,
// falling back to the table that holds the key.
long first_line(std::initializer_list<long> lines) {
  for (long line : lines) {
    if (line != 0) return line;
  }
  return 0;
}

class DataCheck {
 public:
  DataCheck(const Scenario& s, const std::vector<std::string>& regions,
            int last_data_year)
      : s_(s),
        regions_(regions),
        known_(regions.begin(), regions.end()),
        last_(last_data_year) {}

  Status run() const;

 private:
  tl::unexpected<Error> unknown_region(const std::string& name, long line,
                                       const std::string& field) const;
  Status check_names(const std::vector<std::string>& names,
                     const std::string& field) const;
  Status check_horizon() const;
  Status check_conditions() const;
  Status check_driver(Driver d, const DriverSpec& spec) const;
  Status check_years(const DriverPath& p, const std::string& at,
                     const std::string& where) const;

  const Scenario& s_;
  const std::vector<std::string>& regions_;
  const std::set<std::string> known_;
  const int last_;
};

Status DataCheck::run() const {
  if (auto st = check_names(s_.regions, "regions"); !st) return st;
  for (const auto& [group, members] : s_.groups) {
    if (auto st = check_names(members, "groups." + group); !st) return st;
    // A group's total would be written into the region's row.
    if (known_.count(group))
      return fail("the group '" + group +
                      "' has the name of a region; give it another name",
                  s_.file, s_.line_of("groups." + group), "groups." + group);
  }
  if (auto st = check_horizon(); !st) return st;
  for (const auto& [driver, spec] : s_.drivers) {
    if (auto st = check_driver(driver, spec); !st) return st;
  }
  return check_conditions();
}

// A pin's region exists and its year is projected (its group is checked
// where the groups are known, montecarlo/conditioning.cc).
Status DataCheck::check_conditions() const {
  for (std::size_t i = 0; i < s_.conditions.size(); ++i) {
    const Condition& c = s_.conditions[i];
    const std::string field = "conditions[" + std::to_string(i) + "]";
    if (!c.region.empty() && known_.count(c.region) == 0)
      return unknown_region(c.region, s_.line_of(field + ".region"),
                            field + ".region");
    if (c.year <= last_ || c.year > s_.horizon)
      return fail(
          "year " + std::to_string(c.year) + " is outside the projection (" +
              std::to_string(last_ + 1) + ".." + std::to_string(s_.horizon) +
              "): a condition pins a projected year",
          s_.file, s_.line_of(field + ".year"), field + ".year");
  }
  return ok();
}

tl::unexpected<Error> DataCheck::unknown_region(
    const std::string& name, long line, const std::string& field) const {
  return fail("unknown region '" + name + "'" +
                  toml_reader::suggestion(name, regions_) +
                  " (not in the data)",
              s_.file, line, field);
}

Status DataCheck::check_names(const std::vector<std::string>& names,
                              const std::string& field) const {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (known_.count(names[i]) == 0) {
      return unknown_region(
          names[i],
          first_line({s_.line_of(field + "[" + std::to_string(i) + "]"),
                      s_.line_of(field)}),
          field);
    }
  }
  return ok();
}

Status DataCheck::check_horizon() const {
  if (s_.horizon > last_) return ok();
  return fail("horizon " + std::to_string(s_.horizon) +
                  " must be after the last data year " + std::to_string(last_),
              s_.file, s_.line_of("horizon"), "horizon");
}

Status DataCheck::check_driver(Driver d, const DriverSpec& spec) const {
  const std::string where = "drivers." + DriverToString(d);
  // check_years reads only the fields of the path's kind, so `all` needs
  // no cleaning.
  if (auto st = check_years(spec.all, where, where); !st) return st;
  for (const auto& [region, over] : spec.regions) {
    const std::string at = where + ".regions." + region;
    if (known_.count(region) == 0) {
      return unknown_region(region, first_line({s_.line_of(at), over.line}),
                            at);
    }
    if (auto st = check_years(s_.path_for(d, region), at, where); !st) {
      return st;
    }
  }
  return ok();
}

// The years of the path at `at` (an override inherits its `by` or table
// from the driver's table at `where`).
Status DataCheck::check_years(const DriverPath& p, const std::string& at,
                              const std::string& where) const {
  if (p.kind == DriverPath::Kind::ramp && p.by != 0 && p.by <= last_) {
    return fail(
        "ramp year 'by' = " + std::to_string(p.by) +
            " must be after the last data year " + std::to_string(last_),
        s_.file,
        first_line({s_.line_of(at + ".by"), s_.line_of(where + ".by"), p.line}),
        at + ".by");
  }
  if (p.kind != DriverPath::Kind::table) return ok();
  for (const auto& [year, value] : p.table) {
    if (year > last_) continue;
    const std::string yfield = at + ".values." + std::to_string(year);
    return fail(
        "table year " + std::to_string(year) +
            " must be after the last data year " + std::to_string(last_),
        s_.file,
        first_line({s_.line_of(yfield), s_.line_of(where + ".values"), p.line}),
        yfield);
  }
  return ok();
}

}  // namespace

Status check_against_data(const Scenario& s,
                          const std::vector<std::string>& regions,
                          int last_data_year) {
  return DataCheck(s, regions, last_data_year).run();
}

}  // namespace growthcast::scenario
