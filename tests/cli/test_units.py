#!/usr/bin/env python3
"""Units on every numeric dataset of every output (issue 21): the files of
calibrate (defaults, spillovers with a prior, tfp_convergence), accounting
(with the R&D model), forecast (two scenarios, with paths, exact and
streaming, spillovers, tfp_convergence), sweep and bench solvers are walked with h5py,
and each dataset of numbers (integers or floats, coordinates included) must
carry a non-empty `units` attribute. Not a sample: every dataset.

Environment (set by ctest): GROWTHCAST_BINARY, GROWTHCAST_SOURCE_DIR,
GROWTHCAST_WORK_DIR.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

import h5py

BINARY = os.environ["GROWTHCAST_BINARY"]
SOURCE = os.environ["GROWTHCAST_SOURCE_DIR"]
WORK = os.environ.get("GROWTHCAST_WORK_DIR", tempfile.gettempdir())
CC = os.path.join(SOURCE, "scenarios", "chengdu_chongqing")


def run(*args):
    r = subprocess.run([BINARY, *args], capture_output=True, text=True,
                       timeout=600)
    if r.returncode != 0:
        raise AssertionError(f"{args}: exit {r.returncode}: {r.stderr}")
    return r


def numeric_datasets(path):
    """(name, units) of every dataset of numbers in the file."""
    out = []
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            # CF flags (flag_values, flag_meanings) carry no units.
            if isinstance(obj, h5py.Dataset) and obj.dtype.kind in "fiu" \
                    and "flag_values" not in obj.attrs:
                units = obj.attrs.get("units")
                if isinstance(units, bytes):
                    units = units.decode()
                out.append((name, units))
        f.visititems(visit)
    return out


class Units(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="units_", dir=WORK)
        p = lambda name: os.path.join(cls.dir, name)  # noqa: E731
        cls.files = {}
        cls.files["calibrate"] = p("cal.h5")
        run("calibrate", "--model", "cobb_douglas_rd", "--out", p("cal.h5"))
        cls.files["calibrate --free phi"] = p("cal_phi.h5")
        run("calibrate", "--model", "cobb_douglas_rd", "--free", "phi",
            "--prior", "phi=0:0.05", "--out",
            p("cal_phi.h5"))
        cls.files["calibrate --model tfp_convergence"] = p("cal_tc.h5")
        run("calibrate", "--model", "tfp_convergence", "--out", p("cal_tc.h5"))
        cls.files["accounting"] = p("acc.h5")
        run("accounting", "--calibration", p("cal.h5"), "--out", p("acc.h5"))
        scenarios = [os.path.join(CC, "rd_push.toml"),
                     os.path.join(CC, "baseline.toml")]
        cls.files["forecast --paths"] = p("f.h5")
        run("forecast", *scenarios, "--calibration", p("cal.h5"), "--draws",
            "500", "--paths", "--out", p("f.h5"))
        cls.files["forecast streaming"] = p("fs.h5")
        run("forecast", *scenarios, "--calibration", p("cal_phi.h5"),
            "--draws", "500", "--memory", "0.001", "--out", p("fs.h5"))
        cls.files["forecast tfp_convergence"] = p("ft.h5")
        run("forecast", scenarios[0], "--calibration", p("cal_tc.h5"),
            "--draws", "500", "--out", p("ft.h5"))
        sweep = p("sweep.toml")
        with open(sweep, "w") as f:
            f.write(f'base = "{os.path.join(CC, "rd_push.toml")}"\n'
                    f'draws = 200\ncalibration = "{p("cal.h5")}"\n[axes]\n'
                    '"drivers.rd_intensity.target" = [0.02, 0.03]\n')
        cls.files["sweep"] = p("sweep.h5")
        run("sweep", sweep, "--out", p("sweep.h5"))
        cls.files["bench solvers"] = p("bench.h5")
        run("bench", "solvers", "--problems", "Misra1a", "--configs",
            "ceres:lm:dense_qr:auto", "--repeats", "1", "--out", p("bench.h5"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_every_numeric_dataset_has_units(self):
        for what, path in self.files.items():
            with self.subTest(output=what):
                datasets = numeric_datasets(path)
                # Not vacuous: each file has numbers to check.
                self.assertGreater(len(datasets), 3, what)
                missing = [name for name, units in datasets if not units]
                self.assertEqual(missing, [], f"{what}: datasets without units")


if __name__ == "__main__":
    unittest.main(verbosity=2)
