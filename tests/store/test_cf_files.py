"""The result files as a notebook user meets them (issue 17, "Units and
conventions in the files"): xarray and pandas open them without glue code.

Checks: units attributes equal the shipped panel's units sidecar
(data/china_provinces.units.csv); an xarray .plot() labels its axis with the
unit; the covariance has two named dimensions (to_dataframe() works, the
matrix is symmetric, .sel(parameter=, parameter_2=) works); a sweep's axes
are dimensions selectable by value; /forecast/series equals the panel in
history years and the projection's quantiles after; ncdump -h runs; the
root declares CF-1.8 and counts/flags/seeds have integer types.

Environment (set by ctest): GROWTHCAST_BINARY, GROWTHCAST_SOURCE_DIR,
GROWTHCAST_WORK_DIR.
"""
import csv
import os
import shutil
import subprocess
import tempfile
import unittest

import matplotlib
matplotlib.use("Agg")
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

BINARY = os.environ["GROWTHCAST_BINARY"]
SOURCE = os.environ["GROWTHCAST_SOURCE_DIR"]
WORK = os.environ.get("GROWTHCAST_WORK_DIR", tempfile.gettempdir())
PANEL = os.path.join(SOURCE, "data", "china_provinces.csv")
SIDECAR = os.path.join(SOURCE, "data", "china_provinces.units.csv")
SCENARIO = os.path.join(SOURCE, "scenarios", "chengdu_chongqing",
                        "baseline.toml")
SWEEP = """draws = 200
[base]
name = "cc/sweep"
horizon = 2025
seed = 7
regions = ["Sichuan", "Chongqing"]
[base.groups]
"Chengdu-Chongqing" = ["Sichuan", "Chongqing"]
[base.drivers.rd_intensity]
path = "ramp"
target = 0.03
by = 2025
[axes]
"drivers.rd_intensity.target" = [0.02, 0.03]
"drivers.rd_intensity.by" = [2023, 2025]
"""


