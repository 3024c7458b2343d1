// `growthcast bench solvers` end to end: bad usage exits 2
// (docs/architecture.md, "Errors and exit codes"), a small run exits 0 and
// writes an HDF5 file and a JSON file whose values are read back here:
// the certified values and residual sums of squares of data/nist/ (the
// NIST files' own lines), the scoring (BoxBOD from start 1 is not solved
// by either configuration: "solved" must say so), and the JSON's runs
// against the HDF5 datasets.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "store/result_file.h"

namespace {

int run(const std::string& args) {
  const std::string command =
      std::string(GROWTHCAST_BINARY) + " " + args + " >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A folder of this test's own (removed afterwards), so that two suites
// running at once do not share file names in the system temporary folder.
class BenchCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "gc_bench_cli_XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string temp(const std::string& name) const {
    return (dir_ / name).string();
  }
  std::filesystem::path dir_;
};

TEST_F(BenchCli, UnknownConfigIsUsageError) {
  EXPECT_EQ(
      run("bench solvers --problems Misra1a --configs ceres:lm:magic:auto "
          "--out " +
          temp("gc_bench_bad.h5")),
      2);
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

TEST_F(BenchCli, OtherUsageErrors) {
  const std::string out = " --out " + temp("gc_bench_bad.h5");
  EXPECT_EQ(run("bench solvers --problems NoSuchProblem" + out), 2);
  EXPECT_EQ(run("bench solvers --problems Misra1a --repeats 0" + out), 2);
  EXPECT_EQ(run("bench solvers --problems Misra1a"), 2);  // --out missing
  EXPECT_EQ(run("bench"), 2);                             // no subcommand
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

// The number after `"key": ` in text, from position `from`.
double json_number(const std::string& text, std::size_t from,
                   const std::string& key) {
  const auto at = text.find("\"" + key + "\": ", from);
  if (at == std::string::npos) return std::nan("");
  return std::strtod(text.c_str() + at + key.size() + 4, nullptr);
}

TEST_F(BenchCli, SmallRunWritesHdf5AndJson) {
  const std::string h5 = temp("gc_bench_ok.h5"),
                    json = temp("gc_bench_ok.json");
  ASSERT_EQ(run("bench solvers --problems Misra1a,BoxBOD --configs "
                "ceres:lm:dense_qr:auto,minpack:lmdif --repeats 2 --out " +
                h5 + " --json " + json),
            0);
  auto reader = growthcast::store::ResultReader::open(h5);
  ASSERT_TRUE(reader) << reader.error().to_string();
  auto problems = reader->read_strings("/bench/problem");
  auto configs = reader->read_strings("/bench/config");
  ASSERT_TRUE(problems && configs);
  EXPECT_EQ(*problems, (std::vector<std::string>{"Misra1a", "BoxBOD"}));
  EXPECT_EQ(*configs, (std::vector<std::string>{"ceres:lm:dense_qr:auto",
                                                "minpack:lmdif"}));
  // Certified values: the "Certified Values" lines of data/nist/Misra1a.dat
  // and BoxBOD.dat.
  auto certified = reader->read_doubles("/bench/certified_value");
  ASSERT_TRUE(certified);
  const std::vector<double> nist = {2.3894212918E+02, 5.5015643181E-04,
                                    2.1380940889E+02, 5.4723748542E-01};
  ASSERT_EQ(certified->size(), nist.size());
  for (std::size_t k = 0; k < nist.size(); ++k)
    EXPECT_DOUBLE_EQ((*certified)[k], nist[k]);
  // [problem, start, config].
  const std::vector<std::size_t> shape = {2, 2, 2};
  auto final_cost = reader->read_doubles("/bench/final_cost", shape);
  auto solved = reader->read_doubles("/bench/solved", shape);
  auto min_lre = reader->read_doubles("/bench/min_lre", shape);
  auto lre =
      reader->read_doubles("/bench/lre", std::vector<std::size_t>{2, 2, 2, 2});
  ASSERT_TRUE(final_cost && solved && min_lre && lre);
  auto threshold = reader->double_attribute("/bench", "solved_lre");
  ASSERT_TRUE(threshold);
  EXPECT_EQ(*threshold, 4.0);
  // Residual Sum of Squares lines of the NIST files; the cost is half of it.
  const double rss[] = {1.2455138894E-01, 1.1680088766E+03};
  for (std::size_t p = 0; p < 2; ++p)
    for (std::size_t s = 0; s < 2; ++s)
      for (std::size_t c = 0; c < 2; ++c) {
        const std::size_t k = (p * 2 + s) * 2 + c;
        SCOPED_TRACE((*problems)[p] + " start " + std::to_string(s + 1) + " " +
                     (*configs)[c]);
        const double lre0 = (*lre)[2 * k], lre1 = (*lre)[2 * k + 1];
        EXPECT_EQ((*min_lre)[k], std::min(lre0, lre1));
        EXPECT_EQ((*solved)[k], (*min_lre)[k] >= *threshold ? 1.0 : 0.0);
        const bool boxbod_start_1 = p == 1 && s == 0;
        if (boxbod_start_1) {
          // Not solved: stuck far from the certified minimum (NIST's
          // "higher difficulty" BoxBOD from start 1).
          EXPECT_EQ((*solved)[k], 0.0);
          EXPECT_GT((*final_cost)[k], 1.5 * rss[p] / 2);
        } else {
          EXPECT_EQ((*solved)[k], 1.0);
          EXPECT_NEAR((*final_cost)[k], rss[p] / 2, 1e-7 * rss[p]);
        }
      }
  // The JSON: one run record per (problem, start, config), with the
  // HDF5's values (written with 17 significant digits).
  std::ifstream in(json);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  for (std::size_t p = 0; p < 2; ++p)
    for (std::size_t s = 0; s < 2; ++s)
      for (std::size_t c = 0; c < 2; ++c) {
        const std::size_t k = (p * 2 + s) * 2 + c;
        const std::string head = "{\"problem\": \"" + (*problems)[p] +
                                 "\", \"start\": " + std::to_string(s + 1) +
                                 ", \"config\": \"" + (*configs)[c] + "\"";
        const auto at = text.find(head);
        ASSERT_NE(at, std::string::npos) << head;
        const auto end = text.find('\n', at);
        const std::string record = text.substr(at, end - at);
        EXPECT_EQ(json_number(record, 0, "final_cost"), (*final_cost)[k])
            << record;
        EXPECT_NE(record.find((*solved)[k] == 1.0 ? "\"solved\": true"
                                                  : "\"solved\": false"),
                  std::string::npos)
            << record;
      }
}

}  // namespace
