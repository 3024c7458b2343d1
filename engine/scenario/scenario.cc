#include "scenario/scenario.h"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/text_file.h"

namespace growthcast::scenario {

namespace {

constexpr std::array<Driver, kDriverCount> kDrivers = {
    Driver::rd_intensity, Driver::investment_rate, Driver::labour_growth,
    Driver::depreciation};

constexpr int kMinYear = 1901;  // years must be after 1900
constexpr int kMaxYear = 9999;
constexpr std::int64_t kMaxDraws = 1000000000;

// The range a driver's values (constant value, ramp target, table values)
// must lie in.
std::pair<double, double> driver_range(Driver d) {
  if (d == Driver::labour_growth) return {-0.5, 0.5};
  return {0.0, 1.0};
}

std::string format_number(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "; did you mean 'x'?" when one of `known` is close to `word`, else "".
std::string suggestion(const std::string& word,
                       const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_distance = 0;
  for (const std::string& k : known) {
    const std::size_t dist = edit_distance(word, k);
    if (best.empty() || dist < best_distance) {
      best = k;
      best_distance = dist;
    }
  }
  if (best.empty()) return {};
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  if (best_distance > limit || best_distance >= word.size()) return {};
  return "; did you mean '" + best + "'?";
}

std::string join_quoted(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " or " : ", ";
    out += "'" + names[i] + "'";
  }
  return out;
}

long line_of_node(const toml::node& n) {
  return static_cast<long>(n.source().begin.line);
}

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number with a fraction";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date or time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

struct Entry {
  std::string key;
  long key_line;
  const toml::node* node;
};

// A table's entries in the order they appear in the file, so that the first
// error reported is the first one in the file.
std::vector<Entry> in_file_order(const toml::table& t) {
  std::vector<Entry> out;
  for (auto&& [k, v] : t) {
    out.push_back(Entry{std::string(k.str()),
                        static_cast<long>(k.source().begin.line), &v});
  }
  std::stable_sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
    const auto& sa = a.node->source().begin;
    const auto& sb = b.node->source().begin;
    if (sa.line != sb.line) return sa.line < sb.line;
    return sa.column < sb.column;
  });
  return out;
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

std::string kind_name(DriverPath::Kind k) {
  switch (k) {
    case DriverPath::Kind::hold:
      return "hold";
    case DriverPath::Kind::constant:
      return "constant";
    case DriverPath::Kind::ramp:
      return "ramp";
    case DriverPath::Kind::table:
      return "table";
  }
  return "hold";
}

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

class Parser {
 public:
  Parser(std::string file, Scenario* s) : file_(std::move(file)), s_(s) {}

  Status parse(const toml::table& root);

 private:
  tl::unexpected<Error> error(std::string message, long line,
                              std::string field) const {
    return fail(std::move(message), file_, line, std::move(field));
  }

  void note(const std::string& path, long line) { s_->lines[path] = line; }

  Status unknown_key(const Entry& e, const std::string& where,
                     const std::vector<std::string>& known) const {
    const std::string field = where.empty() ? e.key : where + "." + e.key;
    return error("unknown key '" + e.key + "'" + suggestion(e.key, known) +
                     " (known keys here: " + join_quoted(known) + ")",
                 e.key_line, field);
  }

  Result<std::string> get_string(const toml::node& n,
                                 const std::string& field) const {
    if (const auto* v = n.as_string()) return v->get();
    return error("must be a string, not " + type_name(n), line_of_node(n),
                 field);
  }

  Result<std::int64_t> get_integer(const toml::node& n,
                                   const std::string& field) const {
    if (const auto* v = n.as_integer()) return v->get();
    return error("must be an integer, not " + type_name(n), line_of_node(n),
                 field);
  }

  Result<bool> get_bool(const toml::node& n, const std::string& field) const {
    if (const auto* v = n.as_boolean()) return v->get();
    return error("must be true or false, not " + type_name(n), line_of_node(n),
                 field);
  }

