// The scenario schema, key by key (scenario.h). The TOML toolkit
// (toml_reader.h) reads the values; the checks that need the data are in
// scenario_checks.cc.
#include "scenario/scenario.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/text_file.h"
#include "scenario/toml_reader.h"

namespace growthcast::scenario {

namespace {

using toml_reader::Entry;
using toml_reader::format_number;
using toml_reader::join_quoted;
using toml_reader::Node;
using toml_reader::suggestion;

constexpr std::array<Driver, kDriverCount> kDrivers = {
    Driver::rd_intensity, Driver::investment_rate, Driver::labour_growth,
    Driver::depreciation};

constexpr int kMinYear = 1901;  // years must be after 1900
constexpr int kMaxYear = 9999;
constexpr std::int64_t kMaxDraws = 1000000000;

// In the order of DriverPath::Kind and TargetUncertainty::Dist, so that a
// name's index is its enumerator.
const std::vector<std::string>& kinds() {
  static const std::vector<std::string> kKinds = {"hold", "constant", "ramp",
                                                  "table"};
  return kKinds;
}
const std::vector<std::string>& dists() {
  static const std::vector<std::string> kDists = {"normal", "uniform"};
  return kDists;
}

// The range a driver's values (constant value, ramp target, table values)
// must lie in.
std::pair<double, double> driver_range(Driver d) {
  if (d == Driver::labour_growth) return {-0.5, 0.5};
  return {0.0, 1.0};
}

std::string kind_name(DriverPath::Kind k) {
  return kinds()[static_cast<std::size_t>(k)];
}

// Which keys a driver table (or a region override) gave, with their lines.
struct Given {
  std::map<std::string, long> lines;
  bool has(const std::string& k) const { return lines.count(k) > 0; }
  long at(const std::string& k) const {
    auto it = lines.find(k);
    return it == lines.end() ? 0 : it->second;
  }
};

// Merges an override over the driver's `all` path (see path_for), keeping
// every field so that the result can still be checked.
DriverPath merge_raw(const DriverPath& all, const DriverPath& over) {
  DriverPath p = all;
  p.kind = over.kind;
  if (over.value) p.value = over.value;
  if (over.target || over.change) {
    p.target = over.target;
    p.change = over.change;
  }
  if (over.by != 0) p.by = over.by;
  if (!over.table.empty()) p.table = over.table;
  if (over.uncertainty) p.uncertainty = over.uncertainty;
  p.line = over.line;
  return p;
}

// Drops the fields the path's kind does not use.
DriverPath clean(DriverPath p) {
  if (p.kind != DriverPath::Kind::constant) p.value.reset();
  if (p.kind != DriverPath::Kind::ramp) {
    p.target.reset();
    p.change.reset();
    p.by = 0;
    p.uncertainty.reset();
  }
  if (p.kind != DriverPath::Kind::table) p.table.clear();
  return p;
}

// Stores a value read without error.
template <class T, class Out>
Status assign(Result<T> v, Out* out) {
  if (!v) return tl::unexpected(v.error());
  *out = static_cast<Out>(*v);
  return ok();
}

class Parser {
 public:
  Parser(std::string file, Scenario* s) : in_(std::move(file)), s_(s) {}

  Status parse(Node root);

 private:
  void note(const std::string& path, long line) { s_->lines[path] = line; }

  Status parse_key(const Entry& e);
  Result<std::string> get_nonempty(Node n, const std::string& key,
                                   const std::string& message) const;
  Status parse_seed(Node n);
  Result<int> get_year(Node n, const std::string& field) const;
  Result<double> get_driver_value(Node n, Driver d,
                                  const std::string& field) const;
  Status take_names(Node n, const std::string& field,
                    std::vector<std::string>* out);
  Status check_required() const;
  Status check_groups_projected() const;

