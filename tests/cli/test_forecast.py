#!/usr/bin/env python3
"""`growthcast forecast` end to end: the /forecast layout read by xarray
(h5netcdf) and ncdump, bit-identical results for 1 and 2 threads and for a
repeated run, paths that agree with the stored quantiles and means, group
sums, and bad scenario files (exit 1, file:line and key in the message, no
output).

Environment (set by ctest): GROWTHCAST_BINARY, GROWTHCAST_SOURCE_DIR,
GROWTHCAST_WORK_DIR.
"""

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
SCENARIOS = os.path.join(SOURCE, "scenarios")
CC = os.path.join(SCENARIOS, "chengdu_chongqing")
# The runner hands draws to threads in chunks of 4096 (kChunk in
# engine/montecarlo/runner.cc): a run with fewer than two chunks leaves the
# second thread idle, so the thread tests use more than two chunks per
# thread.
CHUNK = 4096
THREAD_DRAWS = 4 * CHUNK + 300


def run(*args):
    return subprocess.run([BINARY, *args], capture_output=True, text=True,
                          timeout=600)


def datasets(path, group="forecast"):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                data = obj[()]
                out[name] = data.tobytes() if data.dtype.kind != "O" \
                    else repr(data.tolist()).encode()
        f[group].visititems(visit)
    return out