  // A number: integers are accepted where a fraction is expected.
  Result<double> get_number(const toml::node& n,
                            const std::string& field) const {
    double x = 0.0;
    if (const auto* f = n.as_floating_point()) {
      x = f->get();
    } else if (const auto* i = n.as_integer()) {
      x = static_cast<double>(i->get());
    } else {
      return error("must be a number, not " + type_name(n), line_of_node(n),
                   field);
    }
    if (!std::isfinite(x)) {
      return error("must be a finite number", line_of_node(n), field);
    }
    return x;
  }

  Result<int> get_year(const toml::node& n, const std::string& field) const {
    if (n.is_floating_point()) {
      return error("must be an integer year, not a number with a fraction",
                   line_of_node(n), field);
    }
    auto v = get_integer(n, field);
    if (!v) return tl::unexpected(v.error());
    if (*v < kMinYear || *v > kMaxYear) {
      return error("year " + std::to_string(*v) + " is out of range (" +
                       std::to_string(kMinYear) + ".." +
                       std::to_string(kMaxYear) + ")",
                   line_of_node(n), field);
    }
    return static_cast<int>(*v);
  }

  // A value of driver d: a number in the driver's range.
  Result<double> get_driver_value(const toml::node& n, Driver d,
                                  const std::string& field) const {
    auto x = get_number(n, field);
    if (!x) return x;
    const auto [lo, hi] = driver_range(d);
    if (*x < lo || *x > hi) {
      return error(format_number(*x) + " is out of range for " +
                       DriverToString(d) + " [" + format_number(lo) + ", " +
                       format_number(hi) + "]",
                   line_of_node(n), field);
    }
    return x;
  }

  Result<std::vector<std::pair<std::string, long>>> get_names(
      const toml::node& n, const std::string& field, const char* what);

  Status parse_regions(const Entry& e);
  Status parse_groups(const Entry& e);
  Status parse_uncertainty(const Entry& e);
  Status parse_drivers(const Entry& e);
  Status parse_driver(Driver d, const Entry& e);
  // One driver table or region override into *p; `overrides` receives the
  // driver table's `regions` entry when allowed (nullptr for overrides).
  Status parse_path(Driver d, const toml::table& t, const std::string& where,
                    DriverPath* p, Given* given, const toml::node** overrides);
  Status parse_target_uncertainty(const toml::node& n, const std::string& where,
                                  TargetUncertainty* u);
  Status check_path(const DriverPath& p, const Given& given,
                    const std::string& where, long table_line) const;

  std::string file_;
  Scenario* s_;
};

Result<std::vector<std::pair<std::string, long>>> Parser::get_names(
    const toml::node& n, const std::string& field, const char* what) {
  const auto* arr = n.as_array();
  if (arr == nullptr) {
    return error(std::string("must be an array of ") + what + " names, not " +
                     type_name(n),
                 line_of_node(n), field);
  }
  if (arr->empty()) {
    return error(std::string("needs at least one ") + what, line_of_node(n),
                 field);
  }
  std::vector<std::pair<std::string, long>> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::node& item = *arr->get(i);
    const std::string item_field = field + "[" + std::to_string(i) + "]";
    auto name = get_string(item, item_field);
    if (!name) return tl::unexpected(name.error());
    if (name->empty()) {
      return error(std::string("empty ") + what + " name", line_of_node(item),
                   field);
    }
    if (!seen.insert(*name).second) {
      return error(std::string(what) + " '" + *name + "' is listed twice",
                   line_of_node(item), field);
    }
    note(item_field, line_of_node(item));
    out.emplace_back(*name, line_of_node(item));
  }
  return out;
}

