// Reading a big panel (issue 16, "Scale"): read_panel on a 1,000,000-row
// panel (50,000 regions x 20 years, four value columns) generated on the fly
// into a temporary folder. Panel::region_index used to scan the region list
// for every row, making this quadratic (20 MB took 8.5 s, 200 MB did not
// finish in 300 s); with the hash map it is linear. Reports rows per second.
//
//   build/bench/growthcast_panel_benchmark
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "data/panel.h"

namespace {

using namespace growthcast;

constexpr int kRegions = 50000;
constexpr int kYears = 20;  // 50,000 x 20 = 1,000,000 rows

// The panel file, written once per process and removed at exit.
struct GeneratedPanel {
  std::filesystem::path dir, file;
  GeneratedPanel() {
    dir = std::filesystem::temp_directory_path() /
          ("growthcast_panel_bench_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    file = dir / "panel.csv";
    std::ofstream out(file, std::ios::binary);
    out << "region,year,gdp_real,capital,labour,rd_real\n";
    char line[160];
    for (int r = 0; r < kRegions; ++r)
      for (int t = 0; t < kYears; ++t) {
        const double scale = 1.0 + 0.001 * r + 0.05 * t;
        std::snprintf(line, sizeof line, "region_%06d,%d,%.6f,%.6f,%.3f,%.6f\n",
                      r, 2000 + t, 100.0 * scale, 300.0 * scale, 50.0 + r % 7,
                      2.0 * scale);
        out << line;
      }
  }
  ~GeneratedPanel() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

const GeneratedPanel& panel_file() {
  static const GeneratedPanel generated;
  return generated;
}

void BM_ReadPanelMillionRows(benchmark::State& state) {
  const auto& generated = panel_file();
  data::ColumnMapping mapping;
  mapping.values = {"gdp_real", "capital", "labour", "rd_real"};
  for (auto _ : state) {
    auto panel = data::read_panel(generated.file, mapping);
    if (!panel) {
      state.SkipWithError(panel.error().to_string().c_str());
      return;
    }
    if (panel->regions.size() != std::size_t(kRegions)) {
      state.SkipWithError("wrong number of regions read");
      return;
    }
    benchmark::DoNotOptimize(panel->columns.data());
  }
  state.counters["rows_per_s"] =
      benchmark::Counter(double(kRegions) * kYears * double(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReadPanelMillionRows)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
