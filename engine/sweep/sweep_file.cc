#include "sweep/sweep_file.h"

#include <toml++/toml.h>

#include <charconv>
#include <fstream>
#include <sstream>

#include "common/text_file.h"
#include "store/result_file.h"

namespace growthcast::sweep {
namespace {

// The largest sweep read_sweep accepts (points, over all axes).
constexpr std::int64_t kMaxPoints = 10000;

long line_of(const toml::node& node) {
  return static_cast<long>(node.source().begin.line);
}

Result<AxisValue> axis_value(const toml::node& node, const std::string& file,
                             const std::string& key) {
  if (auto v = node.as_floating_point()) return AxisValue(v->get());
  if (auto v = node.as_integer()) return AxisValue(std::int64_t(v->get()));
  if (auto v = node.as_boolean()) return AxisValue(v->get());
  if (auto v = node.as_string()) return AxisValue(v->get());
  return fail("axis values must be numbers, booleans or strings", file,
              line_of(node), "axes." + key);
}

std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

// Sets `value` at the dotted key in `table`, creating tables on the way.
bool apply(toml::table& table, const std::string& key, const AxisValue& value) {
  const auto parts = split_key(key);
  toml::table* at = &table;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    toml::node* next = at->get(parts[i]);
    if (next == nullptr) {
      at->insert(parts[i], toml::table{});
      next = at->get(parts[i]);
    }
    at = next->as_table();
    if (at == nullptr) return false;
  }
  std::visit([&](const auto& v) { at->insert_or_assign(parts.back(), v); },
             value);
  return true;
}

}  // namespace

std::string AxisValueToString(const AxisValue& v) {
  if (const auto* d = std::get_if<double>(&v)) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", *d);
    return buffer;
  }
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  return std::get<std::string>(v);
}

std::int64_t SweepDefinition::points() const {
  std::int64_t n = 1;
  for (const auto& axis : axes) n *= std::int64_t(axis.values.size());
  return n;
}

std::vector<std::size_t> SweepDefinition::coordinates(
    std::int64_t point) const {
  std::vector<std::size_t> out(axes.size());
  for (std::size_t a = axes.size(); a-- > 0;) {
    const auto size = std::int64_t(axes[a].values.size());
    out[a] = std::size_t(point % size);
    point /= size;
  }
  return out;
}

Result<scenario::Scenario> SweepDefinition::point(std::int64_t k) const {
  toml::table table;
  try {
    table = toml::parse(base_text, base_file);
  } catch (const toml::parse_error& e) {
    return fail(std::string("TOML syntax: ") + std::string(e.description()),
                base_file, long(e.source().begin.line));
  }
  const auto at = coordinates(k);
  for (std::size_t a = 0; a < axes.size(); ++a)
    if (!apply(table, axes[a].key, axes[a].values[at[a]]))
      return fail("the key does not lead into a table of the scenario", file,
                  axes[a].line, "axes." + axes[a].key);
  if (draws > 0) table.insert_or_assign("draws", draws);
  if (seed >= 0) table.insert_or_assign("seed", seed);
  // The calibration is the sweep's, not the base file's relative path.
  table.erase("calibration");
  std::ostringstream point_text;
  point_text << table << "\n";
  auto parsed = scenario::parse_scenario(point_text.str(), base_file);
  if (!parsed) {
    // Name the axis values of this point: the generated text has no lines
    // the user wrote.
    std::string values;
    for (std::size_t a = 0; a < axes.size(); ++a)
      values += (values.empty() ? "" : ", ") + axes[a].key + " = " +
                AxisValueToString(axes[a].values[at[a]]);
    const std::string field = parsed.error().field;
    // The axis the error is about: its key, a table on its path, or the
    // first axis when the base itself is at fault.
    long line = 0;
    for (const auto& axis : axes)
      if (line == 0 &&
          (axis.key == field || axis.key.starts_with(field + ".") ||
           field.starts_with(axis.key + ".")))
        line = axis.line;
    if (line == 0 && !axes.empty()) line = axes.front().line;
    return fail("point " + std::to_string(k) + " (" + values +
                    ") is not a valid scenario: " + parsed.error().message,
                file, line, field.empty() ? "axes" : field);
  }
  parsed->name += "#" + std::to_string(k);
  parsed->file = file;
  return parsed;
}

Result<SweepDefinition> read_sweep(const std::filesystem::path& path) {
  auto text = read_text_file(path, "sweep file");
  if (!text) return tl::unexpected(text.error());
  return parse_sweep(*text, path);
}

