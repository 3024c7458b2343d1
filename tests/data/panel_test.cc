// The panel reader: formats it accepts and the errors it gives. Each error
// case checks that the message names the file, the line and the column.
#include "data/panel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "data/csv_table.h"
#include "temp_folder.h"

namespace growthcast::data {
namespace {

class PanelTest : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& name,
                              const std::string& text) {
    auto path = folder_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  ColumnMapping mapping{"region", "year", {"y", "k"}};
  growthcast::testing::TempFolder folder_{"growthcast_panel_test"};
};

TEST_F(PanelTest, ReadsBomCrlfQuotedFieldsAndMissing) {
  auto path = write("ok.csv",
                    "\xEF\xBB\xBFregion,year,y,k,note\r\n"
                    "A,2000,1.5,2,\"plain\"\r\n"
                    "\"B, the second\",2000,,3e2,\"two\nlines\"\r\n"
                    "A,2001,2.5,4,x\r\n");
  auto panel = read_panel(path, mapping);
  ASSERT_TRUE(panel) << panel.error().to_string();
  ASSERT_EQ(panel->regions, (std::vector<std::string>{"A", "B, the second"}));
  ASSERT_EQ(panel->years, (std::vector<int>{2000, 2001}));
  const auto* y = panel->column("y");
  EXPECT_EQ(y->values[0][0], 1.5);
  EXPECT_EQ(y->values[0][1], 2.5);
  EXPECT_TRUE(std::isnan(y->values[1][0]));  // empty = missing
  EXPECT_EQ(panel->column("k")->values[1][0], 300.0);
  EXPECT_FALSE(panel->present[1][1]);
  // The row after the quoted newline starts on physical line 5.
  EXPECT_EQ(panel->column("k")->lines[0][1], 5);
}

// Each case: file text, the column the message must name, its line, and a
// phrase of the message.
struct BadCase {
  const char* name;
  const char* text;
  const char* field;
  long line;
  const char* phrase;
};

class BadPanelTest : public PanelTest,
                     public ::testing::WithParamInterface<BadCase> {};

TEST_P(BadPanelTest, NamesFileLineAndField) {
  const BadCase& c = GetParam();
  auto path = write(std::string(c.name) + ".csv", c.text);
  auto panel = read_panel(path, mapping);
  ASSERT_FALSE(panel) << "expected an error for " << c.name;
  const Error& e = panel.error();
  EXPECT_EQ(e.file, path.string());
  EXPECT_EQ(e.line, c.line) << e.to_string();
  EXPECT_EQ(e.field, c.field) << e.to_string();
  EXPECT_NE(e.message.find(c.phrase), std::string::npos) << e.to_string();
  EXPECT_EQ(e.exit_code, 1);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadPanelTest,
    ::testing::Values(
        BadCase{"empty", "", "", 0, "empty"},
        BadCase{"header_only", "region,year,y,k\n", "", 0, "no rows"},
        BadCase{"missing_column", "region,year,y\nA,2000,1\n", "k", 1,
                "missing column"},
        BadCase{"non_numeric", "region,year,y,k\nA,2000,1,2\nA,2001,abc,2\n",
                "y", 3, "not a finite number"},
        BadCase{"nan_text", "region,year,y,k\nA,2000,NaN,2\n", "y", 2,
                "not a finite number"},
        BadCase{"overflow", "region,year,y,k\nA,2000,1e400,2\n", "y", 2,
                "not a finite number"},
        BadCase{"bad_year", "region,year,y,k\nA,20x0,1,2\n", "year", 2,
                "not a whole year"},
        BadCase{"duplicate", "region,year,y,k\nA,2000,1,2\nA,2000,1,2\n",
                "year", 3, "duplicate row"},
        BadCase{"ragged", "region,year,y,k\nA,2000,1\n", "", 2, "fields"},
        BadCase{"utf16", "\xFF\xFEr\0e\0", "", 1, "UTF-16"},
        BadCase{"bom_inside",
                "region,year,y,k\nA,2000,1,2\n\xEF\xBB\xBFregion\n", "", 3,
                "byte-order mark"},
        BadCase{"open_quote", "region,year,y,k\nA,2000,\"1,2\n", "y", 2,
                "never closed"},
        BadCase{"duplicate_header", "region,year,y,y,k\nA,2000,1,1,2\n", "y", 1,
                "duplicate column"}),
    [](const ::testing::TestParamInfo<BadCase>& param) {
      return std::string(param.param.name);
    });

TEST_F(PanelTest, NonNumericNamesTheRightColumn) {
  auto path = write("nn.csv", "region,year,y,k\nA,2000,1,2\nA,2001,abc,2\n");
  auto panel = read_panel(path, mapping);
  ASSERT_FALSE(panel);
  EXPECT_EQ(panel.error().field, "y");
  EXPECT_EQ(panel.error().line, 3);
}

// Reading only some columns (as read_panel does) stores only those, but
// still counts and checks every field: the expected values are the input's
// own text and the row's real width.
TEST(CsvKeepTest, KeepsNamedColumnsAndCountsAllFields) {
  auto table = parse_csv("a,b,c\n1,\"x\ny\",3\n4,5,6\n", "t.csv", {"b"});
  ASSERT_TRUE(table) << table.error().to_string();
  EXPECT_EQ(table->column("c"), 2);
  EXPECT_EQ(table->field("b"), 0);
  EXPECT_EQ(table->field("a"), -1);
  ASSERT_EQ(table->rows.size(), 2u);
  ASSERT_EQ(table->rows[0].fields.size(), 1u);
  EXPECT_EQ(table->rows[0].fields[0].text, "x\ny");
  EXPECT_EQ(table->rows[0].width, 3u);
  EXPECT_EQ(table->rows[1].fields[0].text, "5");
  EXPECT_EQ(table->rows[1].line, 4);  // the quoted newline counts

  auto short_row = parse_csv("a,b,c\n1,2,3\n4,5\n", "t.csv", {"b"});
  ASSERT_FALSE(short_row);
  EXPECT_EQ(short_row.error().message, "row has 2 fields but the header has 3");
  EXPECT_EQ(short_row.error().line, 3);
}

class SelectTest : public PanelTest {
 protected:
  Panel load(const std::string& text) {
    auto panel = read_panel(write("sel.csv", text), mapping);
    EXPECT_TRUE(panel) << panel.error().to_string();
    return *panel;
  }
};

TEST_F(SelectTest, CutsTheWindowInRequestedRegionOrder) {
  Panel p = load(
      "region,year,y,k\nA,2000,1,2\nA,2001,3,4\nB,2000,5,6\nB,2001,7,8\n"
      "A,1999,0,0\n");
  auto w = select(p, {{"B", "A"}, 2000, 2001, {}, {"y", "k"}});
  ASSERT_TRUE(w) << w.error().to_string();
  EXPECT_EQ(w->regions, (std::vector<std::string>{"B", "A"}));
  EXPECT_EQ(w->at("y")[0], (std::vector<double>{5, 7}));
  EXPECT_EQ(w->at("k")[1], (std::vector<double>{2, 4}));
}

TEST_F(SelectTest, ZeroWhereALogIsTakenNamesLineAndColumn) {
  Panel p = load("region,year,y,k\nA,2000,1,2\nA,2001,0,4\n");
  auto w = select(p, {{}, 2000, 2001, {}, {"y", "k"}});
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().line, 3);
  EXPECT_EQ(w.error().field, "y");
  EXPECT_NE(w.error().message.find("must be positive"), std::string::npos);
}

