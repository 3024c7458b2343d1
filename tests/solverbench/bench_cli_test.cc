// `growthcast bench solvers` end to end: bad usage exits 2
// (docs/architecture.md, "Errors and exit codes"), a small run exits 0 and
// writes both files.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

int run(const std::string& args) {
  const std::string command =
      std::string(GROWTHCAST_BINARY) + " " + args + " >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string temp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / name).string();
}

TEST(BenchCli, UnknownConfigIsUsageError) {
  EXPECT_EQ(
      run("bench solvers --problems Misra1a --configs ceres:lm:magic:auto "
          "--out " +
          temp("gc_bench_bad.h5")),
      2);
  EXPECT_FALSE(std::filesystem::exists(temp("gc_bench_bad.h5")));
}

TEST(BenchCli, OtherUsageErrors) {
  const std::string out = " --out " + temp("gc_bench_bad.h5");
  EXPECT_EQ(run("bench solvers --problems NoSuchProblem" + out), 2);
  EXPECT_EQ(run("bench solvers --problems Misra1a --repeats 0" + out), 2);
  EXPECT_EQ(run("bench solvers --problems Misra1a"), 2);  // --out missing
  EXPECT_EQ(run("bench"), 2);                             // no subcommand
}

TEST(BenchCli, SmallRunWritesHdf5AndJson) {
  const std::string h5 = temp("gc_bench_ok.h5"),
                    json = temp("gc_bench_ok.json");
  EXPECT_EQ(run("bench solvers --problems Misra1a,BoxBOD --configs "
                "ceres:lm:dense_qr:auto,minpack:lmdif --repeats 2 --out " +
                h5 + " --json " + json),
            0);
  EXPECT_TRUE(std::filesystem::exists(h5));
  EXPECT_TRUE(std::filesystem::exists(json));
  std::filesystem::remove(h5);
  std::filesystem::remove(json);
}

}  // namespace
