#!/usr/bin/env python3
"""growthcast export FILE.h5 --format csv: a tidy long table (scenario,
region, year, variable, statistic, value, unit, random_stream) read by
pandas without glue code. Every value is checked against the HDF5 file read
with h5py (the expected values come from the file the forecast wrote), the
history rows against /forecast/history/gdp, the random stream version
against the scenario's attribute; bad input exits non-zero and writes
nothing.

Environment (set by ctest): GROWTHCAST_BINARY, GROWTHCAST_SOURCE_DIR,
GROWTHCAST_WORK_DIR.
"""

import io
import os
import shutil
import subprocess
import tempfile
import unittest

import h5py
import numpy as np
import pandas as pd

BINARY = os.environ["GROWTHCAST_BINARY"]
SOURCE = os.environ["GROWTHCAST_SOURCE_DIR"]
WORK = os.environ.get("GROWTHCAST_WORK_DIR", tempfile.gettempdir())
SCENARIO = os.path.join(SOURCE, "scenarios", "chengdu_chongqing",
                        "rd_push.toml")
LEVELS = [0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95]


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True,
                          timeout=240)


def text(values):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


class Export(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(dir=WORK)
        cls.forecast = os.path.join(cls.dir, "forecast.h5")
        result = run(BINARY, "forecast", SCENARIO, "--draws", "300",
                     "--out", cls.forecast)
        assert result.returncode == 0, result.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_csv_matches_the_file(self):
        out = os.path.join(self.dir, "forecast.csv")
        result = run(BINARY, "export", self.forecast, "--format", "csv",
                     "--out", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        # Values are written with the shortest digits that read back to the
        # same double; pandas' default fast parser can be 1 ulp off, so the
        # exact comparison reads them with its round-trip parser.
        df = pd.read_csv(out, float_precision="round_trip")
        self.assertEqual(list(df.columns), ["scenario", "region", "year",
                                            "variable", "statistic", "value",
                                            "unit", "random_stream"])
        with h5py.File(self.forecast, "r") as f:
            g = f["forecast"]
            scenarios = text(g["scenario"][()])
            # Every row of a scenario (history rows too) carries its
            # random stream version (3, the default, here).
            for s, scenario in enumerate(scenarios):
                version = g.attrs[f"scenario_{s}_random_stream"]
                self.assertEqual(version, 3)
                self.assertEqual(
                    set(df[df.scenario == scenario].random_stream), {version})
            regions = text(g["region"][()])
            years = g["year"][()]
            for variable in ("gdp", "gdp_growth", "tfp"):
                q = g[variable]["quantiles"][()]
                mean = g[variable]["mean_value"][()]
                unit = g[variable]["mean_value"].attrs["units"]
                unit = unit.decode() if isinstance(unit, bytes) else unit
                sub = df[df.variable == variable]
                self.assertTrue((sub.unit == unit).all(), variable)
                for s, scenario in enumerate(scenarios):
                    for r, region in enumerate(regions):
                        rows = sub[(sub.scenario == scenario)
                                   & (sub.region == region)]
                        for k, level in enumerate(LEVELS):
                            stat = rows[rows.statistic == f"q{round(level * 100):02d}"]
                            got = stat.set_index("year").value.reindex(years)
                            np.testing.assert_array_equal(
                                got.values, q[s, r, :, k])
                        m = rows[rows.statistic == "mean"]
                        np.testing.assert_array_equal(
                            m.set_index("year").value.reindex(years).values,
                            mean[s, r, :])
            # History: every observed GDP value of every region, per
            # scenario, as statistic "observed".
            hist = g["history"]["gdp"][()]
            hist_regions = text(g["history"]["region"][()])
            hist_years = g["history"]["history_year"][()]
            observed = df[df.statistic == "observed"]
            expected_rows = 0
            for h, region in enumerate(hist_regions):
                if region not in regions:
                    continue
                expected_rows += len(scenarios) * int(
                    np.isfinite(hist[h]).sum())
                for scenario in scenarios:
                    rows = observed[(observed.region == region)
                                    & (observed.scenario == scenario)]
                    got = rows.set_index("year").value.reindex(hist_years)
                    np.testing.assert_array_equal(got.values, hist[h])
            self.assertEqual(len(observed), expected_rows)
        # One year axis: history then projection for a region's GDP.
        gdp = df[(df.variable == "gdp") & (df.region == regions[0])
                 & df.statistic.isin(["observed", "q50"])]
        self.assertTrue(gdp.year.is_monotonic_increasing)

    def test_random_stream_version_1_is_exported(self):
        # A forecast drawn with the stream before issue 20: its rows say 1.
        forecast = os.path.join(self.dir, "stream1.h5")
        result = run(BINARY, "forecast", SCENARIO, "--draws", "50",
                     "--random-stream", "1", "--out", forecast)
        self.assertEqual(result.returncode, 0, result.stderr)
        result = run(BINARY, "export", forecast)
        self.assertEqual(result.returncode, 0, result.stderr)
        df = pd.read_csv(io.StringIO(result.stdout))
        with h5py.File(forecast, "r") as f:
            self.assertEqual(f["forecast"].attrs["scenario_0_random_stream"],
                             1)
        self.assertEqual(set(df.random_stream), {1})

    def test_stdout_equals_file(self):
        out = os.path.join(self.dir, "again.csv")
        self.assertEqual(run(BINARY, "export", self.forecast, "--out",
                             out).returncode, 0)
        result = run(BINARY, "export", self.forecast)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(out) as f:
            self.assertEqual(f.read(), result.stdout)
        self.assertEqual(len(pd.read_csv(io.StringIO(result.stdout))),
                         len(result.stdout.splitlines()) - 1)

    def test_bad_input_writes_nothing(self):
        calibration = os.path.join(self.dir, "calibration.h5")
        self.assertEqual(run(BINARY, "calibrate", "--out",
                             calibration).returncode, 0)
        out = os.path.join(self.dir, "bad.csv")
        result = run(BINARY, "export", calibration, "--out", out)
        self.assertEqual(result.returncode, 1)
        self.assertIn(calibration, result.stderr)
        self.assertIn("/forecast", result.stderr)
        self.assertFalse(os.path.exists(out))
        result = run(BINARY, "export", self.forecast, "--format", "xlsx",
                     "--out", out)
        self.assertEqual(result.returncode, 2)
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main(verbosity=2)
