#!/usr/bin/env python3
"""Issue 17, progress on long commands: with stderr a pipe (a Slurm log),
forecast, sweep, backtest and bench solvers print plain lines (count,
percentage, elapsed, time left) at each further 10% and one per sweep
point; on a terminal one line rewritten with \\r and cleared at the end;
nothing with --quiet. stdout and the result files are the same either way.

Environment (set by ctest): GROWTHCAST_BINARY, GROWTHCAST_SOURCE_DIR,
GROWTHCAST_WORK_DIR.
"""

import os
import pty
import re
import shutil
import subprocess
import tempfile
import unittest

BINARY = os.environ["GROWTHCAST_BINARY"]
SOURCE = os.environ["GROWTHCAST_SOURCE_DIR"]
WORK = os.environ.get("GROWTHCAST_WORK_DIR", tempfile.gettempdir())
SCENARIOS = [os.path.join(SOURCE, "scenarios", "chengdu_chongqing", n)
             for n in ("baseline.toml", "rd_push.toml")]
SWEEP = os.path.join(SOURCE, "scenarios", "sweeps",
                     "chengdu_chongqing_rd_investment.toml")
# "3/10 scenarios (30%), 12 s elapsed[, about 28 s left | under 1 s left]"
COUNT = (r"(\d+(?:\.\d)?)/(\d+) %s \((\d+)%%\), (\d+ s|\d+ min \d\d s) "
         r"elapsed(, about .+ left|, under 1 s left)?$")


def run(*args, timeout=300):
    return subprocess.run([BINARY, *args], capture_output=True, text=True,
                          timeout=timeout)


class Progress(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=WORK)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def check_lines(self, stderr, what, unit):
        lines = stderr.splitlines()
        self.assertTrue(lines, "no progress lines")
        pattern = re.compile(r"^growthcast %s: (.*; )?%s" % (
            re.escape(what), COUNT % re.escape(unit)))
        percents = []
        for line in lines:
            m = pattern.match(line)
            self.assertIsNotNone(m, line)
            percents.append(int(m.group(4)))
        # Never backwards, and the last line says everything is done.
        self.assertEqual(percents, sorted(percents))
        self.assertEqual(percents[-1], 100, lines[-1])
        return lines

    def test_forecast_lines_on_a_pipe_and_nothing_quiet(self):
        loud = run("forecast", *SCENARIOS, "--draws", "4000", "--out",
                   self.path("loud.h5"))
        quiet = run("forecast", *SCENARIOS, "--draws", "4000", "--quiet",
                    "--out", self.path("quiet.h5"))
        self.assertEqual(loud.returncode, 0, loud.stderr)
        self.assertEqual(quiet.returncode, 0, quiet.stderr)
        lines = self.check_lines(loud.stderr, "forecast", "scenarios")
        # At each further 10% (the 30 s rule does not fire in this short
        # run): at most 10 lines plus the last.
        self.assertLessEqual(len(lines), 11)
        self.assertEqual(quiet.stderr, "")
        # stdout (the summary table) and the results are the same.
        self.assertEqual(loud.stdout.replace("loud.h5", "X"),
                         quiet.stdout.replace("quiet.h5", "X"))
        import h5py
        import numpy as np
        with h5py.File(self.path("loud.h5"), "r") as a, \
                h5py.File(self.path("quiet.h5"), "r") as b:
            for name in ("gdp/quantiles", "gdp/mean_value", "gdp_growth/quantiles"):
                np.testing.assert_array_equal(a["forecast/" + name][()],
                                              b["forecast/" + name][()])

    def test_sweep_prints_one_line_per_point(self):
        r = run("sweep", SWEEP, "--draws", "100", "--shard", "1/4", "--out",
                self.path("shard.h5"))
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = self.check_lines(r.stderr, "sweep", "points")
        # Shard 1 of 4 of 36 points: points 9..17, each named with its
        # axis values.
        done = [int(m.group(1)) for m in
                (re.search(r": point (\d+) done \(drivers\.rd_intensity\."
                           r"target = [\d.]+, drivers\.rd_intensity\.by = "
                           r"\d+, drivers\.investment_rate\.target = "
                           r"[\d.]+\); ", line) for line in lines) if m]
        self.assertEqual(done, list(range(9, 18)))
        self.assertTrue(lines[-1].startswith("growthcast sweep: point 17 "
                                             "done"), lines[-1])
        self.assertIn("9/9 points (100%)", lines[-1])
        self.assertTrue(r.stdout.startswith("Wrote "), r.stdout)

    def test_backtest_and_bench(self):
        r = run("backtest", "--origins", "2018:2019", "--horizon", "1",
                "--draws", "200", "--out", self.path("bt.h5"))
        self.assertEqual(r.returncode, 0, r.stderr)
        # 2 origins x (cobb_douglas_rd + tfp_convergence twice: its bands
        # are calibrated from the unscaled run's errors).
        lines = self.check_lines(r.stderr, "backtest", "forecasts")
        self.assertIn("6/6 forecasts (100%)", lines[-1])
        self.assertNotIn("growthcast", r.stdout)
        r = run("bench", "solvers", "--problems", "Misra1a", "--repeats",
                "1", "--out", self.path("bench.h5"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.check_lines(r.stderr, "bench solvers", "solves")
        quiet = run("bench", "solvers", "--problems", "Misra1a", "--repeats",
                    "1", "--quiet", "--out", self.path("bench2.h5"))
        self.assertEqual(quiet.stderr, "")

    def test_terminal_line_is_rewritten_and_cleared(self):
        # stderr a pseudo-terminal: one line redrawn with \r, no newline,
        # blanked at the end; stdout (a pipe) unchanged.
        master, slave = pty.openpty()
        p = subprocess.Popen([BINARY, "forecast", *SCENARIOS, "--draws",
                              "20000", "--out", self.path("tty.h5")],
                             stdout=subprocess.PIPE, stderr=slave, text=True)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        stdout, _ = p.communicate(timeout=300)
        os.close(master)
        self.assertEqual(p.returncode, 0)
        text = out.decode()
        self.assertIn("\rgrowthcast forecast: ", text)
        self.assertIn("2/2 scenarios (100%)", text)
        self.assertNotIn("\n", text.replace("\r\n", "\n").strip("\n"),
                         "the terminal got separate lines")
        # The last thing written blanks the line and returns to its start.
        self.assertRegex(text, r"\r +\r$")
        self.assertTrue(stdout.startswith("Forecast ("), stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