class Forecast(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(dir=WORK)
        cls.cal = os.path.join(cls.dir, "cal.h5")
        assert run("calibrate", "--out", cls.cal).returncode == 0

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def forecast(self, out, *extra, scenarios=None, draws=2000):
        scenarios = scenarios or [os.path.join(CC, "rd_push.toml"),
                                  os.path.join(CC, "baseline.toml")]
        result = run("forecast", *scenarios, "--calibration", self.cal,
                     "--out", out, "--draws", str(draws), *extra)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result

    def test_layout_and_summary(self):
        out = self.path("f.h5")
        result = self.forecast(out)
        self.assertIn("Chengdu-Chongqing", result.stdout)
        self.assertIn("chengdu_chongqing/rd_push", result.stdout)
        ds = xr.open_dataset(out, group="forecast/gdp", engine="h5netcdf")
        self.assertEqual(ds["quantiles"].dims,
                         ("scenario", "region", "year", "quantile"))
        np.testing.assert_allclose(
            ds["quantile"].values, [0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95])
        self.assertEqual(list(ds["year"].values), list(range(2020, 2036)))
        self.assertEqual(list(ds["region"].values),
                         ["Sichuan", "Chongqing", "Chengdu-Chongqing"])
        # The shipped panel's units sidecar, data/china_provinces.units.csv.
        self.assertEqual(ds["quantiles"].attrs["units"],
                         "100 million yuan, 2019 prices")
        q = ds["quantiles"].values
        self.assertTrue(np.all(np.diff(q, axis=-1) >= 0), "quantiles sorted")
        ds.close()
        top = xr.open_dataset(out, group="forecast", engine="h5netcdf")
        self.assertEqual(list(top["scenario"].values),
                         ["chengdu_chongqing/rd_push",
                          "chengdu_chongqing/baseline"])
        self.assertIn("R&D intensity", top.attrs["scenario_0_toml"])
        self.assertIn("exact", top.attrs["scenario_0_quantile_method"])
        ds_cal = xr.open_dataset(out, group="calibration", engine="h5netcdf")
        self.assertEqual(len(ds_cal["region"]), 31)
        dump = subprocess.run(["ncdump", "-h", out], capture_output=True,
                              text=True)
        self.assertEqual(dump.returncode, 0, dump.stderr)
        self.assertIn("double quantiles(scenario, region, year, quantile)",
                      dump.stdout)

    def test_threads_and_repeats_are_bit_identical(self):
        one, two, again = (self.path(n) for n in ("t1.h5", "t2.h5", "t2b.h5"))
        self.assertGreater(-(-THREAD_DRAWS // CHUNK), 2 * 2)
        self.forecast(one, "--threads", "1", draws=THREAD_DRAWS)
        self.forecast(two, "--threads", "2", draws=THREAD_DRAWS)
        self.forecast(again, "--threads", "2", draws=THREAD_DRAWS)
        a, b, c = datasets(one), datasets(two), datasets(again)
        self.assertEqual(sorted(a), sorted(b))
        for name in a:
            self.assertEqual(a[name], b[name], name)
            self.assertEqual(b[name], c[name], name)

    def test_outputs_store_only_the_selection_and_readers_cope(self):
        # Issue 20: --outputs keeps only the selected variables' groups
        # (with --paths too), records them in the attribute `variables`,
        # and their datasets are byte-identical to the all-variables run's
        # (same seed; streaming via --memory 1 as well as exact).
        for mode in (["--paths"], ["--memory", "1"]):
            every, some = self.path("every.h5"), self.path("some.h5")
            self.forecast(every, *mode, draws=THREAD_DRAWS)
            self.forecast(some, "--outputs", "capital,gdp", "--threads", "1",
                          *mode, draws=THREAD_DRAWS)
            a, b = datasets(every), datasets(some)
            with h5py.File(some, "r") as f:
                g = f["forecast"]
                self.assertEqual(g.attrs["variables"], "gdp,capital")
                self.assertNotIn("gdp_growth", g)
                self.assertEqual(bool(g["exact_quantiles"][0]),
                                 mode == ["--paths"])
            self.assertEqual("gdp/paths" in b, mode == ["--paths"])
            for name in b:
                if name.split("/")[0] in ("gdp", "capital"):
                    self.assertEqual(a[name], b[name], name)
            self.assertFalse(any(n.startswith("tfp/") for n in b))
        # Export writes what the file has; report needs gdp_growth and says
        # so; a file missing a listed variable is refused by name.
        export = run("export", some)
        self.assertEqual(export.returncode, 0, export.stderr)
        variables = {line.split(",")[3]
                     for line in export.stdout.splitlines()[1:]}
        self.assertEqual(variables, {"gdp", "capital"})
        report = run("report", some, "--out", self.path("r.html"))
        self.assertEqual(report.returncode, 1)
        self.assertIn("the report needs the forecast variables gdp and "
                      "gdp_growth, but the file reports only capital, gdp",
                      report.stderr)
        self.assertFalse(os.path.exists(self.path("r.html")))
        with h5py.File(some, "a") as f:
            del f["forecast/capital"]
        broken = run("export", some)
        self.assertEqual(broken.returncode, 1)
        self.assertIn("the file has no forecast variable 'capital'",
                      broken.stderr)

    def test_paths_match_quantiles_and_groups_sum_members(self):
        out = self.path("paths.h5")
        self.forecast(out, "--paths",
                      scenarios=[os.path.join(CC, "rd_push.toml")])
        with h5py.File(out, "r") as f:
            paths = f["forecast/gdp/paths"][()]  # scenario, draw, region, year
            quantiles = f["forecast/gdp/quantiles"][()]
            mean = f["forecast/gdp/mean_value"][()]
            regions = [r.decode() if isinstance(r, bytes) else r
                       for r in f["forecast/region"][()]]
        self.assertEqual(paths.shape, (1, 2000, 3, 16))
        group = regions.index("Chengdu-Chongqing")
        np.testing.assert_allclose(
            paths[0, :, group, :],
            paths[0, :, regions.index("Sichuan"), :] +
            paths[0, :, regions.index("Chongqing"), :], rtol=1e-12)
        # numpy's default quantile is type 7, as growthcast's exact mode.
        expected = np.quantile(paths[0], [0.05, 0.10, 0.25, 0.50, 0.75, 0.90,
                                          0.95], axis=0)
        np.testing.assert_allclose(quantiles[0], np.moveaxis(expected, 0, -1),
                                   rtol=1e-13)
        np.testing.assert_allclose(mean[0], paths[0].mean(axis=0), rtol=1e-12)

    def test_paths_of_scenarios_with_fewer_draws_are_nan_beyond_them(self):
        # Blocks of 1000 draws: 1500 ends inside the second, 2600 inside the
        # third; every block is written (HDF5 does not pre-fill chunks).
        files = []
        for name, draws in (("rd_push", 1500), ("baseline", 2600)):
            with open(os.path.join(CC, name + ".toml")) as f:
                text = f.read().replace("draws = 10000", f"draws = {draws}")
            files.append(self.path(f"{name}_{draws}.toml"))
            with open(files[-1], "w") as f:
                f.write(text)
        out = self.path("uneven.h5")
        result = run("forecast", *files, "--calibration", self.cal,
                     "--out", out, "--paths")
        self.assertEqual(result.returncode, 0, result.stderr)
        with h5py.File(out, "r") as f:
            for variable in ("gdp", "tfp", "contribution_tfp"):
                paths = f[f"forecast/{variable}/paths"][()]
                self.assertEqual(paths.shape, (2, 2600, 3, 16))
                self.assertTrue(np.all(np.isfinite(paths[0, :1500])))
                self.assertTrue(np.all(np.isnan(paths[0, 1500:])))
                self.assertTrue(np.all(np.isfinite(paths[1])))
                # The stored means are the means of the stored paths.
                mean = f[f"forecast/{variable}/mean_value"][()]
                np.testing.assert_allclose(mean[0],
                                           paths[0, :1500].mean(axis=0),
                                           rtol=1e-12, atol=1e-15)

    def test_nonfinite_draw_is_reported_not_dropped(self):
        # Labour growth ramps to -50% a year with a target sd of 0.3, so some
        # draws fall below -100%: labour turns negative and ln L is NaN.
        # The run stops naming the first such draw (whatever the threads),
        # and writes nothing. THREAD_DRAWS: several 4096-draw chunks per
        # thread, each with bad draws, so the two threads race to report
        # and the earliest draw must still win; blocks simulated straight
        # into the stored values and a last, partial block.
        scenario = self.path("labour_collapse.toml")
        with open(scenario, "w") as f:
            f.write('name = "labour_collapse"\nhorizon = 2035\n'
                    f'draws = {THREAD_DRAWS}\nseed = 7\n'
                    'regions = ["Sichuan", "Chongqing"]\n'
                    '[drivers.labour_growth]\npath = "ramp"\n'
                    'target = -0.5\nby = 2021\n'
                    'uncertainty = { dist = "normal", sd = 0.3 }\n')
        messages = set()
        for threads in ("1", "2"):
            out = self.path(f"collapse_{threads}.h5")
            # --quiet: the progress lines before the error follow the
            # threads' timing; the message itself must not.
            result = run("forecast", scenario, "--calibration", self.cal,
                         "--out", out, "--threads", threads, "--quiet")
            self.assertEqual(result.returncode, 1, result.stderr)
            self.assertIn(scenario, result.stderr)
            self.assertRegex(result.stderr,
                             r"draw \d+ produced a non-finite value for "
                             r"'(Sichuan|Chongqing)' in 20\d\d")
            self.assertFalse(os.path.exists(out))
            messages.add(result.stderr)
        self.assertEqual(len(messages), 1, messages)

    def test_bad_scenarios(self):
        cases = [
            ('name = "x"\nhorizon = 2035\ndraws = "many"\n', 3, "draws"),
            ('name = "x"\nhorizon = 2035\ncolour = "red"\n', 3, "colour"),
            ('name = "x"\nhorizon = 2015\n', 2, "horizon"),
            ('name = "x"\nhorizon = 2035\nregions = ["Sichuan", "Atlantis"]\n',
             3, "Atlantis"),
            ('name = "x"\nhorizon = 2035\n[drivers.rd_intensity]\n'
             'path = "ramp"\ntarget = 1.7\nby = 2030\n', 5, "target"),
        ]
        for text, line, phrase in cases:
            scenario = self.path("bad.toml")
            with open(scenario, "w") as f:
                f.write(text)
            out = self.path("bad.h5")
            result = run("forecast", scenario, "--calibration", self.cal,
                         "--out", out)
            self.assertEqual(result.returncode, 1, text)
            self.assertIn(f"{scenario}:{line}:", result.stderr)
            self.assertIn(phrase, result.stderr)
            self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main(verbosity=2)
