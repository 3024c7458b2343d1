#include "scenario/scenario.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "temp_folder.h"

namespace growthcast::scenario {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = GROWTHCAST_SOURCE_DIR;

// The region names of the shipped data (first column of data/regions.csv).
std::vector<std::string> DataRegions() {
  std::ifstream in(kSource / "data" / "regions.csv");
  std::vector<std::string> out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    out.push_back(line.substr(0, line.find(',')));
  }
  return out;
}

std::vector<fs::path> ShippedScenarios() {
  std::vector<fs::path> out;
  for (const auto& entry :
       fs::recursive_directory_iterator(kSource / "scenarios")) {
    // scenarios/sweeps/ holds sweep files, not scenarios.
    if (entry.path().parent_path().filename() == "sweeps") continue;
    if (entry.is_regular_file() && entry.path().extension() == ".toml") {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Scenario ParseOk(const std::string& text) {
  auto s = parse_scenario(text, "test.toml");
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().to_string());
  return s ? *s : Scenario{};
}

TEST(ShippedScenarios, AllParseAndMatchTheData) {
  const auto files = ShippedScenarios();
  // 4 groups x (baseline, rd_push, investment_slowdown, combined), plus
  // Chengdu-Chongqing's two policy-target examples (docs/targets.md).
  ASSERT_EQ(files.size(), 18u);
  const auto regions = DataRegions();
  ASSERT_EQ(regions.size(), 31u);
  const std::set<std::string> kGroups = {
      "Chengdu-Chongqing", "Yangtze River Delta",
      "Greater Bay Area (Guangdong)", "Beijing-Tianjin-Hebei"};
  std::set<std::string> names;
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    auto s = read_scenario(file);
    ASSERT_TRUE(s.has_value()) << s.error().to_string();
    EXPECT_EQ(s->file, file.string());
    EXPECT_FALSE(s->text.empty());
    EXPECT_EQ(s->text.rfind("# ", 0), 0u) << "starts with a comment";
    EXPECT_TRUE(names.insert(s->name).second) << "duplicate name " << s->name;
    EXPECT_EQ(s->horizon, 2035);
    EXPECT_EQ(s->draws, 10000);
    EXPECT_TRUE(s->parameter_uncertainty);
    EXPECT_TRUE(s->shock_uncertainty);
    ASSERT_EQ(s->groups.size(), 1u);
    const auto& [group, members] = *s->groups.begin();
    EXPECT_EQ(kGroups.count(group), 1u) << group;
    EXPECT_EQ(members, s->regions);
    auto checked = check_against_data(*s, regions, 2019);
    EXPECT_TRUE(checked.has_value()) << checked.error().to_string();

    const std::string kind = file.stem().string();
    EXPECT_EQ(s->name, file.parent_path().filename().string() + "/" + kind);
    // The policy-target examples move their instrument through the target
    // (no [drivers] table of their own).
    EXPECT_EQ(s->targets.size(),
              kind.rfind("double_by_2035", 0) == 0 ? 1u : 0u);
    const bool rd = kind == "rd_push" || kind == "combined";
    const bool inv = kind == "investment_slowdown" || kind == "combined";
    EXPECT_EQ(s->drivers.count(Driver::rd_intensity), rd ? 1u : 0u);
    EXPECT_EQ(s->drivers.count(Driver::investment_rate), inv ? 1u : 0u);
    EXPECT_EQ(s->drivers.size(), (rd ? 1u : 0u) + (inv ? 1u : 0u));
    for (const std::string& region : s->regions) {
      const DriverPath r = s->path_for(Driver::rd_intensity, region);
      // Regions already above 3% of GDP (2015-2019 mean) hold their level
      // rather than ramp down: Beijing (~6%), Tianjin (~4%), Shanghai (~3.7%).
      const bool above_target =
          region == "Beijing" || region == "Tianjin" || region == "Shanghai";
      if (rd && !above_target) {
        EXPECT_EQ(r.kind, DriverPath::Kind::ramp);
        EXPECT_EQ(r.target, 0.03);
        EXPECT_EQ(r.by, 2030);
        ASSERT_TRUE(r.uncertainty.has_value());
        EXPECT_EQ(r.uncertainty->dist, TargetUncertainty::Dist::normal);
        EXPECT_EQ(r.uncertainty->sd, 0.002);
      } else {
        EXPECT_EQ(r.kind, DriverPath::Kind::hold) << region;
      }
      const DriverPath i = s->path_for(Driver::investment_rate, region);
      if (inv) {
        EXPECT_EQ(i.kind, DriverPath::Kind::ramp);
        EXPECT_EQ(i.change, -0.10);
        EXPECT_FALSE(i.target.has_value());
        EXPECT_EQ(i.by, 2035);
      } else {
        EXPECT_EQ(i.kind, DriverPath::Kind::hold);
      }
      EXPECT_EQ(s->path_for(Driver::labour_growth, region).kind,
                DriverPath::Kind::hold);
      EXPECT_EQ(s->path_for(Driver::depreciation, region).kind,
                DriverPath::Kind::hold);
    }
  }
  EXPECT_EQ(names.size(), 18u);
}

TEST(Scenario, DefaultsAndFullSchema) {
  const Scenario d = ParseOk("name = \"x\"\nhorizon = 2030\n");
  EXPECT_EQ(d.name, "x");
  EXPECT_EQ(d.horizon, 2030);
  EXPECT_EQ(d.draws, 1000);
  EXPECT_EQ(d.seed, 1u);
  EXPECT_TRUE(d.regions.empty());
  EXPECT_TRUE(d.groups.empty());
  EXPECT_TRUE(d.parameter_uncertainty);
  EXPECT_TRUE(d.shock_uncertainty);
  // The components of issue 15 are off unless switched on.
  EXPECT_FALSE(d.common_shocks.has_value());
  EXPECT_FALSE(d.trend_shocks.has_value());
  EXPECT_FALSE(d.trend_persistence.has_value());
  EXPECT_FALSE(d.band_calibration.has_value());
  EXPECT_TRUE(d.drivers.empty());
  EXPECT_FALSE(d.calibration.has_value());
  EXPECT_EQ(d.text, "name = \"x\"\nhorizon = 2030\n");
  EXPECT_EQ(d.file, "test.toml");
  EXPECT_EQ(d.path_for(Driver::rd_intensity, "Sichuan").kind,
            DriverPath::Kind::hold);

  const Scenario s = ParseOk(R"(name = "full"
description = "everything"
calibration = "calib.h5"
horizon = 2035
draws = 10000
seed = 20260101
regions = "all"
[groups]
"Chengdu-Chongqing" = ["Sichuan", "Chongqing"]
[uncertainty]
parameters = false
shocks = true
[drivers.rd_intensity]
path = "ramp"
target = 0.03
by = 2030
uncertainty = { dist = "uniform", low = -0.005, high = 0.005 }
[drivers.investment_rate]
path = "constant"
value = 0.4
[drivers.labour_growth]
path = "table"
values = { "2025" = 0.01, "2030" = -0.005 }
[drivers.depreciation]
path = "constant"
)");
  EXPECT_EQ(s.description, "everything");
  EXPECT_EQ(s.calibration, "calib.h5");
  EXPECT_EQ(s.draws, 10000);
  EXPECT_EQ(s.seed, 20260101u);
  EXPECT_TRUE(s.regions.empty());
  EXPECT_EQ(s.groups.at("Chengdu-Chongqing"),
            (std::vector<std::string>{"Sichuan", "Chongqing"}));
  EXPECT_FALSE(s.parameter_uncertainty);
  EXPECT_TRUE(s.shock_uncertainty);
  const DriverPath r = s.path_for(Driver::rd_intensity, "Sichuan");
  EXPECT_EQ(r.kind, DriverPath::Kind::ramp);
  EXPECT_EQ(r.target, 0.03);
  EXPECT_EQ(r.by, 2030);
  EXPECT_EQ(r.line, 13);
  ASSERT_TRUE(r.uncertainty.has_value());
  EXPECT_EQ(r.uncertainty->dist, TargetUncertainty::Dist::uniform);
  EXPECT_EQ(r.uncertainty->low, -0.005);
  EXPECT_EQ(r.uncertainty->high, 0.005);
  const DriverPath i = s.path_for(Driver::investment_rate, "Sichuan");
  EXPECT_EQ(i.kind, DriverPath::Kind::constant);
  EXPECT_EQ(i.value, 0.4);
  const DriverPath n = s.path_for(Driver::labour_growth, "Sichuan");
  EXPECT_EQ(n.kind, DriverPath::Kind::table);
  EXPECT_EQ(n.table, (std::map<int, double>{{2025, 0.01}, {2030, -0.005}}));
  const DriverPath k = s.path_for(Driver::depreciation, "Sichuan");
  EXPECT_EQ(k.kind, DriverPath::Kind::constant);
  EXPECT_FALSE(k.value.has_value());  // the baseline

  EXPECT_EQ(s.line_of("horizon"), 4);
  EXPECT_EQ(s.line_of("regions"), 7);
  EXPECT_EQ(s.line_of("groups.Chengdu-Chongqing"), 9);
  EXPECT_EQ(s.line_of("drivers.rd_intensity"), 13);
  EXPECT_EQ(s.line_of("drivers.rd_intensity.by"), 16);
  EXPECT_EQ(s.line_of("drivers.labour_growth.values.2030"), 23);
  EXPECT_EQ(s.line_of("no.such.key"), 0);
}

TEST(Scenario, UncertaintyComponentsAreSwitchable) {
  const Scenario s = ParseOk(
      "name = \"x\"\nhorizon = 2030\n[uncertainty]\ncommon_shocks = true\n"
      "trend_shocks = true\ntrend_persistence = 0.5\nband_calibration = "
      "true\n");
  EXPECT_EQ(s.common_shocks, true);
  EXPECT_EQ(s.trend_shocks, true);
  EXPECT_EQ(s.trend_persistence, 0.5);
  EXPECT_EQ(s.band_calibration, true);
  EXPECT_EQ(s.line_of("uncertainty.trend_persistence"), 6);
  // 0 is allowed (trend growth shocks without persistence).
  EXPECT_EQ(ParseOk("name = \"x\"\nhorizon = 2030\n[uncertainty]\n"
                    "trend_persistence = 0\n")
                .trend_persistence,
            0.0);
}

TEST(Scenario, RegionListAndIntegerNumbers) {
  const Scenario s = ParseOk(R"(name = "x"
horizon = 2030
regions = ["Sichuan",
  "Chongqing"]
[drivers.rd_intensity]
path = "constant"
value = 0
)");
  EXPECT_EQ(s.regions, (std::vector<std::string>{"Sichuan", "Chongqing"}));
  EXPECT_EQ(s.line_of("regions[1]"), 4);
  EXPECT_EQ(s.path_for(Driver::rd_intensity, "Sichuan").value, 0.0);
}

// `outputs` (issue 20): names in any order are kept in the order of
// kOutputNames; "all", absence and the full list all mean every variable.
TEST(Scenario, OutputsSelectVariablesInTheFilesOrder) {
  const Scenario none = ParseOk("name = \"x\"\nhorizon = 2030\n");
  EXPECT_TRUE(none.outputs.empty());
  const Scenario two = ParseOk(
      "name = \"x\"\nhorizon = 2030\noutputs = [\"gdp_growth\", \"gdp\"]\n");
  EXPECT_EQ(two.outputs, (std::vector<int>{0, 1}));
  EXPECT_EQ(two.line_of("outputs"), 3);
  EXPECT_TRUE(ParseOk("name = \"x\"\nhorizon = 2030\noutputs = \"all\"\n")
                  .outputs.empty());
  std::string every;
  for (const char* name : kOutputNames)
    every += std::string(every.empty() ? "" : ", ") + "\"" + name + "\"";
  EXPECT_TRUE(
      ParseOk("name = \"x\"\nhorizon = 2030\noutputs = [" + every + "]\n")
          .outputs.empty());
  const auto list = parse_output_list("tfp,gdp", "--outputs");
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(*list, (std::vector<int>{0, 2}));
}

TEST(Scenario, UnknownOutputsAreRefusedNamingLineAndField) {
  auto typo = parse_scenario(
      "name = \"x\"\nhorizon = 2030\noutputs = [\"gdp\",\n  \"gpd_growth\"]\n",
      "o.toml");
  ASSERT_FALSE(typo.has_value());
  EXPECT_EQ(typo.error().line, 4);
  EXPECT_EQ(typo.error().field, "outputs[1]");
  EXPECT_NE(typo.error().message.find("did you mean 'gdp_growth'?"),
            std::string::npos)
      << typo.error().message;
  auto twice = parse_scenario(
      "name = \"x\"\nhorizon = 2030\noutputs = [\"gdp\", \"gdp\"]\n", "o.toml");
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().to_string(),
            "o.toml:3: field 'outputs': variable 'gdp' is listed twice");
  const auto flag = parse_output_list("gdp,output", "--outputs");
  ASSERT_FALSE(flag.has_value());
  EXPECT_EQ(flag.error().field, "--outputs");
  EXPECT_EQ(flag.error().exit_code, 2);
}