TEST_F(SelectTest, NegativeValueIsRejected) {
  Panel p = load("region,year,y,k\nA,2000,1,-2\nA,2001,1,4\n");
  auto w = select(p, {{}, 2000, 2001, {}, {"y", "k"}});
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().line, 2);
  EXPECT_EQ(w.error().field, "k");
}

TEST_F(SelectTest, MissingValueInsideTheWindow) {
  Panel p = load("region,year,y,k\nA,2000,1,2\nA,2001,,4\n");
  auto w = select(p, {{}, 2000, 2001, {}, {"y", "k"}});
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().line, 3);
  EXPECT_EQ(w.error().field, "y");
}

TEST_F(SelectTest, GapInAYearInsideTheWindow) {
  Panel p = load("region,year,y,k\nA,2000,1,2\nA,2002,1,4\nB,2001,1,1\n");
  auto w = select(p, {{"A"}, 2000, 2002, {}, {"y"}});
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().field, "year");
  EXPECT_NE(w.error().message.find("no row for year 2001"), std::string::npos);
}

TEST_F(SelectTest, UnknownRegion) {
  Panel p = load("region,year,y,k\nA,2000,1,2\n");
  auto w = select(p, {{"Atlantis"}, 2000, 2000, {}, {"y"}});
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().field, "region");
  EXPECT_NE(w.error().message.find("Atlantis"), std::string::npos);
}

TEST_F(SelectTest, GapOutsideTheWindowIsFine) {
  Panel p = load("region,year,y,k\nA,1990,1,2\nA,2000,1,2\nA,2001,2,3\n");
  EXPECT_TRUE(select(p, {{}, 2000, 2001, {}, {"y", "k"}}));
}

// Issue 16: region_index is a hash lookup after read_panel, and agrees with
// the order of first appearance (the expected index is the position in the
// text, counted here).
TEST_F(SelectTest, RegionIndexOverManyRegions) {
  std::string text = "region,year,y,k\n";
  const int n = 5000;
  for (int r = n - 1; r >= 0; --r)  // reverse order: index != name
    text += "r" + std::to_string(r) + ",2000,1,2\n";
  Panel p = load(text);
  ASSERT_EQ(p.regions.size(), std::size_t(n));
  EXPECT_EQ(p.region_lookup.size(), p.regions.size());
  for (int r = 0; r < n; r += 97)
    EXPECT_EQ(p.region_index("r" + std::to_string(r)), n - 1 - r);
  EXPECT_EQ(p.region_index("absent"), -1);
  // A panel assembled by hand (no lookup) still answers, by scanning.
  Panel hand;
  hand.regions = {"x", "y"};
  EXPECT_EQ(hand.region_index("y"), 1);
  EXPECT_EQ(hand.region_index("z"), -1);
}

TEST_F(SelectTest, RegionSelectedTwiceIsRefused) {
  Panel p = load("region,year,y,k\nA,2000,1,2\nB,2000,1,2\n");
  auto w = select(p, {{"A", "B", "A"}, 2000, 2000, {}, {"y"}});
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().field, "region");
  EXPECT_EQ(w.error().message,
            "region 'A' is selected twice: its data would count twice");
}

TEST_F(SelectTest, LongValuesAreCutInMessages) {
  Panel p = load("region,year,y,k\nA,2000,1,2\n");
  const std::string name(100000, 'Q');
  auto w = select(p, {{name}, 2000, 2000, {}, {"y"}});
  ASSERT_FALSE(w);
  // 80 characters and "...": the rule of engine/data/panel.cc's cut().
  EXPECT_EQ(w.error().message, "unknown region '" + std::string(80, 'Q') +
                                   "...' (not in the file)");
}

TEST(CsvTable, InvalidUtf8NamesTheLine) {
  auto table = parse_csv("a,b\n1,2\n3,\xC3\x28\n", "mem.csv");
  ASSERT_FALSE(table);
  EXPECT_EQ(table.error().line, 3);
}

}  // namespace
}  // namespace growthcast::data
