// The units sidecar (data/column_units.h): read_panel picks it up beside the
// panel, a panel without one reads as before, and a bad sidecar is refused
// with its file, line and field named.
#include "data/column_units.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "data/panel.h"
#include "temp_folder.h"

namespace growthcast::data {
namespace {

class ColumnUnitsTest : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& name,
                              const std::string& text) {
    auto path = folder_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::filesystem::path panel() {
    return write("p.csv", "region,year,y,k\nA,2000,1,2\nA,2001,1.5,2.5\n");
  }
  ColumnMapping mapping{"region", "year", {"y", "k"}};
  growthcast::testing::TempFolder folder_{"growthcast_units_test"};
};

TEST_F(ColumnUnitsTest, SidecarPathReplacesTheExtension) {
  EXPECT_EQ(units_sidecar_path("dir/china.csv"),
            std::filesystem::path("dir/china.units.csv"));
}

TEST_F(ColumnUnitsTest, ReadPanelTakesTheSidecar) {
  const auto path = panel();
  write("p.units.csv",
        "column,units,long_name\n"
        "y,\"100 million yuan, 2019 prices\",real output\n");
  auto read = read_panel(path, mapping);
  ASSERT_TRUE(read) << read.error().to_string();
  EXPECT_EQ(read->units_file, units_sidecar_path(path).string());
  ASSERT_EQ(read->units.count("y"), 1u);
  EXPECT_EQ(read->units.at("y").units, "100 million yuan, 2019 prices");
  EXPECT_EQ(read->units.at("y").long_name, "real output");
  // A column the sidecar does not describe: unknown, named by the column.
  const ColumnUnits k = units_of(read->units, "k");
  EXPECT_EQ(k.units, kUnknownUnits);
  EXPECT_EQ(k.long_name, "k");
  // The selected window carries them on.
  Selection selection{{}, 2000, 2001, {}, {"y", "k"}};
  auto window = select(*read, selection);
  ASSERT_TRUE(window) << window.error().to_string();
  EXPECT_EQ(units_of(window->units, "y").units,
            "100 million yuan, 2019 prices");
}

TEST_F(ColumnUnitsTest, PanelWithoutSidecarReadsAsBefore) {
  auto read = read_panel(panel(), mapping);
  ASSERT_TRUE(read) << read.error().to_string();
  EXPECT_TRUE(read->units.empty());
  EXPECT_TRUE(read->units_file.empty());
}

// Each bad sidecar: the error names the sidecar (not the panel), the line
// and the field, and no panel is returned.
struct BadSidecar {
  const char* text;
  long line;
  const char* field;
  const char* message_part;
};

TEST_F(ColumnUnitsTest, BadSidecarsNameFileLineAndField) {
  const BadSidecar cases[] = {
      {"column,units,long_name\ny,1,a\nz,1,b\n", 3, "column",
       "not a column of the panel"},
      {"column,units,long_name\ny,1,a\ny,1,b\n", 3, "column",
       "described twice"},
      {"column,units,long_name\ny,,a\n", 2, "units", "empty units"},
      {"column,unit,long_name\ny,1,a\n", 1, "units", "missing column"},
      {"column,units,long_name,extra\ny,1,a,b\n", 1, "extra", "unknown column"},
      {"column,units,long_name\ny,1\n", 2, "", "fields"},
      {"column,units,long_name\ny,\"1,a\n", 2, "", "quote"},
  };
  const auto path = panel();
  for (const BadSidecar& c : cases) {
    const auto sidecar = write("p.units.csv", c.text);
    auto read = read_panel(path, mapping);
    ASSERT_FALSE(read) << c.text;
    EXPECT_EQ(read.error().file, sidecar.string()) << c.text;
    EXPECT_EQ(read.error().line, c.line) << read.error().to_string();
    if (*c.field) {
      EXPECT_EQ(read.error().field, c.field) << c.text;
    }
    EXPECT_NE(read.error().to_string().find(c.message_part), std::string::npos)
        << read.error().to_string();
  }
}

}  // namespace
}  // namespace growthcast::data
