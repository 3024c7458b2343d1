// Reading NIST StRD files: every shipped file parses, and the fields match
// the files themselves (values quoted below are copied from data/nist/*.dat).
#include "solverbench/nist_problem.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "closeness.h"
#include "temp_folder.h"

namespace growthcast::solverbench {
namespace {

std::filesystem::path nist_dir() {
  return std::filesystem::path(GROWTHCAST_SOURCE_DIR) / "data" / "nist";
}

TEST(NistProblem, ReadsAll27Files) {
  auto problems = read_nist_problems(nist_dir());
  ASSERT_TRUE(problems) << problems.error().to_string();
  ASSERT_EQ(problems->size(), 27u);
  std::map<Difficulty, int> levels;
  for (const auto& p : *problems) {
    SCOPED_TRACE(p.name);
    ++levels[p.difficulty];
    EXPECT_EQ(p.starts.size(), 2u);
    EXPECT_EQ(static_cast<int>(p.certified.size()), p.parameters);
    EXPECT_EQ(static_cast<int>(p.certified_std_dev.size()), p.parameters);
    EXPECT_EQ(static_cast<int>(p.starts[0].size()), p.parameters);
    EXPECT_EQ(static_cast<int>(p.starts[1].size()), p.parameters);
    EXPECT_EQ(static_cast<int>(p.y.size()), p.observations);
    EXPECT_EQ(p.x.size(), p.y.size() * static_cast<std::size_t>(p.predictors));
    // Each file states "Degrees of Freedom" = observations - parameters,
    // except Rat43.dat, which prints 9 for 15 observations and 4 parameters
    // (a misprint in NIST's file; its residual standard deviation
    // 2.8262414662E+01 = sqrt(8.7864049080E+03 / 11) uses 11).
    if (p.name == "Rat43")
      EXPECT_EQ(p.degrees_of_freedom, 9);
    else
      EXPECT_EQ(p.degrees_of_freedom, p.observations - p.parameters);
    EXPECT_GT(p.certified_rss, 0.0);
    EXPECT_FALSE(p.model.empty());
  }
  // NIST's classification: 8 lower, 11 average, 8 higher.
  EXPECT_EQ(levels[Difficulty::lower], 8);
  EXPECT_EQ(levels[Difficulty::average], 11);
  EXPECT_EQ(levels[Difficulty::higher], 8);
}

TEST(NistProblem, Misra1aFieldsAsInTheFile) {
  // Misra1a.dat lines 25-47: 14 observations, lower difficulty, 2 parameters,
  // b1 = 500 / 250 / 2.3894212918E+02 (sd 2.7070075241E+00),
  // b2 = 0.0001 / 0.0005 / 5.5015643181E-04 (sd 7.2668688436E-06),
  // RSS 1.2455138894E-01; data line 61: y 10.07, x 77.6.
  auto p = read_nist_problem(nist_dir() / "Misra1a.dat");
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ(p->name, "Misra1a");
  EXPECT_EQ(p->difficulty, Difficulty::lower);
  EXPECT_EQ(p->observations, 14);
  EXPECT_EQ(p->parameters, 2);
  EXPECT_EQ(p->model, "y = b1*(1-exp[-b2*x])  +  e");
  EXPECT_EQ(p->starts[0], (std::vector<double>{500, 0.0001}));
  EXPECT_EQ(p->starts[1], (std::vector<double>{250, 0.0005}));
  EXPECT_EQ(p->certified,
            (std::vector<double>{2.3894212918E+02, 5.5015643181E-04}));
  EXPECT_EQ(p->certified_std_dev,
            (std::vector<double>{2.7070075241E+00, 7.2668688436E-06}));
  EXPECT_EQ(p->certified_digits, (std::vector<int>{11, 11}));
  EXPECT_EQ(p->certified_rss, 1.2455138894E-01);
  EXPECT_EQ(p->y.front(), 10.07);
  EXPECT_EQ(p->x.front(), 77.6);
}

TEST(NistProblem, NelsonHasTwoPredictorsAndRoszmanOddExponent) {
  // Nelson.dat: "2 Predictors", 128 observations, first data row
  // "15.00E0  1E0  180E0". Roszman1.dat prints b1 as "1.20196866396E-0".
  auto nelson = read_nist_problem(nist_dir() / "Nelson.dat");
  ASSERT_TRUE(nelson) << nelson.error().to_string();
  EXPECT_EQ(nelson->predictors, 2);
  EXPECT_EQ(nelson->observations, 128);
  EXPECT_EQ(nelson->y[0], 15.0);
  EXPECT_EQ(nelson->x[0], 1.0);
  EXPECT_EQ(nelson->x[1], 180.0);
  auto roszman = read_nist_problem(nist_dir() / "Roszman1.dat");
  ASSERT_TRUE(roszman) << roszman.error().to_string();
  EXPECT_EQ(roszman->certified[0], 1.20196866396);
  EXPECT_EQ(roszman->certified_digits[0], 12);
}

TEST(NistProblem, ErrorsNameFileAndLine) {
  const growthcast::testing::TempFolder folder;
  const auto path = folder / "bad_nist.dat";
  std::ifstream in(nist_dir() / "Misra1a.dat", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  // Line 42 holds b2; break its certified value.
  const auto at = text.find("5.5015643181E-04");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 16, "5.50x5643181E-04");
  std::ofstream(path, std::ios::binary) << text;
  auto p = read_nist_problem(path);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().file, path.string());
  EXPECT_EQ(p.error().line, 42);
  EXPECT_EQ(p.error().field, "b2");
  EXPECT_EQ(p.error().exit_code, 1);

  auto missing = read_nist_problem(folder / "no_such_nist_file.dat");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot open"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(NistProblem, LogRelativeError) {
  // Definition (McCullough 1998; Ceres examples/nist.cc):
  // LRE = -log10(|x - c| / |c|), limited to [0, cap].
  EXPECT_TRUE(testing::IsClose(log_relative_error(1.0001, 1.0), 4.0, 1e-9));
  EXPECT_TRUE(testing::IsClose(log_relative_error(-2.02, -2.0), 2.0, 1e-9));
  EXPECT_EQ(log_relative_error(1.0, 1.0), 11.0);  // exact: the cap
  EXPECT_EQ(log_relative_error(1.0, 1.0, 10.0), 10.0);
  EXPECT_EQ(log_relative_error(50.0, 1.0), 0.0);  // no digit right
  EXPECT_EQ(log_relative_error(std::nan(""), 1.0), 0.0);
}

}  // namespace
}  // namespace growthcast::solverbench