Status Parser::parse(const toml::table& root) {
  static const std::vector<std::string> kKnown = {
      "name", "description", "calibration", "horizon",     "draws",
      "seed", "regions",     "groups",      "uncertainty", "drivers"};
  bool have_name = false, have_horizon = false;
  for (const Entry& e : in_file_order(root)) {
    const toml::node& n = *e.node;
    note(e.key, line_of_node(n));
    if (e.key == "name") {
      auto v = get_string(n, e.key);
      if (!v) return tl::unexpected(v.error());
      if (v->empty())
        return error("must not be empty", line_of_node(n), "name");
      s_->name = *v;
      have_name = true;
    } else if (e.key == "description") {
      auto v = get_string(n, e.key);
      if (!v) return tl::unexpected(v.error());
      s_->description = *v;
    } else if (e.key == "calibration") {
      auto v = get_string(n, e.key);
      if (!v) return tl::unexpected(v.error());
      if (v->empty()) {
        return error(
            "must not be empty (leave it out to calibrate the shipped "
            "data)",
            line_of_node(n), e.key);
      }
      s_->calibration = *v;
    } else if (e.key == "horizon") {
      auto v = get_year(n, e.key);
      if (!v) return tl::unexpected(v.error());
      s_->horizon = *v;
      have_horizon = true;
    } else if (e.key == "draws") {
      auto v = get_integer(n, e.key);
      if (!v) return tl::unexpected(v.error());
      if (*v < 1 || *v > kMaxDraws) {
        return error(
            "draws " + std::to_string(*v) + " is out of range (1..1000000000)",
            line_of_node(n), e.key);
      }
      s_->draws = *v;
    } else if (e.key == "seed") {
      auto v = get_integer(n, e.key);
      if (!v) return tl::unexpected(v.error());
      if (*v < 0) {
        return error("seed must be a non-negative integer", line_of_node(n),
                     e.key);
      }
      s_->seed = static_cast<std::uint64_t>(*v);
    } else if (e.key == "regions") {
      if (auto st = parse_regions(e); !st) return st;
    } else if (e.key == "groups") {
      if (auto st = parse_groups(e); !st) return st;
    } else if (e.key == "uncertainty") {
      if (auto st = parse_uncertainty(e); !st) return st;
    } else if (e.key == "drivers") {
      if (auto st = parse_drivers(e); !st) return st;
    } else {
      return unknown_key(e, "", kKnown);
    }
  }
  if (!have_name) return error("missing required key 'name'", 1, "name");
  if (!have_horizon) {
    return error("missing required key 'horizon' (the last projection year)", 1,
                 "horizon");
  }
  // Groups are summed per draw, so their members must be projected.
  if (!s_->regions.empty()) {
    for (const auto& [group, members] : s_->groups) {
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (std::find(s_->regions.begin(), s_->regions.end(), members[i]) ==
            s_->regions.end()) {
          const std::string field = "groups." + group;
          return error("member '" + members[i] + "' of group '" + group +
                           "' is not among the scenario's regions",
                       s_->line_of(field + "[" + std::to_string(i) + "]"),
                       field);
        }
      }
    }
  }
  return ok();
}

Status Parser::parse_regions(const Entry& e) {
  const toml::node& n = *e.node;
  if (const auto* str = n.as_string()) {
    if (str->get() == "all") {
      s_->regions.clear();
      return ok();
    }
    return error(
        "must be \"all\" or an array of region names, not the "
        "string \"" +
            str->get() + "\"",
        line_of_node(n), "regions");
  }
  auto names = get_names(n, "regions", "region");
  if (!names) return tl::unexpected(names.error());
  s_->regions.clear();
  for (const auto& [name, line] : *names) s_->regions.push_back(name);
  return ok();
}

Status Parser::parse_groups(const Entry& e) {
  const auto* t = e.node->as_table();
  if (t == nullptr) {
    return error(
        "must be a table of group = [members], not " + type_name(*e.node),
        line_of_node(*e.node), "groups");
  }
  for (const Entry& g : in_file_order(*t)) {
    const std::string field = "groups." + g.key;
    if (g.key.empty()) return error("empty group name", g.key_line, field);
    note(field, line_of_node(*g.node));
    auto names = get_names(*g.node, field, "region");
    if (!names) return tl::unexpected(names.error());
    auto& members = s_->groups[g.key];
    for (const auto& [name, line] : *names) members.push_back(name);
  }
  return ok();
}

