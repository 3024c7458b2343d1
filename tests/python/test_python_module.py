"""The growthcast Python package against the command line (issue 19).

Run by ctest with PYTHONPATH at the built module (build/python) and
GROWTHCAST_BINARY / GROWTHCAST_SOURCE_DIR / GROWTHCAST_WORK_DIR set. Every
comparison with the CLI's HDF5 is bit for bit (the float64 bytes).
"""

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import unittest

import h5py
import numpy as np

try:
    import growthcast as gc
    import pandas as pd
    import xarray as xr  # noqa: F401
except ImportError as e:  # the module was not built: skipped, not failed
    print(f"growthcast Python module not importable: {e}", file=sys.stderr)
    sys.exit(77)

SOURCE = os.environ.get("GROWTHCAST_SOURCE_DIR",
                        os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("GROWTHCAST_BINARY",
                        os.path.join(SOURCE, "build", "cli", "growthcast"))
PANEL = os.path.join(SOURCE, "data", "china_provinces.csv")
SCENARIOS = [os.path.join(SOURCE, "scenarios", "chengdu_chongqing", f)
             for f in ("baseline.toml", "rd_push.toml")]


def cli(*args, ok=True):
    r = subprocess.run([BINARY, *args], capture_output=True, text=True)
    if ok and r.returncode != 0:
        raise AssertionError(f"growthcast {' '.join(args)}: {r.stderr}")
    return r


def cli_message(stderr, file):
    """The CLI's error line without its prefix, with `file` as FILE."""
    line = stderr.strip().splitlines()[-1]
    prefix = "growthcast: error: "
    assert line.startswith(prefix), line
    return line[len(prefix):].replace(file, "FILE")


def close(test, a, b, what, rtol=1e-9):
    """Equal to rtol of the array's largest value (NaN where NaN)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    test.assertEqual(a.shape, b.shape, what)
    test.assertTrue(np.array_equal(np.isnan(a), np.isnan(b)), what)
    scale = np.nanmax(np.abs(b)) if np.isfinite(b).any() else 1.0
    diff = np.nanmax(np.abs(a - b)) if np.isfinite(b).any() else 0.0
    test.assertLessEqual(diff, rtol * scale, f"{what}: {diff} apart")


def same_bits(test, a, b, what):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    test.assertEqual(a.shape, b.shape, what)
    test.assertEqual(a.tobytes(), b.tobytes(), f"{what}: not bit-identical")


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        root = os.environ.get("GROWTHCAST_WORK_DIR")
        cls._tmp = tempfile.TemporaryDirectory(dir=root)
        cls.tmp = cls._tmp.name
        cls.cli_cal = os.path.join(cls.tmp, "cli_calibration.h5")
        r = cli("calibrate", "--out", cls.cli_cal)
        cls.cli_table = r.stdout.split("Wrote ")[0]

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp, name)


class Calibration(Base):
    def check_against_file(self, res, path):
        with h5py.File(path, "r") as f:
            g = f["calibration"]
            self.assertEqual([s.decode() for s in g["parameter"][()]],
                             list(res.params.index))
            same_bits(self, res.params.values, g["estimate"][()], "estimate")
            same_bits(self, res.bse.values, g["std_error"][()], "std_error")
            # The engine's covariance is not reproducible bit for bit from
            # one process to another: the CLI itself gives another last bit
            # in some off-diagonal elements under MALLOC_MMAP_THRESHOLD_=0
            # (heap alignment changes the vectorised sums). Its diagonal
            # (the std_error above) and everything else is bit-identical.
            close(self, res.cov_params().values, g["covariance"][()],
                  "covariance", rtol=1e-12)
            same_bits(self, res.fitted.values, g["fitted"][()], "fitted")
            same_bits(self, res.resid.values, g["residual"][()], "residual")

    def test_defaults_equal_cli(self):
        res = gc.calibrate()
        self.assertEqual(res.model, "tfp_convergence")
        self.check_against_file(res, self.cli_cal)
        self.assertEqual(str(res.summary()), self.cli_table)
        # save() writes what `calibrate --out` writes.
        saved = self.path("py_calibration.h5")
        res.save(saved)
        self.check_against_file(res, saved)
        with h5py.File(saved, "r") as a, h5py.File(self.cli_cal, "r") as b:
            self.assertEqual(sorted(a["calibration"]), sorted(b["calibration"]))
            for k in a["calibration"]:
                if a["calibration"][k].dtype.kind == "f":
                    (close if k == "covariance" else same_bits)(self, a["calibration"][k][()],
                              b["calibration"][k][()], k)
        # The panel's regions file is recorded as `calibrate` records it.
        with h5py.File(saved, "r") as a, h5py.File(self.cli_cal, "r") as b:
            for k in ("regions_file", "regions_file_sha256"):
                self.assertEqual(a["calibration"].attrs.get(k),
                                 b["calibration"].attrs.get(k), k)
        # Read back: the same numbers.
        self.check_against_file(gc.read_calibration(saved), self.cli_cal)
        self.check_against_file(gc.open(saved), self.cli_cal)

    def test_options_and_dataframe_equal_cli(self):
        out = self.path("cli_cd.h5")
        cli("calibrate", "--model", "cobb_douglas_rd", "--from", "2011",
            "--to", "2019", "--fix", "phi=0.4", "--prior", "alpha=0.4:0.05",
            "--bound", "gamma=0:0.5", "--out", out)
        frame = pd.read_csv(PANEL, float_precision="round_trip")
        panel = gc.load_panel(frame)
        self.assertIsNone(panel.path)
        self.assertEqual(len(panel.regions), 31)
        res = gc.calibrate(panel, model="cobb_douglas_rd",
                           window=(2011, 2019), fix={"phi": 0.4},
                           priors={"alpha": (0.4, 0.05)},
                           bounds={"gamma": (0, 0.5)})
        self.check_against_file(res, out)
        self.assertEqual(res.status["phi"], "fixed")

    def test_models(self):
        m = gc.models()
        self.assertIn("tfp_convergence", m)
        self.assertIn("cobb_douglas_rd", m)
        self.assertIn("alpha", m["cobb_douglas_rd"]["parameters"].index)


class Forecast(Base):
    def check_forecast(self, ds, path):
        with h5py.File(path, "r") as f:
            g = f["forecast"]
            self.assertEqual([s.decode() for s in g["scenario"][()]],
                             list(ds["scenario"].values))
            self.assertEqual([s.decode() for s in g["region"][()]],
                             list(ds["region"].values))
            self.assertEqual(list(g["year"][()]), list(ds["year"].values))
            for v, _ in gc._core.variables():
                # Only the variables the file reports (its `outputs`).
                self.assertEqual(v in ds, v in g, v)
                if v not in g:
                    continue
                same_bits(self, ds[v].values, g[v]["quantiles"][()], v)
                same_bits(self, ds[v + "_mean"].values, g[v]["mean_value"][()],
                          v + " mean")
                same_bits(self, ds[v + "_sd"].values, g[v]["sd"][()],
                          v + " sd")
            same_bits(self, ds["history_gdp"].values,
                      g["history"]["gdp"][()], "history")

    def test_forecast_from_outturns_equals_cli(self):
        # outturns= conditions every draw on the observed GDP after the
        # calibration window, as `growthcast forecast --outturns`: the same
        # bits, and the fan equals the data in 2020-2024 (zero width).
        outturns = os.path.join(SOURCE, "data", "china_province_outturns.csv")
        out = self.path("cli_outturns.h5")
        cli("forecast", SCENARIOS[0], "--calibration", self.cli_cal,
            "--draws", "600", "--seed", "5", "--outturns", outturns,
            "--out", out)
        cal = gc.read_calibration(self.cli_cal)
        ds = gc.forecast(cal, SCENARIOS[0], draws=600, seed=5,
                         outturns=outturns)
        self.check_forecast(ds, out)
        # Every quantile is the outturn to 1e-12 relative (the pins hold to
        # 1e-13 in ln Y, docs/conditioning.md).
        q = ds["gdp"].sel(region="Sichuan", year=2022).values[0]
        self.assertLess((q.max() - q.min()) / q.max(), 1e-12)
        self.assertGreater(q.min(), 0)
        with h5py.File(out, "r") as f:
            self.assertEqual(
                f["forecast"].attrs["scenario_0_outturn_years"].decode()
                if isinstance(f["forecast"].attrs["scenario_0_outturn_years"],
                              bytes)
                else f["forecast"].attrs["scenario_0_outturn_years"],
                "2020,2021,2022,2023,2024")
        # A file that is not an outturns table: the engine's message.
        with self.assertRaises(gc.EngineError):
            gc.forecast(cal, SCENARIOS[0], draws=600, seed=5,
                        outturns=SCENARIOS[0])

    def test_forecast_equals_cli(self):
        out = self.path("cli_forecast.h5")
        r = cli("forecast", *SCENARIOS, "--calibration", self.cli_cal,
                "--draws", "3000", "--seed", "11", "--threads", "2", "--out",
                out)
        cal = gc.read_calibration(self.cli_cal)
        ds = gc.forecast(cal, SCENARIOS, draws=3000, seed=11, threads=1)
        self.assertEqual(ds["gdp"].dims,
                         ("scenario", "region", "year", "quantile"))
        # The shipped panel's units sidecar (data/china_provinces.units.csv).
        self.assertEqual(ds["gdp"].attrs["units"],
                         "100 million yuan, 2019 prices")
        self.check_forecast(ds, out)
        # The calibration computed in-process projects the same (to the
        # last bits of its covariance, see Calibration).
        inproc = gc.forecast(gc.calibrate(), SCENARIOS, draws=3000, seed=11)
        close(self, inproc["gdp"].values, ds["gdp"].values, "gdp", 1e-9)
        # save() and forecast(out=) write the CLI's file.
        saved = self.path("py_forecast.h5")
        ds.growthcast.save(saved)
        self.check_forecast(gc.open(saved), out)
        self.check_forecast(gc.open(out), out)
        with h5py.File(saved, "r") as a, h5py.File(out, "r") as b:
            self.assertEqual(a.attrs["seed"], b.attrs["seed"])
            for v, _ in gc._core.variables():
                same_bits(self, a["forecast"][v]["quantiles"][()],
                          b["forecast"][v]["quantiles"][()], v)
            for k in ("gdp", "share_tfp"):
                if k in b["accounting"]:
                    same_bits(self, a["accounting"][k][()],
                              b["accounting"][k][()], k)
        # Its summary table is the CLI's.
        self.assertEqual(ds.growthcast.summary(), r.stdout.split("Wrote ")[0])

    def test_outputs_select_variables_as_the_cli(self):
        # outputs= as --outputs (issue 20): the file's bits, only those
        # variables, and GDP bit-identical to the all-variables run.
        out = self.path("cli_outputs.h5")
        r = cli("forecast", SCENARIOS[0], "--calibration", self.cli_cal,
                "--draws", "800", "--seed", "4", "--outputs",
                "gdp_growth,gdp", "--out", out)
        cal = gc.read_calibration(self.cli_cal)
        ds = gc.forecast(cal, SCENARIOS[0], draws=800, seed=4,
                         outputs=["gdp", "gdp_growth"])
        self.assertIn("gdp_growth", ds)
        self.assertNotIn("tfp", ds)
        self.check_forecast(ds, out)
        self.check_forecast(gc.open(out), out)
        with h5py.File(out, "r") as f:
            attr = f["forecast"].attrs["variables"]
            self.assertEqual(attr.decode() if isinstance(attr, bytes)
                             else attr, "gdp,gdp_growth")
        every = gc.forecast(cal, SCENARIOS[0], draws=800, seed=4)
        for v in ("gdp", "gdp_growth"):
            same_bits(self, ds[v].values, every[v].values, v + " vs all")
        self.assertEqual(ds.growthcast.summary(), r.stdout.split("Wrote ")[0])
        with self.assertRaises(ValueError) as plot_error:
            ds.growthcast.plot(variable="tfp")
        self.assertIn("no variable 'tfp'", str(plot_error.exception))
        with self.assertRaises(gc.EngineError) as bad:
            gc.forecast(cal, SCENARIOS[0], draws=10, outputs=["gdp", "gpd"])
        self.assertEqual(bad.exception.field, "outputs")

    def test_random_stream_equals_cli(self):
        # random_stream=1 and 2 are --random-stream 1 and 2 (the streams
        # before issue 20 and before version 3), the default is version 3;
        # each is recorded per scenario.
        cal = gc.read_calibration(self.cli_cal)
        for version in (1, 2, 3):
            out = self.path(f"cli_stream_{version}.h5")
            cli("forecast", SCENARIOS[1], "--calibration", self.cli_cal,
                "--draws", "500", "--seed", "3", "--random-stream",
                str(version), "--out", out)
            ds = gc.forecast(cal, SCENARIOS[1], draws=500, seed=3,
                             random_stream=None if version == 3 else version)
            self.assertEqual(list(ds["random_stream"].values), [version])
            self.assertEqual(ds.attrs["scenario_0_random_stream"], version)
            with h5py.File(out, "r") as f:
                self.assertEqual(
                    f["forecast"].attrs["scenario_0_random_stream"], version)
                same_bits(self, ds["gdp"].values.ravel(),
                          gc.open(out)["gdp"].values.ravel(), f"v{version}")
            self.assertEqual(
                list(gc.open(out)["random_stream"].values), [version])
        for bad in (0, 4, "2", True):
            with self.assertRaises(ValueError):
                gc.forecast(cal, SCENARIOS[1], draws=10, random_stream=bad)

    def test_dict_scenario_equals_file(self):
        with open(SCENARIOS[1], "rb") as f:
            as_dict = tomllib.load(f)
        cal = gc.read_calibration(self.cli_cal)
        a = gc.forecast(cal, SCENARIOS[1], draws=500, seed=3)
        b = gc.forecast(cal, as_dict, draws=500, seed=3)
        same_bits(self, a["gdp"].values, b["gdp"].values, "dict vs file")

    def test_plot(self):
        import matplotlib
        matplotlib.use("Agg")
        cal = gc.read_calibration(self.cli_cal)
        ds = gc.forecast(cal, SCENARIOS, draws=300, seed=1)
        ax = ds.growthcast.plot(region="Chengdu-Chongqing")
        self.assertIn("100 million yuan, 2019 prices", ax.get_ylabel())
        png = self.path("fan.png")
        ax.figure.savefig(png)
        self.assertGreater(os.path.getsize(png), 1000)

    def test_gil_released(self):
        cal = gc.read_calibration(self.cli_cal)
        counter = [0]
        stop = threading.Event()
        started = threading.Event()

        def count():
            started.set()
            while not stop.is_set():
                counter[0] += 1

        t = threading.Thread(target=count)
        t.start()
        started.wait()
        before = counter[0]
        t0 = time.perf_counter()
        gc.forecast(cal, SCENARIOS[1], draws=20000, seed=2, threads=1)
        elapsed = time.perf_counter() - t0
        during = counter[0] - before
        stop.set()
        t.join()
        # Held GIL: the counter stands still for the whole call (bar the
        # switch interval before the call). Released: it counts throughout.
        print(f"forecast {elapsed:.2f} s; the other thread counted {during}",
              file=sys.stderr)
        self.assertGreater(elapsed, 0.05)
        self.assertGreater(during, 20000)

    def test_ctrl_c_stops(self):
        cal = gc.read_calibration(self.cli_cal)
        # After a file was written, Ctrl-C is still Python's
        # KeyboardInterrupt (the engine's writer installs no handler here).
        cal.save(self.path("before_ctrl_c.h5"))
        timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        t0 = time.perf_counter()
        with self.assertRaises(KeyboardInterrupt):
            # Three scenarios of 400,000 draws on one thread take far
            # longer than 0.3 s; the Monte Carlo stops at its next chunk.
            gc.forecast(cal, SCENARIOS + [os.path.join(
                SOURCE, "scenarios", "chengdu_chongqing", "combined.toml")],
                draws=400000, seed=1, threads=1)
        timer.join()
        elapsed = time.perf_counter() - t0
        print(f"interrupted after {elapsed:.2f} s", file=sys.stderr)
        self.assertLess(elapsed, 0.3 + 2.0)

    def interrupt_child(self, call, out):
        """Runs `call` (Python code using cal and out) in a child Python,
        sends SIGINT 1 s after it starts, and returns the seconds from the
        signal to the child's exit."""
        script = (
            "import sys, growthcast as gc\n"
            f"cal = gc.read_calibration({self.cli_cal!r}); out = {out!r}\n"
            "print('ready', flush=True)\n"
            "try:\n"
            f"    {call}\n"
            "except KeyboardInterrupt:\n"
            "    print('KeyboardInterrupt', flush=True); sys.exit(3)\n"
            "print('finished', flush=True)\n")
        p = subprocess.Popen([sys.executable, "-c", script],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=self.tmp)
        self.assertEqual(p.stdout.readline().strip(), "ready")
        time.sleep(1.0)
        sent = time.perf_counter()
        p.send_signal(signal.SIGINT)
        stdout, stderr = p.communicate(timeout=120)
        waited = time.perf_counter() - sent
        self.assertEqual(p.returncode, 3, stdout + stderr)
        self.assertIn("KeyboardInterrupt", stdout)
        return waited

    def test_ctrl_c_in_a_child_leaves_no_file(self):
        # A forecast of 10^6 draws on one thread runs for many seconds
        # (bench/README.md: ~2.7 s CPU per 10^5); Ctrl-C after 1 s must
        # raise KeyboardInterrupt within 2 s and leave neither the output
        # nor a temporary beside it.
        out = self.path("interrupted_forecast.h5")
        waited = self.interrupt_child(
            f"gc.forecast(cal, {SCENARIOS[1]!r}, draws=1000000, seed=1, "
            "threads=1, out=out)", out)
        print(f"forecast: KeyboardInterrupt {waited:.2f} s after SIGINT",
              file=sys.stderr)
        self.assertLess(waited, 2.0)
        self.assertFalse(os.path.exists(out))
        self.assertEqual([f for f in os.listdir(self.tmp)
                          if f.endswith(".tmp")], [])


class Sweep(Base):
    SWEEP = {
        "draws": 400,
        "base": {"name": "cc_sweep", "horizon": 2030, "seed": 7,
                 "regions": ["Sichuan", "Chongqing"],
                 "groups": {"Chengdu-Chongqing": ["Sichuan", "Chongqing"]},
                 "drivers": {"rd_intensity": {"path": "ramp",
                                              "target": 0.03, "by": 2030}}},
        "axes": {"drivers.rd_intensity.target": [0.02, 0.03],
                 "drivers.rd_intensity.by": [2028, 2030]},
    }

    def cli_sweep(self, name, *flags):
        """SWEEP written to NAME.toml and run by the CLI with seed 11 and
        300 draws into NAME.h5: (the TOML path, the file)."""
        path = self.path(name + ".toml")
        with open(path, "w") as f:
            f.write(gc._toml.dumps(self.SWEEP))
        out = self.path(name + ".h5")
        cli("sweep", path, "--calibration", self.cli_cal, "--seed", "11",
            "--draws", "300", *flags, "--out", out)
        return path, out

    def test_sweep_equals_cli(self):
        # The same sweep text to the CLI (a file) and to sweep() (a dict,
        # written by the package's TOML writer): every value bit-identical.
        path, out = self.cli_sweep("sweep")
        cal = gc.read_calibration(self.cli_cal)
        ds = gc.sweep(self.SWEEP, calibration=cal, seed=11, draws=300)
        # Points named by their axis values (sweep_file.h's point_label).
        self.assertEqual(list(ds["scenario"].values), [
            f"cc_sweep drivers.rd_intensity.target={t},"
            f"drivers.rd_intensity.by={b}"
            for t in ("0.02", "0.03") for b in (2028, 2030)])
        Forecast.check_forecast(self, ds, out)
        with h5py.File(out, "r") as f:
            g = f["forecast"]
            for key in ("point_index", "drivers.rd_intensity.target",
                        "drivers.rd_intensity.by"):
                same_bits(self, ds[key].values, g[key][()], key)
            self.assertEqual(ds.attrs["sweep_id"], g.attrs["sweep_id"])
        # From the file path too, and with out=: the same file content.
        kept = self.path("py_sweep.h5")
        ds2 = gc.sweep(path, calibration=self.cli_cal, seed=11, draws=300,
                       out=kept)
        Forecast.check_forecast(self, ds2, out)
        self.assertFalse(os.path.exists(kept + ".checkpoint"))

    def test_sweep_outputs_as_the_cli(self):
        # outputs= as `growthcast sweep --outputs`: the file's bits, only
        # those variables (recorded in the `variables` attribute), and GDP
        # bit-identical to the all-variables sweep (the selection changes
        # what is summarised, not the draws).
        _, out = self.cli_sweep("sweep_outputs", "--outputs", "gdp_growth,gdp")
        cal = gc.read_calibration(self.cli_cal)
        ds = gc.sweep(self.SWEEP, calibration=cal, seed=11, draws=300,
                      outputs=["gdp", "gdp_growth"])
        self.assertIn("gdp_growth", ds)
        self.assertNotIn("tfp", ds)
        Forecast.check_forecast(self, ds, out)
        with h5py.File(out, "r") as f:
            attr = f["forecast"].attrs["variables"]
            self.assertEqual(attr.decode() if isinstance(attr, bytes)
                             else attr, "gdp,gdp_growth")
        every = gc.sweep(self.SWEEP, calibration=cal, seed=11, draws=300)
        self.assertIn("tfp", every)
        for v in ("gdp", "gdp_growth"):
            same_bits(self, ds[v].values, every[v].values, v + " vs all")
        # One name as a string; an unknown one refused naming outputs=.
        only_gdp = gc.sweep(self.SWEEP, calibration=cal, seed=11, draws=300,
                            outputs="gdp")
        self.assertNotIn("gdp_growth", only_gdp)
        same_bits(self, only_gdp["gdp"].values, every["gdp"].values, "gdp")
        with self.assertRaises(gc.EngineError) as bad:
            gc.sweep(self.SWEEP, calibration=cal, draws=10,
                     outputs=["gdp", "gpd"])
        self.assertEqual(bad.exception.field, "outputs")

    def test_sweep_errors_are_the_clis(self):
        bad = dict(self.SWEEP, axes={"seed": [1, 2]})
        path = self.path("bad_sweep.toml")
        with open(path, "w") as f:
            f.write(gc._toml.dumps(bad))
        r = cli("sweep", path, "--out", self.path("x.h5"), ok=False)
        self.assertNotEqual(r.returncode, 0)
        with self.assertRaises(gc.EngineError) as e:
            gc.sweep(path, out=self.path("y.h5"))
        self.assertEqual(str(e.exception).replace(path, "FILE"),
                         cli_message(r.stderr, path))
        self.assertFalse(os.path.exists(self.path("y.h5")))
        # A dict names itself as <dict>, as forecast()'s do.
        with self.assertRaises(gc.EngineError) as e:
            gc.sweep(bad, out=self.path("y.h5"))
        self.assertTrue(str(e.exception).startswith("<dict>:"), e.exception)
        self.assertEqual(e.exception.file, "<dict>")

    def test_ctrl_c_stops_a_sweep(self):
        # 36 points of 200,000 draws: minutes of work. Interrupted, it
        # leaves neither the file nor the checkpoint folder. memory=16 MiB
        # takes the streaming quantiles: the exact mode's first chunk
        # faults in the whole draw array (0.7 GB here), which cannot be
        # interrupted and takes seconds on a loaded machine.
        out = self.path("interrupted_sweep.h5")
        waited = Forecast.interrupt_child(
            self,
            "gc.sweep(" + repr(os.path.join(
                SOURCE, "scenarios", "sweeps",
                "chengdu_chongqing_rd_investment.toml")) +
            ", calibration=cal, draws=200000, threads=1, memory=16, "
            "out=out)", out)
        print(f"sweep: KeyboardInterrupt {waited:.2f} s after SIGINT",
              file=sys.stderr)
        self.assertLess(waited, 2.0)
        self.assertFalse(os.path.exists(out))
        self.assertFalse(os.path.exists(out + ".checkpoint"))


class Errors(Base):
    """Bad DataFrames and dicts: the CLI's messages for the same content."""

    def frame_case(self, frame, **kwargs):
        path = self.path("bad_panel.csv")
        frame.to_csv(path, index=False, lineterminator="\n")
        args = ["calibrate", "--data", path, "--out", self.path("x.h5")]
        for k, v in kwargs.items():
            args += [f"--{k}", v]
        r = cli(*args, ok=False)
        self.assertNotEqual(r.returncode, 0)
        expected = cli_message(r.stderr, path)
        with self.assertRaises(gc.EngineError) as ctx:
            gc.calibrate(gc.load_panel(frame, **kwargs))
        got = str(ctx.exception).replace("<DataFrame>", "FILE")
        self.assertEqual(got, expected)
        self.assertIsInstance(ctx.exception, ValueError)
        return ctx.exception

    def test_bad_frames(self):
        good = pd.read_csv(PANEL, float_precision="round_trip")
        bad = good.astype({"gdp_real": object})
        bad.loc[5, "gdp_real"] = "abc"
        err = self.frame_case(bad)
        self.assertEqual(err.row, 5)
        self.assertEqual(err.field, "gdp_real")
        self.frame_case(good.drop(columns=["capital"]))
        self.frame_case(pd.concat([good, good.iloc[[3]]], ignore_index=True))
        neg = good.copy()
        neg.loc[250, "labour"] = -1.0
        self.frame_case(neg)
        years = good.astype({"year": object})
        years.loc[7, "year"] = "20x1"
        self.frame_case(years)

    def dict_case(self, scenario):
        text = gc._toml.dumps(scenario)
        path = self.path("bad_scenario.toml")
        with open(path, "w") as f:
            f.write(text)
        r = cli("forecast", path, "--calibration", self.cli_cal, "--out",
                self.path("x.h5"), ok=False)
        self.assertNotEqual(r.returncode, 0)
        expected = cli_message(r.stderr, path)
        with self.assertRaises(gc.EngineError) as ctx:
            gc.forecast(gc.read_calibration(self.cli_cal), scenario)
        self.assertEqual(str(ctx.exception).replace("<dict>", "FILE"),
                         expected)

    def test_bad_dicts(self):
        with open(SCENARIOS[1], "rb") as f:
            good = tomllib.load(f)
        self.dict_case({**good, "draws": 0})
        self.dict_case({**good, "colour": "red"})
        self.dict_case({**good, "horizon": "2035"})
        self.dict_case({**good, "regions": ["Sichuan", "Atlantis"]})
        self.dict_case({**good, "horizon": 2015})
        bad = {**good, "drivers": {"rd_intensity": {
            **good["drivers"]["rd_intensity"], "target": 1.5}}}
        self.dict_case(bad)

    def test_toml_writer(self):
        doc = {"name": 'a "quoted"\\ name\n\tx\u0001', "n": 3, "x": 0.1,
               "big": 1e300, "t": True, "list": [1, 2.5, "s"],
               "table": {"k": {"deep": [True, False]}, "v": -2},
               "inline": [{"a": 1}], "weird key": 1.0}
        self.assertEqual(tomllib.loads(gc._toml.dumps(doc)), doc)


class Backtest(Base):
    def test_backtest_equals_cli(self):
        out = self.path("cli_backtest.h5")
        cli("backtest", "--origins", "2018:2019", "--models",
            "cobb_douglas_rd", "--draws", "200", "--out", out)
        ds = gc.backtest(origins=(2018, 2019), models=["cobb_douglas_rd"],
                         draws=200)
        # A bad value: the CLI's message, as an EngineError.
        r = cli("backtest", "--horizon", "0", ok=False)
        with self.assertRaises(gc.EngineError) as e:
            gc.backtest(horizon=0)
        self.assertEqual(
            "growthcast: error: " + str(e.exception),
            r.stderr.strip().splitlines()[-1])
        with h5py.File(out, "r") as f:
            # Each origin is calibrated in the run: its covariance's last
            # bits move between processes (see Calibration), so the Monte
            # Carlo quantiles agree to rounding, not bit for bit.
            names = [k for k in ("q50", "q05", "q95", "rmse")
                     if k in f["backtest"]]
            self.assertIn("q50", names)
            for k in names:
                close(self, ds[k].values, f["backtest"][k][()], k, 1e-9)


class Example(unittest.TestCase):
    def test_example_script(self):
        with tempfile.TemporaryDirectory(
                dir=os.environ.get("GROWTHCAST_WORK_DIR")) as tmp:
            env = dict(os.environ, MPLBACKEND="Agg")
            r = subprocess.run(
                [sys.executable,
                 os.path.join(SOURCE, "docs", "python_example.py"), tmp],
                capture_output=True, text=True, env=env, cwd=SOURCE)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            for name in ("fan_chart.png", "forecast.h5", "medians_2035.csv",
                         "calibration.h5", "sweep_2035.csv"):
                self.assertTrue(os.path.exists(os.path.join(tmp, name)), name)


if __name__ == "__main__":
    unittest.main(verbosity=2)
