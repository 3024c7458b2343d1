#!/usr/bin/env python3
"""`growthcast forecast` with the shipped policy-target scenarios
(docs/targets.md) end to end: /forecast/targets holds a target met on the
central path to 1e-6, a probability equal to draws_reaching / draws and
consistent with the stored quantiles, the solved path; the CLI prints the
table; an unreachable variant is reported at its bound without failing;
--threads 1 and 2 write the same targets; the report marks the target.

Environment (set by ctest): GROWTHCAST_BINARY, GROWTHCAST_SOURCE_DIR,
GROWTHCAST_WORK_DIR.
"""

import os
import subprocess
import tempfile
import unittest

import h5py
import numpy as np

BINARY = os.environ["GROWTHCAST_BINARY"]
SOURCE = os.environ["GROWTHCAST_SOURCE_DIR"]
WORK = os.environ.get("GROWTHCAST_WORK_DIR", tempfile.gettempdir())
RD = os.path.join(SOURCE, "scenarios", "chengdu_chongqing",
                  "double_by_2035_rd.toml")
DRAWS = "2000"


def forecast(scenario, out, *extra):
    r = subprocess.run([BINARY, "forecast", scenario, "--out", out,
                        "--draws", DRAWS, *extra],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise AssertionError(r.stderr)
    return r.stdout


def targets(path):
    with h5py.File(path, "r") as f:
        g = f["/forecast/targets"]
        out = {k: g[k][()] for k in g if k not in ("target", "instrument_region")}
        out["attrs"] = dict(g.attrs)
        regions = [s.decode() for s in g["instrument_region"][()]]
        years = list(f["/forecast/year"][()])
        units = [s.decode() for s in f["/forecast/region"][()]]
        q = f["/forecast/gdp/quantiles"][()]
    return out, regions, years, units, q


class TargetsCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(dir=WORK)
        cls.out1 = os.path.join(cls.dir, "t1.h5")
        cls.out2 = os.path.join(cls.dir, "t2.h5")
        cls.stdout = forecast(RD, cls.out1, "--threads", "1")
        forecast(RD, cls.out2, "--threads", "2")

    def test_target_met_and_probability(self):
        t, regions, years, units, q = targets(self.out1)
        self.assertEqual(t["reachable"][0], 1.0)
        # The definition of reaching: central GDP = target to 1e-6.
        self.assertLess(abs(t["central_value"][0] / t["target_value"][0] - 1),
                        1e-6)
        # Ratio target: target = 2 x the (central) 2020 value.
        self.assertAlmostEqual(t["target_value"][0] / t["base_value"][0], 2.0,
                               places=12)
        self.assertEqual(t["probability"][0],
                         t["draws_reaching"][0] / int(DRAWS))
        # The probability against the stored quantiles of the same cell:
        # P(Y >= v) lies between 1 - (level of the quantile just above v)
        # and 1 - (level of the quantile just below v).
        levels = [0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95]
        cell = q[0, units.index("Chengdu-Chongqing"), years.index(2035)]
        v, p = t["target_value"][0], t["probability"][0]
        below = [lv for lv, x in zip(levels, cell) if x <= v]
        above = [lv for lv, x in zip(levels, cell) if x >= v]
        self.assertLessEqual(p, 1 - (below[-1] if below else 0) + 1e-9)
        self.assertGreaterEqual(p, 1 - (above[0] if above else 1) - 1e-9)
        # The solved ramp: the level from `by` (2030) on, in both regions.
        path = t["path"][0]
        self.assertEqual(regions, ["Sichuan", "Chongqing"])
        for r in range(2):
            self.assertEqual(path[r, years.index(2030)], t["level"][0])
            self.assertEqual(path[r, -1], t["level"][0])
        self.assertIn("Targets of chengdu_chongqing/double_by_2035_rd",
                      self.stdout)

    def test_threads_give_the_same_targets(self):
        a = targets(self.out1)[0]
        b = targets(self.out2)[0]
        for k in a:
            if k != "attrs":
                self.assertEqual(a[k].tobytes(), b[k].tobytes(), k)

    def test_unreachable_runs_at_the_bound(self):
        text = open(RD).read().replace("ratio = 2.0", "ratio = 2.5").replace(
            "upper = 0.08", "upper = 0.04")
        path = os.path.join(self.dir, "unreachable.toml")
        with open(path, "w") as f:
            f.write(text)
        out = os.path.join(self.dir, "u.h5")
        stdout = forecast(path, out)
        t = targets(out)[0]
        self.assertEqual(t["reachable"][0], 0.0)
        self.assertEqual(t["at_bound"][0], 1.0)
        self.assertEqual(t["level"][0], 0.04)
        self.assertLess(t["central_value"][0], t["target_value"][0])
        self.assertIn("NOT REACHABLE within [0, 0.04]", stdout)
        self.assertIn("at its upper bound 0.04", stdout)

    def test_report_marks_the_target(self):
        html = os.path.join(self.dir, "r.html")
        r = subprocess.run([BINARY, "report", self.out1, "--out", html],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        page = open(html).read()
        self.assertIn("#d62728", page)  # engine/report/svg.h kTargetColour
        self.assertIn("Target P=", page)


if __name__ == "__main__":
    unittest.main()
