// The outturns reader on the shipped file and on broken copies.
#include "backtest/outturns.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "data/panel.h"
#include "temp_folder.h"

namespace growthcast::backtest {
namespace {

const std::filesystem::path kSource = GROWTHCAST_SOURCE_DIR;

TEST(OutturnsTest, ReadsTheShippedFile) {
  auto out = read_outturns(kSource / "data/china_province_outturns.csv");
  ASSERT_TRUE(out) << out.error().to_string();
  EXPECT_EQ(out->regions.size(), 31u);
  EXPECT_EQ(out->years, (std::vector<int>{2020, 2021, 2022, 2023, 2024}));

  // Region names and order are the panel's.
  data::ColumnMapping mapping;
  mapping.values = {"gdp_real"};
  auto panel = data::read_panel(kSource / "data/china_provinces.csv", mapping);
  ASSERT_TRUE(panel) << panel.error().to_string();
  EXPECT_EQ(out->regions, panel->regions);

  const int sc = out->region_index("Sichuan");
  ASSERT_GE(sc, 0);
  const int y2021 = out->year_index(2021);
  ASSERT_EQ(y2021, 1);
  // By hand from the raw inputs: the panel's Sichuan 2019 gdp_real is
  // 46363.8; data/raw/nbs_export_grp_index_prev_year_2016_2025_zh_5th_
  // census_revision.csv, row 四川省, gives 2020 = 103.8 and 2021 = 108.3, so
  // 2021 = 46363.8 * 1.038 * 1.083 = 52120.0512252, written to 10
  // significant digits as 52120.05123.
  EXPECT_EQ(out->gdp_growth_index[sc][y2021], 108.3);
  EXPECT_NEAR(out->gdp_real[sc][y2021], 52120.0512252, 1e-5);
  // data/raw/techme_RDActivity.csv: "四川","2023","合计",13578026 万元 =
  // 1357.8026 亿元; 2024 is not in the table (empty).
  EXPECT_EQ(out->rd_nominal[sc][out->year_index(2023)], 1357.8026);
  EXPECT_TRUE(std::isnan(out->rd_nominal[sc][out->year_index(2024)]));
  // Hubei 2020, the COVID year: index 94.6 in the same raw export.
  EXPECT_EQ(out->gdp_growth_index[out->region_index("Hubei")][0], 94.6);
  EXPECT_EQ(out->year_index(2019), -1);
  EXPECT_EQ(out->region_index("Atlantis"), -1);
}

// The panel's history and the outturns as one series per region, and the
// Chengdu-Chongqing total.
TEST(OutturnsTest, SplicesPanelAndOutturns) {
  auto out = read_outturns(kSource / "data/china_province_outturns.csv");
  ASSERT_TRUE(out) << out.error().to_string();
  data::ColumnMapping mapping;
  mapping.values = {"gdp_real"};
  auto panel = data::read_panel(kSource / "data/china_provinces.csv", mapping);
  ASSERT_TRUE(panel) << panel.error().to_string();
  auto series = actual_series(*panel, "gdp_real", *out);
  ASSERT_TRUE(series) << series.error().to_string();
  ASSERT_EQ(series->size(), 31u);
  const UnitSeries* sichuan = nullptr;
  for (const auto& s : *series)
    if (s.unit == "Sichuan") sichuan = &s;
  ASSERT_NE(sichuan, nullptr);
  EXPECT_EQ(sichuan->first_year, 2000);
  ASSERT_EQ(sichuan->values.size(), 25u);  // 2000-2024
  // data/china_provinces.csv, Sichuan 2019 gdp_real = 46363.8; the
  // outturns' 2020 = 46363.8 * 1.038 = 48125.6244.
  EXPECT_EQ(sichuan->values[19], 46363.8);
  EXPECT_EQ(sichuan->values[20], 48125.6244);

  auto groups =
      group_series(*series, {{"Chengdu-Chongqing", {"Sichuan", "Chongqing"}}});
  ASSERT_TRUE(groups) << groups.error().to_string();
  ASSERT_EQ(groups->size(), 1u);
  // 2019: Sichuan 46,363.8 + Chongqing 23,605.8 = 69,969.6 (SOURCES.md §1).
  EXPECT_NEAR((*groups)[0].values[19], 69969.6, 1e-9);
  EXPECT_FALSE(group_series(*series, {{"X", {"Sichuan", "Atlantis"}}}));

  // Outturns that do not follow the panel's last year are refused.
  Outturns late = *out;
  for (auto& y : late.years) y += 1;
  auto gap = actual_series(*panel, "gdp_real", late);
  ASSERT_FALSE(gap);
  EXPECT_EQ(gap.error().field, "year");
}

class BadOutturnsTest : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& text) {
    auto path = folder_ / "outturns.csv";
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  static constexpr const char* kHeader =
      "region,year,gdp_real,gdp_growth_index,rd_nominal\n";
  growthcast::testing::TempFolder folder_{"growthcast_outturns_test"};
};

TEST_F(BadOutturnsTest, LevelNotChainedFromTheIndex) {
  // 100 * 1.05 = 105, but the file says 106: line 3, column gdp_real.
  auto path = write(std::string(kHeader) +
                    "A,2020,100,101,\n"
                    "A,2021,106,105,\n");
  auto out = read_outturns(path);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().line, 3);
  EXPECT_EQ(out.error().field, "gdp_real");
  EXPECT_NE(out.error().to_string().find(path.string() + ":3:"),
            std::string::npos)
      << out.error().to_string();
}

TEST_F(BadOutturnsTest, MissingYearAndBadValues) {
  auto gap = read_outturns(write(std::string(kHeader) +
                                 "A,2020,100,101,\nA,2021,105,105,\n"
                                 "B,2020,50,101,\n"));
  ASSERT_FALSE(gap);
  EXPECT_EQ(gap.error().field, "year");
  EXPECT_NE(gap.error().message.find("'B' has no row for year 2021"),
            std::string::npos)
      << gap.error().to_string();

  auto empty_level =
      read_outturns(write(std::string(kHeader) + "A,2020,,101,\n"));
  ASSERT_FALSE(empty_level);
  EXPECT_EQ(empty_level.error().field, "gdp_real");
  EXPECT_EQ(empty_level.error().line, 2);

  auto negative_rd =
      read_outturns(write(std::string(kHeader) + "A,2020,100,101,-3\n"));
  ASSERT_FALSE(negative_rd);
  EXPECT_EQ(negative_rd.error().field, "rd_nominal");
  EXPECT_EQ(negative_rd.error().line, 2);

  auto no_column = read_outturns(write("region,year,gdp_real\nA,2020,1\n"));
  ASSERT_FALSE(no_column);
  EXPECT_EQ(no_column.error().field, "gdp_growth_index");
}

}  // namespace
}  // namespace growthcast::backtest