TEST(Scenario, OneRunsScenariosReportTheSameOutputs) {
  const Scenario all = ParseOk("name = \"a\"\nhorizon = 2030\n");
  Scenario gdp =
      ParseOk("name = \"b\"\nhorizon = 2030\n\noutputs = [\"gdp\"]\n");
  gdp.file = "b.toml";
  EXPECT_TRUE(check_outputs({all, all}, false).has_value());
  const auto st = check_outputs({all, gdp}, false);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().file, "b.toml");
  EXPECT_EQ(st.error().line, 4);
  EXPECT_EQ(st.error().field, "outputs");
}

TEST(Scenario, ModelKeyIsOptionalAndKeepsItsLine) {
  const Scenario none = ParseOk("name = \"x\"\nhorizon = 2030\n");
  EXPECT_FALSE(none.model.has_value());
  EXPECT_EQ(none.line_of("model"), 0);

  const Scenario s =
      ParseOk("name = \"x\"\nhorizon = 2030\nmodel = \"cobb_douglas_rd\"\n");
  EXPECT_EQ(s.model, "cobb_douglas_rd");
  EXPECT_EQ(s.line_of("model"), 3);

  auto empty = parse_scenario("name = \"x\"\nmodel = \"\"\n", "m.toml");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().to_string(),
            "m.toml:2: field 'model': must not be empty");

  auto number = parse_scenario("model = 3\nname = \"x\"\n", "m.toml");
  ASSERT_FALSE(number.has_value());
  EXPECT_EQ(number.error().to_string(),
            "m.toml:1: field 'model': must be a string, not an integer");

  auto typo =
      parse_scenario("name = \"x\"\nhorizon = 2030\nmodle = \"a\"\n", "m.toml");
  ASSERT_FALSE(typo.has_value());
  EXPECT_EQ(typo.error().field, "modle");
  EXPECT_NE(typo.error().message.find("did you mean 'model'"),
            std::string::npos)
      << typo.error().message;
}

