#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "report/html.h"
#include "report/svg.h"

namespace growthcast::report {
namespace {

TEST(Escape, ReplacesMarkupCharacters) {
  EXPECT_EQ(escape("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
  EXPECT_EQ(escape("plain \u2014 text"), "plain \u2014 text");
}

TEST(FormatNumber, GroupsThousandsAndHandlesNaN) {
  EXPECT_EQ(format_number(1234567.4, 0), "1,234,567");
  EXPECT_EQ(format_number(999.5, 0), "1,000");
  EXPECT_EQ(format_number(-1234.5, 1), "\u22121,234.5");
  EXPECT_EQ(format_number(-0.01, 0), "0");
  // A negative number between -1 and 0 keeps its sign (it lost it when
  // only the whole part was looked at).
  EXPECT_EQ(format_number(-0.34, 2), "\u22120.34");
  EXPECT_EQ(format_number(-0.004, 2), "0.00");
  EXPECT_EQ(format_number(std::numeric_limits<double>::quiet_NaN(), 0),
            "\u2013");
  EXPECT_EQ(format_percent(0.0674, 2), "6.74%");
}

TEST(RenderTable, EscapesCellsAndAlignsNumbers) {
  Table t;
  t.header = {"Name", "Value"};
  t.numeric = {false, true};
  t.rows = {{"<x>", "1"}};
  const std::string html = render_table(t);
  EXPECT_NE(html.find("<td>&lt;x&gt;</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">1</td>"), std::string::npos);
}

TEST(NiceTicks, CoverTheRangeWithRoundSteps) {
  const auto ticks = nice_ticks(45000, 183000, 5);
  ASSERT_GE(ticks.size(), 3u);
  EXPECT_LE(ticks.front(), 45000);
  EXPECT_GE(ticks.back(), 183000);
  EXPECT_DOUBLE_EQ(ticks[1] - ticks[0], 50000);
  EXPECT_LE(ticks.size(), 8u);
  const auto flat = nice_ticks(7, 7, 5);  // a constant series still gets ticks
  EXPECT_LT(flat.front(), 7);
  EXPECT_GT(flat.back(), 7);
}

TEST(YearTicks, AtMostTheRequestedNumber) {
  const auto ticks = year_ticks(2010, 2035, 7);
  EXPECT_EQ(ticks, (std::vector<double>{2010, 2015, 2020, 2025, 2030, 2035}));
  EXPECT_EQ(year_ticks(2018, 2021, 7),
            (std::vector<double>{2018, 2019, 2020, 2021}));
}

TEST(Chart, MapsDataToThePlotAreaAndSkipsGaps) {
  Chart chart(200, 100, 20, 10, 10, 20, {0, 10}, {0, 1});
  EXPECT_DOUBLE_EQ(chart.px(0), 20);
  EXPECT_DOUBLE_EQ(chart.px(10), 190);
  EXPECT_DOUBLE_EQ(chart.py(0), 80);
  EXPECT_DOUBLE_EQ(chart.py(1), 10);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  chart.line({0, 1, 2, 3}, {0.1, nan, 0.3, 0.4}, kMedianColour, 2);
  chart.band({0, 1, 2}, {0.1, 0.2, 0.3}, {0.5, 0.6, 0.7}, kBand90Colour);
  const std::string svg = chart.svg("a <title>");
  EXPECT_NE(svg.find("<title>a &lt;title&gt;</title>"), std::string::npos);
  // The gap starts a new subpath: two moves, one line segment.
  EXPECT_NE(svg.find("M20.0,73.0 M54.0,59.0 L71.0,52.0"), std::string::npos);
  EXPECT_NE(svg.find("fill=\"#c6dbef\""), std::string::npos);
}

TEST(WrapTitle, SplitsAtTheDashOnlyWhenTooWide) {
  EXPECT_EQ(wrap_title("A \u2014 b", 300, 12).size(), 1u);
  const auto lines = wrap_title(
      "Greater Bay Area (Guangdong) \u2014 greater_bay_area/rd_push", 300, 12);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "Greater Bay Area (Guangdong) \u2014");
  EXPECT_EQ(lines[1], "greater_bay_area/rd_push");
}

TEST(WrapText, GreedyWordsWithinTheWidthAndAnEllipsisWhenCut) {
  // 0.64 em a glyph at 10 units: 64 units hold 10 characters.
  EXPECT_EQ(wrap_text("aaa bbb ccc ddd", 64, 10, 5),
            (std::vector<std::string>{"aaa bbb", "ccc ddd"}));
  // A word longer than a line stays whole on its own line.
  EXPECT_EQ(wrap_text("abcdefghijklmno x", 64, 10, 5),
            (std::vector<std::string>{"abcdefghijklmno", "x"}));
  // Code points, not bytes: ten em dashes fit a 10-character line.
  EXPECT_EQ(wrap_text("\u2014\u2014\u2014\u2014\u2014 \u2014\u2014\u2014\u2014",
                      64, 10, 5)
                .size(),
            1u);
  EXPECT_EQ(wrap_text("aaa bbb ccc ddd eee", 64, 10, 2),
            (std::vector<std::string>{"aaa bbb", "ccc ddd\u2026"}));
  EXPECT_TRUE(wrap_text("", 64, 10, 2).empty());
}

}  // namespace
}  // namespace growthcast::report