def run(*args):
    r = subprocess.run([BINARY, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"{args}: {r.stderr}")
    return r


def sidecar():
    with open(SIDECAR, newline="", encoding="utf-8") as f:
        return {row["column"]: row for row in csv.DictReader(f)}


def panel_gdp(region, years):
    with open(PANEL, newline="", encoding="utf-8") as f:
        rows = {int(r["year"]): float(r["gdp_real"])
                for r in csv.DictReader(f) if r["region"] == region}
    return np.array([rows[y] for y in years])


class Files(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="cf_files_", dir=WORK)
        cls.cal = os.path.join(cls.dir, "cal.h5")
        cls.forecast = os.path.join(cls.dir, "forecast.h5")
        cls.sweep = os.path.join(cls.dir, "sweep.h5")
        run("calibrate", "--out", cls.cal)
        run("forecast", SCENARIO, "--calibration", cls.cal, "--draws", "300",
            "--out", cls.forecast)
        sweep_file = os.path.join(cls.dir, "sweep.toml")
        with open(sweep_file, "w") as f:
            f.write(SWEEP)
        run("sweep", sweep_file, "--calibration", cls.cal, "--out", cls.sweep)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def open(self, path, group):
        return xr.open_dataset(path, group=group, engine="h5netcdf")

    def test_units_are_the_sidecars(self):
        units = sidecar()
        cal = self.open(self.cal, "calibration")
        # The default columns (calibrate --gdp gdp_real --capital capital
        # --labour labour --rd rd_real) and their sidecar rows.
        for variable, column in (("gdp", "gdp_real"), ("capital", "capital"),
                                 ("labour", "labour"), ("rd", "rd_real")):
            self.assertEqual(cal[variable].attrs["units"],
                             units[column]["units"], variable)
            self.assertEqual(cal[variable].attrs["long_name"],
                             units[column]["long_name"], variable)
        for group, variable, column in (("forecast/gdp", "quantiles",
                                         "gdp_real"),
                                        ("forecast/capital", "mean_value",
                                         "capital"),
                                        ("forecast/knowledge", "sd",
                                         "rd_real"),
                                        ("forecast/series", "gdp",
                                         "gdp_real")):
            ds = self.open(self.forecast, group)
            self.assertEqual(ds[variable].attrs["units"],
                             units[column]["units"], group)
        export = run("export", self.forecast).stdout.splitlines()
        header = export[0].split(",")
        self.assertIn("unit", header)
        rows = list(csv.DictReader(export))
        gdp_units = {r["unit"] for r in rows if r["variable"] == "gdp"}
        self.assertEqual(gdp_units, {units["gdp_real"]["units"]})

    def test_plot_axis_label_has_the_unit(self):
        ds = self.open(self.forecast, "forecast/series")
        line = ds["gdp"].sel(scenario="chengdu_chongqing/baseline",
                             region="Sichuan", quantile=0.5).plot()
        # xarray wraps long labels: compare with the line breaks as spaces.
        label = " ".join(line[0].axes.get_ylabel().split())
        self.assertIn(sidecar()["gdp_real"]["units"], label)

    def test_covariance_has_two_named_dimensions(self):
        cal = self.open(self.cal, "calibration")
        cov = cal["covariance"]
        self.assertEqual(cov.dims, ("parameter", "parameter_2"))
        frame = cov.to_dataframe()
        n = cal.sizes["parameter"]
        self.assertEqual(len(frame), n * n)
        m = cov.values
        # A covariance is symmetric; the stored one to rounding (the
        # structured QR leaves differences of ~1e-17 on entries ~1e-2).
        scale = np.abs(m).max()
        np.testing.assert_allclose(m, m.T, rtol=0, atol=1e-12 * scale)
        a = float(cov.sel(parameter="alpha", parameter_2="g_F"))
        b = float(cov.sel(parameter="g_F", parameter_2="alpha"))
        self.assertAlmostEqual(a, b, delta=1e-12 * scale)
        # The diagonal is the squared standard errors (std_error is
        # sqrt of the covariance diagonal, docs/hdf5-layout.md).
        se = float(cal["std_error"].sel(parameter="alpha"))
        self.assertAlmostEqual(
            float(cov.sel(parameter="alpha", parameter_2="alpha")), se * se,
            delta=1e-15)
        # No data variable shadowed by an xarray method.
        for group in ("forecast", "forecast/gdp", "calibration"):
            ds = self.open(self.forecast, group)
            for name in ds.data_vars:
                self.assertFalse(hasattr(xr.Dataset, name), name)

    def test_series_is_history_then_projection(self):
        s = self.open(self.forecast, "forecast/series")
        g = self.open(self.forecast, "forecast/gdp")
        observed = s["is_projection"].values == 0
        history_years = s["year"].values[observed]
        for region in ("Sichuan", "Chongqing"):
            median = s["gdp"].sel(scenario="chengdu_chongqing/baseline",
                                  region=region, quantile=0.5)
            np.testing.assert_array_equal(
                median.values[observed], panel_gdp(region, history_years))
            np.testing.assert_array_equal(
                s["gdp"].sel(region=region).values[:, ~observed, :],
                g["quantiles"].sel(region=region).values)
        self.assertEqual(list(history_years), list(range(2010, 2020)))
        self.assertEqual(int(s["year"][-1]), 2035)

    def test_sweep_axes_are_dimensions(self):
        grid = self.open(self.sweep, "forecast/grid")
        top = self.open(self.sweep, "forecast")
        q = self.open(self.sweep, "forecast/gdp")["quantiles"]
        key, by = "drivers.rd_intensity.target", "drivers.rd_intensity.by"
        self.assertEqual(list(grid[key].values), [0.02, 0.03])
        self.assertEqual(list(grid[by].values), [2023, 2025])
        picked = grid["gdp"].sel(**{key: 0.03, by: 2023})
        name = f"cc/sweep {key}=0.03,{by}=2023"
        self.assertIn(name, list(top["scenario"].values))
        np.testing.assert_array_equal(picked.values,
                                      q.sel(scenario=name).values)
        # The point's values in the file agree with its label.
        point = top.sel(scenario=name)
        self.assertEqual(float(point[key]), 0.03)

    def test_types_and_conventions(self):
        root = xr.open_dataset(self.forecast, engine="h5netcdf")
        self.assertEqual(root.attrs["Conventions"], "CF-1.8")
        top = self.open(self.forecast, "forecast")
        self.assertEqual(top["seed"].dtype, np.uint64)
        self.assertEqual(top["draws"].dtype, np.int64)
        for flag in ("is_group", "reports", "exact_quantiles"):
            self.assertEqual(top[flag].dtype, np.int8, flag)
            self.assertEqual(top[flag].attrs["flag_meanings"], "false true")
        sweep = self.open(self.sweep, "forecast")
        self.assertEqual(sweep["point_index"].dtype, np.int64)

    def test_files_before_the_rename_still_read(self):
        # A file as written before issue 17 named the means "mean": moved
        # back with h5py, growthcast's own readers (export here) give the
        # same table.
        import h5py
        old = os.path.join(self.dir, "old_names.h5")
        shutil.copy(self.forecast, old)
        with h5py.File(old, "r+") as f:
            for name, group in f["forecast"].items():
                if isinstance(group, h5py.Group) and "mean_value" in group:
                    group.move("mean_value", "mean")
        self.assertEqual(run("export", old).stdout,
                         run("export", self.forecast).stdout)

    def test_ncdump_reads_the_files(self):
        ncdump = shutil.which("ncdump")
        if ncdump is None:
            self.skipTest("ncdump (netcdf-bin) is not installed")
        for path in (self.cal, self.forecast, self.sweep):
            r = subprocess.run([ncdump, "-h", path], capture_output=True,
                               text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(':Conventions = "CF-1.8"', r.stdout)


if __name__ == "__main__":
    unittest.main()
