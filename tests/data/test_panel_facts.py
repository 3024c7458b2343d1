#!/usr/bin/env python3
"""Facts about the shipped default dataset data/china_provinces.csv and
data/regions.csv. Every expected number says where it comes from; "SOURCES"
means data/SOURCES.md (which adapts the provenance notes of the shared data
folder), "raw" means a file in data/raw/.

Environment: GROWTHCAST_SOURCE_DIR (repository root; default: two folders up
from this file).
"""

import csv
import os
import sys
import unittest

SOURCE_DIR = os.environ.get("GROWTHCAST_SOURCE_DIR") or \
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA_DIR = os.path.join(SOURCE_DIR, "data")
RAW_DIR = os.path.join(DATA_DIR, "raw")
EPS = 1e-9

HEADER = ["region", "year", "gdp_nominal", "gdp_real", "capital",
          "investment_nominal", "labour", "rd_nominal", "rd_real"]
YEARS = list(range(2000, 2020))


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def num(s):
    return float(s)


class PanelFacts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rows = read_csv(os.path.join(DATA_DIR, "china_provinces.csv"))
        cls.header = rows[0]
        cls.rows = rows[1:]
        cls.panel = {(r[0], int(r[1])): dict(zip(HEADER, r)) for r in cls.rows}
        reg = read_csv(os.path.join(DATA_DIR, "regions.csv"))
        cls.regions_header = reg[0]
        cls.regions = reg[1:]

    def v(self, region, year, col):
        return num(self.panel[(region, year)][col])

    # ---- shape -----------------------------------------------------------

    def test_shape_and_order(self):
        self.assertEqual(self.header, HEADER)
        # 31 provinces x 20 years 2000-2019 (the dataset contract)
        self.assertEqual(len(self.rows), 620)
        for r in self.rows:
            self.assertEqual(len(r), len(HEADER), r)
        order = [r[0] for r in self.regions]
        self.assertEqual(len(set(order)), 31)
        # sorted by NBS code, then year
        self.assertEqual([int(r[1]) for r in self.regions],
                         sorted(int(r[1]) for r in self.regions))
        expected = [(name, y) for name in order for y in YEARS]
        self.assertEqual([(r[0], int(r[1])) for r in self.rows], expected)

    def test_regions_file(self):
        self.assertEqual(self.regions_header, ["region", "code", "name_zh", "group"])
        self.assertEqual(len(self.regions), 31)
        groups = {}
        for name, code, zh, group in self.regions:
            self.assertRegex(code, r"^[1-6][0-9]$")
            groups.setdefault(group, set()).add(name)
        # SOURCES section 0 (region_group of the press-release regions)
        self.assertEqual(groups["Chengdu-Chongqing"], {"Sichuan", "Chongqing"})
        self.assertEqual(groups["Yangtze River Delta"],
                         {"Shanghai", "Jiangsu", "Zhejiang", "Anhui"})
        self.assertEqual(groups["Greater Bay Area (Guangdong)"], {"Guangdong"})
        self.assertEqual(groups["Beijing-Tianjin-Hebei"], {"Beijing", "Tianjin", "Hebei"})
        self.assertEqual(len(groups[""]), 31 - 10)
        self.assertEqual(set(groups), {"", "Chengdu-Chongqing", "Yangtze River Delta",
                                       "Greater Bay Area (Guangdong)", "Beijing-Tianjin-Hebei"})
        # GB/T 2260 codes of two provinces (SOURCES section 0)
        codes = {r[0]: r[1] for r in self.regions}
        self.assertEqual(codes["Sichuan"], "51")
        self.assertEqual(codes["Chongqing"], "50")

    def test_no_missing_except_rd_before_2010(self):
        # SOURCES section 3: provincial R&D only from 2010
        for (name, y), r in self.panel.items():
            for col in HEADER[2:7]:
                self.assertNotEqual(r[col], "", (name, y, col))
            for col in ("rd_nominal", "rd_real"):
                if y < 2010:
                    self.assertEqual(r[col], "", (name, y, col))
                else:
                    self.assertGreater(num(r[col]), 0, (name, y, col))

    # ---- nominal GRP (SOURCES section 1) --------------------------------

    def test_grp_nominal_2019(self):
        # SOURCES section 1: Chengdu-Chongqing 2019 = 69,969.6 亿元 (2021-revision vintage)
        self.assertAlmostEqual(self.v("Sichuan", 2019, "gdp_nominal")
                               + self.v("Chongqing", 2019, "gdp_nominal"),
                               69969.6, delta=0.05 + EPS)
        # SOURCES section 1 table ("This file" column)
        self.assertAlmostEqual(self.v("Sichuan", 2019, "gdp_nominal"), 46363.8, delta=0.05)
        self.assertAlmostEqual(self.v("Chongqing", 2019, "gdp_nominal"), 23605.8, delta=0.05)
        self.assertAlmostEqual(self.v("Guangdong", 2019, "gdp_nominal"), 107986.9, delta=0.05)
        # SOURCES section 1: sum of the 31 provinces in 2019 = 982,320.5 亿元
        total = sum(self.v(r[0], 2019, "gdp_nominal") for r in self.regions)
        self.assertAlmostEqual(total, 982320.5, delta=0.05)

    def test_grp_nominal_equals_raw_nbs_exports(self):
        # Every province-year of gdp_nominal against the raw NBS figures as
        # published, read here independently of data/build_panel.py:
        # 2004-2019 from the NBS database export (one row per province,
        # one column per year, title lines above the header "Region,...")
        # and 2000-2003 from the Kaggle copy of NBS data (one row per year,
        # one column per province; its header spells Guangxi "Guangxi,").
        panel_regions = [r[0] for r in self.regions]
        rows = read_csv(os.path.join(RAW_DIR, "nbs_export_grp_nominal_2004_2023_en.csv"))
        start = next(k for k, r in enumerate(rows) if r and r[0] == "Region")
        years = [int(y) for y in rows[start][1:] if y]
        nbs = {}
        for r in rows[start + 1:]:
            if r and r[0] in panel_regions:
                for y, v in zip(years, r[1:]):
                    nbs[(r[0], y)] = num(v)
        rows = read_csv(os.path.join(RAW_DIR, "kaggle_chinas_gdp_in_province_1992_2020_en.csv"))
        names = [n.rstrip(",") for n in rows[0]]
        kaggle = {}
        for r in rows[1:]:
            for name, v in zip(names[1:], r[1:]):
                if name in panel_regions:
                    kaggle[(name, int(r[0]))] = num(v)
        checked = 0
        for name in panel_regions:
            for y in YEARS:
                raw = nbs[(name, y)] if y >= 2004 else kaggle[(name, y)]
                self.assertEqual(self.v(name, y, "gdp_nominal"), raw, (name, y))
                checked += 1
        self.assertEqual(checked, 620)
        # Published 2019 figures of this vintage (SOURCES section 1 table),
        # now taken from the raw export, not the panel's own column.
        self.assertEqual(nbs[("Sichuan", 2019)], 46363.8)
        self.assertEqual(nbs[("Chongqing", 2019)], 23605.8)
        self.assertEqual(nbs[("Guangdong", 2019)], 107986.9)

    # ---- real GRP (SOURCES section 9) -----------------------------------

    def test_real_grp_base_year(self):
        # construction: gdp_real is at 2019 prices, so it equals nominal in 2019
        for name, *_ in self.regions:
            self.assertEqual(self.v(name, 2019, "gdp_real"), self.v(name, 2019, "gdp_nominal"))

    def test_real_growth_equals_nbs_index(self):
        # expected: the NBS GRP index (preceding year = 100) read directly from
        # raw/nbs_export_grp_index_prev_year_2000_2019_zh.csv; growth in % =
        # index - 100 (SOURCES section 9), to the output rounding (0.05 + eps)
        rows = read_csv(os.path.join(RAW_DIR, "nbs_export_grp_index_prev_year_2000_2019_zh.csv"))
        code_to_name = {r[1]: r[0] for r in self.regions}
        seen = 0
        for r in rows[1:]:
            if not r:
                continue
            name, y, idx = code_to_name[r[0][:2]], int(r[2]), float(r[3])
            if y == 2000:
                continue
            growth = (self.v(name, y, "gdp_real") / self.v(name, y - 1, "gdp_real") - 1) * 100
            self.assertLessEqual(abs(growth - (idx - 100)), 0.05 + 1e-9, (name, y, growth, idx))
            seen += 1
        self.assertEqual(seen, 31 * 19)

    def test_implied_deflator_2019(self):
        # SOURCES section 9: implied GRP deflator growth 2019, (1 + nominal growth)
        # / (index / 100) - 1: Sichuan +0.6%, Chongqing +2.9%, Guangdong +1.7%,
        # Beijing +0.9% (published to 0.1, so tolerance 0.05 points)
        for name, expect in [("Sichuan", 0.6), ("Chongqing", 2.9),
                             ("Guangdong", 1.7), ("Beijing", 0.9)]:
            nom = self.v(name, 2019, "gdp_nominal") / self.v(name, 2018, "gdp_nominal")
            real = self.v(name, 2019, "gdp_real") / self.v(name, 2018, "gdp_real")
            self.assertAlmostEqual((nom / real - 1) * 100, expect, delta=0.05 + EPS, msg=name)

    # ---- R&D (SOURCES section 3) ----------------------------------------

    def test_rd_2019(self):
        # SOURCES section 3 table, 2019 R&D expenditure in 亿元 (matches the
        # 2019 communiqué; the yearbook total agrees within 0.05 亿元)
        for name, expect in [("Guangdong", 3098.5), ("Sichuan", 871.0),
                             ("Jiangsu", 2779.5), ("Beijing", 2233.6),
                             ("Chongqing", 469.6)]:
            self.assertAlmostEqual(self.v(name, 2019, "rd_nominal"), expect,
                                   delta=0.05 + EPS, msg=name)
        # SOURCES section 3: national 2019 = 22,143.6 亿元 (the 全国 row of
        # raw/techme_RDActivity.csv, 221,435,774 万元, is not in the panel); the 31
        # provinces sum to 22,143.5776, i.e. to the national total within 0.05
        total = sum(self.v(r[0], 2019, "rd_nominal") for r in self.regions)
        self.assertAlmostEqual(total, 22143.6, delta=0.05)

    def test_rd_intensity_2019(self):
        # SOURCES section 3: published intensity (Guangdong 2.88%, Jiangsu 2.79%,
        # Beijing 6.31%, Sichuan 1.87%, Chongqing 1.99%) agrees with R&D / GRP of
        # the 2021-revision vintage within 0.03 percentage points
        for name, expect in [("Guangdong", 2.88), ("Jiangsu", 2.79), ("Beijing", 6.31),
                             ("Sichuan", 1.87), ("Chongqing", 1.99)]:
            got = 100 * self.v(name, 2019, "rd_nominal") / self.v(name, 2019, "gdp_nominal")
            self.assertAlmostEqual(got, expect, delta=0.03 + EPS, msg=name)

    def test_rd_real_uses_grp_deflator(self):
        # construction: rd_real = rd_nominal * gdp_real / gdp_nominal, i.e. the
        # real/nominal ratio of R&D equals that of GRP (to the 10 significant
        # digits the derived columns are written with)
        for (name, y), r in self.panel.items():
            if y < 2010:
                continue
            a = num(r["rd_real"]) / num(r["rd_nominal"])
            b = num(r["gdp_real"]) / num(r["gdp_nominal"])
            self.assertAlmostEqual(a / b, 1.0, delta=1e-8, msg=(name, y))

    # ---- labour proxy (SOURCES section 2) -------------------------------

    def test_population_2019(self):
        # SOURCES section 2: Sichuan 2019 = 8,375 and Chongqing 2019 = 3,124 万人
        self.assertEqual(self.v("Sichuan", 2019, "labour"), 8375)
        self.assertEqual(self.v("Chongqing", 2019, "labour"), 3124)

    # ---- capital and investment (SOURCES sections 4 and 5) --------------

    def test_capital_positive(self):
        for (name, y), r in self.panel.items():
            self.assertGreater(num(r["capital"]), 0, (name, y))
            self.assertGreater(num(r["investment_nominal"]), 0, (name, y))

    def _investment_price(self):
        """InvestPrice (1952 = 1) by (English name, year) from the raw
        CHNCapitalStock inputs (raw/chncapitalstock_asset.csv)."""
        meta = read_csv(os.path.join(RAW_DIR, "province_metadata.csv"))
        hdr = meta[0]
        pinyin_to_name = {r[hdr.index("pinyin")]: r[hdr.index("name_en")] for r in meta[1:]}
        rows = read_csv(os.path.join(RAW_DIR, "chncapitalstock_asset.csv"))
        h = rows[0]
        return {(pinyin_to_name[r[h.index("prv")]], int(r[h.index("yr")])):
                float(r[h.index("InvestPrice")]) for r in rows[1:] if r}

    def test_capital_output_ratio_2017(self):
        # SOURCES section 5: capital-output ratio at current prices, 2017:
        # Sichuan 2.70, Chongqing 2.65, Guangdong 2.22, Beijing 2.03 (to 0.01),
        # median 3.6 across provinces (to 0.1). The shipped capital is at 2019
        # investment prices, so it is brought to 2017 prices with the province's
        # own investment price index: K_2017prices = capital * P_2017 / P_2019.
        price = self._investment_price()

        def ratio(name):
            k = self.v(name, 2017, "capital") * price[(name, 2017)] / price[(name, 2019)]
            return k / self.v(name, 2017, "gdp_nominal")
        for name, expect in [("Sichuan", 2.70), ("Chongqing", 2.65),
                             ("Guangdong", 2.22), ("Beijing", 2.03)]:
            self.assertAlmostEqual(ratio(name), expect, delta=0.005 + EPS, msg=name)
        ratios = sorted(ratio(r[0]) for r in self.regions)
        self.assertAlmostEqual(ratios[15], 3.6, delta=0.05 + EPS)

    def test_capital_matches_published_stock(self):
        # capital / P_2019 is the stock at 1952 prices; expected values are the
        # published derived stock (CHNCapitalStock CompK(method = "ZJ"), shared
        # file china_province_capital_stock_zhang_1952_2022.csv, 2019 rows,
        # quoted in SOURCES section 5), to the 10 significant digits written
        price = self._investment_price()
        for name, expect in [("Sichuan", 14192.8235143212), ("Chongqing", 7642.60119774526),
                             ("Guangdong", 44166.4760600471), ("Beijing", 35972.2939111952)]:
            got = self.v(name, 2019, "capital") / price[(name, 2019)]
            self.assertAlmostEqual(got / expect, 1.0, delta=1e-9, msg=name)

    def test_capital_method_reproduces_package_example(self):
        # SOURCES section 5 / CHNCapitalStock README: Beijing 2022 = 40,271.14
        # (亿元, 1952 prices), computed here with the build script's own routine
        sys.dont_write_bytecode = True  # leave no __pycache__ in data/
        sys.path.insert(0, DATA_DIR)
        try:
            import build_panel
        finally:
            sys.path.pop(0)
        inputs = build_panel.load_capital_inputs(
            os.path.join(RAW_DIR, "chncapitalstock_asset.csv"),
            {r[4] for r in read_csv(os.path.join(RAW_DIR, "province_metadata.csv"))[1:]})
        stock, _ = build_panel.capital_stock_1952prices(inputs)
        self.assertAlmostEqual(stock["beijing"][2022], 40271.14, delta=0.005)

    def test_investment_share_2017(self):
        # SOURCES section 4: GFCF / GRP in 2017: Sichuan 0.47, Chongqing 0.49,
        # Guangdong 0.42, Beijing 0.35 (to 0.01)
        for name, expect in [("Sichuan", 0.47), ("Chongqing", 0.49),
                             ("Guangdong", 0.42), ("Beijing", 0.35)]:
            got = self.v(name, 2017, "investment_nominal") / self.v(name, 2017, "gdp_nominal")
            self.assertAlmostEqual(got, expect, delta=0.005 + EPS, msg=name)


if __name__ == "__main__":
    unittest.main()
