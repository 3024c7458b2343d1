#!/usr/bin/env python3
"""`growthcast backtest` end to end: the /backtest layout read by xarray,
the scores recomputed independently with numpy from the stored medians,
bands and actuals, the actuals against the shipped panel and outturns, the
benchmarks by hand, and bad flags refused (exit 2, nothing written).

Environment (set by ctest): GROWTHCAST_BINARY, GROWTHCAST_SOURCE_DIR,
GROWTHCAST_WORK_DIR.
"""

import csv
import math
import os
import subprocess
import tempfile
import unittest

import h5py
import numpy as np
import xarray as xr

BINARY = os.environ["GROWTHCAST_BINARY"]
SOURCE = os.environ["GROWTHCAST_SOURCE_DIR"]
WORK = os.environ.get("GROWTHCAST_WORK_DIR", tempfile.gettempdir())
NATIONAL = "China (31 provinces)"


def run(*args):
    return subprocess.run([BINARY, *args], capture_output=True, text=True,
                          timeout=600)


def panel_gdp():
    """Real GDP per region and year: the panel to 2019, then the outturns."""
    out = {}
    with open(os.path.join(SOURCE, "data", "china_provinces.csv")) as f:
        for row in csv.DictReader(f):
            if row["gdp_real"]:
                out[(row["region"], int(row["year"]))] = float(row["gdp_real"])
    with open(os.path.join(SOURCE, "data",
                           "china_province_outturns.csv")) as f:
        for row in csv.DictReader(f):
            out[(row["region"], int(row["year"]))] = float(row["gdp_real"])
    return out


class Backtest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(dir=WORK)
        cls.out = os.path.join(cls.tmp.name, "backtest.h5")
        cls.result = run("backtest", "--origins", "2017:2019", "--horizon",
                         "3", "--draws", "400", "--seed", "3", "--out",
                         cls.out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_runs_and_prints_the_table(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        for model in ("cobb_douglas_rd", "tfp_convergence", "naive_trend",
                      "random_walk_drift"):
            self.assertIn(model, self.result.stdout)
        self.assertIn("Band scale c_h of tfp_convergence", self.result.stdout)

    def test_layout_reads_with_xarray(self):
        ds = xr.open_dataset(self.out, group="backtest", engine="h5netcdf")
        self.assertEqual(ds["q50"].dims,
                         ("model", "origin", "unit", "horizon"))
        self.assertEqual(list(ds["origin"].values), [2017, 2018, 2019])
        self.assertEqual(list(ds["horizon"].values), [1, 2, 3])
        self.assertIn(NATIONAL, list(ds["unit"].values))
        self.assertEqual(ds["rmse"].dims, ("model", "horizon"))

    def test_actuals_are_the_panel_and_the_outturns(self):
        gdp = panel_gdp()
        ds = xr.open_dataset(self.out, group="backtest", engine="h5netcdf")
        actual = ds["actual"].sel(model="tfp_convergence")
        for region, origin, h in (("Sichuan", 2017, 1), ("Chongqing", 2019, 3),
                                  ("Beijing", 2018, 2)):
            self.assertEqual(
                float(actual.sel(unit=region, origin=origin, horizon=h)),
                gdp[(region, origin + h)])
        # The national total is the sum of the 31 provinces (to rounding).
        total = sum(v for (r, y), v in gdp.items() if y == 2021)
        self.assertTrue(math.isclose(
            float(actual.sel(unit=NATIONAL, origin=2019, horizon=2)), total,
            rel_tol=1e-12))

    def test_scores_match_an_independent_computation(self):
        ds = xr.open_dataset(self.out, group="backtest", engine="h5netcdf")
        regions = [u for u in ds["unit"].values
                   if u in {r for (r, _) in panel_gdp()}]
        for model in ("cobb_douglas_rd", "tfp_convergence"):
            sub = ds.sel(model=model, unit=regions)
            for h in (1, 2, 3):
                s = sub.sel(horizon=h)
                err = np.log(s["q50"].values) - np.log(s["actual"].values)
                err = err[np.isfinite(err)]
                self.assertEqual(int(ds["n"].sel(model=model, horizon=h)),
                                 err.size)
                self.assertTrue(math.isclose(
                    float(ds["rmse"].sel(model=model, horizon=h)),
                    math.sqrt(np.mean(err ** 2)), rel_tol=1e-12))
                self.assertTrue(math.isclose(
                    float(ds["bias"].sel(model=model, horizon=h)),
                    np.mean(err), rel_tol=1e-12, abs_tol=1e-15))
                a = s["actual"].values
                inside90 = (s["q05"].values <= a) & (a <= s["q95"].values)
                inside50 = (s["q25"].values <= a) & (a <= s["q75"].values)
                self.assertTrue(math.isclose(
                    float(ds["coverage90"].sel(model=model, horizon=h)),
                    inside90.mean(), rel_tol=1e-12))
                self.assertTrue(math.isclose(
                    float(ds["coverage50"].sel(model=model, horizon=h)),
                    inside50.mean(), rel_tol=1e-12))

    def test_naive_trend_by_hand(self):
        """The naive trend extrapolates the mean log growth of the last five
        years before the origin."""
        gdp = panel_gdp()
        ds = xr.open_dataset(self.out, group="backtest", engine="h5netcdf")
        g = (math.log(gdp[("Sichuan", 2018)]) -
             math.log(gdp[("Sichuan", 2013)])) / 5
        expected = gdp[("Sichuan", 2018)] * math.exp(2 * g)
        got = float(ds["q50"].sel(model="naive_trend", unit="Sichuan",
                                     origin=2018, horizon=2))
        self.assertTrue(math.isclose(got, expected, rel_tol=1e-12))

    def test_band_scales_are_at_least_one(self):
        with h5py.File(self.out, "r") as f:
            c = f["/backtest/band_scale"][()]
        self.assertTrue(np.all(c >= 1.0))

    def test_calibrate_takes_the_band_scales(self):
        cal = os.path.join(self.tmp.name, "cal.h5")
        r = run("calibrate", "--bands", self.out, "--out", cal)
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(cal, "r") as f, h5py.File(self.out, "r") as b:
            names = [n.decode() if isinstance(n, bytes) else n
                     for n in b["/backtest/band_model"][()]]
            row = b["/backtest/band_scale"][()][names.index("tfp_convergence")]
            np.testing.assert_array_equal(f["/calibration/band_scale"][()],
                                          row)

    def test_bad_flags_exit_2_and_write_nothing(self):
        for args, message in (
                (["--origins", "2019:2012"], "'2019:2012' is not FIRST:LAST"),
                (["--horizon", "0"], "--horizon"),
                (["--models", "nope"], "unknown model 'nope'")):
            out = os.path.join(self.tmp.name, "bad.h5")
            r = run("backtest", *args, "--out", out)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(message, r.stderr)
            self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main(verbosity=2)
