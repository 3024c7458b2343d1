// Solving: the default configuration reaches LRE >= 6 on NIST problems of
// each difficulty, MINPACK too, and the calibration recovers the known
// parameters of a synthetic panel. Expected values: NIST's certified values
// (data/nist/*.dat) and calibrate::SyntheticSpec's defaults.
#include "solverbench/bench.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "store/result_file.h"
#include "temp_folder.h"

namespace growthcast::solverbench {
namespace {

// The accuracy the issue asks of the default configuration.
constexpr double kRequiredLre = 6.0;

ProblemSources sources() {
  ProblemSources s;
  s.nist_dir = std::filesystem::path(GROWTHCAST_SOURCE_DIR) / "data" / "nist";
  return s;
}

BenchOptions one_repeat() {
  BenchOptions o;
  o.repeats = 1;
  return o;
}

TEST(Bench, DefaultConfigSolvesEachDifficulty) {
  // Misra1a (lower), Kirby2 (average), Rat42 and MGH09 (higher), both starts.
  auto problems = select_problems("Misra1a,Kirby2,Rat42,MGH09", sources());
  ASSERT_TRUE(problems) << problems.error().to_string();
  const SolverConfig config = default_configs().front();
  ASSERT_EQ(config.name(), "ceres:lm:dense_qr:auto");
  for (const auto& p : *problems)
    for (int start = 0; start < 2; ++start) {
      const RunRecord rec = run_one(p, start, config, one_repeat());
      EXPECT_TRUE(rec.solved) << p.name << " start " << start + 1;
      EXPECT_GE(rec.min_lre(), kRequiredLre)
          << p.name << " start " << start + 1;
      EXPECT_EQ(rec.termination, "CONVERGENCE") << p.name;
      // The final cost is half the certified RSS (to the LRE reached).
      EXPECT_NEAR(rec.final_cost / (0.5 * p.nist->certified_rss), 1.0, 1e-6)
          << p.name;
    }
}

TEST(Bench, Lanczos1MinimumMatchesCertifiedRss) {
  // Lanczos1's certified RSS 1.4307867721E-25 (Lanczos1.dat) is at the
  // limit of double precision; the minimum found matches it to 2 digits.
  auto problems = select_problems("Lanczos1", sources());
  ASSERT_TRUE(problems);
  const RunRecord rec =
      run_one(problems->front(), 0, default_configs().front(), one_repeat());
  EXPECT_GE(rec.min_lre(), kRequiredLre);
  EXPECT_NEAR(2 * rec.final_cost / problems->front().nist->certified_rss, 1.0,
              1e-2);
}

TEST(Bench, MinpackSolvesMisra1a) {
  auto problems = select_problems("Misra1a", sources());
  ASSERT_TRUE(problems);
  for (const char* name : {"minpack:lmder", "minpack:lmdif"}) {
    auto config = parse_config(name);
    ASSERT_TRUE(config);
    const RunRecord rec = run_one(problems->front(), 0, *config, one_repeat());
    EXPECT_GE(rec.min_lre(), kRequiredLre) << name;
    EXPECT_GT(rec.residual_evaluations, 0) << name;
  }
}

TEST(Bench, CalibrationRecoversSyntheticTruth) {
  // Noise-free synthetic panel of 310 regions: the truth is SyntheticSpec's
  // alpha 0.35, gamma 0.08, delta_S 0.15 and the generated a_i, lambda_i.
  auto problems = select_problems("synth310_deltaS_fixed", sources());
  ASSERT_TRUE(problems) << problems.error().to_string();
  auto config = parse_config("ceres:lm:dense_schur:auto");
  ASSERT_TRUE(config);
  const RunRecord rec = run_one(problems->front(), 0, *config, one_repeat());
  ASSERT_TRUE(rec.applicable) << rec.note;
  EXPECT_TRUE(rec.solved);
  EXPECT_GE(rec.min_lre(), kRequiredLre);
  EXPECT_TRUE(std::isnan(rec.lre[2]));  // delta_S fixed: not scored

  // Line search cannot take the calibration's bounds.
  auto lbfgs = parse_config("ceres:lbfgs:auto");
  const RunRecord skipped = run_one(problems->front(), 0, *lbfgs, one_repeat());
  EXPECT_FALSE(skipped.applicable);
  EXPECT_EQ(skipped.termination, "NOT_APPLICABLE");
}

TEST(Bench, UnknownProblemIsUsageError) {
  auto p = select_problems("nist,Misra9z", sources());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().exit_code, 2);
  EXPECT_EQ(p.error().field, "--problems");
}

TEST(Bench, WritesAndReadsBack) {
  auto problems = select_problems("Misra1a,ENSO", sources());
  ASSERT_TRUE(problems);
  auto configs = parse_config_list("ceres:lm:dense_qr:auto,minpack:lmder");
  ASSERT_TRUE(configs);
  auto result = run_bench(std::move(*problems), *configs, one_repeat());
  ASSERT_TRUE(result) << result.error().to_string();
  EXPECT_NE(format_ranking(*result).find("ceres:lm:dense_qr:auto"),
            std::string::npos);
  EXPECT_NE(format_summary(*result).find("solved 2/2 NIST from start 1"),
            std::string::npos)
      << format_summary(*result);
  EXPECT_NE(to_json(*result).find("\"problem\": \"ENSO\""), std::string::npos);

  const growthcast::testing::TempFolder folder;
  const auto path = folder / "bench.h5";
  {
    auto file = store::ResultFile::create(path);
    ASSERT_TRUE(file) << file.error().to_string();
    auto s = write_bench(*file, *result);
    ASSERT_TRUE(s) << s.error().to_string();
    ASSERT_TRUE(file->commit());
  }
  auto reader = store::ResultReader::open(path);
  ASSERT_TRUE(reader) << reader.error().to_string();
  std::vector<std::size_t> shape;
  auto lre = reader->read_doubles("/bench/lre", &shape);
  ASSERT_TRUE(lre) << lre.error().to_string();
  // [problem 2, start 2, config 2, parameter 9 (ENSO)]; Misra1a padded NaN.
  EXPECT_EQ(shape, (std::vector<std::size_t>{2, 2, 2, 9}));
  EXPECT_TRUE(std::isnan((*lre)[2]));
  EXPECT_GE((*lre)[0], kRequiredLre);
  auto names = reader->read_strings("/bench/config");
  ASSERT_TRUE(names);
  EXPECT_EQ(names->at(1), "minpack:lmder");
  // Each run's parameter estimates, beside its LRE: the values the records
  // hold, NaN padded like the LRE.
  auto estimate = reader->read_doubles("/bench/estimate", &shape);
  ASSERT_TRUE(estimate) << estimate.error().to_string();
  EXPECT_EQ(shape, (std::vector<std::size_t>{2, 2, 2, 9}));
  const RunRecord& misra = result->at(0, 0, 0);
  ASSERT_EQ(misra.estimate.size(), 2u);
  EXPECT_EQ((*estimate)[0], misra.estimate[0]);
  EXPECT_EQ((*estimate)[1], misra.estimate[1]);
  EXPECT_TRUE(std::isnan((*estimate)[2]));
  auto applicable = reader->read_doubles("/bench/applicable", &shape);
  ASSERT_TRUE(applicable);
  EXPECT_EQ((*applicable)[0], 1.0);
  std::filesystem::remove(path);
  // The JSON has them too.
  EXPECT_NE(to_json(*result).find("\"estimate\": ["), std::string::npos);
}

// Estimates are what the LRE score: a reader can check them. Misra1a's
// certified values (data/nist/Misra1a.dat): b1 = 2.3894212918E+02,
// b2 = 5.5015643181E-04; the default configuration reaches LRE >= 6, so the
// estimates agree with them to 1e-6 relative.
TEST(Bench, EstimatesMatchTheirLre) {
  auto problems = select_problems("Misra1a", sources());
  ASSERT_TRUE(problems);
  const RunRecord rec =
      run_one(problems->front(), 0, default_configs().front(), one_repeat());
  ASSERT_EQ(rec.estimate.size(), 2u);
  EXPECT_NEAR(rec.estimate[0], 2.3894212918E+02, 2.3894212918E+02 * 1e-6);
  EXPECT_NEAR(rec.estimate[1], 5.5015643181E-04, 5.5015643181E-04 * 1e-6);
}

// Rat42 from start 1 with BFGS ends in FAILURE (a line search that finds no
// step); Ceres then leaves the parameters at the start. The run is scored
// there: its estimate is NIST's start 1 (data/nist/Rat42.dat: 100, 1, 0.1),
// its final cost the cost at that point, which is the initial cost Ceres
// reported, and it is not solved.
TEST(Bench, FailureIsScoredAtWhatWasReturned) {
  auto problems = select_problems("Rat42", sources());
  ASSERT_TRUE(problems);
  auto bfgs = parse_config("ceres:bfgs:auto");
  ASSERT_TRUE(bfgs);
  const RunRecord rec = run_one(problems->front(), 0, *bfgs, one_repeat());
  // Whether BFGS fails here depends on rounding: the sanitizer build (-O1)
  // converges. Then the FAILURE path is not exercised: say so.
  if (rec.termination != "FAILURE")
    GTEST_SKIP() << "Rat42 from start 1 with BFGS ended in " << rec.termination
                 << " in this build, not FAILURE";
  EXPECT_EQ(rec.estimate, (std::vector<double>{100, 1, 0.1}));
  EXPECT_EQ(rec.final_cost, rec.initial_cost);
  EXPECT_FALSE(rec.solved);
  EXPECT_NE(rec.note.find("returned the start"), std::string::npos);
}

// A configuration that does not apply to the NIST problems is summarised as
// such, not as "solved 0/N".
TEST(Bench, SummaryCountsApplicableRunsOnly) {
  auto problems = select_problems("Misra1a,Kirby2", sources());
  ASSERT_TRUE(problems);
  auto configs = parse_config_list("ceres:lm:dense_qr:auto,minpack:lmder");
  ASSERT_TRUE(configs);
  auto result = run_bench(std::move(*problems), *configs, one_repeat());
  ASSERT_TRUE(result);
  // Mark minpack:lmder as not applicable everywhere, and dense_qr on
  // Kirby2 only.
  for (std::size_t p = 0; p < 2; ++p)
    for (int s = 0; s < 2; ++s) {
      auto& minpack = result->records[(p * 2 + std::size_t(s)) * 2 + 1];
      minpack.applicable = false;
      minpack.solved = false;
    }
  for (int s = 0; s < 2; ++s) {
    auto& kirby = result->records[(1 * 2 + std::size_t(s)) * 2 + 0];
    kirby.applicable = false;
    kirby.solved = false;
  }
  const std::string summary = format_summary(*result);
  EXPECT_NE(summary.find("minpack:lmder: NIST not applicable"),
            std::string::npos)
      << summary;
  EXPECT_EQ(summary.find("0/2"), std::string::npos) << summary;
  EXPECT_NE(summary.find("solved 1/1 NIST from start 1 (1 not applicable)"),
            std::string::npos)
      << summary;
}

}  // namespace
}  // namespace growthcast::solverbench