  Status parse_regions(Node n);
  Status parse_outputs(Node n);
  Status parse_groups(Node n);
  Status parse_uncertainty(Node n);
  Status parse_drivers(Node n);
  Status parse_conditions(Node n);
  Status parse_condition(Node n, const std::string& field);
  Status parse_driver(Driver d, const Entry& e);
  Status parse_overrides(Driver d, Node n, const std::string& where,
                         DriverSpec* spec);
  Status parse_override(Driver d, const Entry& r, const std::string& where,
                        DriverSpec* spec);
  // One driver table or region override into *p; `overrides` receives the
  // driver table's `regions` entry when allowed (nullptr for overrides).
  Status parse_path(Driver d, Node t, const std::string& where, DriverPath* p,
                    Given* given, Node* overrides);
  Status parse_path_key(Driver d, const Entry& e, const std::string& field,
                        DriverPath* p);
  Status parse_change(Driver d, Node n, const std::string& field,
                      DriverPath* p) const;
  Status parse_table(Driver d, Node n, const std::string& field, DriverPath* p);
  Status parse_table_year(Driver d, const Entry& y, const std::string& field,
                          DriverPath* p);
  Status parse_target_uncertainty(Node n, const std::string& where,
                                  TargetUncertainty* u);
  Status parse_uncertainty_key(const Entry& e, const std::string& where,
                               const std::vector<std::string>& known,
                               TargetUncertainty* u);
  Status check_uncertainty_complete(Node n, const std::string& where,
                                    const std::vector<std::string>& known,
                                    const TargetUncertainty& u) const;
  Status check_target_or_change(const Given& given,
                                const std::string& where) const;
  Status check_path(const DriverPath& p, const Given& given,
                    const std::string& where, long table_line) const;
  Status check_keys_used(const DriverPath& p, const Given& given,
                         const std::string& where) const;

