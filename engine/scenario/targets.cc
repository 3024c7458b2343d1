// The [[targets]] schema (targets.h): keys, types and the checks that need
// no data. The checks against the data and the projection (known units and
// regions, years inside the projection, an observed baseline) are in
// engine/targets/solve.cc.
#include "scenario/targets.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "scenario/scenario.h"
#include "scenario/toml_reader.h"

namespace growthcast::scenario {

namespace {

using toml_reader::Entry;
using toml_reader::format_number;
using toml_reader::join_quoted;
using toml_reader::Node;
using toml_reader::Reader;

constexpr int kMinYear = 1901;
constexpr int kMaxYear = 9999;

const std::vector<std::string>& known_keys() {
  static const std::vector<std::string> kKnown = {
      "gdp_of",      "year",   "level",   "ratio", "ratio_to_year", "growth",
      "growth_from", "driver", "regions", "by",    "lower",         "upper"};
  return kKnown;
}

class TargetParser {
 public:
  TargetParser(const Reader& in, Node table, int index) : in_(in), t_(table) {
    spec_.index = index;
    spec_.line = table.line();
  }
  Result<TargetSpec> run();

 private:
  std::string field(const std::string& key) const { return spec_.field(key); }
  Result<int> year(const Entry& e) const;
  Status key(const Entry& e);
  Status check_complete() const;
  long line_of(const std::string& key) const {
    auto it = lines_.find(key);
    return it == lines_.end() ? spec_.line : it->second;
  }

