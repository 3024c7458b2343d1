#!/usr/bin/env python3
"""End-to-end checks of `growthcast calibrate` and `growthcast accounting`
as a user runs them: exit codes, messages, the HDF5 layout read by xarray
(h5netcdf), h5py and ncdump, and the numbers against an independent
implementation of the model's equations (docs/models/cobb_douglas_rd.md)
written here with numpy.

Environment (set by ctest): GROWTHCAST_BINARY, GROWTHCAST_SOURCE_DIR,
GROWTHCAST_WORK_DIR.
"""

import csv
import hashlib
import os
import shutil
import subprocess
import tempfile
import unittest

import h5py
import numpy as np
import xarray as xr

BINARY = os.environ["GROWTHCAST_BINARY"]
SOURCE = os.environ["GROWTHCAST_SOURCE_DIR"]
WORK = os.environ.get("GROWTHCAST_WORK_DIR", tempfile.gettempdir())
PANEL = os.path.join(SOURCE, "data", "china_provinces.csv")


def run(*args, cwd=None):
    return subprocess.run([BINARY, *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def read_panel(first=2010, last=2019):
    """{region: {column: np.array over first..last}} in file order."""
    out = {}
    with open(PANEL, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            year = int(row["year"])
            if first <= year <= last:
                d = out.setdefault(row["region"], {})
                for c in ("gdp_real", "capital", "labour", "rd_real"):
                    d.setdefault(c, []).append(float(row[c]))
    return {r: {c: np.array(v) for c, v in d.items()} for r, d in out.items()}


def knowledge_stock(rd, delta):
    """docs/models/cobb_douglas_rd.md, "Equations":
    S_t0 = R_t0 / (g + delta), S_t = (1 - delta) S_t-1 + R_t."""
    g = (np.log(rd[-1]) - np.log(rd[0])) / (len(rd) - 1)
    s = np.empty_like(rd)
    s[0] = rd[0] / (g + delta)
    for t in range(1, len(rd)):
        s[t] = (1 - delta) * s[t - 1] + rd[t]
    return s


class Workdir(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=WORK)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)


class CalibrateDefault(Workdir):
    def test_default_run_matches_independent_ols_and_layout(self):
        out = self.path("calibration.h5")
        result = run("calibrate", "--model", "cobb_douglas_rd", "--out", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("alpha", result.stdout)
        self.assertIn("R^2", result.stdout)

        panel = read_panel()
        regions = list(panel)
        ds = xr.open_dataset(out, group="calibration", engine="h5netcdf")
        self.assertEqual(ds["estimate"].dims, ("parameter",))
        self.assertEqual(ds["fitted"].dims, ("region", "year"))
        self.assertEqual(ds["covariance"].dims, ("parameter", "parameter_2"))
        self.assertEqual(list(ds["region"].values), regions)
        self.assertEqual(list(ds["year"].values), list(range(2010, 2020)))
        self.assertEqual(len(ds["parameter"]), 2 * 31 + 5)
        for name, var in ds.data_vars.items():
            # CF flags (is_free) have flag_values instead of units.
            if "flag_values" not in var.attrs:
                self.assertIn("units", var.attrs, name)

        # fitted + residual = ln Y of the input panel.
        ln_y = np.log(np.array([panel[r]["gdp_real"] for r in regions]))
        np.testing.assert_allclose(ds["fitted"].values + ds["residual"].values,
                                   ln_y, rtol=0, atol=1e-12)

        # Independent OLS of the model (docs/models/cobb_douglas_rd.md) with
        # delta_S = 0.15 and beta = 1 - alpha: ln Y - ln L on region dummies,
        # region trends, ln K - ln L and ln S.
        n, years = len(regions), 10
        x = np.zeros((n * years, 2 * n + 2))
        y = np.zeros(n * years)
        for i, r in enumerate(regions):
            d = panel[r]
            s = knowledge_stock(d["rd_real"], 0.15)
            rows = slice(i * years, (i + 1) * years)
            x[rows, 2 * i] = 1
            x[rows, 2 * i + 1] = np.arange(years)
            x[rows, 2 * n] = np.log(d["capital"]) - np.log(d["labour"])
            x[rows, 2 * n + 1] = np.log(s)
            y[rows] = np.log(d["gdp_real"]) - np.log(d["labour"])
        b, *_ = np.linalg.lstsq(x, y, rcond=None)
        est = ds["estimate"].values
        names = list(ds["parameter"].values)
        alpha, gamma = est[names.index("alpha")], est[names.index("gamma")]
        # The bounds are not active on the shipped data, so the constrained
        # optimum is the OLS one.
        self.assertTrue(0.05 < b[2 * n] < 0.95 and 0 < b[2 * n + 1] < 1)
        np.testing.assert_allclose([alpha, gamma], b[2 * n:], rtol=1e-8)
        np.testing.assert_allclose(est[0:2 * n:2], b[0:2 * n:2], rtol=1e-8)
        self.assertAlmostEqual(est[names.index("beta")], 1 - alpha, places=12)
        self.assertEqual(est[names.index("delta_S")], 0.15)

        # Standard errors: sigma^2 (X'X)^-1 with sigma^2 = SSR / (n - p).
        e = y - x @ b
        sigma2 = e @ e / (len(y) - x.shape[1])
        cov = sigma2 * np.linalg.inv(x.T @ x)
        se = ds["std_error"].values
        np.testing.assert_allclose(se[names.index("alpha")],
                                   np.sqrt(cov[2 * n, 2 * n]), rtol=1e-7)
        np.testing.assert_allclose(se[names.index("gamma")],
                                   np.sqrt(cov[2 * n + 1, 2 * n + 1]),
                                   rtol=1e-7)
        self.assertTrue(np.isnan(se[names.index("delta_S")]))
        attrs = ds.attrs
        self.assertAlmostEqual(attrs["sigma2"], sigma2, delta=1e-10 * sigma2)
        self.assertEqual(attrs["converged"], 1)
        self.assertEqual(attrs["model"], "cobb_douglas_rd")
        ds.close()

        # Provenance on the root group.
        with h5py.File(out, "r") as f:
            root = dict(f.attrs)
        self.assertEqual(root["program"], "growthcast")
        with open(PANEL, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        self.assertIn(digest, root["input_files"])
        self.assertIn("calibrate --model cobb_douglas_rd --out", root["command_line"])
        for key in ("version", "git_commit", "created"):
            self.assertIn(key, root)

        dump = subprocess.run(["ncdump", "-h", out], capture_output=True,
                              text=True)
        self.assertEqual(dump.returncode, 0, dump.stderr)
        for text in ("group: calibration", "parameter = 67", "region = 31",
                     "year = 10", "double covariance(parameter, parameter_2)",
                     "double fitted(region, year)"):
            self.assertIn(text, dump.stdout)

    def test_options_reach_the_solver(self):
        out = self.path("c.h5")
        result = run("calibrate", "--out", out, "--regions",
                     "Sichuan,Chongqing,Guangdong,Beijing,Shanghai",
                     "--from", "2011", "--to", "2018", "--fix", "gamma=0.05",
                     "--loss", "huber", "--loss-scale", "0.1",
                     "--linear-solver", "dense_normal_cholesky")
        self.assertEqual(result.returncode, 0, result.stderr)
        ds = xr.open_dataset(out, group="calibration", engine="h5netcdf")
        self.assertEqual(list(ds["region"].values),
                         ["Sichuan", "Chongqing", "Guangdong", "Beijing",
                          "Shanghai"])
        self.assertEqual(list(ds["year"].values), list(range(2011, 2019)))
        names = list(ds["parameter"].values)
        self.assertEqual(ds["estimate"].values[names.index("gamma")], 0.05)
        self.assertEqual(ds.attrs["loss"], "huber")
        self.assertEqual(ds.attrs["linear_solver"], "dense_normal_cholesky")
        ds.close()


class BadInput(Workdir):
    def write(self, name, text):
        p = self.path(name)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
        return p

    def assert_fails(self, args, code, *phrases, out=None):
        result = run(*args)
        self.assertEqual(result.returncode, code, result.stderr)
        for phrase in phrases:
            self.assertIn(phrase, result.stderr)
        if out is not None:
            self.assertFalse(os.path.exists(out))
            leftovers = [n for n in os.listdir(os.path.dirname(out))
                         if ".tmp" in n]
            self.assertEqual(leftovers, [])
        return result

    def test_bad_data_names_file_line_and_column(self):
        bad = self.write("bad.csv", "region,year,gdp_real,capital,labour,rd_real\n"
                         "A,2010,1,2,3,4\nA,2011,x,2,3,4\n")
        out = self.path("out.h5")
        self.assert_fails(["calibrate", "--data", bad, "--out", out,
                           "--from", "2010", "--to", "2011"], 1,
                          bad + ":3:", "gdp_real", "not a finite number",
                          out=out)

    def test_missing_column(self):
        bad = self.write("bad.csv", "region,year,gdp_real\nA,2010,1\n")
        out = self.path("out.h5")
        self.assert_fails(["calibrate", "--data", bad, "--out", out], 1,
                          bad + ":1:", "'capital'", "missing column", out=out)

    def test_unknown_region_and_gap(self):
        out = self.path("out.h5")
        self.assert_fails(["calibrate", "--regions", "Atlantis", "--out", out],
                          1, "Atlantis", out=out)
        self.assert_fails(["calibrate", "--from", "2005", "--out", out], 1,
                          "rd_real", "missing value", out=out)

    def test_existing_output_is_untouched_on_failure(self):
        out = self.path("keep.h5")
        with open(out, "wb") as f:
            f.write(b"precious")
        self.assert_fails(["calibrate", "--regions", "Atlantis", "--out", out], 1)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"precious")

    def test_usage_errors_exit_2(self):
        self.assert_fails(["calibrate"], 2, "--out")
        self.assert_fails(["calibrate", "--out", self.path("x.h5"), "--fix",
                           "zeta=1"], 2, "zeta")
        self.assert_fails(["calibrate", "--out", self.path("x.h5"),
                           "--linear-solver", "magic"], 2, "linear_solver")
        self.assert_fails(["frobnicate"], 2)
        self.assert_fails(["accounting", "--periods", "2015-2011"], 2,
                          "--periods")

    def test_output_directory_missing(self):
        out = self.path("no/such/dir/out.h5")
        self.assert_fails(["calibrate", "--out", out], 1, "does not exist")

    def test_non_convergence_exits_1_unless_allowed(self):
        out = self.path("nc.h5")
        self.assert_fails(["calibrate", "--out", out, "--free", "delta_S",
                           "--max-iterations", "1"], 1, "did not converge",
                          out=out)
        result = run("calibrate", "--out", out, "--free", "delta_S",
                     "--max-iterations", "1", "--allow-no-convergence")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(os.path.exists(out))

    def test_help_exits_0(self):
        for cmd in (["--help"], ["calibrate", "--help"],
                    ["accounting", "--help"]):
            result = run(*cmd)
            self.assertEqual(result.returncode, 0)
            self.assertIn("--", result.stdout)


class Accounting(Workdir):
    def test_default_tables_and_rd_decomposition(self):
        cal = self.path("cal.h5")
        self.assertEqual(run("calibrate", "--out", cal).returncode, 0)
        out = self.path("acc.h5")
        result = run("accounting", "--calibration", cal, "--out", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        for text in ("Chengdu-Chongqing", "Yangtze River Delta",
                     "Greater Bay Area (Guangdong)", "Beijing-Tianjin-Hebei",
                     "2011-2015", "2016-2019", "Sichuan"):
            self.assertIn(text, result.stdout)
        ds = xr.open_dataset(out, group="accounting", engine="h5netcdf")
        self.assertEqual(ds["contribution"].dims, ("region", "period", "factor"))
        self.assertEqual(list(ds["factor"].values),
                         ["output", "capital", "labour", "knowledge", "tfp"])
        self.assertEqual(len(ds["region"]), 35)
        # Chengdu-Chongqing sums Sichuan and Chongqing; Tornqvist with the
        # default labour share 0.586 (constant, so s is the same each year).
        panel = read_panel(2010, 2019)
        y = panel["Sichuan"]["gdp_real"] + panel["Chongqing"]["gdp_real"]
        k = panel["Sichuan"]["capital"] + panel["Chongqing"]["capital"]
        lab = panel["Sichuan"]["labour"] + panel["Chongqing"]["labour"]
        s = 0.586
        dy, dk, dl = (np.diff(np.log(v)) for v in (y, k, lab))
        tfp = dy - (1 - s) * dk - s * dl
        cc = ds.sel(region="Chengdu-Chongqing")
        np.testing.assert_allclose(cc["tfp_growth"].values[1:], tfp, atol=1e-12)
        np.testing.assert_allclose(
            cc["contribution"].sel(period="2016-2019", factor="tfp").values,
            tfp[-4:].mean(), atol=1e-12)
        rd = cc["contribution_rd"].sel(period="2011-2015").values
        self.assertAlmostEqual(rd[1] + rd[2] + rd[3] + rd[4], rd[0], places=12)
        ds.close()

    def test_runs_on_the_penn_world_table(self):
        # A country panel with BOM and CRLF, labour = emp x hc, labour share
        # from a column.
        pwt = os.path.join(SOURCE, "data", "pwt1001.csv")
        out = self.path("pwt.h5")
        result = run("accounting", "--data", pwt, "--region-col",
                     "countrycode", "--gdp", "rgdpna", "--capital", "rnna",
                     "--labour", "emp,hc", "--labour-share", "labsh",
                     "--regions", "CHN,USA,DEU", "--periods",
                     "2001-2010,2011-2019", "--out", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        ds = xr.open_dataset(out, group="accounting", engine="h5netcdf")
        rows = {}
        with open(pwt, encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                if row["countrycode"] == "USA" and 2009 <= int(row["year"]) <= 2010:
                    rows[int(row["year"])] = {k: float(row[k]) for k in
                                              ("rgdpna", "rnna", "emp", "hc", "labsh")}
        a, b = rows[2009], rows[2010]
        s = 0.5 * (a["labsh"] + b["labsh"])
        expected = (np.log(b["rgdpna"] / a["rgdpna"])
                    - (1 - s) * np.log(b["rnna"] / a["rnna"])
                    - s * np.log(b["emp"] * b["hc"] / (a["emp"] * a["hc"])))
        got = ds["tfp_growth"].sel(region="USA", year=2010).values
        self.assertAlmostEqual(float(got), expected, places=12)
        ds.close()


class ModelMetadataInFiles(Workdir):
    """Issue 14: each calibration records its parameters' scope and units,
    the model's version and the regions file of its panel; readers accept
    files written before these were recorded."""

    def calibrate(self, *args):
        cal = self.path("cal.h5")
        result = run("calibrate", "--model", "cobb_douglas_rd", "--out", cal, *args)
        self.assertEqual(result.returncode, 0, result.stderr)
        return cal

    def test_scope_units_version_and_regions_file(self):
        cal = self.calibrate()
        with h5py.File(cal, "r") as f:
            g = f["calibration"]
            names = [n.decode() for n in g["parameter"][()]]
            scope = g.attrs["parameter_scope"].split(",")
            units = g.attrs["parameter_units"].split(",")
            self.assertEqual(g.attrs["model_version"], "1")
            regions_file = g.attrs["regions_file"]
            digest = g.attrs["regions_file_sha256"]
        # Expected from models/cobb_douglas_rd/model.h: a and lambda per
        # region (31 regions), then alpha, beta, gamma, delta_S, phi.
        self.assertEqual(len(scope), len(names))
        self.assertEqual(scope, ["regional"] * 62 + ["shared"] * 5)
        by_name = dict(zip(names, units))
        self.assertEqual(by_name["a[Sichuan]"], "log points")
        self.assertEqual(by_name["lambda[Sichuan]"], "log points per year")
        self.assertEqual(by_name["alpha"], "1")
        self.assertEqual(by_name["delta_S"], "1 per year")
        shipped = os.path.join(SOURCE, "data", "regions.csv")
        self.assertTrue(os.path.samefile(regions_file, shipped))
        with open(shipped, "rb") as f:
            self.assertEqual(digest, hashlib.sha256(f.read()).hexdigest())

    def test_older_files_without_the_metadata_are_read(self):
        cal = self.calibrate()
        old = self.path("old.h5")
        shutil.copy(cal, old)
        with h5py.File(old, "r+") as f:
            for name in ("model_version", "parameter_scope",
                         "parameter_units", "regions_file",
                         "regions_file_sha256"):
                del f["calibration"].attrs[name]
        new_run = run("accounting", "--calibration", cal)
        old_run = run("accounting", "--calibration", old)
        self.assertEqual(old_run.returncode, 0, old_run.stderr)
        self.assertEqual(old_run.stdout, new_run.stdout)

    def test_scope_disagreeing_with_the_model_is_refused(self):
        cal = self.calibrate()
        with h5py.File(cal, "r+") as f:
            scope = f["calibration"].attrs["parameter_scope"].split(",")
            scope[0] = "shared"
            f["calibration"].attrs["parameter_scope"] = ",".join(scope)
        result = run("accounting", "--calibration", cal)
        self.assertEqual(result.returncode, 1)
        self.assertIn("parameter_scope", result.stderr)

    def test_technology_share_is_flagged_contributions_over_dlny(self):
        # docs/architecture.md, "The technology share": (knowledge + TFP)
        # / d ln Y for cobb_douglas_rd, TFP / d ln Y for Tornqvist.
        cal = self.calibrate()
        out = self.path("acc.h5")
        result = run("accounting", "--calibration", cal, "--out", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        with h5py.File(out, "r") as f:
            a = f["accounting"]
            rd = a["contribution_rd"][()]
            tornqvist = a["contribution"][()]
            np.testing.assert_array_equal(
                a["technology_share_rd"][()],
                (rd[..., 3] + rd[..., 4]) / rd[..., 0])
            np.testing.assert_array_equal(
                a["technology_share"][()], tornqvist[..., 4] / tornqvist[..., 0])
            self.assertTrue(a["technology_share_rd"].attrs["definition"]
                            .startswith("(contribution_knowledge + "
                                        "contribution_tfp) / d ln Y"))
            self.assertTrue(a["technology_share"].attrs["definition"]
                            .startswith("contribution_tfp / d ln Y"))
            self.assertEqual(a.attrs["model"], "cobb_douglas_rd")

    def test_forecast_groups_come_from_the_calibrated_regions_file(self):
        regions = self.path("regions.csv")
        with open(os.path.join(SOURCE, "data", "regions.csv"),
                  encoding="utf-8") as f:
            text = f.read()
        with open(regions, "w", encoding="utf-8") as f:
            f.write(text.replace(",Beijing-Tianjin-Hebei\n",
                                 ",Capital region\n"))
        cal = self.calibrate("--regions-file", regions)
        scenario = self.path("jingjinji.toml")
        with open(scenario, "w", encoding="utf-8") as f:
            f.write('name = "jingjinji"\nhorizon = 2022\ndraws = 50\n'
                    'seed = 1\nregions = ["Beijing", "Tianjin", "Hebei"]\n')
        out = self.path("forecast.h5")
        result = run("forecast", scenario, "--calibration", cal, "--out", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Capital region", result.stdout)
        self.assertNotIn("Beijing-Tianjin-Hebei", result.stdout)
        # Without the recorded file, the shipped one.
        os.remove(regions)
        out2 = self.path("forecast2.h5")
        result = run("forecast", scenario, "--calibration", cal, "--out", out2)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Beijing-Tianjin-Hebei", result.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