TEST(Scenario, DriverNames) {
  for (Driver d : {Driver::rd_intensity, Driver::investment_rate,
                   Driver::labour_growth, Driver::depreciation}) {
    Driver back = Driver::rd_intensity;
    ASSERT_TRUE(StringToDriver(DriverToString(d), &back));
    EXPECT_EQ(back, d);
  }
  Driver unused;
  EXPECT_FALSE(StringToDriver("s", &unused));
  EXPECT_EQ(DriverToString(Driver::labour_growth), "labour_growth");
}

TEST(PathFor, OverridesReplaceOnlyTheFieldsTheyGive) {
  const Scenario s = ParseOk(R"(name = "x"
horizon = 2035
[drivers.rd_intensity]
path = "ramp"
target = 0.03
by = 2030
uncertainty = { dist = "normal", sd = 0.002 }
[drivers.rd_intensity.regions.Sichuan]
target = 0.025
[drivers.rd_intensity.regions.Beijing]
path = "hold"
[drivers.rd_intensity.regions.Hebei]
change = 0.01
by = 2032
[drivers.rd_intensity.regions.Anhui]
path = "constant"
value = 0.02
[drivers.rd_intensity.regions.Tianjin]
uncertainty = { dist = "uniform", low = 0, high = 0.01 }
)");
  // No override: the driver's own path.
  const DriverPath all = s.path_for(Driver::rd_intensity, "Shanghai");
  EXPECT_EQ(all.kind, DriverPath::Kind::ramp);
  EXPECT_EQ(all.target, 0.03);
  EXPECT_EQ(all.by, 2030);
  EXPECT_EQ(all.line, 3);

  // Target replaced; by and uncertainty inherited.
  const DriverPath sichuan = s.path_for(Driver::rd_intensity, "Sichuan");
  EXPECT_EQ(sichuan.kind, DriverPath::Kind::ramp);
  EXPECT_EQ(sichuan.target, 0.025);
  EXPECT_FALSE(sichuan.change.has_value());
  EXPECT_EQ(sichuan.by, 2030);
  ASSERT_TRUE(sichuan.uncertainty.has_value());
  EXPECT_EQ(sichuan.uncertainty->sd, 0.002);
  EXPECT_EQ(sichuan.line, 8);

  // Hold: the ramp's fields are dropped.
  const DriverPath beijing = s.path_for(Driver::rd_intensity, "Beijing");
  EXPECT_EQ(beijing.kind, DriverPath::Kind::hold);
  EXPECT_FALSE(beijing.target.has_value());
  EXPECT_FALSE(beijing.uncertainty.has_value());
  EXPECT_EQ(beijing.by, 0);

  // change replaces the driver's target (they are one field); by replaced.
  const DriverPath hebei = s.path_for(Driver::rd_intensity, "Hebei");
  EXPECT_EQ(hebei.kind, DriverPath::Kind::ramp);
  EXPECT_FALSE(hebei.target.has_value());
  EXPECT_EQ(hebei.change, 0.01);
  EXPECT_EQ(hebei.by, 2032);
  EXPECT_TRUE(hebei.uncertainty.has_value());

  const DriverPath anhui = s.path_for(Driver::rd_intensity, "Anhui");
  EXPECT_EQ(anhui.kind, DriverPath::Kind::constant);
  EXPECT_EQ(anhui.value, 0.02);
  EXPECT_FALSE(anhui.target.has_value());
  EXPECT_FALSE(anhui.uncertainty.has_value());

  const DriverPath tianjin = s.path_for(Driver::rd_intensity, "Tianjin");
  EXPECT_EQ(tianjin.kind, DriverPath::Kind::ramp);
  EXPECT_EQ(tianjin.target, 0.03);
  ASSERT_TRUE(tianjin.uncertainty.has_value());
  EXPECT_EQ(tianjin.uncertainty->dist, TargetUncertainty::Dist::uniform);
  EXPECT_EQ(tianjin.uncertainty->high, 0.01);

  // Absent drivers hold.
  EXPECT_EQ(s.path_for(Driver::investment_rate, "Sichuan").kind,
            DriverPath::Kind::hold);
  EXPECT_EQ(s.line_of("drivers.rd_intensity.regions.Hebei"), 12);
  EXPECT_EQ(s.line_of("drivers.rd_intensity.regions.Hebei.by"), 14);
}