Status Parser::parse_uncertainty(const Entry& e) {
  static const std::vector<std::string> kKnown = {"parameters", "shocks"};
  const auto* t = e.node->as_table();
  if (t == nullptr) {
    return error("must be a table with keys 'parameters' and 'shocks', not " +
                     type_name(*e.node),
                 line_of_node(*e.node), "uncertainty");
  }
  for (const Entry& u : in_file_order(*t)) {
    const std::string field = "uncertainty." + u.key;
    note(field, line_of_node(*u.node));
    if (u.key == "parameters" || u.key == "shocks") {
      auto v = get_bool(*u.node, field);
      if (!v) return tl::unexpected(v.error());
      (u.key == "parameters" ? s_->parameter_uncertainty
                             : s_->shock_uncertainty) = *v;
    } else {
      return unknown_key(u, "uncertainty", kKnown);
    }
  }
  return ok();
}

Status Parser::parse_drivers(const Entry& e) {
  std::vector<std::string> known;
  for (Driver d : kDrivers) known.push_back(DriverToString(d));
  const auto* t = e.node->as_table();
  if (t == nullptr) {
    return error("must be a table of drivers, not " + type_name(*e.node),
                 line_of_node(*e.node), "drivers");
  }
  for (const Entry& d : in_file_order(*t)) {
    Driver driver;
    if (!StringToDriver(d.key, &driver)) {
      return error("unknown driver '" + d.key + "'" + suggestion(d.key, known) +
                       " (drivers: " + join_quoted(known) + ")",
                   d.key_line, "drivers." + d.key);
    }
    if (auto st = parse_driver(driver, d); !st) return st;
  }
  return ok();
}

Status Parser::parse_driver(Driver d, const Entry& e) {
  const std::string where = "drivers." + e.key;
  const auto* t = e.node->as_table();
  if (t == nullptr) {
    return error("must be a table, not " + type_name(*e.node),
                 line_of_node(*e.node), where);
  }
  const long table_line = line_of_node(*e.node);
  note(where, table_line);
  DriverSpec spec;
  Given given;
  const toml::node* overrides = nullptr;
  spec.all.line = table_line;
  if (auto st = parse_path(d, *t, where, &spec.all, &given, &overrides); !st) {
    return st;
  }
  if (auto st = check_path(spec.all, given, where, table_line); !st) return st;

  if (overrides != nullptr) {
    const std::string rwhere = where + ".regions";
    const auto* rt = overrides->as_table();
    if (rt == nullptr) {
      return error("must be a table of region = { overrides }, not " +
                       type_name(*overrides),
                   line_of_node(*overrides), rwhere);
    }
    note(rwhere, line_of_node(*overrides));
    for (const Entry& r : in_file_order(*rt)) {
      const std::string owhere = rwhere + "." + r.key;
      const auto* ot = r.node->as_table();
      if (ot == nullptr) {
        return error(
            "a region override must be a table, not " + type_name(*r.node),
            line_of_node(*r.node), owhere);
      }
      if (r.key.empty()) return error("empty region name", r.key_line, owhere);
      const long oline = line_of_node(*r.node);
      note(owhere, oline);
      DriverPath over;
      over.line = oline;
      Given ogiven;
      if (auto st = parse_path(d, *ot, owhere, &over, &ogiven, nullptr); !st) {
        return st;
      }
      // An override's kind is its effective kind: its own `path`, or the
      // driver's.
      if (!ogiven.has("path")) over.kind = spec.all.kind;
      if (auto st =
              check_path(merge_raw(spec.all, over), ogiven, owhere, oline);
          !st) {
        return st;
      }
      spec.regions[r.key] = over;
    }
  }
  s_->drivers[d] = std::move(spec);
  return ok();
}

