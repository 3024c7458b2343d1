// Sweep files: a base scenario plus axes (docs/architecture.md). The sweep
// is the cartesian product of the axes; point k is the base with each
// axis's value applied, in a fixed order: axes in the order they appear in
// the file, the last axis varying fastest (row-major, like numpy's ravel).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/error.h"
#include "scenario/scenario.h"

namespace growthcast::sweep {

using AxisValue = std::variant<double, std::int64_t, bool, std::string>;

struct Axis {
  std::string key;  // a scenario key path, e.g. drivers.rd_intensity.target
  std::vector<AxisValue> values;
  long line = 0;
};

struct SweepDefinition {
  std::string file;
  std::string text;       // the sweep file
  std::string base_file;  // the base scenario's path, or the sweep file
  std::string base_text;  // the base scenario as TOML
  std::vector<Axis> axes;
  std::int64_t draws = 0;  // 0: the base scenario's
  std::int64_t seed = -1;  // -1: the base scenario's
  // `growthcast sweep --seed` (any 64-bit seed; set by apply_overrides).
  std::optional<std::uint64_t> seed_override;
  // `growthcast sweep --outputs`: every point's `outputs` (variable
  // indices, scenario::parse_output_list).
  std::optional<std::vector<int>> outputs_override;

  // `growthcast sweep --random-stream` (1, 2 or 3): replaces every point's
  // random stream version. Not part of the id: --resume recomputes the
  // points of another version and merge refuses to mix versions.
  std::optional<int> random_stream_override;
  std::string calibration;  // optional, relative to the sweep file
  long calibration_line = 0;
  // SHA-256 over the sweep and base texts: shards and checkpoints of the
  // same sweep carry the same id.
  std::string id;

  std::int64_t points() const;
  // The axis value indices of point k.
  std::vector<std::size_t> coordinates(std::int64_t point) const;
  // The scenario of point k, named "<base name> <label>" with
  // point_label(coordinates(k)).
  Result<scenario::Scenario> point(std::int64_t k) const;
  // The axis values of a point as "key=value,key=value" in axis order,
  // numbers in their shortest exact form, e.g.
  // "drivers.rd_intensity.target=0.03,drivers.rd_intensity.by=2030".
  std::string point_label(const std::vector<std::size_t>& at) const;
};

std::string AxisValueToString(const AxisValue& v);

// Reads the sweep file and checks every point against the scenario schema
// before any work starts; errors name the sweep file, the line and key. A
// sweep of more than 10000 points is refused.
Result<SweepDefinition> read_sweep(const std::filesystem::path& path);
// The same from the text of a sweep file at `path` (which names it in
// messages and is the folder a relative base or calibration path is in).
Result<SweepDefinition> parse_sweep(const std::string& text,
                                    const std::filesystem::path& path);

// The command line's --draws (when > 0) and --seed, which override the
// sweep file's and the base scenario's like forecast's do. They become part
// of the sweep's id, so shards or checkpoints run with other values are not
// joined with these.
void apply_overrides(SweepDefinition& def, std::int64_t draws,
                     std::optional<std::uint64_t> seed);

// "K/N" with 0 <= K < N; the shard's points are the contiguous range
// [K * P / N, (K + 1) * P / N) of the P points.
struct Shard {
  std::int64_t index = 0, count = 1;
};
Result<Shard> parse_shard(const std::string& text);
std::pair<std::int64_t, std::int64_t> shard_range(const Shard& shard,
                                                  std::int64_t points);

}  // namespace growthcast::sweep