TEST(PathFor, OverrideOfAHeldDriverCanRamp) {
  const Scenario s = ParseOk(R"(name = "x"
horizon = 2035
[drivers.rd_intensity.regions.Sichuan]
path = "ramp"
target = 0.025
by = 2030
)");
  EXPECT_EQ(s.path_for(Driver::rd_intensity, "Chongqing").kind,
            DriverPath::Kind::hold);
  const DriverPath p = s.path_for(Driver::rd_intensity, "Sichuan");
  EXPECT_EQ(p.kind, DriverPath::Kind::ramp);
  EXPECT_EQ(p.target, 0.025);
  EXPECT_EQ(p.by, 2030);
}

struct BadCase {
  const char* name;
  const char* toml;
  long line;
  const char* field;
  const char* phrase;
};

const BadCase kBadCases[] = {
    {"SyntaxError", "name = \"x\"\nhorizon = \n", 2, "", "TOML syntax"},
    {"DuplicateKey", "name = \"x\"\nhorizon = 2035\nname = \"y\"\n", 3, "",
     "redefine"},
    {"DuplicateTable",
     "name = \"x\"\nhorizon = 2035\n[uncertainty]\nshocks = true\n"
     "[uncertainty]\nparameters = true\n",
     5, "", "redefine"},
    {"UnknownTopKey", "name = \"x\"\nhorizon = 2035\nhorizn = 2040\n", 3,
     "horizn", "did you mean 'horizon'"},
    {"UnknownKeyInUncertainty",
     "name = \"x\"\nhorizon = 2035\n[uncertainty]\nshock = true\n", 4,
     "uncertainty.shock", "did you mean 'shocks'"},
    {"UnknownKeyInUncertaintyListsTheComponents",
     "name = \"x\"\nhorizon = 2035\n[uncertainty]\ntrend_shock = true\n", 4,
     "uncertainty.trend_shock", "did you mean 'trend_shocks'"},
    {"TrendPersistenceOne",
     "name = \"x\"\nhorizon = 2035\n[uncertainty]\ntrend_persistence = 1\n", 4,
     "uncertainty.trend_persistence", "out of range [0, 1)"},
    {"TrendPersistenceNegative",
     "name = \"x\"\nhorizon = 2035\n[uncertainty]\ntrend_persistence = "
     "-0.1\n",
     4, "uncertainty.trend_persistence", "out of range"},
    {"CommonShocksNotBool",
     "name = \"x\"\nhorizon = 2035\n[uncertainty]\ncommon_shocks = 1\n", 4,
     "uncertainty.common_shocks", "true or false"},
    {"UnknownDriver", "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensty]\n",
     3, "drivers.rd_intensty", "did you mean 'rd_intensity'"},
    {"UnknownDriverKey",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"ramp\"\ntarget = 0.03\nby = 2030\ntargte = 0.02\n",
     7, "drivers.rd_intensity.targte", "did you mean 'target'"},
    {"UnknownOverrideKey",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity.regions.Sichuan]\n"
     "regions = 1\n",
     4, "drivers.rd_intensity.regions.Sichuan.regions", "unknown key"},
    {"UnknownUncertaintyKey",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"ramp\"\ntarget = 0.03\nby = 2030\nuncertainty = { dist = \"normal\", "
     "sigma = 0.1 }\n",
     7, "drivers.rd_intensity.uncertainty.sigma", "unknown key 'sigma'"},
    {"UnknownPath",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = \"rmp\"\n",
     4, "drivers.rd_intensity.path", "did you mean 'ramp'"},
    {"HorizonString", "name = \"x\"\nhorizon = \"2035\"\n", 2, "horizon",
     "must be an integer, not a string"},
    {"HorizonFraction", "name = \"x\"\nhorizon = 2035.5\n", 2, "horizon",
     "integer year"},
    {"HorizonTooEarly", "name = \"x\"\nhorizon = 1800\n", 2, "horizon",
     "out of range"},
    {"NameNotString", "name = 3\nhorizon = 2035\n", 1, "name",
     "must be a string"},
    {"EmptyName", "name = \"\"\nhorizon = 2035\n", 1, "name",
     "must not be empty"},
    {"MissingName", "horizon = 2035\n", 1, "name", "missing required key"},
    {"MissingHorizon", "name = \"x\"\n", 1, "horizon", "missing required key"},
    {"DrawsZero", "name = \"x\"\nhorizon = 2035\ndraws = 0\n", 3, "draws",
     "out of range"},
    {"DrawsTooMany", "name = \"x\"\nhorizon = 2035\ndraws = 1000000001\n", 3,
     "draws", "out of range"},
    {"DrawsFloat", "name = \"x\"\nhorizon = 2035\ndraws = 1e4\n", 3, "draws",
     "must be an integer"},
    {"SeedNegative", "name = \"x\"\nhorizon = 2035\nseed = -1\n", 3, "seed",
     "non-negative"},
    {"RegionsString", "name = \"x\"\nhorizon = 2035\nregions = \"Sichuan\"\n",
     3, "regions", "\"all\" or an array"},
    {"RegionsNotStrings", "name = \"x\"\nhorizon = 2035\nregions = [1, 2]\n", 3,
     "regions[0]", "must be a string"},
    {"RegionsEmpty", "name = \"x\"\nhorizon = 2035\nregions = []\n", 3,
     "regions", "at least one"},
    {"RegionTwice",
     "name = \"x\"\nhorizon = 2035\nregions = [\"Sichuan\",\n \"Sichuan\"]\n",
     4, "regions", "listed twice"},
    {"GroupMemberNotInRegions",
     "name = \"x\"\nhorizon = 2035\nregions = [\"Sichuan\"]\n[groups]\ncc = "
     "[\"Sichuan\", \"Chongqing\"]\n",
     5, "groups.cc", "not among the scenario's regions"},
    {"GroupNotArray", "name = \"x\"\nhorizon = 2035\n[groups]\ncc = 3\n", 4,
     "groups.cc", "must be an array"},
    {"UncertaintyNotBool",
     "name = \"x\"\nhorizon = 2035\n[uncertainty]\nshocks = \"yes\"\n", 4,
     "uncertainty.shocks", "true or false"},
    {"DriverNotTable", "name = \"x\"\nhorizon = 2035\ndrivers = 3\n", 3,
     "drivers", "must be a table"},
    {"TargetTooHigh",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"ramp\"\ntarget = 1.5\nby = 2030\n",
     5, "drivers.rd_intensity.target", "out of range for rd_intensity [0, 1]"},
    {"TargetNegative",
     "name = \"x\"\nhorizon = 2035\n[drivers.investment_rate]\npath = "
     "\"ramp\"\ntarget = -0.1\nby = 2030\n",
     5, "drivers.investment_rate.target", "out of range"},
    {"LabourTargetOutOfRange",
     "name = \"x\"\nhorizon = 2035\n[drivers.labour_growth]\npath = "
     "\"ramp\"\ntarget = 0.6\nby = 2030\n",
     5, "drivers.labour_growth.target", "[-0.5, 0.5]"},
    {"ValueOutOfRange",
     "name = \"x\"\nhorizon = 2035\n[drivers.depreciation]\npath = "
     "\"constant\"\nvalue = 2\n",
     5, "drivers.depreciation.value", "out of range for depreciation"},
    {"ValueNotNumber",
     "name = \"x\"\nhorizon = 2035\n[drivers.depreciation]\npath = "
     "\"constant\"\nvalue = \"0.1\"\n",
     5, "drivers.depreciation.value", "must be a number"},
    {"ValueNan",
     "name = \"x\"\nhorizon = 2035\n[drivers.depreciation]\npath = "
     "\"constant\"\nvalue = nan\n",
     5, "drivers.depreciation.value", "finite"},
    {"TableValueOutOfRange",
     "name = \"x\"\nhorizon = 2035\n[drivers.labour_growth]\npath = "
     "\"table\"\nvalues = { \"2025\" = 0.01, \"2030\" = -0.7 }\n",
     5, "drivers.labour_growth.values.2030", "out of range"},
    {"TableYearNotInteger",
     "name = \"x\"\nhorizon = 2035\n[drivers.labour_growth]\npath = "
     "\"table\"\n[drivers.labour_growth.values]\n\"2025\" = 0.01\n\"2030.5\" "
     "= 0.02\n",
     7, "drivers.labour_growth.values.2030.5", "not an integer year"},
    {"TableYearText",
     "name = \"x\"\nhorizon = 2035\n[drivers.labour_growth]\npath = "
     "\"table\"\nvalues = { next = 0.01 }\n",
     5, "drivers.labour_growth.values.next", "not an integer year"},
    {"TableEmpty",
     "name = \"x\"\nhorizon = 2035\n[drivers.labour_growth]\npath = "
     "\"table\"\nvalues = {}\n",
     5, "drivers.labour_growth.values", "at least one year"},
    {"TableWithoutValues",
     "name = \"x\"\nhorizon = 2035\n[drivers.labour_growth]\npath = "
     "\"table\"\n",
     4, "drivers.labour_growth.values", "needs 'values'"},
    {"TargetAndChange",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"ramp\"\ntarget = 0.03\nchange = 0.01\nby = 2030\n",
     6, "drivers.rd_intensity.change", "either 'target' or 'change'"},
    {"ChangeOutOfRange",
     "name = \"x\"\nhorizon = 2035\n[drivers.investment_rate]\npath = "
     "\"ramp\"\nchange = -1.5\nby = 2030\n",
     5, "drivers.investment_rate.change", "out of range"},
    {"RampWithoutBy",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"ramp\"\ntarget = 0.03\n",
     4, "drivers.rd_intensity.by", "needs 'by'"},
    {"OverrideRampWithoutBy",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity.regions.Sichuan]\n"
     "path = \"ramp\"\ntarget = 0.03\n",
     4, "drivers.rd_intensity.regions.Sichuan.by", "needs 'by'"},
    {"RampWithoutTarget",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"ramp\"\nby = 2030\n",
     4, "drivers.rd_intensity.target", "needs 'target'"},
    {"ByFraction",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"ramp\"\ntarget = 0.03\nby = 2030.5\n",
     6, "drivers.rd_intensity.by", "integer year"},
    {"ByString",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"ramp\"\ntarget = 0.03\nby = \"2030\"\n",
     6, "drivers.rd_intensity.by", "must be an integer"},
    {"UncertaintyOnConstant",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"constant\"\nvalue = 0.02\nuncertainty = { dist = \"normal\", sd = "
     "0.01 }\n",
     6, "drivers.rd_intensity.uncertainty", "only allowed on a ramp"},
    {"UncertaintyOnHeldOverride",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity.regions.Sichuan]\n"
     "uncertainty = { dist = \"normal\", sd = 0.01 }\n",
     4, "drivers.rd_intensity.regions.Sichuan.uncertainty",
     "only allowed on a ramp"},
    {"TargetOnHold",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\ntarget = 0.03\n", 4,
     "drivers.rd_intensity.target", "only used with path = \"ramp\""},
    {"ValueOnRamp",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"ramp\"\ntarget = 0.03\nby = 2030\nvalue = 0.02\n",
     7, "drivers.rd_intensity.value", "only used with path = \"constant\""},
    {"NegativeSd",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"ramp\"\ntarget = 0.03\nby = 2030\nuncertainty = { dist = \"normal\", "
     "sd = -0.002 }\n",
     7, "drivers.rd_intensity.uncertainty.sd", "must not be negative"},
    {"MissingSd",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"ramp\"\ntarget = 0.03\nby = 2030\nuncertainty = { dist = \"normal\" "
     "}\n",
     7, "drivers.rd_intensity.uncertainty.sd", "needs 'sd'"},
    {"LowAboveHigh",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"ramp\"\ntarget = 0.03\nby = 2030\nuncertainty = { dist = \"uniform\", "
     "low = 0.01, high = -0.01 }\n",
     7, "drivers.rd_intensity.uncertainty.low", "must not be greater than"},
    {"UnknownDist",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"ramp\"\ntarget = 0.03\nby = 2030\nuncertainty = { dist = \"normall\", "
     "sd = 0.01 }\n",
     7, "drivers.rd_intensity.uncertainty.dist", "did you mean 'normal'"},
    {"MissingDist",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"ramp\"\ntarget = 0.03\nby = 2030\nuncertainty = { sd = 0.01 }\n",
     7, "drivers.rd_intensity.uncertainty.dist", "missing 'dist'"},
    {"SdWithUniform",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"ramp\"\ntarget = 0.03\nby = 2030\nuncertainty = { dist = \"uniform\", "
     "sd = 0.01 }\n",
     7, "drivers.rd_intensity.uncertainty.sd", "for dist = \"uniform\""},
    {"OverrideNotTable",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity.regions]\nSichuan = "
     "0.02\n",
     4, "drivers.rd_intensity.regions.Sichuan", "must be a table"},
    {"OverrideTargetOutOfRange",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"ramp\"\ntarget = 0.03\nby = 2030\n[drivers.rd_intensity.regions."
     "Sichuan]\ntarget = 1.03\n",
     8, "drivers.rd_intensity.regions.Sichuan.target", "out of range"},
};