Status Parser::parse_path(Driver d, const toml::table& t,
                          const std::string& where, DriverPath* p, Given* given,
                          const toml::node** overrides) {
  std::vector<std::string> known = {"path", "value",       "target", "change",
                                    "by",   "uncertainty", "values"};
  if (overrides != nullptr) known.push_back("regions");
  for (const Entry& e : in_file_order(t)) {
    const toml::node& n = *e.node;
    const std::string field = where + "." + e.key;
    const long line = line_of_node(n);
    if (e.key == "regions" && overrides != nullptr) {
      *overrides = e.node;
      continue;
    }
    if (std::find(known.begin(), known.end(), e.key) == known.end()) {
      return unknown_key(e, where, known);
    }
    note(field, line);
    given->lines[e.key] = line;
    if (e.key == "path") {
      static const std::vector<std::string> kKinds = {"hold", "constant",
                                                      "ramp", "table"};
      auto v = get_string(n, field);
      if (!v) return tl::unexpected(v.error());
      if (*v == "hold") {
        p->kind = DriverPath::Kind::hold;
      } else if (*v == "constant") {
        p->kind = DriverPath::Kind::constant;
      } else if (*v == "ramp") {
        p->kind = DriverPath::Kind::ramp;
      } else if (*v == "table") {
        p->kind = DriverPath::Kind::table;
      } else {
        return error("unknown path \"" + *v + "\"" + suggestion(*v, kKinds) +
                         " (paths: " + join_quoted(kKinds) + ")",
                     line, field);
      }
    } else if (e.key == "value") {
      auto v = get_driver_value(n, d, field);
      if (!v) return tl::unexpected(v.error());
      p->value = *v;
    } else if (e.key == "target") {
      auto v = get_driver_value(n, d, field);
      if (!v) return tl::unexpected(v.error());
      p->target = *v;
    } else if (e.key == "change") {
      auto v = get_number(n, field);
      if (!v) return tl::unexpected(v.error());
      const auto [lo, hi] = driver_range(d);
      if (std::abs(*v) > hi - lo) {
        return error("change " + format_number(*v) + " is out of range for " +
                         DriverToString(d) + " [" + format_number(lo - hi) +
                         ", " + format_number(hi - lo) + "]",
                     line, field);
      }
      p->change = *v;
    } else if (e.key == "by") {
      auto v = get_year(n, field);
      if (!v) return tl::unexpected(v.error());
      p->by = *v;
    } else if (e.key == "uncertainty") {
      TargetUncertainty u;
      if (auto st = parse_target_uncertainty(n, field, &u); !st) return st;
      p->uncertainty = u;
    } else if (e.key == "values") {
      const auto* vt = n.as_table();
      if (vt == nullptr) {
        return error("must be a table of \"year\" = value, not " + type_name(n),
                     line, field);
      }
      if (vt->empty()) return error("needs at least one year", line, field);
      for (const Entry& y : in_file_order(*vt)) {
        const std::string yfield = field + "." + y.key;
        int year = 0;
        const char* first = y.key.data();
        const char* last = first + y.key.size();
        const auto [ptr, ec] = std::from_chars(first, last, year);
        if (ec != std::errc() || ptr != last || y.key.empty()) {
          return error("\"" + y.key + "\" is not an integer year", y.key_line,
                       yfield);
        }
        if (year < kMinYear || year > kMaxYear) {
          return error("year " + y.key + " is out of range (" +
                           std::to_string(kMinYear) + ".." +
                           std::to_string(kMaxYear) + ")",
                       y.key_line, yfield);
        }
        if (p->table.count(year) > 0) {
          return error("year " + std::to_string(year) + " is given twice",
                       y.key_line, yfield);
        }
        auto v = get_driver_value(*y.node, d, yfield);
        if (!v) return tl::unexpected(v.error());
        note(field + "." + std::to_string(year), line_of_node(*y.node));
        p->table[year] = *v;
      }
    }
  }
  if (given->has("target") && given->has("change")) {
    const long line = std::max(given->at("target"), given->at("change"));
    return error(
        "give either 'target' or 'change', not both", line,
        where + "." +
            (given->at("change") >= given->at("target") ? "change" : "target"));
  }
  return ok();
}

