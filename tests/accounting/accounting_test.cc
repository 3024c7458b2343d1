// Growth accounting against hand computations of the Tornqvist formula of
// docs/architecture.md ("Growth accounting"): dlnTFP = dlnY - (1 - s) dlnK
// - s dlnL with s the mean of adjacent years' labour shares.
#include "accounting/accounting.h"

#include <gtest/gtest.h>

#include <cmath>

#include "closeness.h"
#include "models/cobb_douglas_rd/model.h"

namespace growthcast::accounting {
namespace {

using growthcast::testing::IsClose;
using growthcast::testing::Tolerance;

AccountingInput two_regions() {
  AccountingInput in;
  in.source = "test";
  in.regions = {"A", "B"};
  in.years = {2000, 2001, 2002};
  in.output = {{100, 110, 125}, {50, 52, 55}};
  in.capital = {{300, 330, 350}, {200, 210, 230}};
  in.labour = {{10, 10.5, 10.8}, {20, 20, 19}};
  in.labour_share = {{0.5, 0.6, 0.55}, {0.4, 0.4, 0.45}};
  in.groups = {{"AB", {"A", "B"}}};
  in.periods = {{2001, 2002}, {2002, 2002}};
  return in;
}

double tornqvist_tfp(double y0, double y1, double k0, double k1, double l0,
                     double l1, double s0, double s1) {
  const double s = 0.5 * (s0 + s1);
  return std::log(y1 / y0) - (1 - s) * std::log(k1 / k0) -
         s * std::log(l1 / l0);
}

TEST(Accounting, TornqvistTfpGrowthPerRegionAndYear) {
  auto in = two_regions();
  auto r = account(in);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(std::isnan(r->tfp_growth[0][0]));
  // Region A, 2001: shares 0.5 and 0.6 average to 0.55.
  EXPECT_TRUE(
      IsClose(r->tfp_growth[0][1],
              std::log(1.1) - 0.45 * std::log(1.1) - 0.55 * std::log(1.05),
              Tolerance::kRoundoff));
  EXPECT_TRUE(IsClose(r->tfp_growth[1][2],
                      tornqvist_tfp(52, 55, 210, 230, 20, 19, 0.4, 0.45),
                      Tolerance::kRoundoff));
}

TEST(Accounting, PeriodContributionsAreMeansOfAnnualTerms) {
  auto r = account(two_regions());
  ASSERT_TRUE(r);
  const auto& a = r->contribution[0][0];  // region A, 2001-2002
  const double s1 = 0.55, s2 = 0.575;
  EXPECT_TRUE(
      IsClose(a[0], 0.5 * std::log(125.0 / 100.0), Tolerance::kRoundoff));
  EXPECT_TRUE(IsClose(
      a[1], 0.5 * ((1 - s1) * std::log(1.1) + (1 - s2) * std::log(350.0 / 330)),
      Tolerance::kRoundoff));
  EXPECT_TRUE(IsClose(a[2],
                      0.5 * (s1 * std::log(1.05) + s2 * std::log(10.8 / 10.5)),
                      Tolerance::kRoundoff));
  EXPECT_TRUE(std::isnan(a[3]));  // knowledge is inside TFP here
  // The factors add up to output growth.
  EXPECT_TRUE(IsClose(a[1] + a[2] + a[4], a[0], Tolerance::kRoundoff));
  EXPECT_TRUE(IsClose(r->technology_share(0, 0, false), a[4] / a[0],
                      Tolerance::kRoundoff));
}

TEST(Accounting, GroupsSumTheirMembersAndWeightSharesByOutput) {
  auto r = account(two_regions());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->units.back(), "AB");
  EXPECT_TRUE(r->is_group.back());
  // AB 2001: Y 150 -> 162, K 500 -> 540, L 30 -> 30.5; shares weighted by Y.
  const double s0 = (0.5 * 100 + 0.4 * 50) / 150.0;
  const double s1 = (0.6 * 110 + 0.4 * 52) / 162.0;
  EXPECT_TRUE(IsClose(r->tfp_growth[2][1],
                      tornqvist_tfp(150, 162, 500, 540, 30, 30.5, s0, s1),
                      Tolerance::kRoundoff));
}

TEST(Accounting, RdModelSplitsKnowledgeOutOfTfp) {
  auto in = two_regions();
  // cobb_douglas_rd with alpha 0.4, beta 0.6 (= 1 - alpha), gamma 0.1, no
  // spillovers.
  RdModel model;
  model.settings = models::CobbDouglasRd::info().default_settings();
  model.shared = {0.4, 0.6, 0.1, 0.15, 0.0};
  model.knowledge = {{10, 11, 12.5}, {5, 5.5, 6}};
  in.rd = model;
  auto r = account(in);
  ASSERT_TRUE(r);
  const auto& row = r->contribution_rd[0][1];  // region A, 2002 only
  EXPECT_TRUE(
      IsClose(row[1], 0.4 * std::log(350.0 / 330), Tolerance::kRoundoff));
  EXPECT_TRUE(
      IsClose(row[2], 0.6 * std::log(10.8 / 10.5), Tolerance::kRoundoff));
  EXPECT_TRUE(IsClose(row[3], 0.1 * std::log(12.5 / 11), Tolerance::kRoundoff));
  EXPECT_TRUE(
      IsClose(row[1] + row[2] + row[3] + row[4], row[0], Tolerance::kRoundoff));
  EXPECT_TRUE(IsClose(r->technology_share(0, 1, true),
                      (row[3] + row[4]) / row[0], Tolerance::kRoundoff));
}

TEST(Accounting, RejectsPeriodsOutsideTheDataAndBadShares) {
  auto in = two_regions();
  in.periods = {{2000, 2002}};  // needs 1999
  auto r = account(in);
  ASSERT_FALSE(r);
  // The engine names the option; the CLI maps it to --periods.
  EXPECT_EQ(r.error().field, "periods");
  in = two_regions();
  in.labour_share[1][2] = 1.2;
  r = account(in);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("region 'B', year 2002"), std::string::npos);
}

