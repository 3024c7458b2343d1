// Configuration names: parsing, canonical names, named sets, usage errors.
#include "solverbench/config.h"

#include <gtest/gtest.h>

namespace growthcast::solverbench {
namespace {

TEST(SolverConfig, NamesRoundTrip) {
  auto all = parse_config_list("all");
  ASSERT_TRUE(all) << all.error().to_string();
  EXPECT_GE(all->size(), 20u);
  for (const auto& c : *all) {
    auto again = parse_config(c.name());
    ASSERT_TRUE(again) << again.error().to_string();
    EXPECT_EQ(again->name(), c.name());
  }
}

TEST(SolverConfig, ParsesEachFamily) {
  auto lm = parse_config("ceres:subspace:cgnr:numeric:t4");
  ASSERT_TRUE(lm) << lm.error().to_string();
  EXPECT_EQ(lm->family, Family::ceres_trust_region);
  EXPECT_EQ(lm->trust_region, TrustRegion::dogleg_subspace);
  EXPECT_EQ(lm->linear_solver, LinearSolver::cgnr);
  EXPECT_EQ(lm->derivative, Derivative::numeric_central);
  EXPECT_EQ(lm->threads, 4);
  auto ls = parse_config("ceres:bfgs:auto");
  ASSERT_TRUE(ls);
  EXPECT_EQ(ls->family, Family::ceres_line_search);
  EXPECT_EQ(ls->line_search, LineSearch::bfgs);
  auto mp = parse_config("minpack:lmdif");
  ASSERT_TRUE(mp);
  EXPECT_EQ(mp->family, Family::minpack);
  EXPECT_EQ(mp->minpack, Minpack::lmdif);
}

TEST(SolverConfig, BadNamesAreUsageErrors) {
  for (const char* bad :
       {"ceres:lm:dense_lu:auto", "ceres:newton:dense_qr:auto", "gsl:lm",
        "ceres:lm:dense_qr", "ceres:lm:dense_qr:auto:t0", "ceres:bfgs:auto:tx",
        "minpack:hybrd", "minpack:lmder:t2", "ceres:lbfgs:dense_qr:auto", ""}) {
    auto c = parse_config_list(bad);
    ASSERT_FALSE(c) << bad;
    EXPECT_EQ(c.error().exit_code, 2) << bad;
    EXPECT_EQ(c.error().field, "--configs") << bad;
  }
  auto c = parse_config("ceres:lm:dense_lu:auto");
  ASSERT_FALSE(c);
  // The message names the bad field and the choices.
  EXPECT_NE(c.error().message.find("unknown linear solver 'dense_lu'"),
            std::string::npos);
  EXPECT_NE(c.error().message.find("sparse_normal_cholesky"),
            std::string::npos);
}

TEST(SolverConfig, DefaultSetCoversTheMatrix) {
  auto d = parse_config_list("default,ceres:lm:dense_qr:auto");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->size(), default_configs().size());  // duplicate dropped
  EXPECT_EQ(d->front().name(), "ceres:lm:dense_qr:auto");
}

TEST(BenchOptions, Validates) {
  BenchOptions o;
  std::string why;
  EXPECT_TRUE(o.IsValid(&why));
  o.repeats = 0;
  EXPECT_FALSE(o.IsValid(&why));
  EXPECT_NE(why.find("repeats"), std::string::npos);
}

}  // namespace
}  // namespace growthcast::solverbench
