#!/usr/bin/env python3
"""Sweeps end to end: one process, MPI with 2 and 3 ranks, Slurm-style
shards joined by merge, and a run killed with SIGKILL then resumed all give
the same datasets, bit for bit; merge refuses mismatched, overlapping and
missing shards; bad sweep files and a failing rank leave no output file.

Environment (set by ctest): GROWTHCAST_BINARY, GROWTHCAST_SOURCE_DIR,
GROWTHCAST_WORK_DIR. MPI runs use mpirun --oversubscribe, allowed as root.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import h5py
import numpy as np
import xarray as xr

BINARY = os.environ["GROWTHCAST_BINARY"]
SOURCE = os.environ["GROWTHCAST_SOURCE_DIR"]
WORK = os.environ.get("GROWTHCAST_WORK_DIR", tempfile.gettempdir())
BASE = os.path.join(SOURCE, "scenarios", "chengdu_chongqing", "rd_push.toml")
MPI_ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1",
               OMPI_MCA_btl_vader_single_copy_mechanism="none",
               OMPI_MCA_rmaps_base_oversubscribe="1")


def run(*args, env=None, timeout=600):
    return subprocess.run(list(args), capture_output=True, text=True,
                          env=env, timeout=timeout)


def forecast_datasets(path):
    """Every dataset under /forecast, as raw bytes, by name."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                data = obj[()]
                if isinstance(data, np.ndarray) and data.dtype.kind != "O":
                    out[name] = data.tobytes()
                else:  # strings: compare the values, not object pointers
                    out[name] = repr(data.tolist() if hasattr(data, "tolist")
                                     else data).encode()
        f["forecast"].visititems(visit)
    return out


# Attributes a re-run writes differently by design: when and how the file
# was made (provenance). Everything else in a merged file must equal a
# one-process sweep's, bit for bit.
PROVENANCE = {"@command_line", "@created", "@input_files"}


def whole_file(path):
    """Every dataset (raw bytes) and attribute in the file, by name."""
    out = {}
    with h5py.File(path, "r") as f:
        for k, v in f.attrs.items():
            out["@" + k] = repr(v)

        def visit(name, obj):
            for k, v in obj.attrs.items():
                out[f"{name}@{k}"] = repr(v.tolist() if hasattr(v, "tolist")
                                          else v)
            if isinstance(obj, h5py.Dataset):
                data = obj[()]
                if isinstance(data, np.ndarray) and data.dtype.kind != "O":
                    out[name] = data.tobytes()
                else:
                    out[name] = repr(data.tolist() if hasattr(data, "tolist")
                                     else data).encode()
        f.visititems(visit)
    return {k: v for k, v in out.items() if k not in PROVENANCE}