  toml_reader::Reader in_;
  Scenario* s_;
};

Status Parser::parse(Node root) {
  for (const Entry& e : root.entries_in_file_order()) {
    note(e.key, e.node.line());
    if (auto st = parse_key(e); !st) return st;
  }
  if (auto st = check_required(); !st) return st;
  return check_groups_projected();
}

Status Parser::parse_key(const Entry& e) {
  static const std::vector<std::string> kKnown = {
      "name",       "description", "model",   "calibration",
      "horizon",    "draws",       "seed",    "regions",
      "groups",     "uncertainty", "drivers", "targets",
      "conditions", "outturns",    "outputs", "random_stream"};
  const Node n = e.node;
  if (e.key == "name") {
    return assign(get_nonempty(n, e.key, "must not be empty"), &s_->name);
  }
  if (e.key == "description") {
    return assign(in_.get_string(n, e.key), &s_->description);
  }
  if (e.key == "model") {
    return assign(get_nonempty(n, e.key, "must not be empty"), &s_->model);
  }
  if (e.key == "calibration") {
    return assign(get_nonempty(n, e.key,
                               "must not be empty (leave it out to calibrate "
                               "the shipped data)"),
                  &s_->calibration);
  }
  if (e.key == "horizon") return assign(get_year(n, e.key), &s_->horizon);
  if (e.key == "draws") {
    return assign(in_.get_integer_in(n, e.key, "draws", 1, kMaxDraws),
                  &s_->draws);
  }
  if (e.key == "seed") return parse_seed(n);
  if (e.key == "random_stream") {
    // The random stream's version (docs/architecture.md, "Determinism"):
    // 1 and 2 reproduce results written before versions 2 and 3 existed.
    return assign(in_.get_integer_in(n, e.key, "random_stream", 1, 3),
                  &s_->random_stream);
  }
  if (e.key == "regions") return parse_regions(n);
  if (e.key == "outputs") return parse_outputs(n);
  if (e.key == "groups") return parse_groups(n);
  if (e.key == "uncertainty") return parse_uncertainty(n);
  if (e.key == "drivers") return parse_drivers(n);
  if (e.key == "targets") return assign(parse_targets(in_, n), &s_->targets);
  if (e.key == "conditions") return parse_conditions(n);
  if (e.key == "outturns") {
    return assign(get_nonempty(n, e.key,
                               "must not be empty (leave it out to forecast "
                               "from the calibration's last year)"),
                  &s_->outturns);
  }
  return in_.unknown_key(e, "", kKnown);
}

Result<std::string> Parser::get_nonempty(Node n, const std::string& key,
                                         const std::string& message) const {
  auto v = in_.get_string(n, key);
  if (v && v->empty()) return in_.error(message, n.line(), key);
  return v;
}

Status Parser::parse_seed(Node n) {
  auto v = in_.get_integer(n, "seed");
  if (!v) return tl::unexpected(v.error());
  if (*v < 0) {
    return in_.error("seed must be a non-negative integer", n.line(), "seed");
  }
  s_->seed = static_cast<std::uint64_t>(*v);
  return ok();
}

Result<int> Parser::get_year(Node n, const std::string& field) const {
  if (n.is_floating_point()) {
    return in_.error("must be an integer year, not a number with a fraction",
                     n.line(), field);
  }
  auto v = in_.get_integer_in(n, field, "year", kMinYear, kMaxYear);
  if (!v) return tl::unexpected(v.error());
  return static_cast<int>(*v);
}

Result<double> Parser::get_driver_value(Node n, Driver d,
                                        const std::string& field) const {
  const auto [lo, hi] = driver_range(d);
  return in_.get_number_in(n, field, DriverToString(d), lo, hi);
}

// Appends the names of a region list, noting each one's line for the
// checks against the data.
Status Parser::take_names(Node n, const std::string& field,
                          std::vector<std::string>* out) {
  auto names = in_.get_names(n, field, "region");
  if (!names) return tl::unexpected(names.error());
  for (std::size_t i = 0; i < names->size(); ++i) {
    const auto& [name, line] = (*names)[i];
    note(field + "[" + std::to_string(i) + "]", line);
    out->push_back(name);
  }
  return ok();
}

// Every key given was noted before it was read.
Status Parser::check_required() const {
  if (s_->lines.count("name") == 0) {
    return in_.error("missing required key 'name'", 1, "name");
  }
  if (s_->lines.count("horizon") == 0) {
    return in_.error(
        "missing required key 'horizon' (the last projection year)", 1,
        "horizon");
  }
  return ok();
}

// Groups are summed per draw, so their members must be projected.
Status Parser::check_groups_projected() const {
  if (s_->regions.empty()) return ok();
  for (const auto& [group, members] : s_->groups) {
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (std::find(s_->regions.begin(), s_->regions.end(), members[i]) ==
          s_->regions.end()) {
        const std::string field = "groups." + group;
        return in_.error("member '" + members[i] + "' of group '" + group +
                             "' is not among the scenario's regions",
                         s_->line_of(field + "[" + std::to_string(i) + "]"),
                         field);
      }
    }
  }
  return ok();
}

Status Parser::parse_regions(Node n) {
  if (auto str = n.string()) {
    if (*str == "all") {
      s_->regions.clear();
      return ok();
    }
    return in_.error(
        "must be \"all\" or an array of region names, not the "
        "string \"" +
            *str + "\"",
        n.line(), "regions");
  }
  s_->regions.clear();
  return take_names(n, "regions", &s_->regions);
}

// `outputs = "all"` or a list of variable names, stored in kOutputNames
// order (the order of the file's variables), whatever the list's.
Status Parser::parse_outputs(Node n) {
  s_->outputs.clear();
  if (auto str = n.string()) {
    if (*str == "all") return ok();
    return in_.error(
        "must be \"all\" or an array of variable names, not the string \"" +
            *str + "\"",
        n.line(), "outputs");
  }
  auto names = in_.get_names(n, "outputs", "variable");
  if (!names) return tl::unexpected(names.error());
  for (std::size_t i = 0; i < names->size(); ++i) {
    const auto& [name, line] = (*names)[i];
    const int v = output_index(name);
    if (v < 0) {
      std::vector<std::string> known(kOutputNames.begin(), kOutputNames.end());
      return in_.error("unknown output variable '" + name + "'" +
                           suggestion(name, known) +
                           " (known: " + join_quoted(known) + ")",
                       line, "outputs[" + std::to_string(i) + "]");
    }
    s_->outputs.push_back(v);
  }
  std::sort(s_->outputs.begin(), s_->outputs.end());
  if (s_->outputs.size() == kOutputNames.size()) s_->outputs.clear();  // all
  return ok();
}

Status Parser::parse_groups(Node n) {
  if (auto st = in_.expect_table(n, "groups", "a table of group = [members]");
      !st) {
    return st;
  }
  for (const Entry& g : n.entries_in_file_order()) {
    const std::string field = "groups." + g.key;
    if (g.key.empty()) return in_.error("empty group name", g.key_line, field);
    note(field, g.node.line());
    if (auto st = take_names(g.node, field, &s_->groups[g.key]); !st) {
      return st;
    }
  }
  return ok();
}

Status Parser::parse_uncertainty(Node n) {
  static const std::vector<std::string> kKnown = {
      "parameters",        "shocks",          "common_shocks", "trend_shocks",
      "trend_persistence", "band_calibration"};
  if (auto st = in_.expect_table(
          n, "uncertainty",
          "a table with keys 'parameters', 'shocks', 'common_shocks', "
          "'trend_shocks', 'trend_persistence' and 'band_calibration'");
      !st) {
    return st;
  }
  for (const Entry& u : n.entries_in_file_order()) {
    const std::string field = "uncertainty." + u.key;
    note(field, u.node.line());
    Status st;
    if (u.key == "parameters") {
      st = assign(in_.get_bool(u.node, field), &s_->parameter_uncertainty);
    } else if (u.key == "shocks") {
      st = assign(in_.get_bool(u.node, field), &s_->shock_uncertainty);
    } else if (u.key == "common_shocks") {
      st = assign(in_.get_bool(u.node, field), &s_->common_shocks);
    } else if (u.key == "trend_shocks") {
      st = assign(in_.get_bool(u.node, field), &s_->trend_shocks);
    } else if (u.key == "band_calibration") {
      st = assign(in_.get_bool(u.node, field), &s_->band_calibration);
    } else if (u.key == "trend_persistence") {
      // phi in [0, 1): at 1 the trend's growth would be a random walk too.
      auto v = in_.get_number_in(u.node, field, "trend_persistence", 0.0, 1.0);
      if (v && *v >= 1.0)
        return in_.error("trend_persistence 1 is out of range [0, 1)",
                         u.node.line(), field);
      st = assign(std::move(v), &s_->trend_persistence);
    } else {
      st = in_.unknown_key(u, "uncertainty", kKnown);
    }
    if (!st) return st;
  }
  return ok();
}

// [[conditions]]: an array of tables, each one pin.
Status Parser::parse_conditions(Node n) {
  if (!n.is_array()) {
    return in_.error(
        "must be an array of tables ([[conditions]] with region or group, "
        "year, and level or growth), not " +
            n.type_name(),
        n.line(), "conditions");
  }
  for (std::size_t i = 0; i < n.size(); ++i) {
    const std::string field = "conditions[" + std::to_string(i) + "]";
    if (auto st = parse_condition(n.at(i), field); !st) return st;
  }
  return ok();
}

Status Parser::parse_condition(Node n, const std::string& field) {
  static const std::vector<std::string> kKnown = {"region", "group", "year",
                                                  "level", "growth"};
  if (auto st = in_.expect_table(
          n, field, "a table with region or group, year, and level or growth");
      !st) {
    return st;
  }
  Condition c;
  c.line = n.line();
  note(field, c.line);
  for (const Entry& e : n.entries_in_file_order()) {
    const std::string key = field + "." + e.key;
    note(key, e.node.line());
    Status st;
    if (e.key == "region") {
      st = assign(get_nonempty(e.node, key, "must not be empty"), &c.region);
    } else if (e.key == "group") {
      st = assign(get_nonempty(e.node, key, "must not be empty"), &c.group);
    } else if (e.key == "year") {
      st = assign(get_year(e.node, key), &c.year);
    } else if (e.key == "level") {
      auto v = in_.get_number(e.node, key);
      if (v && !(*v > 0.0))
        return in_.error("level " + format_number(*v) + " must be positive",
                         e.node.line(), key);
      st = assign(std::move(v), &c.level);
    } else if (e.key == "growth") {
      auto v = in_.get_number(e.node, key);
      if (v && !(*v > -1.0))
        return in_.error("growth " + format_number(*v) +
                             " must be above -1 (a fall of 100% or more "
                             "leaves no GDP)",
                         e.node.line(), key);
      st = assign(std::move(v), &c.growth);
    } else {
      st = in_.unknown_key(e, field, kKnown);
    }
    if (!st) return st;
  }
  if (c.region.empty() == c.group.empty())
    return in_.error("give exactly one of 'region' and 'group'", c.line, field);
  if (c.year == 0) return in_.error("missing key 'year'", c.line, field);
  if (c.level.has_value() == c.growth.has_value())
    return in_.error("give exactly one of 'level' and 'growth'", c.line, field);
  s_->conditions.push_back(std::move(c));
  return ok();
}

Status Parser::parse_drivers(Node n) {
  std::vector<std::string> known;
  for (Driver d : kDrivers) known.push_back(DriverToString(d));
  if (auto st = in_.expect_table(n, "drivers", "a table of drivers"); !st) {
    return st;
  }
  for (const Entry& d : n.entries_in_file_order()) {
    Driver driver;
    if (!StringToDriver(d.key, &driver)) {
      return in_.error("unknown driver '" + d.key + "'" +
                           suggestion(d.key, known) +
                           " (drivers: " + join_quoted(known) + ")",
                       d.key_line, "drivers." + d.key);
    }
    if (auto st = parse_driver(driver, d); !st) return st;
  }
  return ok();
}

Status Parser::parse_driver(Driver d, const Entry& e) {
  const std::string where = "drivers." + e.key;
  if (auto st = in_.expect_table(e.node, where, "a table"); !st) return st;
  const long table_line = e.node.line();
  note(where, table_line);
  DriverSpec spec;
  Given given;
  Node overrides;
  spec.all.line = table_line;
  if (auto st = parse_path(d, e.node, where, &spec.all, &given, &overrides);
      !st) {
    return st;
  }
  if (auto st = check_path(spec.all, given, where, table_line); !st) return st;
  if (overrides) {
    if (auto st = parse_overrides(d, overrides, where + ".regions", &spec);
        !st) {
      return st;
    }
  }
  s_->drivers[d] = std::move(spec);
  return ok();
}

Status Parser::parse_overrides(Driver d, Node n, const std::string& where,
                               DriverSpec* spec) {
  if (auto st = in_.expect_table(n, where, "a table of region = { overrides }");
      !st) {
    return st;
  }
  note(where, n.line());
  for (const Entry& r : n.entries_in_file_order()) {
    if (auto st = parse_override(d, r, where + "." + r.key, spec); !st) {
      return st;
    }
  }
  return ok();
}

Status Parser::parse_override(Driver d, const Entry& r,
                              const std::string& where, DriverSpec* spec) {
  if (!r.node.is_table()) {
    return in_.error(
        "a region override must be a table, not " + r.node.type_name(),
        r.node.line(), where);
  }
  if (r.key.empty()) return in_.error("empty region name", r.key_line, where);
  const long line = r.node.line();
  note(where, line);
  DriverPath over;
  over.line = line;
  Given given;
  if (auto st = parse_path(d, r.node, where, &over, &given, nullptr); !st) {
    return st;
  }
  // An override's kind is its effective kind: its own `path`, or the
  // driver's.
  if (!given.has("path")) over.kind = spec->all.kind;
  if (auto st = check_path(merge_raw(spec->all, over), given, where, line);
      !st) {
    return st;
  }
  spec->regions[r.key] = over;
  return ok();
}

Status Parser::parse_path(Driver d, Node t, const std::string& where,
                          DriverPath* p, Given* given, Node* overrides) {
  std::vector<std::string> known = {"path", "value",       "target", "change",
                                    "by",   "uncertainty", "values"};
  if (overrides != nullptr) known.push_back("regions");
  for (const Entry& e : t.entries_in_file_order()) {
    if (e.key == "regions" && overrides != nullptr) {
      *overrides = e.node;
      continue;
    }
    if (std::find(known.begin(), known.end(), e.key) == known.end()) {
      return in_.unknown_key(e, where, known);
    }
    const std::string field = where + "." + e.key;
    note(field, e.node.line());
    given->lines[e.key] = e.node.line();
    if (auto st = parse_path_key(d, e, field, p); !st) return st;
  }
  return check_target_or_change(*given, where);
}

Status Parser::parse_path_key(Driver d, const Entry& e,
                              const std::string& field, DriverPath* p) {
  const Node n = e.node;
  if (e.key == "path") {
    auto kind = in_.get_choice(n, field, "path", kinds());
    if (!kind) return tl::unexpected(kind.error());
    p->kind = static_cast<DriverPath::Kind>(*kind);
    return ok();
  }
  if (e.key == "value") return assign(get_driver_value(n, d, field), &p->value);
  if (e.key == "target") {
    return assign(get_driver_value(n, d, field), &p->target);
  }
  if (e.key == "change") return parse_change(d, n, field, p);
  if (e.key == "by") return assign(get_year(n, field), &p->by);
  if (e.key == "uncertainty") {
    TargetUncertainty u;
    if (auto st = parse_target_uncertainty(n, field, &u); !st) return st;
    p->uncertainty = u;
    return ok();
  }
  return parse_table(d, n, field, p);  // "values", the last known key
}

// A change may take a driver from one end of its range to the other.
Status Parser::parse_change(Driver d, Node n, const std::string& field,
                            DriverPath* p) const {
  auto v = in_.get_number(n, field);
  if (!v) return tl::unexpected(v.error());
  const auto [lo, hi] = driver_range(d);
  if (std::abs(*v) > hi - lo) {
    return in_.error("change " + format_number(*v) + " is out of range for " +
                         DriverToString(d) + " [" + format_number(lo - hi) +
                         ", " + format_number(hi - lo) + "]",
                     n.line(), field);
  }
  p->change = *v;
  return ok();
}

Status Parser::parse_table(Driver d, Node n, const std::string& field,
                           DriverPath* p) {
  if (auto st = in_.expect_table(n, field, "a table of \"year\" = value");
      !st) {
    return st;
  }
  if (n.size() == 0)
    return in_.error("needs at least one year", n.line(), field);
  for (const Entry& y : n.entries_in_file_order()) {
    if (auto st = parse_table_year(d, y, field, p); !st) return st;
  }
  return ok();
}

// Table years are keys, so TOML reads them as text.
Status Parser::parse_table_year(Driver d, const Entry& y,
                                const std::string& field, DriverPath* p) {
  const std::string yfield = field + "." + y.key;
  int year = 0;
  const char* first = y.key.data();
  const char* last = first + y.key.size();
  const auto [ptr, ec] = std::from_chars(first, last, year);
  if (ec != std::errc() || ptr != last || y.key.empty()) {
    return in_.error("\"" + y.key + "\" is not an integer year", y.key_line,
                     yfield);
  }
  if (year < kMinYear || year > kMaxYear) {
    return in_.error("year " + y.key + " is out of range (" +
                         std::to_string(kMinYear) + ".." +
                         std::to_string(kMaxYear) + ")",
                     y.key_line, yfield);
  }
  if (p->table.count(year) > 0) {
    return in_.error("year " + std::to_string(year) + " is given twice",
                     y.key_line, yfield);
  }
  auto v = get_driver_value(y.node, d, yfield);
  if (!v) return tl::unexpected(v.error());
  note(field + "." + std::to_string(year), y.node.line());
  p->table[year] = *v;
  return ok();
}

// The keys allowed depend on `dist`, so it is read first.
Status Parser::parse_target_uncertainty(Node n, const std::string& where,
                                        TargetUncertainty* u) {
  if (auto st = in_.expect_table(
          n, where, "a table such as { dist = \"normal\", sd = 0.002 }");
      !st) {
    return st;
  }
  const Node dist = n.get("dist");
  if (!dist) {
    return in_.error("missing 'dist' (\"normal\" or \"uniform\")", n.line(),
                     where + ".dist");
  }
  auto index = in_.get_choice(dist, where + ".dist", "dist", dists());
  if (!index) return tl::unexpected(index.error());
  u->dist = static_cast<TargetUncertainty::Dist>(*index);
  const std::vector<std::string> known =
      u->dist == TargetUncertainty::Dist::normal
          ? std::vector<std::string>{"dist", "sd"}
          : std::vector<std::string>{"dist", "low", "high"};
  note(where + ".dist", dist.line());
  for (const Entry& e : n.entries_in_file_order()) {
    if (auto st = parse_uncertainty_key(e, where, known, u); !st) return st;
  }
  return check_uncertainty_complete(n, where, known, *u);
}

Status Parser::parse_uncertainty_key(const Entry& e, const std::string& where,
                                     const std::vector<std::string>& known,
                                     TargetUncertainty* u) {
  const std::string field = where + "." + e.key;
  if (std::find(known.begin(), known.end(), e.key) == known.end()) {
    const std::string& name = dists()[static_cast<std::size_t>(u->dist)];
    return in_.unknown_key(e, where, known, " for dist = \"" + name + "\"");
  }
  if (e.key == "dist") return ok();
  note(field, e.node.line());
  auto v = in_.get_number(e.node, field);
  if (!v) return tl::unexpected(v.error());
  if (e.key == "sd") {
    if (*v < 0) {
      return in_.error("sd must not be negative", e.node.line(), field);
    }
    u->sd = *v;
  } else if (e.key == "low") {
    u->low = *v;
  } else {
    u->high = *v;
  }
  return ok();
}

Status Parser::check_uncertainty_complete(Node n, const std::string& where,
                                          const std::vector<std::string>& known,
                                          const TargetUncertainty& u) const {
  const std::string& name = dists()[static_cast<std::size_t>(u.dist)];
  for (const std::string& k : known) {
    if (k != "dist" && !n.get(k)) {
      return in_.error("dist = \"" + name + "\" needs '" + k + "'", n.line(),
                       where + "." + k);
    }
  }
  if (u.dist == TargetUncertainty::Dist::uniform && u.low > u.high) {
    return in_.error("low (" + format_number(u.low) +
                         ") must not be greater than high (" +
                         format_number(u.high) + ")",
                     n.get("low").line(), where + ".low");
  }
  return ok();
}

// Reported at the later of the two keys, the one that made the pair.
Status Parser::check_target_or_change(const Given& given,
                                      const std::string& where) const {
  if (!given.has("target") || !given.has("change")) return ok();
  const long line = std::max(given.at("target"), given.at("change"));
  return in_.error(
      "give either 'target' or 'change', not both", line,
      where + "." +
          (given.at("change") >= given.at("target") ? "change" : "target"));
}

// Checks a driver's path (for an override: merged over the driver's): a ramp
// has `by` and a target, a table has values, and no key given in this table
// is one the path does not use.
Status Parser::check_path(const DriverPath& p, const Given& given,
                          const std::string& where, long table_line) const {
  const long here = given.has("path") ? given.at("path") : table_line;
  if (p.kind == DriverPath::Kind::ramp) {
    if (p.by == 0) {
      return in_.error(
          "path = \"ramp\" needs 'by', the year the target is reached", here,
          where + ".by");
    }
    if (!p.target && !p.change) {
      return in_.error(
          "path = \"ramp\" needs 'target' (a level) or 'change' (from "
          "the baseline)",
          here, where + ".target");
    }
  }
  if (p.kind == DriverPath::Kind::table && p.table.empty()) {
    return in_.error(
        "path = \"table\" needs 'values' = { \"year\" = value, ... }", here,
        where + ".values");
  }
  return check_keys_used(p, given, where);
}

Status Parser::check_keys_used(const DriverPath& p, const Given& given,
                               const std::string& where) const {
  struct Use {
    const char* key;
    DriverPath::Kind kind;
  };
  static constexpr Use kUses[] = {
      {"value", DriverPath::Kind::constant},
      {"target", DriverPath::Kind::ramp},
      {"change", DriverPath::Kind::ramp},
      {"by", DriverPath::Kind::ramp},
      {"uncertainty", DriverPath::Kind::ramp},
      {"values", DriverPath::Kind::table},
  };
  const std::string kind = kind_name(p.kind);
  for (const Use& use : kUses) {
    if (!given.has(use.key) || p.kind == use.kind) continue;
    std::string message =
        std::string("'") + use.key + "' is only used with path = \"" +
        kind_name(use.kind) + "\", and this path is \"" + kind + "\"";
    if (std::string_view(use.key) == "uncertainty") {
      message =
          "uncertainty is only allowed on a ramp's target, and this "
          "path is \"" +
          kind + "\"";
    }
    return in_.error(message, given.at(use.key), where + "." + use.key);
  }
  return ok();
}

}  // namespace

