#!/usr/bin/env python3
"""`growthcast forecast --outturns` and `[[conditions]]` end to end
(docs/conditioning.md): with the shipped outturns every quantile of every
reported region in 2020-2024 is the data, the attributes name the outturn
years, the scenario key `outturns` does the same as the flag, a scenario's
pins hold in every draw, the report marks them, and the 1- and 2-thread runs
give identical bytes.

Environment (set by ctest): GROWTHCAST_BINARY, GROWTHCAST_SOURCE_DIR,
GROWTHCAST_WORK_DIR.
"""

import csv
import os
import subprocess
import tempfile
import unittest

import h5py
import numpy as np

BINARY = os.environ["GROWTHCAST_BINARY"]
SOURCE = os.environ["GROWTHCAST_SOURCE_DIR"]
WORK = os.environ.get("GROWTHCAST_WORK_DIR", tempfile.gettempdir())
OUTTURNS = os.path.join(SOURCE, "data", "china_province_outturns.csv")

SCENARIO = """name = "cc"
horizon = 2030
draws = 300
seed = 3
regions = ["Sichuan", "Chongqing"]
[groups]
"Chengdu-Chongqing" = ["Sichuan", "Chongqing"]
"""
PINS = """
[[conditions]]
region = "Chongqing"
year = 2025
growth = 0.05
[[conditions]]
group = "Chengdu-Chongqing"
year = 2027
level = 110000.0
"""


def run(*args):
    return subprocess.run([BINARY, *args], capture_output=True, text=True,
                          timeout=600)


def observed():
    with open(OUTTURNS) as f:
        return {(r["region"], int(r["year"])): float(r["gdp_real"])
                for r in csv.DictReader(f)}


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


class Outturns(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(dir=WORK)
        d = cls.tmp.name
        cls.cal = os.path.join(d, "cal.h5")
        r = run("calibrate", "--out", cls.cal)
        assert r.returncode == 0, r.stderr
        cls.plain = os.path.join(d, "plain.toml")
        with open(cls.plain, "w") as f:
            f.write(SCENARIO)
        cls.pinned = os.path.join(d, "pinned.toml")
        with open(cls.pinned, "w") as f:
            f.write(SCENARIO + PINS)
        # The key, relative to the scenario's folder.
        cls.keyed = os.path.join(d, "keyed.toml")
        with open(cls.keyed, "w") as f:
            f.write(SCENARIO.replace(
                'seed = 3\n', 'seed = 3\noutturns = "%s"\n'
                % os.path.relpath(OUTTURNS, d)))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def forecast(self, scenario, name, *flags):
        out = os.path.join(self.tmp.name, name)
        r = run("forecast", scenario, "--calibration", self.cal, "--out", out,
                *flags)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def test_the_fan_equals_the_outturns_then_widens(self):
        out = self.forecast(self.plain, "flag.h5", "--outturns", OUTTURNS)
        data = observed()
        with h5py.File(out) as f:
            g = f["forecast/gdp"]
            units = [text(u) for u in g["region"][...]]
            years = list(g["year"][...])
            q = g["quantiles"][0]  # [unit, year, quantile]
            for region in ("Sichuan", "Chongqing"):
                u = units.index(region)
                for year in range(2020, 2025):
                    h = years.index(year)
                    # The data to 1e-12 relative (the pin holds to 1e-13 in
                    # ln Y; exp adds a few ulps).
                    np.testing.assert_allclose(q[u, h], data[(region, year)],
                                               rtol=1e-12, atol=0)
                h = years.index(2025)
                self.assertGreater(q[u, h, -1] - q[u, h, 0],
                                   1e-3 * q[u, h, 3])
            a = f["forecast"].attrs
            self.assertEqual(text(a["scenario_0_outturn_years"]),
                             "2020,2021,2022,2023,2024")
            self.assertEqual(text(a["scenario_0_outturns_file"]), OUTTURNS)

    def test_the_scenario_key_does_what_the_flag_does(self):
        flag = self.forecast(self.plain, "flag2.h5", "--outturns", OUTTURNS)
        key = self.forecast(self.keyed, "key.h5")
        with h5py.File(flag) as a, h5py.File(key) as b:
            np.testing.assert_array_equal(a["forecast/gdp/quantiles"][...],
                                          b["forecast/gdp/quantiles"][...])

    def test_pins_hold_in_every_draw_and_the_report_marks_them(self):
        out = self.forecast(self.pinned, "pinned.h5", "--outturns", OUTTURNS,
                            "--paths")
        with h5py.File(out) as f:
            units = [text(u) for u in f["forecast/gdp/region"][...]]
            years = list(f["forecast/gdp/year"][...])
            growth = f["forecast/gdp_growth/paths"][0]  # [draw, unit, year]
            level = f["forecast/gdp/paths"][0]
            self.assertEqual(growth.shape[0], 300)
            np.testing.assert_allclose(
                np.log1p(growth[:, units.index("Chongqing"),
                                years.index(2025)]),
                np.log(1.05), rtol=0, atol=1e-12)
            np.testing.assert_allclose(
                np.log(level[:, units.index("Chengdu-Chongqing"),
                             years.index(2027)]),
                np.log(110000.0), rtol=0, atol=1e-12)
            self.assertEqual(
                text(f["forecast"].attrs["scenario_0_conditions"]),
                "Chongqing\t2025\tgrowth\t0.050000000000000003\n"
                "Chengdu-Chongqing\t2027\tlevel\t110000\n")
        html = os.path.join(self.tmp.name, "pinned.html")
        r = run("report", out, "--out", html)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(html) as f:
            page = f.read()
        self.assertIn("Outturn (all draws)", page)
        self.assertIn("Condition", page)

    def test_threads_give_the_same_bytes(self):
        one = self.forecast(self.pinned, "t1.h5", "--outturns", OUTTURNS,
                            "--threads", "1", "--draws", "9000")
        two = self.forecast(self.pinned, "t2.h5", "--outturns", OUTTURNS,
                            "--threads", "2", "--draws", "9000")
        with h5py.File(one) as a, h5py.File(two) as b:
            for var in ("gdp", "gdp_growth", "tfp"):
                for ds in ("quantiles", "mean_value", "sd"):
                    self.assertEqual(
                        a["forecast/%s/%s" % (var, ds)][...].tobytes(),
                        b["forecast/%s/%s" % (var, ds)][...].tobytes())


if __name__ == "__main__":
    unittest.main()