class BadScenario : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadScenario, NamesLineFieldAndProblem) {
  const BadCase& c = GetParam();
  auto s = parse_scenario(c.toml, "bad.toml");
  ASSERT_FALSE(s.has_value()) << "accepted:\n" << c.toml;
  const Error& e = s.error();
  EXPECT_EQ(e.file, "bad.toml");
  EXPECT_EQ(e.line, c.line) << e.to_string();
  EXPECT_EQ(e.field, c.field) << e.to_string();
  EXPECT_NE(e.message.find(c.phrase), std::string::npos)
      << "message: " << e.message << "\nwanted: " << c.phrase;
  EXPECT_EQ(e.exit_code, 1);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadScenario, ::testing::ValuesIn(kBadCases),
    [](const ::testing::TestParamInfo<BadCase>& param_info) {
      return std::string(param_info.param.name);
    });

TEST(ReadScenario, MissingFile) {
  auto s = read_scenario("/nonexistent/scenario.toml");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().file, "/nonexistent/scenario.toml");
  EXPECT_EQ(s.error().exit_code, 1);
}

TEST(ReadScenario, ErrorNamesTheFile) {
  const growthcast::testing::TempFolder folder;
  const fs::path path = folder / "bad.toml";
  {
    std::ofstream out(path);
    out << "name = \"x\"\nhorizon = 2035\ndraws = -5\n";
  }
  auto s = read_scenario(path);
  fs::remove(path);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().to_string(),
            path.string() +
                ":3: field 'draws': draws -5 is out of range (1..1000000000)");
}