Status Parser::parse_target_uncertainty(const toml::node& n,
                                        const std::string& where,
                                        TargetUncertainty* u) {
  static const std::vector<std::string> kDists = {"normal", "uniform"};
  const auto* t = n.as_table();
  if (t == nullptr) {
    return error(
        "must be a table such as { dist = \"normal\", sd = 0.002 }, not " +
            type_name(n),
        line_of_node(n), where);
  }
  const toml::node* dist = t->get("dist");
  if (dist == nullptr) {
    return error("missing 'dist' (\"normal\" or \"uniform\")", line_of_node(n),
                 where + ".dist");
  }
  auto name = get_string(*dist, where + ".dist");
  if (!name) return tl::unexpected(name.error());
  std::vector<std::string> known = {"dist"};
  if (*name == "normal") {
    u->dist = TargetUncertainty::Dist::normal;
    known.push_back("sd");
  } else if (*name == "uniform") {
    u->dist = TargetUncertainty::Dist::uniform;
    known.push_back("low");
    known.push_back("high");
  } else {
    return error("unknown dist \"" + *name + "\"" + suggestion(*name, kDists) +
                     " (dists: " + join_quoted(kDists) + ")",
                 line_of_node(*dist), where + ".dist");
  }
  note(where + ".dist", line_of_node(*dist));
  for (const Entry& e : in_file_order(*t)) {
    const std::string field = where + "." + e.key;
    if (std::find(known.begin(), known.end(), e.key) == known.end()) {
      return error("unknown key '" + e.key + "' for dist = \"" + *name + "\"" +
                       suggestion(e.key, known) +
                       " (known keys here: " + join_quoted(known) + ")",
                   e.key_line, field);
    }
    if (e.key == "dist") continue;
    note(field, line_of_node(*e.node));
    auto v = get_number(*e.node, field);
    if (!v) return tl::unexpected(v.error());
    if (e.key == "sd") {
      if (*v < 0) {
        return error("sd must not be negative", line_of_node(*e.node), field);
      }
      u->sd = *v;
    } else if (e.key == "low") {
      u->low = *v;
    } else {
      u->high = *v;
    }
  }
  for (const std::string& k : known) {
    if (k != "dist" && t->get(k) == nullptr) {
      return error("dist = \"" + *name + "\" needs '" + k + "'",
                   line_of_node(n), where + "." + k);
    }
  }
  if (u->dist == TargetUncertainty::Dist::uniform && u->low > u->high) {
    return error("low (" + format_number(u->low) +
                     ") must not be greater than high (" +
                     format_number(u->high) + ")",
                 line_of_node(*t->get("low")), where + ".low");
  }
  return ok();
}

