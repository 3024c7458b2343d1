#include "sweep/sweep_file.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <type_traits>

#include "common/text_file.h"
#include "scenario/toml_reader.h"
#include "store/result_file.h"

namespace growthcast::sweep {
namespace {

using toml_reader::Entry;
using toml_reader::Node;

static_assert(std::is_same_v<AxisValue, toml_reader::Scalar>,
              "an axis sets the scalars the TOML toolkit can set");

// The largest sweep read_sweep accepts (points, over all axes).
constexpr std::int64_t kMaxPoints = 10000;
// The scenario schema's limit, checked here to name the sweep's line.
constexpr std::int64_t kMaxDraws = 1000000000;

Result<AxisValue> axis_value(Node node, const std::string& file,
                             const std::string& key) {
  if (auto v = node.scalar()) return *v;
  return fail("axis values must be numbers, booleans or strings", file,
              node.line(), "axes." + key);
}

// Names the axis values of point k: the generated text has no lines the
// user wrote. The line is the axis the error is about (its key, a table on
// its path), or the first axis when the base itself is at fault.
tl::unexpected<Error> point_error(const SweepDefinition& def, std::int64_t k,
                                  const std::vector<std::size_t>& at,
                                  const Error& error) {
  std::string values;
  for (std::size_t a = 0; a < def.axes.size(); ++a)
    values += (values.empty() ? "" : ", ") + def.axes[a].key + " = " +
              AxisValueToString(def.axes[a].values[at[a]]);
  const std::string& field = error.field;
  long line = 0;
  for (const auto& axis : def.axes)
    if (line == 0 && (axis.key == field || axis.key.starts_with(field + ".") ||
                      field.starts_with(axis.key + ".")))
      line = axis.line;
  if (line == 0 && !def.axes.empty()) line = def.axes.front().line;
  return fail("point " + std::to_string(k) + " (" + values +
                  ") is not a valid scenario: " + error.message,
              def.file, line, field.empty() ? "axes" : field);
}

// In key order (toml++'s), which decides the key reported when several are
// unknown.
Status check_root_keys(Node root, const std::string& file) {
  for (const Entry& e : root.entries()) {
    const std::string& k = e.key;
    if (k != "base" && k != "axes" && k != "draws" && k != "seed" &&
        k != "calibration")
      return fail("unknown key (known: base, draws, seed, calibration, axes)",
                  file, e.node.line(), k);
  }
  return ok();
}

Status read_base(Node root, const std::filesystem::path& path,
                 SweepDefinition* def) {
  const Node base = root.get("base");
  if (!base) return fail("missing key", def->file, 1, "base");
  if (auto name = base.string()) {
    std::filesystem::path p(*name);
    if (p.is_relative()) p = path.parent_path() / p;
    auto base_text = read_text_file(p, "scenario file");
    if (!base_text)
      return fail("cannot read the base scenario '" + p.string() + "'",
                  def->file, base.line(), "base");
    def->base_file = p.string();
    def->base_text = *base_text;
  } else if (base.is_table()) {
    def->base_file = def->file;
    def->base_text = base.document_text();
  } else {
    return fail("must be a path (string) or an inline table", def->file,
                base.line(), "base");
  }
  return ok();
}

Status read_overrides(Node root, const std::filesystem::path& path,
                      SweepDefinition* def) {
  if (const Node d = root.get("draws")) {
    const auto v = d.integer();
    if (!v || *v < 1 || *v > kMaxDraws)
      return fail("must be an integer from 1 to 10^9", def->file, d.line(),
                  "draws");
    def->draws = *v;
  }
  if (const Node s = root.get("seed")) {
    const auto v = s.integer();
    if (!v || *v < 0)
      return fail("must be a non-negative integer", def->file, s.line(),
                  "seed");
    def->seed = *v;
  }
  if (const Node c = root.get("calibration")) {
    const auto v = c.string();
    if (!v) return fail("must be a string", def->file, c.line(), "calibration");
    std::filesystem::path p(*v);
    if (p.is_relative()) p = path.parent_path() / p;
    def->calibration = p.string();
    def->calibration_line = c.line();
  }
  return ok();
}

Result<Axis> read_axis(const Entry& e, const std::string& file) {
  Axis axis;
  axis.key = e.key;
  axis.line = e.node.line();
  if (!e.node.is_array())
    return fail("an axis is a list of values", file, axis.line,
                "axes." + axis.key);
  if (e.node.size() == 0)
    return fail("the axis has no values", file, axis.line, "axes." + axis.key);
  for (std::size_t i = 0; i < e.node.size(); ++i) {
    auto value = axis_value(e.node.at(i), file, axis.key);
    if (!value) return tl::unexpected(value.error());
    axis.values.push_back(*value);
  }
  return axis;
}

Status read_axes(Node root, SweepDefinition* def) {
  const Node axes = root.get("axes");
  if (!axes || !axes.is_table() || axes.size() == 0)
    return fail("a sweep needs an [axes] table with at least one axis",
                def->file, axes ? axes.line() : 1, "axes");
  // Read in key order (toml++'s), which decides the error reported when
  // several axes are bad; the documented order of the axes is the file's.
  for (const Entry& e : axes.entries()) {
    auto axis = read_axis(e, def->file);
    if (!axis) return tl::unexpected(axis.error());
    def->axes.push_back(std::move(*axis));
  }
  std::stable_sort(
      def->axes.begin(), def->axes.end(),
      [](const Axis& a, const Axis& b) { return a.line < b.line; });
  return ok();
}

// The number of points, checked before the product can overflow: every
// point is validated, and a sweep this large is a mistake or a job to split
// into several sweeps.
Status check_point_count(const SweepDefinition& def) {
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
  return ok();
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

std::string SweepDefinition::point_label(
    const std::vector<std::size_t>& at) const {
  std::string out;
  for (std::size_t a = 0; a < axes.size(); ++a) {
    const AxisValue& v = axes[a].values[at[a]];
    std::string value_text;
    // The shortest text that reads back as the same double (0.03, not
    // 0.029999999999999999).
    if (const auto* d = std::get_if<double>(&v)) {
      char buffer[32];
      const auto end = std::to_chars(buffer, buffer + sizeof buffer, *d).ptr;
      value_text.assign(buffer, end);
    } else {
      value_text = AxisValueToString(v);
    }
    out += (a ? "," : "") + axes[a].key + "=" + value_text;
  }
  return out;
}

Result<scenario::Scenario> SweepDefinition::point(std::int64_t k) const {
  auto doc = toml_reader::Document::parse(base_text, base_file);
  if (!doc) return tl::unexpected(doc.error());
  const auto at = coordinates(k);
  for (std::size_t a = 0; a < axes.size(); ++a)
    if (!doc->set(axes[a].key, axes[a].values[at[a]]))
      return fail("the key does not lead into a table of the scenario", file,
                  axes[a].line, "axes." + axes[a].key);
  if (draws > 0) doc->set("draws", draws);
  if (seed >= 0) doc->set("seed", seed);
  // The calibration is the sweep's, not the base file's relative path.
  doc->erase("calibration");
  auto parsed = scenario::parse_scenario(doc->text(), base_file);
  if (!parsed) return point_error(*this, k, at, parsed.error());
  // Silently projecting without them would answer another question.
  if (!parsed->targets.empty())
    return fail(
        "a sweep does not solve [[targets]] yet (docs/targets.md): forecast "
        "the scenario instead",
        base_file, 0, "targets");
  if (seed_override) parsed->seed = *seed_override;
  if (outputs_override) parsed->outputs = *outputs_override;

  if (random_stream_override) parsed->random_stream = *random_stream_override;
  parsed->name += " " + point_label(at);
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
  auto doc = toml_reader::Document::parse(def.text, def.file);
  if (!doc) return tl::unexpected(doc.error());
  const Node root = doc->root();
  if (auto st = check_root_keys(root, def.file); !st)
    return tl::unexpected(st.error());
  if (auto st = read_base(root, path, &def); !st)
    return tl::unexpected(st.error());
  if (auto st = read_overrides(root, path, &def); !st)
    return tl::unexpected(st.error());
  if (auto st = read_axes(root, &def); !st) return tl::unexpected(st.error());
  if (auto st = check_point_count(def); !st) return tl::unexpected(st.error());
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

void apply_overrides(SweepDefinition& def, std::int64_t draws,
                     std::optional<std::uint64_t> seed) {
  if (draws <= 0 && !seed) return;
  std::string tag = "\0overrides";
  if (draws > 0) {
    def.draws = draws;
    tag += " draws=" + std::to_string(draws);
  }
  if (seed) {
    def.seed_override = seed;
    tag += " seed=" + std::to_string(*seed);
  }
  def.id = store::sha256_text(def.text + '\0' + def.base_text + tag);
}

}  // namespace growthcast::sweep