// The one definition of the technology share (models/model_info.h): the
// flagged contributions over d ln Y. Expected values by hand: (0.01 +
// 0.02) / 0.05 = 0.6 with knowledge and TFP flagged; 0.02 / 0.05 = 0.4 with
// Tornqvist's flags (TFP only); NaN without growth.
TEST(Accounting, TechnologyShareIsTheFlaggedContributionsOverOutputGrowth) {
  const std::vector<models::ContributionInfo> model = {{"capital", "", false},
                                                       {"labour", "", false},
                                                       {"knowledge", "", true},
                                                       {"tfp", "", true}};
  EXPECT_DOUBLE_EQ(
      models::technology_share({0.015, 0.005, 0.01, 0.02}, model, 0.05), 0.6);
  EXPECT_DOUBLE_EQ(models::technology_share({0.015, 0.005, 0.02},
                                            tornqvist_contributions(), 0.05),
                   0.4);
  EXPECT_TRUE(
      std::isnan(models::technology_share({0.0, 0.0, 0.0, 0.0}, model, 0.0)));
  EXPECT_EQ(models::technology_share_definition(model).rfind(
                "(contribution_knowledge + contribution_tfp) / d ln Y", 0),
            0u);
  // The accounting's share is that function over its table's row, with
  // the flags of the model it was given (cobb_douglas_rd's: as `model`).
  auto in = two_regions();
  RdModel rd;
  rd.settings = models::CobbDouglasRd::info().default_settings();
  rd.shared = {0.4, 0.6, 0.1, 0.15, 0.0};
  rd.knowledge = {{10, 11, 12.5}, {5, 5.5, 6}};
  in.rd = rd;
  auto r = account(in);
  ASSERT_TRUE(r);
  const auto& row = r->contribution_rd[0][1];
  EXPECT_DOUBLE_EQ(r->technology_share(0, 1, true),
                   models::technology_share({row[1], row[2], row[3], row[4]},
                                            model, row[0]));
}

TEST(Accounting, ParsesPeriodLists) {
  auto p = parse_periods("2011-2015,2016-2019");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[1].first, 2016);
  EXPECT_EQ((*p)[1].last, 2019);
  EXPECT_FALSE(parse_periods("2011-"));
  EXPECT_FALSE(parse_periods("2015-2011"));
  EXPECT_FALSE(parse_periods("x"));
}

}  // namespace
}  // namespace growthcast::accounting