// Checks a driver's path (for an override: merged over the driver's): a ramp
// has `by` and a target, a table has values, and no key given in this table
// is one the path does not use.
Status Parser::check_path(const DriverPath& p, const Given& given,
                          const std::string& where, long table_line) const {
  const long here = given.has("path") ? given.at("path") : table_line;
  const std::string kind = kind_name(p.kind);
  if (p.kind == DriverPath::Kind::ramp) {
    if (p.by == 0) {
      return error("path = \"ramp\" needs 'by', the year the target is reached",
                   here, where + ".by");
    }
    if (!p.target && !p.change) {
      return error(
          "path = \"ramp\" needs 'target' (a level) or 'change' (from "
          "the baseline)",
          here, where + ".target");
    }
  }
  if (p.kind == DriverPath::Kind::table && p.table.empty()) {
    return error("path = \"table\" needs 'values' = { \"year\" = value, ... }",
                 here, where + ".values");
  }
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
  for (const Use& use : kUses) {
    if (given.has(use.key) && p.kind != use.kind) {
      std::string message =
          std::string("'") + use.key + "' is only used with path = \"" +
          kind_name(use.kind) + "\", and this path is \"" + kind + "\"";
      if (std::string_view(use.key) == "uncertainty") {
        message =
            "uncertainty is only allowed on a ramp's target, and this "
            "path is \"" +
            kind + "\"";
      }
      return error(message, given.at(use.key), where + "." + use.key);
    }
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

Result<Scenario> parse_scenario(const std::string& text,
                                const std::string& file) {
  Scenario s;
  s.file = file;
  s.text = text;
  toml::table root;
  try {
    root = toml::parse(std::string_view(text), std::string_view(file));
  } catch (const toml::parse_error& e) {
    return fail("TOML syntax: " + std::string(e.description()), file,
                static_cast<long>(e.source().begin.line));
  }
  Parser parser(file, &s);
  if (auto st = parser.parse(root); !st) return tl::unexpected(st.error());
  return s;
}

Result<Scenario> read_scenario(const std::filesystem::path& path) {
  auto text = read_text_file(path, "scenario file");
  if (!text) return tl::unexpected(text.error());
  return parse_scenario(*text, path.string());
}

Status check_against_data(const Scenario& s,
                          const std::vector<std::string>& regions,
                          int last_data_year) {
  const std::set<std::string> known(regions.begin(), regions.end());
  auto unknown = [&](const std::string& name, long line,
                     const std::string& field) {
    return fail("unknown region '" + name + "'" + suggestion(name, regions) +
                    " (not in the data)",
                s.file, line, field);
  };
  for (std::size_t i = 0; i < s.regions.size(); ++i) {
    if (known.count(s.regions[i]) == 0) {
      long line = s.line_of("regions[" + std::to_string(i) + "]");
      if (line == 0) line = s.line_of("regions");
      return unknown(s.regions[i], line, "regions");
    }
  }
  for (const auto& [group, members] : s.groups) {
    const std::string field = "groups." + group;
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (known.count(members[i]) == 0) {
        long line = s.line_of(field + "[" + std::to_string(i) + "]");
        if (line == 0) line = s.line_of(field);
        return unknown(members[i], line, field);
      }
    }
  }
  if (s.horizon <= last_data_year) {
    return fail("horizon " + std::to_string(s.horizon) +
                    " must be after the last data year " +
                    std::to_string(last_data_year),
                s.file, s.line_of("horizon"), "horizon");
  }
  for (const auto& [driver, spec] : s.drivers) {
    const std::string where = "drivers." + DriverToString(driver);
    auto check_years = [&](const DriverPath& p,
                           const std::string& at) -> Status {
      if (p.kind == DriverPath::Kind::ramp && p.by != 0 &&
          p.by <= last_data_year) {
        long line = s.line_of(at + ".by");
        if (line == 0) line = s.line_of(where + ".by");
        if (line == 0) line = p.line;
        return fail("ramp year 'by' = " + std::to_string(p.by) +
                        " must be after the last data year " +
                        std::to_string(last_data_year),
                    s.file, line, at + ".by");
      }
      if (p.kind == DriverPath::Kind::table) {
        for (const auto& [year, value] : p.table) {
          if (year <= last_data_year) {
            const std::string yfield = at + ".values." + std::to_string(year);
            long line = s.line_of(yfield);
            if (line == 0) line = s.line_of(where + ".values");
            if (line == 0) line = p.line;
            return fail("table year " + std::to_string(year) +
                            " must be after the last data year " +
                            std::to_string(last_data_year),
                        s.file, line, yfield);
          }
        }
      }
      return ok();
    };
    if (auto st = check_years(clean(spec.all), where); !st) return st;
    for (const auto& [region, over] : spec.regions) {
      const std::string at = where + ".regions." + region;
      if (known.count(region) == 0) {
        long line = s.line_of(at);
        if (line == 0) line = over.line;
        return unknown(region, line, at);
      }
      if (auto st = check_years(s.path_for(driver, region), at); !st) {
        return st;
      }
    }
  }
  return ok();
}

}  // namespace growthcast::scenario