  const Reader& in_;
  Node t_;
  TargetSpec spec_;
  std::map<std::string, long> lines_;  // keys given -> value line
};

Result<int> TargetParser::year(const Entry& e) const {
  if (e.node.is_floating_point())
    return in_.error("must be an integer year, not a number with a fraction",
                     e.node.line(), field(e.key));
  auto v = in_.get_integer_in(e.node, field(e.key), "year", kMinYear, kMaxYear);
  if (!v) return tl::unexpected(v.error());
  return int(*v);
}

Status TargetParser::key(const Entry& e) {
  const Node n = e.node;
  const std::string f = field(e.key);
  lines_[e.key] = n.line();
  if (e.key == "gdp_of") {
    auto v = in_.get_string(n, f);
    if (!v) return tl::unexpected(v.error());
    if (v->empty()) return in_.error("must not be empty", n.line(), f);
    spec_.gdp_of = *v;
    spec_.gdp_of_line = n.line();
    return ok();
  }
  if (e.key == "year" || e.key == "by" || e.key == "ratio_to_year" ||
      e.key == "growth_from") {
    auto y = year(e);
    if (!y) return tl::unexpected(y.error());
    if (e.key == "year") {
      spec_.year = *y;
      spec_.year_line = n.line();
    } else if (e.key == "by") {
      spec_.by = *y;
      spec_.by_line = n.line();
    } else {
      spec_.base_year = *y;
      spec_.base_line = n.line();
    }
    return ok();
  }
  if (e.key == "level") {
    auto v = in_.get_number(n, f);
    if (!v) return tl::unexpected(v.error());
    if (*v <= 0.0)
      return in_.error("a GDP level must be positive, not " + format_number(*v),
                       n.line(), f);
    spec_.level = *v;
    return ok();
  }
  if (e.key == "ratio") {
    auto v = in_.get_number(n, f);
    if (!v) return tl::unexpected(v.error());
    if (*v <= 0.0)
      return in_.error("a ratio must be positive, not " + format_number(*v),
                       n.line(), f);
    spec_.ratio = *v;
    return ok();
  }
  if (e.key == "growth") {
    auto v = in_.get_number_in(n, f, "growth", -0.5, 1.0);
    if (!v) return tl::unexpected(v.error());
    spec_.growth = *v;
    return ok();
  }
  if (e.key == "driver") {
    std::vector<std::string> drivers;
    for (int d = 0; d < kDriverCount; ++d)
      drivers.push_back(DriverToString(static_cast<Driver>(d)));
    auto v = in_.get_choice(n, f, "driver", drivers);
    if (!v) return tl::unexpected(v.error());
    spec_.driver = static_cast<Driver>(*v);
    spec_.driver_line = n.line();
    return ok();
  }
  if (e.key == "regions") {
    auto names = in_.get_names(n, f, "region");
    if (!names) return tl::unexpected(names.error());
    for (const auto& [name, line] : *names) {
      spec_.regions.push_back(name);
      spec_.region_lines.push_back(line);
    }
    return ok();
  }
  if (e.key == "lower" || e.key == "upper") {
    auto v = in_.get_number(n, f);
    if (!v) return tl::unexpected(v.error());
    (e.key == "lower" ? spec_.lower : spec_.upper) = *v;
    return ok();
  }
  return in_.unknown_key(e, "targets[" + std::to_string(spec_.index) + "]",
                         known_keys());
}

// Every key a target needs, one outcome, and bounds that make sense.
Status TargetParser::check_complete() const {
  auto missing = [&](const std::string& key, const std::string& why) {
    return in_.error("missing required key '" + key + "' (" + why + ")",
                     spec_.line, field(key));
  };
  if (!lines_.count("gdp_of"))
    return missing("gdp_of", "the region or group whose GDP is targeted");
  if (!lines_.count("year")) return missing("year", "the target year");
  const int outcomes = int(lines_.count("level") + lines_.count("ratio") +
                           lines_.count("growth"));
  if (outcomes == 0)
    return in_.error(
        "needs one outcome: 'level', 'ratio' (with 'ratio_to_year') or "
        "'growth' (with 'growth_from')",
        spec_.line, field("level"));
  if (outcomes > 1)
    return in_.error(
        "gives more than one outcome; give one of 'level', 'ratio' and "
        "'growth'",
        std::max({lines_.count("level") ? line_of("level") : 0L,
                  lines_.count("ratio") ? line_of("ratio") : 0L,
                  lines_.count("growth") ? line_of("growth") : 0L}),
        field(lines_.count("growth") ? "growth" : "ratio"));
  // A base year belongs to its outcome.
  const bool ratio = lines_.count("ratio") > 0,
             growth = lines_.count("growth") > 0;
  if (ratio && !lines_.count("ratio_to_year"))
    return missing("ratio_to_year", "the year whose GDP the ratio multiplies");
  if (growth && !lines_.count("growth_from"))
    return missing("growth_from", "the year the average growth starts from");
  if (lines_.count("ratio_to_year") && !ratio)
    return in_.error("'ratio_to_year' goes with 'ratio'",
                     line_of("ratio_to_year"), field("ratio_to_year"));
  if (lines_.count("growth_from") && !growth)
    return in_.error("'growth_from' goes with 'growth'", line_of("growth_from"),
                     field("growth_from"));
  if ((ratio || growth) && spec_.base_year >= spec_.year) {
    const std::string key = ratio ? "ratio_to_year" : "growth_from";
    return in_.error(key + " " + std::to_string(spec_.base_year) +
                         " must be before the target year " +
                         std::to_string(spec_.year),
                     line_of(key), field(key));
  }
  if (!lines_.count("driver"))
    return missing("driver", "the instrument: the driver that moves");
  if (!lines_.count("regions"))
    return missing("regions", "the regions whose driver moves");
  if (!lines_.count("by"))
    return missing("by", "the year the instrument's ramp reaches its level");
  if (!lines_.count("lower"))
    return missing("lower", "the instrument's lowest level");
  if (!lines_.count("upper"))
    return missing("upper", "the instrument's highest level");
  const double lo = spec_.driver == Driver::labour_growth ? -0.5 : 0.0;
  const double hi = spec_.driver == Driver::labour_growth ? 0.5 : 1.0;
  const std::string name = DriverToString(spec_.driver);
  for (const char* key : {"lower", "upper"}) {
    const double v = std::string(key) == "lower" ? spec_.lower : spec_.upper;
    if (v < lo || v > hi)
      return in_.error(format_number(v) + " is out of range for " + name +
                           " [" + format_number(lo) + ", " + format_number(hi) +
                           "]",
                       line_of(key), field(key));
  }
  if (spec_.lower >= spec_.upper)
    return in_.error("lower " + format_number(spec_.lower) +
                         " must be below upper " + format_number(spec_.upper),
                     line_of("lower"), field("lower"));
  return ok();
}

Result<TargetSpec> TargetParser::run() {
  for (const Entry& e : t_.entries_in_file_order())
    if (auto st = key(e); !st) return tl::unexpected(st.error());
  if (auto st = check_complete(); !st) return tl::unexpected(st.error());
  if (lines_.count("ratio")) spec_.kind = TargetSpec::Kind::ratio;
  if (lines_.count("growth")) spec_.kind = TargetSpec::Kind::growth;
  return spec_;
}

}  // namespace

std::string TargetSpec::field(const std::string& key) const {
  return "targets[" + std::to_string(index) + "]." + key;
}

Result<std::vector<TargetSpec>> parse_targets(const Reader& in, const Node& n) {
  if (!n.is_array() || n.size() == 0)
    return in.error(
        "must be an array of tables ([[targets]] sections), not " +
            (n.is_array() ? std::string("an empty array") : n.type_name()),
        n.line(), "targets");
  std::vector<TargetSpec> out;
  // One instrument per (driver, region): two targets moving the same
  // driver of the same region would fight over one path.
  std::map<std::pair<int, std::string>, int> moved;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const Node t = n.at(i);
    const std::string where = "targets[" + std::to_string(i) + "]";
    if (!t.is_table())
      return in.error("must be a table, not " + t.type_name(), t.line(), where);
    auto spec = TargetParser(in, t, int(i)).run();
    if (!spec) return tl::unexpected(spec.error());
    for (std::size_t r = 0; r < spec->regions.size(); ++r) {
      const auto key = std::make_pair(int(spec->driver), spec->regions[r]);
      if (auto it = moved.find(key); it != moved.end())
        return in.error(DriverToString(spec->driver) + " of '" +
                            spec->regions[r] +
                            "' is already the instrument of targets[" +
                            std::to_string(it->second) +
                            "]; each target needs an instrument of its own",
                        spec->region_lines[r], spec->field("regions"));
      moved[key] = int(i);
    }
    out.push_back(std::move(*spec));
  }
  return out;
}

}  // namespace growthcast::scenario
