#!/usr/bin/env python3
"""A forecast from a user's own panel: the shipped panel's real series under
other column names, without the nominal columns that give the drivers'
observed baselines. A scenario of Sichuan and Chongqing that gives its
drivers' values runs (issue 17: it failed on Beijing, which it does not
use); a driver held at a baseline that does not exist is refused, naming a
region of the scenario, and nothing is written.

Environment (set by ctest): GROWTHCAST_BINARY, GROWTHCAST_SOURCE_DIR,
GROWTHCAST_WORK_DIR.
"""

import csv
import os
import shutil
import subprocess
import tempfile
import unittest

import h5py
import numpy as np

BINARY = os.environ["GROWTHCAST_BINARY"]
SOURCE = os.environ["GROWTHCAST_SOURCE_DIR"]
WORK = os.environ.get("GROWTHCAST_WORK_DIR", tempfile.gettempdir())

SCENARIO = """name = "own/chengdu_chongqing"
horizon = 2030
seed = 7
regions = ["Sichuan", "Chongqing"]
[drivers.rd_intensity]
path = "constant"
value = 0.025
[drivers.investment_rate]
path = "table"
values = {{ "2022" = {first}, "2030" = 0.38 }}
"""


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True,
                          timeout=240)


class OwnPanel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(dir=WORK)
        cls.panel = os.path.join(cls.dir, "panel.csv")
        shipped = os.path.join(SOURCE, "data", "china_provinces.csv")
        with open(shipped, newline="") as f, \
                open(cls.panel, "w", newline="") as out:
            w = csv.writer(out)
            w.writerow(["province", "yr", "y", "k", "l", "r"])
            for row in csv.DictReader(f):
                w.writerow([row["region"], row["year"], row["gdp_real"],
                            row["capital"], row["labour"], row["rd_real"]])
        cls.calibration = os.path.join(cls.dir, "calibration.h5")
        result = run(BINARY, "calibrate", "--data", cls.panel,
                     "--region-col", "province", "--year-col", "yr",
                     "--gdp", "y", "--capital", "k", "--labour", "l",
                     "--rd", "r", "--out", cls.calibration)
        assert result.returncode == 0, result.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def scenario(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_scenario_regions_only(self):
        sc = self.scenario("given.toml", SCENARIO.format(first=0.42))
        out = os.path.join(self.dir, "given.h5")
        result = run(BINARY, "forecast", sc, "--calibration",
                     self.calibration, "--draws", "200", "--out", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        with h5py.File(out, "r") as f:
            regions = [r.decode() if isinstance(r, bytes) else r
                       for r in f["forecast/region"][()]]
            self.assertIn("Sichuan", regions)
            self.assertIn("Chongqing", regions)
            self.assertNotIn("Beijing", regions)
            q = f["forecast/gdp/quantiles"][()]
            self.assertTrue(np.isfinite(q).all())

    def test_table_first_value_is_the_baseline(self):
        # Without an observed baseline the table's first value stands for
        # it: the table {2022: 0.42, 2030: 0.38} then runs 0.42 from the last
        # data year (2019) to 2022, the same path year by year as
        # {2020: 0.42, 2022: 0.42, 2030: 0.38}, so the forecasts are equal
        # bit for bit.
        flat = SCENARIO.format(first=0.42).replace(
            '"2022" = 0.42, "2030" = 0.38', '"2020" = 0.42, "2022" = 0.42, '
            '"2030" = 0.38')
        a = self.scenario("a.toml", SCENARIO.format(first=0.42))
        b = self.scenario("b.toml", flat)
        outs = []
        for sc in (a, b):
            out = sc.replace(".toml", ".h5")
            result = run(BINARY, "forecast", sc, "--calibration",
                         self.calibration, "--draws", "200", "--out", out)
            self.assertEqual(result.returncode, 0, result.stderr)
            outs.append(out)
        with h5py.File(outs[0], "r") as fa, h5py.File(outs[1], "r") as fb:
            np.testing.assert_array_equal(fa["forecast/gdp/quantiles"][()],
                                          fb["forecast/gdp/quantiles"][()])

    def test_missing_baseline_names_a_scenario_region(self):
        # investment_rate held at its (absent) baseline.
        text = SCENARIO.format(first=0.42).split(
            "[drivers.investment_rate]")[0]
        sc = self.scenario("held.toml", text)
        out = os.path.join(self.dir, "held.h5")
        result = run(BINARY, "forecast", sc, "--calibration",
                     self.calibration, "--draws", "200", "--out", out)
        self.assertEqual(result.returncode, 1)
        self.assertIn("no observed baseline for investment_rate", result.stderr)
        self.assertRegex(result.stderr, "region '(Sichuan|Chongqing)'")
        self.assertNotIn("Beijing", result.stderr)
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main(verbosity=2)