std::string DriverToString(Driver d) {
  switch (d) {
    case Driver::rd_intensity:
      return "rd_intensity";
    case Driver::investment_rate:
      return "investment_rate";
    case Driver::labour_growth:
      return "labour_growth";
    case Driver::depreciation:
      return "depreciation";
  }
  return "unknown";
}

bool StringToDriver(const std::string& text, Driver* d) {
  for (Driver candidate : kDrivers) {
    if (DriverToString(candidate) == text) {
      *d = candidate;
      return true;
    }
  }
  return false;
}

long Scenario::line_of(const std::string& key) const {
  auto it = lines.find(key);
  return it == lines.end() ? 0 : it->second;
}

DriverPath Scenario::path_for(Driver d, const std::string& region) const {
  auto spec = drivers.find(d);
  if (spec == drivers.end()) return DriverPath{};
  auto over = spec->second.regions.find(region);
  if (over == spec->second.regions.end()) return clean(spec->second.all);
  return clean(merge_raw(spec->second.all, over->second));
}

int output_index(const std::string& name) {
  for (std::size_t v = 0; v < kOutputNames.size(); ++v)
    if (name == kOutputNames[v]) return int(v);
  return -1;
}

Result<std::vector<int>> parse_output_list(const std::string& text,
                                           const std::string& flag) {
  std::vector<int> out;
  if (text == "all") return out;
  const std::vector<std::string> known(kOutputNames.begin(),
                                       kOutputNames.end());
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string name = text.substr(
        start, comma == std::string::npos ? std::string::npos : comma - start);
    if (name.empty())
      return usage_error("empty variable name in '" + text + "'", flag);
    const int v = output_index(name);
    if (v < 0)
      return usage_error("unknown output variable '" + name + "'" +
                             suggestion(name, known) +
                             " (known: " + join_quoted(known) + ")",
                         flag);
    if (std::find(out.begin(), out.end(), v) != out.end())
      return usage_error("variable '" + name + "' is listed twice", flag);
    out.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::sort(out.begin(), out.end());
  if (out.size() == kOutputNames.size()) out.clear();  // all
  return out;
}