struct DataCase {
  const char* name;
  const char* toml;
  long line;
  const char* field;
  const char* phrase;
};

const DataCase kDataCases[] = {
    {"UnknownRegion",
     "name = \"x\"\nhorizon = 2035\nregions = [\"Sichuan\",\n  \"Sichaun\"]\n",
     4, "regions", "unknown region 'Sichaun'; did you mean 'Sichuan'"},
    {"UnknownGroupMember",
     "name = \"x\"\nhorizon = 2035\n[groups]\ncc = [\"Sichuan\", "
     "\"Chongqin\"]\n",
     4, "groups.cc", "unknown region 'Chongqin'"},
    {"UnknownOverrideRegion",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"constant\"\n[drivers.rd_intensity.regions.Atlantis]\nvalue = 0.02\n",
     5, "drivers.rd_intensity.regions.Atlantis", "unknown region 'Atlantis'"},
    {"HorizonAtDataEnd", "name = \"x\"\ndraws = 5\nhorizon = 2019\n", 3,
     "horizon", "after the last data year 2019"},
    {"RampByAtDataEnd",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"ramp\"\ntarget = 0.03\nby = 2015\n",
     6, "drivers.rd_intensity.by", "after the last data year 2019"},
    {"OverrideRampByAtDataEnd",
     "name = \"x\"\nhorizon = 2035\n[drivers.rd_intensity]\npath = "
     "\"ramp\"\ntarget = 0.03\nby = 2030\n[drivers.rd_intensity.regions."
     "Sichuan]\nby = 2019\n",
     8, "drivers.rd_intensity.regions.Sichuan.by",
     "after the last data year 2019"},
    {"TableYearAtDataEnd",
     "name = \"x\"\nhorizon = 2035\n[drivers.labour_growth]\npath = "
     "\"table\"\nvalues = { \"2019\" = 0.01, \"2030\" = 0.0 }\n",
     5, "drivers.labour_growth.values.2019", "after the last data year"},
};

