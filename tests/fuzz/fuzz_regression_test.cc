// Every seed of tests/fuzz/corpus/ and every input a fuzzer once failed on
// (tests/fuzz/regressions/, see README.md) fed to its parser: each must come
// back with a value or an error, without crashing (and, in the sanitizer
// build, without a sanitizer report).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "fuzz/fuzz_inputs.h"

namespace growthcast::fuzz {
namespace {

const std::filesystem::path kFuzzDir =
    std::filesystem::path(GROWTHCAST_SOURCE_DIR) / "tests" / "fuzz";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Feeds every file below folder/<target>/ to the target; returns how many.
int feed_folder(const std::string& folder, const std::string& target) {
  const auto dir = kFuzzDir / folder / target;
  if (!std::filesystem::is_directory(dir)) return 0;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    SCOPED_TRACE(entry.path().string());
    (void)run_target(target, read_file(entry.path()));
    ++files;
  }
  return files;
}

class FuzzInputs : public ::testing::TestWithParam<std::string> {};

TEST_P(FuzzInputs, CorpusReturnsWithoutCrashing) {
  EXPECT_GT(feed_folder("corpus", GetParam()), 0)
      << "no seed files in tests/fuzz/corpus/" << GetParam();
}

TEST_P(FuzzInputs, RegressionsReturnWithoutCrashing) {
  (void)feed_folder("regressions", GetParam());
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzInputs,
                         ::testing::ValuesIn(target_names()));

// The harness reaches past the first checks: the shipped files are accepted.
TEST(FuzzHarness, AcceptsShippedFiles) {
  const std::filesystem::path root(GROWTHCAST_SOURCE_DIR);
  EXPECT_TRUE(panel_csv(read_file(root / "data" / "china_provinces.csv")));
  EXPECT_TRUE(scenario_toml(
      read_file(root / "scenarios" / "chengdu_chongqing" / "rd_push.toml")));
  EXPECT_TRUE(sweep_toml(read_file(
      root / "scenarios" / "sweeps" / "chengdu_chongqing_rd_investment.toml")));
  EXPECT_TRUE(nist(read_file(root / "data" / "nist" / "Misra1a.dat")));
}

}  // namespace
}  // namespace growthcast::fuzz