namespace {
std::string output_names(const std::vector<int>& outputs) {
  if (outputs.empty()) return "all";
  std::vector<std::string> names;
  for (int v : outputs) names.emplace_back(kOutputNames[std::size_t(v)]);
  return "[" + join_quoted(names) + "]";
}
}  // namespace

Status check_outputs(const std::vector<Scenario>& scenarios, bool overridden) {
  for (const Scenario& s : scenarios) {
    const bool gdp = s.outputs.empty() || s.outputs.front() == 0;
    if (!s.targets.empty() && !gdp) {
      if (overridden)
        return usage_error(
            "must include gdp: the scenario '" + s.file +
                "' has [[targets]], whose outcome is GDP's median",
            "--outputs");
      return fail(
          "must include 'gdp': the scenario's [[targets]] report "
          "GDP's median",
          s.file, s.line_of("outputs"), "outputs");
    }
  }
  for (const Scenario& s : scenarios)
    if (s.outputs != scenarios.front().outputs)
      return fail("reports " + output_names(s.outputs) + " but '" +
                      scenarios.front().file + "' reports " +
                      output_names(scenarios.front().outputs) +
                      "; scenarios written to one file report the same "
                      "variables (run them separately or pass --outputs)",
                  s.file, s.line_of("outputs"), "outputs");
  return ok();
}

Result<Scenario> parse_scenario(const std::string& text,
                                const std::string& file) {
  Scenario s;
  s.file = file;
  s.text = text;
  auto doc = toml_reader::Document::parse(text, file);
  if (!doc) return tl::unexpected(doc.error());
  Parser parser(file, &s);
  if (auto st = parser.parse(doc->root()); !st) {
    return tl::unexpected(st.error());
  }
  return s;
}

Result<Scenario> read_scenario(const std::filesystem::path& path) {
  auto text = read_text_file(path, "scenario file");
  if (!text) return tl::unexpected(text.error());
  return parse_scenario(*text, path.string());
}

}  // namespace growthcast::scenario