TEST(CheckAgainstData, Cases) {
  const auto regions = DataRegions();
  for (const DataCase& c : kDataCases) {
    SCOPED_TRACE(c.name);
    auto s = parse_scenario(c.toml, "data.toml");
    ASSERT_TRUE(s.has_value()) << s.error().to_string();
    auto st = check_against_data(*s, regions, 2019);
    ASSERT_FALSE(st.has_value());
    const Error& e = st.error();
    EXPECT_EQ(e.file, "data.toml");
    EXPECT_EQ(e.line, c.line) << e.to_string();
    EXPECT_EQ(e.field, c.field) << e.to_string();
    EXPECT_NE(e.message.find(c.phrase), std::string::npos)
        << "message: " << e.message << "\nwanted: " << c.phrase;
  }
}

TEST(CheckAgainstData, InheritedRampByNamesTheDriversLine) {
  auto s = parse_scenario(R"(name = "x"
horizon = 2035
[drivers.rd_intensity]
path = "ramp"
target = 0.03
by = 2019
[drivers.rd_intensity.regions.Sichuan]
target = 0.02
)",
                          "data.toml");
  ASSERT_TRUE(s.has_value()) << s.error().to_string();
  auto st = check_against_data(*s, DataRegions(), 2019);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().line, 6);
  EXPECT_EQ(st.error().field, "drivers.rd_intensity.by");
}

TEST(CheckAgainstData, ValidScenarioPasses) {
  auto s = parse_scenario(R"(name = "x"
horizon = 2020
regions = ["Sichuan", "Chongqing"]
[groups]
cc = ["Sichuan", "Chongqing"]
[drivers.rd_intensity]
path = "ramp"
target = 0.03
by = 2020
[drivers.rd_intensity.regions.Sichuan]
target = 0.02
)",
                          "ok.toml");
  ASSERT_TRUE(s.has_value()) << s.error().to_string();
  auto st = check_against_data(*s, DataRegions(), 2019);
  EXPECT_TRUE(st.has_value()) << st.error().to_string();
}

}  // namespace
}  // namespace growthcast::scenario