class Sweep(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(dir=WORK)
        cls.calibration = os.path.join(cls.dir, "calibration.h5")
        result = run(BINARY, "calibrate", "--out", cls.calibration)
        assert result.returncode == 0, result.stderr
        cls.sweep = cls.write_sweep("sweep.toml", 300)
        cls.single = os.path.join(cls.dir, "single.h5")
        result = run(BINARY, "sweep", cls.sweep, "--out", cls.single)
        assert result.returncode == 0, result.stderr
        cls.reference = forecast_datasets(cls.single)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def write_sweep(cls, name, draws, axes=None):
        path = os.path.join(cls.dir, name)
        axes = axes or ('"drivers.rd_intensity.target" = [0.02, 0.03]\n'
                        '"drivers.rd_intensity.by" = [2028, 2030, 2035]\n')
        with open(path, "w") as f:
            f.write(f'base = "{BASE}"\ndraws = {draws}\n'
                    f'calibration = "{cls.calibration}"\n[axes]\n{axes}')
        return path

    def path(self, name):
        return os.path.join(self.dir, name)

    def assert_same_as_reference(self, path):
        got = forecast_datasets(path)
        self.assertEqual(sorted(got), sorted(self.reference))
        for name, data in self.reference.items():
            self.assertEqual(got[name], data, name)

    def test_points_axes_and_order(self):
        ds = xr.open_dataset(self.single, group="forecast", engine="h5netcdf")
        self.assertEqual(len(ds["scenario"]), 6)
        np.testing.assert_array_equal(ds["point_index"].values, np.arange(6))
        # The last axis varies fastest.
        np.testing.assert_array_equal(
            ds["drivers.rd_intensity.target"].values,
            [0.02, 0.02, 0.02, 0.03, 0.03, 0.03])
        np.testing.assert_array_equal(
            ds["drivers.rd_intensity.by"].values,
            [2028, 2030, 2035, 2028, 2030, 2035])
        self.assertEqual(ds["drivers.rd_intensity.by"].dims, ("scenario",))
        ds.close()
        g = xr.open_dataset(self.single, group="forecast/gdp", engine="h5netcdf")
        self.assertEqual(g["quantiles"].dims,
                         ("scenario", "region", "year", "quantile"))
        g.close()

    def test_mpi_two_and_three_ranks_equal_one_process(self):
        for ranks in (2, 3):
            out = self.path(f"mpi{ranks}.h5")
            result = run("mpirun", "-np", str(ranks), "--oversubscribe",
                         BINARY, "sweep", self.sweep, "--out", out,
                         "--threads", "1", env=MPI_ENV)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn(f"on {ranks} process(es)", result.stdout)
            self.assert_same_as_reference(out)

    def test_shards_and_merge_equal_one_process(self):
        shards = []
        for k in range(3):
            out = self.path(f"shard_{k}.h5")
            result = run(BINARY, "sweep", self.sweep, "--shard", f"{k}/3",
                         "--out", out)
            self.assertEqual(result.returncode, 0, result.stderr)
            shards.append(out)
        merged = self.path("merged.h5")
        result = run(BINARY, "merge", *shards, "--out", merged,
                     "--calibration", self.calibration)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assert_same_as_reference(merged)

        # Refusals: a missing shard (names the missing points), overlap,
        # shards of another sweep.
        bad = self.path("bad.h5")
        result = run(BINARY, "merge", shards[0], shards[2], "--out", bad)
        self.assertEqual(result.returncode, 1)
        self.assertIn("points 2-3 of 6", result.stderr)
        result = run(BINARY, "merge", shards[0], shards[0], shards[1],
                     shards[2], "--out", bad)
        self.assertEqual(result.returncode, 1)
        self.assertIn("overlap", result.stderr)
        other = self.write_sweep("other.toml", 300,
                                 '"drivers.rd_intensity.target" = [0.02]\n')
        other_shard = self.path("other_shard.h5")
        self.assertEqual(run(BINARY, "sweep", other, "--out",
                             other_shard).returncode, 0)
        result = run(BINARY, "merge", shards[0], other_shard, "--out", bad)
        self.assertEqual(result.returncode, 1)
        self.assertIn("different sweep", result.stderr)
        # A shard from a build for another instruction set (its results
        # can differ in the last bits): the attribute is what tells.
        foreign = self.path("foreign_shard.h5")
        shutil.copy(shards[1], foreign)
        with h5py.File(foreign, "r+") as f:
            f.attrs["instruction_set"] = "x86-64-v4"
        result = run(BINARY, "merge", shards[0], foreign, shards[2],
                     "--out", bad)
        self.assertEqual(result.returncode, 1)
        self.assertIn("instruction_set", result.stderr)
        self.assertIn("one build", result.stderr)
        self.assertFalse(os.path.exists(bad))

    def test_shards_with_different_seeds_refused(self):
        # Two sweeps that differ only in the base scenario's seed: shard 0/2
        # of one and 1/2 of the other would make a file of two seeds. The
        # merge refuses it (the sweep identity covers the seed) and writes
        # nothing; the matching shards merge.
        def sweep_with_seed(seed):
            path = self.path(f"seed_{seed}.toml")
            with open(path, "w") as f:
                f.write(f'draws = 200\ncalibration = "{self.calibration}"\n'
                        '[base]\nname = "seeds"\nhorizon = 2025\n'
                        f'seed = {seed}\nregions = ["Sichuan", "Chongqing"]\n'
                        '[base.drivers.rd_intensity]\npath = "ramp"\n'
                        'target = 0.03\nby = 2030\n[axes]\n"drivers.rd_intensity.target" = [0.02, 0.03]\n')
            return path
        shards = {}
        for seed in (1, 2):
            sweep = sweep_with_seed(seed)
            for k in (0, 1):
                out = self.path(f"seed_{seed}_shard_{k}.h5")
                result = run(BINARY, "sweep", sweep, "--shard", f"{k}/2",
                             "--out", out)
                self.assertEqual(result.returncode, 0, result.stderr)
                shards[seed, k] = out
        with h5py.File(shards[1, 0], "r") as a, \
                h5py.File(shards[2, 1], "r") as b:
            self.assertNotEqual(int(a["/forecast/seed"][0]),
                                int(b["/forecast/seed"][0]))
        bad = self.path("mixed_seeds.h5")
        result = run(BINARY, "merge", shards[1, 0], shards[2, 1], "--out", bad)
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"{shards[2, 1]}: field 'sweep_id': this shard belongs "
                      "to a different sweep", result.stderr)
        self.assertFalse(os.path.exists(bad))
        good = self.path("same_seed.h5")
        result = run(BINARY, "merge", shards[1, 0], shards[1, 1], "--out", good)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_kill_and_resume_equal_uninterrupted(self):
        sweep = self.write_sweep("long.toml", 20000)
        reference = self.path("long_reference.h5")
        self.assertEqual(run(BINARY, "sweep", sweep, "--out",
                             reference).returncode, 0)
        out = self.path("long.h5")
        checkpoint = out + ".checkpoint"
        process = subprocess.Popen([BINARY, "sweep", sweep, "--out", out,
                                    "--threads", "1"],
                                   stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline:
            done = [n for n in os.listdir(checkpoint)] \
                if os.path.isdir(checkpoint) else []
            if any(n.startswith("point_") and n.endswith(".h5") for n in done):
                break
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.assertFalse(os.path.exists(out), "a killed run left an output")
        finished = [n for n in os.listdir(checkpoint) if n.endswith(".h5")]
        self.assertGreater(len(finished), 0)
        self.assertLess(len(finished), 6)
        # Without --resume the checkpoint is not silently discarded.
        result = run(BINARY, "sweep", sweep, "--out", out)
        self.assertEqual(result.returncode, 1)
        self.assertIn("--resume", result.stderr)
        result = run(BINARY, "sweep", sweep, "--out", out, "--resume")
        self.assertEqual(result.returncode, 0, result.stderr)
        # Resume kept exactly the points the killed run had finished (a
        # point is renamed into the folder only when complete).
        kept = len(finished)
        self.assertIn(f"resume: kept {kept} of 6 points from '{checkpoint}', "
                      f"computing {6 - kept}", result.stderr)
        self.assertFalse(os.path.exists(checkpoint))
        a, b = forecast_datasets(reference), forecast_datasets(out)
        self.assertEqual(sorted(a), sorted(b))
        for name in a:
            self.assertEqual(a[name], b[name], name)

    def test_failing_rank_ends_the_run_without_output(self):
        out = self.path("fail.h5")
        env = dict(MPI_ENV, GROWTHCAST_FAULT_POINT="4")
        result = run("mpirun", "-np", "2", "--oversubscribe", BINARY, "sweep",
                     self.sweep, "--out", out, "--threads", "1", env=env)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("fault injected at point 4", result.stderr)
        self.assertFalse(os.path.exists(out))

    def test_shipped_sweep_runs(self):
        # One shard of the shipped example: the file and its base parse,
        # and a point runs.
        shipped = os.path.join(SOURCE, "scenarios", "sweeps",
                               "chengdu_chongqing_rd_investment.toml")
        out = self.path("shipped_shard.h5")
        result = run(BINARY, "sweep", shipped, "--shard", "0/36", "--out", out,
                     "--calibration", self.calibration)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("points 0-0 of 36", result.stdout)

    def assert_same_file(self, expected, got, ignore=()):
        a, b = whole_file(expected), whole_file(got)
        for name in ignore:
            a.pop(name, None)
            b.pop(name, None)
        self.assertEqual(sorted(a), sorted(b))
        for name in a:
            self.assertEqual(a[name], b[name], name)

    def test_merge_takes_the_shards_calibration(self):
        # Issue 17: shards from `calibrate --from 2012`, merged without
        # --calibration, used to be re-calibrated over 2010-2019. The merged
        # file must hold the shards' calibration and equal the one-process
        # sweep's file (provenance apart).
        cal2012 = self.path("calibration_2012.h5")
        result = run(BINARY, "calibrate", "--from", "2012", "--out", cal2012)
        self.assertEqual(result.returncode, 0, result.stderr)
        sweep = self.path("from2012.toml")
        with open(sweep, "w") as f:
            f.write(f'base = "{BASE}"\ndraws = 200\n'
                    f'calibration = "{cal2012}"\n[axes]\n'
                    '"drivers.rd_intensity.target" = [0.02, 0.03, 0.035]\n')
        single = self.path("from2012_single.h5")
        self.assertEqual(run(BINARY, "sweep", sweep, "--out",
                             single).returncode, 0)
        shards = []
        for k in range(2):
            out = self.path(f"from2012_shard_{k}.h5")
            result = run(BINARY, "sweep", sweep, "--shard", f"{k}/2",
                         "--out", out)
            self.assertEqual(result.returncode, 0, result.stderr)
            shards.append(out)
        merged = self.path("from2012_merged.h5")
        result = run(BINARY, "merge", *shards, "--out", merged)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assert_same_file(single, merged)
        with h5py.File(merged, "r") as f:
            # The window calibrate was given (--from 2012; --to's default).
            self.assertEqual(int(f["calibration"].attrs["first_year"]), 2012)
            self.assertEqual(int(f["calibration"].attrs["last_year"]), 2019)
        # The same calibration given explicitly is accepted; another one
        # (the default window's) is refused and nothing is written.
        again = self.path("from2012_merged_again.h5")
        result = run(BINARY, "merge", *shards, "--out", again,
                     "--calibration", cal2012)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assert_same_file(single, again)
        refused = self.path("from2012_refused.h5")
        result = run(BINARY, "merge", *shards, "--out", refused,
                     "--calibration", self.calibration)
        self.assertEqual(result.returncode, 1)
        self.assertIn("another calibration", result.stderr)
        self.assertIn(self.calibration, result.stderr)
        self.assertFalse(os.path.exists(refused))

    def test_own_calibration_merged_equals_one_process(self):
        # A sweep without a calibration calibrates the shipped panel itself,
        # in every shard process: the merged file must equal a one-process
        # sweep's (issue 17, README's promise), its /calibration included.
        sweep = self.path("own.toml")
        with open(sweep, "w") as f:
            f.write(f'base = "{BASE}"\ndraws = 200\n[axes]\n'
                    '"drivers.rd_intensity.target" = [0.02, 0.03]\n')
        single = self.path("own_single.h5")
        self.assertEqual(run(BINARY, "sweep", sweep, "--out",
                             single).returncode, 0)
        shards = []
        for k in range(2):
            out = self.path(f"own_shard_{k}.h5")
            result = run(BINARY, "sweep", sweep, "--shard", f"{k}/2",
                         "--out", out)
            self.assertEqual(result.returncode, 0, result.stderr)
            shards.append(out)
        merged = self.path("own_merged.h5")
        result = run(BINARY, "merge", *shards, "--out", merged)
        self.assertEqual(result.returncode, 0, result.stderr)
        # Ceres' clock readings (and the reports that print them) are
        # measurements of each process's run, not results.
        timing = ["calibration@" + k for k in (
            "preprocessor_seconds", "minimizer_seconds", "total_seconds",
            "brief_report", "full_report")]
        self.assert_same_file(single, merged, ignore=timing)

    def test_draws_and_seed_overrides(self):
        # sweep --draws/--seed override the files like forecast's: the same
        # datasets as a sweep file that says draws = 150, seed = 11, and the
        # values recorded per point; shards run with another seed belong to
        # another sweep and are not merged with these.
        stated = self.path("stated.toml")
        with open(stated, "w") as f:
            f.write(f'base = "{BASE}"\ndraws = 150\nseed = 11\n'
                    f'calibration = "{self.calibration}"\n[axes]\n'
                    '"drivers.rd_intensity.target" = [0.02, 0.03]\n')
        plain = self.path("plain.toml")
        with open(plain, "w") as f:
            f.write(f'base = "{BASE}"\ndraws = 300\n'
                    f'calibration = "{self.calibration}"\n[axes]\n'
                    '"drivers.rd_intensity.target" = [0.02, 0.03]\n')
        a, b = self.path("stated.h5"), self.path("overridden.h5")
        self.assertEqual(run(BINARY, "sweep", stated, "--out", a).returncode,
                         0)
        result = run(BINARY, "sweep", plain, "--draws", "150", "--seed", "11",
                     "--out", b)
        self.assertEqual(result.returncode, 0, result.stderr)
        x, y = forecast_datasets(a), forecast_datasets(b)
        self.assertEqual(sorted(x), sorted(y))
        for name in x:
            self.assertEqual(x[name], y[name], name)
        with h5py.File(b, "r") as f:
            np.testing.assert_array_equal(f["forecast/draws"][()], [150, 150])
            np.testing.assert_array_equal(f["forecast/seed"][()], [11, 11])
        # A seed beyond 2^63 (not a TOML integer) works from the command line.
        big = self.path("big_seed.h5")
        result = run(BINARY, "sweep", plain, "--seed", str(2**64 - 1),
                     "--out", big)
        self.assertEqual(result.returncode, 0, result.stderr)
        with h5py.File(big, "r") as f:
            self.assertEqual(int(f["forecast/seed"][0]), 2**64 - 1)
        shards = []
        for k, seed in ((0, "11"), (1, "12")):
            out = self.path(f"seed_shard_{k}.h5")
            self.assertEqual(run(BINARY, "sweep", plain, "--seed", seed,
                                 "--shard", f"{k}/2", "--out",
                                 out).returncode, 0)
            shards.append(out)
        bad = self.path("seed_bad.h5")
        result = run(BINARY, "merge", *shards, "--out", bad)
        self.assertEqual(result.returncode, 1)
        self.assertIn("different sweep", result.stderr)
        self.assertFalse(os.path.exists(bad))
        result = run(BINARY, "sweep", plain, "--draws", "0", "--out", bad)
        self.assertEqual(result.returncode, 2)
        self.assertIn("--draws", result.stderr)
        self.assertFalse(os.path.exists(bad))

    def test_version_after_the_subcommand(self):
        top = run(BINARY, "--version")
        self.assertEqual(top.returncode, 0)
        for command in (["sweep"], ["merge"], ["forecast"], ["export"],
                        ["bench", "solvers"]):
            result = run(BINARY, *command, "--version")
            self.assertEqual(result.returncode, 0, command)
            self.assertEqual(result.stdout, top.stdout, command)

    def test_calibration_does_not_depend_on_the_heap(self):
        # Issue 17: a sweep's own calibration differed from `growthcast
        # calibrate` in 378 covariance entries (up to 5e-18): the covariance
        # depended on the alignment of heap blocks (ceres::Covariance's
        # SuiteSparseQR/BLAS path), which a different command, or glibc's
        # mmap threshold, moves. Both must now give the same bits.
        def calibration(path):
            with h5py.File(path, "r") as f:
                return {k: f["calibration"][k][()].tobytes()
                        for k in ("covariance", "std_error", "estimate")}
        reference = calibration(self.calibration)
        for tunables in ("glibc.malloc.mmap_threshold=4096",
                         "glibc.malloc.tcache_count=0",
                         "glibc.malloc.top_pad=8"):
            out = self.path(f"heap_{tunables.split('.')[-1]}.h5")
            result = run(BINARY, "calibrate", "--out", out,
                         env=dict(os.environ, GLIBC_TUNABLES=tunables))
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(calibration(out), reference, tunables)
        sweep = self.path("heap.toml")
        with open(sweep, "w") as f:
            f.write(f'base = "{BASE}"\ndraws = 100\n[axes]\n'
                    '"drivers.rd_intensity.target" = [0.02]\n')
        out = self.path("heap_sweep.h5")
        self.assertEqual(run(BINARY, "sweep", sweep, "--out", out).returncode,
                         0)
        self.assertEqual(calibration(out), reference)

    def test_bad_sweep_files(self):
        cases = [
            ('"drivers.rd_intensity.targte" = [0.02]\n', "targte"),
            ('"drivers.rd_intensity.target" = []\n', "no values"),
            ('"drivers.rd_intensity.target" = [0.02, 1.5]\n', "point 1"),
        ]
        for axes, phrase in cases:
            sweep = self.write_sweep("bad.toml", 100, axes)
            out = self.path("bad_out.h5")
            result = run(BINARY, "sweep", sweep, "--out", out)
            self.assertEqual(result.returncode, 1, axes)
            self.assertIn(sweep, result.stderr)
            self.assertIn(phrase, result.stderr)
            self.assertFalse(os.path.exists(out))
        result = run(BINARY, "sweep", self.sweep, "--shard", "3/3", "--out",
                     self.path("x.h5"))
        self.assertEqual(result.returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
