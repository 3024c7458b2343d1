// `growthcast sweep` (all points, one shard, or across MPI ranks, with
// --resume) and `growthcast merge` (shards into one result).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace growthcast::cli {

struct SweepFlags {
  std::string sweep;
  std::string out;
  std::string shard;  // "K/N"
  std::string calibration;
  bool resume = false;
  int threads = 0;
  double memory_mib = 1024;
  // Overrides of the sweep file's draws and seed, when given (checked by
  // check_run_overrides).
  std::optional<std::int64_t> draws;
  std::optional<std::string> seed;
  std::string outputs;  // "gdp,gdp_growth": overrides the base's `outputs`
  std::optional<int> random_stream;  // --random-stream
  bool quiet = false;                // no progress on stderr
};

struct MergeFlags {
  std::vector<std::string> shards;
  std::string out;
  std::string calibration;
};

void add_sweep_commands(CLI::App& app, SweepFlags& sweep, MergeFlags& merge);
int sweep_main(SweepFlags& flags, const std::string& command_line);
int merge_main(MergeFlags& flags, const std::string& command_line);

}  // namespace growthcast::cli