Result<SweepDefinition> parse_sweep(const std::string& text,
                                    const std::filesystem::path& path) {
  SweepDefinition def;
  def.file = path.string();
  def.text = text;
  toml::table root;
  try {
    root = toml::parse(def.text, def.file);
  } catch (const toml::parse_error& e) {
    return fail(std::string("TOML syntax: ") + std::string(e.description()),
                def.file, long(e.source().begin.line));
  }
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    if (k != "base" && k != "axes" && k != "draws" && k != "seed" &&
        k != "calibration")
      return fail("unknown key (known: base, draws, seed, calibration, axes)",
                  def.file, line_of(node), k);
  }
  const toml::node* base = root.get("base");
  if (base == nullptr) return fail("missing key", def.file, 1, "base");
  if (const auto* name = base->as_string()) {
    std::filesystem::path p(name->get());
    if (p.is_relative()) p = path.parent_path() / p;
    auto base_text = read_text_file(p, "scenario file");
    if (!base_text)
      return fail("cannot read the base scenario '" + p.string() + "'",
                  def.file, line_of(*base), "base");
    def.base_file = p.string();
    def.base_text = *base_text;
  } else if (const auto* table = base->as_table()) {
    // An inline table (base = { ... }) prints as "{ ... }", which is not a
    // TOML document: print a copy as a standard table.
    toml::table copy = *table;
    copy.is_inline(false);
    std::ostringstream inline_text;
    inline_text << copy << "\n";
    def.base_file = def.file;
    def.base_text = inline_text.str();
  } else {
    return fail("must be a path (string) or an inline table", def.file,
                line_of(*base), "base");
  }
  if (const toml::node* d = root.get("draws")) {
    const auto* v = d->as_integer();
    if (v == nullptr || v->get() < 1 || v->get() > 1000000000)
      return fail("must be an integer from 1 to 10^9", def.file, line_of(*d),
                  "draws");
    def.draws = v->get();
  }
  if (const toml::node* s = root.get("seed")) {
    const auto* v = s->as_integer();
    if (v == nullptr || v->get() < 0)
      return fail("must be a non-negative integer", def.file, line_of(*s),
                  "seed");
    def.seed = v->get();
  }
  if (const toml::node* c = root.get("calibration")) {
    const auto* v = c->as_string();
    if (v == nullptr)
      return fail("must be a string", def.file, line_of(*c), "calibration");
    std::filesystem::path p(v->get());
    if (p.is_relative()) p = path.parent_path() / p;
    def.calibration = p.string();
    def.calibration_line = line_of(*c);
  }
  const toml::node* axes = root.get("axes");
  if (axes == nullptr || !axes->is_table() || axes->as_table()->empty())
    return fail("a sweep needs an [axes] table with at least one axis",
                def.file, axes ? line_of(*axes) : 1, "axes");
  for (const auto& [key, node] : *axes->as_table()) {
    Axis axis;
    axis.key = std::string(key.str());
    axis.line = line_of(node);
    const auto* array = node.as_array();
    if (array == nullptr)
      return fail("an axis is a list of values", def.file, axis.line,
                  "axes." + axis.key);
    if (array->empty())
      return fail("the axis has no values", def.file, axis.line,
                  "axes." + axis.key);
    for (const auto& element : *array) {
      auto value = axis_value(element, def.file, axis.key);
      if (!value) return tl::unexpected(value.error());
      axis.values.push_back(*value);
    }
    def.axes.push_back(std::move(axis));
  }
  // toml++ keeps keys sorted; the documented order is the file's.
  std::stable_sort(
      def.axes.begin(), def.axes.end(),
      [](const Axis& a, const Axis& b) { return a.line < b.line; });
  // The number of points, checked before the product can overflow: every
  // point is validated below, and a sweep this large is a mistake or a job
  // to split into several sweeps.
  std::int64_t points = 1;
  for (const auto& axis : def.axes) {
    const auto n = std::int64_t(axis.values.size());
    if (points > kMaxPoints / n)
      return fail("the sweep has more than " + std::to_string(kMaxPoints) +
                      " points (the product of the axes' lengths); split "
                      "it into several sweeps",
                  def.file, axis.line, "axes." + axis.key);
    points *= n;
  }
  def.id = store::sha256_text(def.text + '\0' + def.base_text);

  // Every point must be a valid scenario before any work starts.
  for (std::int64_t k = 0; k < def.points(); ++k) {
    auto point = def.point(k);
    if (!point) return tl::unexpected(point.error());
  }
  return def;
}

Result<Shard> parse_shard(const std::string& text) {
  Shard shard;
  const auto slash = text.find('/');
  auto number = [](const std::string& s, std::int64_t* v) {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return ec == std::errc() && ptr == s.data() + s.size();
  };
  if (slash == std::string::npos ||
      !number(text.substr(0, slash), &shard.index) ||
      !number(text.substr(slash + 1), &shard.count) || shard.count < 1 ||
      shard.index < 0 || shard.index >= shard.count)
    return usage_error("expected K/N with 0 <= K < N, got '" + text + "'",
                       "--shard");
  return shard;
}

std::pair<std::int64_t, std::int64_t> shard_range(const Shard& shard,
                                                  std::int64_t points) {
  // index * points overflows 64 bits for large shard counts: use 128.
  __extension__ typedef __int128 Wide;
  const Wide n = points, count = shard.count, index = shard.index;
  return {std::int64_t(index * n / count),
          std::int64_t((index + 1) * n / count)};
}

}  // namespace growthcast::sweep
