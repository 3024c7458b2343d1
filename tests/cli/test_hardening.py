#!/usr/bin/env python3
"""Reliability, round two (issue 16), end to end: each class of the issue as
a user or an attacker meets it on the command line.

1. Files read by `merge` and `sweep --resume`: datasets shorter than the
   file's own dimensions, edited values, coordinates, names or provenance,
   shards of another calibration: refused naming the file and what differs.
2. Never write what the user did not name: the output is the input (same
   inode), a device node or FIFO, a symbolic link (replaced, its target left
   alone), a long name, bench --json, a checkpoint folder that is a link,
   SIGTERM during a write.
3. Command-line values: --threads, --seed, --memory; one-line messages.
4. Wrong numbers with exit 0: duplicate scenario names, a group named like a
   region, --regions listing a region twice, more shards than points.

Expected values: the exact messages are the ones the code writes (cli/,
engine/store/); numbers come from the files themselves (a value read back
must equal the one passed). Environment (set by ctest): GROWTHCAST_BINARY,
GROWTHCAST_SOURCE_DIR, GROWTHCAST_WORK_DIR.
"""

import glob
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import unittest

import h5py
import numpy as np

# Progress lines (cli/progress.cc: "growthcast forecast: 1/2 scenarios ...")
# come before an error when the command had started its work; the error
# message is what is checked.
PROGRESS_LINE = re.compile(r"^growthcast (forecast|sweep|backtest|bench "
                           r"solvers)( \(rank \d+ of \d+\))?: .*\n?", re.M)


def without_progress(stderr):
    return PROGRESS_LINE.sub("", stderr)


BINARY = os.environ["GROWTHCAST_BINARY"]
SOURCE = os.environ["GROWTHCAST_SOURCE_DIR"]
WORK = os.environ.get("GROWTHCAST_WORK_DIR", tempfile.gettempdir())
BASE = os.path.join(SOURCE, "scenarios", "chengdu_chongqing", "rd_push.toml")
PANEL = os.path.join(SOURCE, "data", "china_provinces.csv")
AXIS = "drivers.rd_intensity.target"


def run(*args, cwd=None, timeout=600):
    return subprocess.run([BINARY, *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def temporaries(folder):
    """The writer's temporaries (engine/store/atomic_file.h)."""
    return glob.glob(os.path.join(folder, ".gc-*.tmp"))


class Shared(unittest.TestCase):
    """One calibration and one two-point sweep in two shards, made once."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(dir=WORK)
        cls.calibration = os.path.join(cls.dir, "cal.h5")
        r = run("calibrate", "--out", cls.calibration)
        assert r.returncode == 0, r.stderr
        # Another calibration (a shorter window): other estimates.
        cls.other_calibration = os.path.join(cls.dir, "cal_other.h5")
        r = run("calibrate", "--to", "2018", "--out", cls.other_calibration)
        assert r.returncode == 0, r.stderr
        cls.sweep = cls.write_sweep("sweep.toml", cls.calibration)
        cls.shards = []
        for k in range(2):
            out = os.path.join(cls.dir, f"shard_{k}.h5")
            r = run("sweep", cls.sweep, "--shard", f"{k}/2", "--out", out)
            assert r.returncode == 0, r.stderr
            cls.shards.append(out)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def write_sweep(cls, name, calibration, values="[0.02, 0.03]"):
        path = os.path.join(cls.dir, name)
        with open(path, "w") as f:
            f.write(f'base = "{BASE}"\ndraws = 200\n'
                    f'calibration = "{calibration}"\n'
                    f'[axes]\n"{AXIS}" = {values}\n')
        return path

    def setUp(self):
        self.work = tempfile.mkdtemp(dir=self.dir)

    def path(self, name):
        return os.path.join(self.work, name)

    def copy_shard(self, k, name):
        out = self.path(name)
        shutil.copy(self.shards[k], out)
        return out

    def assert_refused(self, result, out, code=1):
        self.assertEqual(result.returncode, code, result.stderr)
        self.assertFalse(os.path.exists(out), "output written")
        self.assertEqual(temporaries(os.path.dirname(out)), [])
        self.assertEqual(without_progress(result.stderr).count("\n"), 1,
                         result.stderr)


class HostileShards(Shared):
    """Family 1: merge and resume read every dataset safely and check the
    content digests."""

    def test_untouched_shards_merge(self):
        out = self.path("merged.h5")
        r = run("merge", *self.shards, "--out", out,
                "--calibration", self.calibration)
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f:
            self.assertEqual(list(f["/forecast/point_index"][:]), [0, 1])

    def shortened(self, dataset, keep):
        """A shard whose `dataset` holds fewer values than its dimensions
        say (the heap over-read of the issue)."""
        bad = self.copy_shard(1, "short.h5")
        with h5py.File(bad, "r+") as f:
            data = f[dataset][...]
            attrs = dict(f[dataset].attrs)
            del f[dataset]
            f.create_dataset(dataset, data=data.reshape(-1)[:keep])
            del attrs  # dimension-scale attributes cannot be copied back
        return bad

    def test_short_datasets_refused_before_reading(self):
        # The expected shapes follow from the file: 1 scenario, 3 regions
        # (Sichuan, Chongqing, their group), 16 years, 7 quantiles.
        with h5py.File(self.shards[1]) as f:
            S = f["/forecast/scenario"].shape[0]
            U = f["/forecast/region"].shape[0]
            Y = f["/forecast/year"].shape[0]
            Q = f["/forecast/quantile"].shape[0]
        cases = {
            "/forecast/gdp/mean_value": f"[{S}, {U}, {Y}]",
            "/forecast/gdp/quantiles": f"[{S}, {U}, {Y}, {Q}]",
            "/forecast/reports": f"[{S}, {U}]",
            "/forecast/history/gdp": None,
            "/forecast/seed": f"[{S}]",
        }
        for dataset, expected in cases.items():
            with self.subTest(dataset=dataset):
                bad = self.shortened(dataset, 0)
                out = self.path("out.h5")
                r = run("merge", self.shards[0], bad, "--out", out)
                self.assert_refused(r, out)
                self.assertIn(f"{bad}: dataset '{dataset}' has shape [0]",
                              r.stderr)
                if expected:
                    self.assertIn(f"expected {expected}", r.stderr)

    def edited(self, edit):
        bad = self.copy_shard(1, "edited.h5")
        with h5py.File(bad, "r+") as f:
            edit(f)
        return bad

    def assert_digest_refusal(self, bad):
        out = self.path("out.h5")
        r = run("merge", self.shards[0], bad, "--out", out)
        self.assert_refused(r, out)
        self.assertIn(f"growthcast: error: {bad}: field 'scenario_0_sha256': "
                      "scenario 0 ('chengdu_chongqing/rd_push "
                      f"{AXIS}=0.03') does not "
                      "match the content digest", r.stderr)

    def test_edited_value_refused(self):
        def edit(f):
            f["/forecast/gdp/quantiles"][0, 0, 0, 3] *= 1.01
        self.assert_digest_refusal(self.edited(edit))

    def test_edited_region_name_refused(self):
        def edit(f):
            f["/forecast/region"][0] = "Atlantis"
        self.assert_digest_refusal(self.edited(edit))

    def test_edited_axis_coordinate_refused(self):
        def edit(f):
            f["/forecast/" + AXIS][0] = 0.05
        self.assert_digest_refusal(self.edited(edit))

    def test_edited_build_refused(self):
        def edit(f):
            f["/forecast"].attrs["build"] = "0.0.1 (0123456789ab)"
        self.assert_digest_refusal(self.edited(edit))

    def test_edited_history_refused(self):
        def edit(f):
            f["/forecast/history/gdp"][0, 0] += 1.0
        self.assert_digest_refusal(self.edited(edit))

    def test_edited_random_stream_refused(self):
        # The digest (version 2) covers the random stream version: a file
        # relabelled as drawn from version 1 is refused.
        def edit(f):
            self.assertEqual(f["/forecast"].attrs["digest_version"], 2)
            f["/forecast"].attrs["scenario_0_random_stream"] = np.int64(1)
        self.assert_digest_refusal(self.edited(edit))

    def test_shard_of_another_calibration_refused(self):
        # Both shards agree with each other but not with --calibration.
        out = self.path("out.h5")
        r = run("merge", *self.shards, "--out", out,
                "--calibration", self.other_calibration)
        self.assert_refused(r, out)
        self.assertIn("the shards were computed from another calibration",
                      r.stderr)
        # A shard from another calibration among the others.
        sweep = self.write_sweep("sweep_other.toml", self.other_calibration)
        other = self.path("other_1.h5")
        r = run("sweep", sweep, "--shard", "1/2", "--out", other)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run("merge", self.shards[0], other, "--out", out)
        self.assert_refused(r, out)
        self.assertIn(f"{other}: field 'calibration_sha256': this shard was "
                      "computed from another calibration", r.stderr)

    def test_shard_without_digests_refused(self):
        def edit(f):
            del f["/forecast"].attrs["scenario_0_sha256"]
        bad = self.edited(edit)
        out = self.path("out.h5")
        r = run("merge", self.shards[0], bad, "--out", out)
        self.assert_refused(r, out)
        self.assertIn("this shard has no content digests", r.stderr)

    def test_seed_stored_as_uint64(self):
        with h5py.File(self.shards[0]) as f:
            self.assertEqual(f["/forecast/seed"].dtype, np.uint64)

    def interrupted(self, name):
        """A finished sweep's points put back as the checkpoint of an
        interrupted one (the output not yet written)."""
        out = self.path(name)
        checkpoint = out + ".checkpoint"
        os.mkdir(checkpoint)
        # A point file is a one-point shard of the same sweep.
        shutil.copy(self.shards[0],
                    os.path.join(checkpoint, "point_000000000.h5"))
        return out, checkpoint

    def test_resume_uses_a_valid_point(self):
        out, checkpoint = self.interrupted("resumed.h5")
        r = run("sweep", self.sweep, "--out", out, "--resume")
        self.assertEqual(r.returncode, 0, r.stderr)
        # The user sees what was reused: point 0 kept, point 1 computed.
        self.assertIn(f"growthcast: resume: kept 1 of 2 points from "
                      f"'{checkpoint}', computing 1", r.stderr)
        self.assertFalse(os.path.exists(checkpoint))
        with h5py.File(out) as f, h5py.File(self.shards[0]) as s:
            np.testing.assert_array_equal(f["/forecast/gdp/quantiles"][0],
                                          s["/forecast/gdp/quantiles"][0])

    def test_resume_recomputes_a_point_of_a_stale_sweep(self):
        # Point 0 of another sweep definition (the axis at 0.025 instead of
        # 0.02: a stale checkpoint left by an edited sweep file) is not this
        # sweep's point 0: --resume computes it again rather than keep it,
        # so the result equals this sweep's own point 0, bit for bit, and
        # differs from the stale one.
        stale_sweep = self.write_sweep("stale.toml", self.calibration,
                                       "[0.025, 0.03]")
        stale = self.path("stale_shard.h5")
        r = run("sweep", stale_sweep, "--shard", "0/2", "--out", stale)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = self.path("resumed.h5")
        checkpoint = out + ".checkpoint"
        os.mkdir(checkpoint)
        shutil.copy(stale, os.path.join(checkpoint, "point_000000000.h5"))
        r = run("sweep", self.sweep, "--out", out, "--resume")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("resume: kept 0 of 2 points", r.stderr)
        self.assertFalse(os.path.exists(checkpoint))
        with h5py.File(out) as f, h5py.File(self.shards[0]) as own, \
                h5py.File(stale) as old:
            got = f["/forecast/gdp/quantiles"][0]
            self.assertEqual(got.tobytes(),
                             own["/forecast/gdp/quantiles"][0].tobytes())
            self.assertNotEqual(got.tobytes(),
                                old["/forecast/gdp/quantiles"][0].tobytes())

    def test_resume_recomputes_a_point_of_another_instruction_set(self):
        # A point computed by a build for another instruction set (the root
        # attribute every file carries; not part of the content digest)
        # could differ in its last bits from this build's: --resume computes
        # it again, and the result equals this build's own point 0.
        out, checkpoint = self.interrupted("resumed.h5")
        point = os.path.join(checkpoint, "point_000000000.h5")
        with h5py.File(point, "r+") as f:
            own_isa = f.attrs["instruction_set"]
            f.attrs["instruction_set"] = "another-cpu"
        self.assertNotEqual(own_isa, "another-cpu")
        r = run("sweep", self.sweep, "--out", out, "--resume")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("resume: kept 0 of 2 points", r.stderr)
        with h5py.File(out) as f, h5py.File(self.shards[0]) as own:
            self.assertEqual(f["/forecast/gdp/quantiles"][0].tobytes(),
                             own["/forecast/gdp/quantiles"][0].tobytes())

    def test_resume_recomputes_a_point_of_another_random_stream(self):
        # Point 0 was drawn from the default stream (version 3); a resumed
        # run with --random-stream 1 computes it again from version 1 (the
        # same seed gives other draws), so its quantiles are those of a
        # fresh version-1 run and not the checkpoint's.
        out, checkpoint = self.interrupted("resumed.h5")
        with h5py.File(self.shards[0]) as f:
            self.assertEqual(f["/forecast"].attrs["scenario_0_random_stream"],
                             3)
        r = run("sweep", self.sweep, "--out", out, "--resume",
                "--random-stream", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("resume: kept 0 of 2 points", r.stderr)
        fresh = self.path("fresh_v1.h5")
        r = run("sweep", self.sweep, "--out", fresh, "--random-stream", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f, h5py.File(fresh) as v1, \
                h5py.File(self.shards[0]) as v2:
            for k in (0, 1):
                self.assertEqual(
                    f["/forecast"].attrs[f"scenario_{k}_random_stream"], 1)
            got = f["/forecast/gdp/quantiles"][0]
            self.assertEqual(got.tobytes(),
                             v1["/forecast/gdp/quantiles"][0].tobytes())
            self.assertNotEqual(got.tobytes(),
                                v2["/forecast/gdp/quantiles"][0].tobytes())

    def test_resume_recomputes_a_point_written_before_stream_versions(self):
        # A point file without random_stream (written before version 2
        # existed, so drawn from version 1) is computed again by a run of
        # the default version 3.
        # The content digest covers random_stream, so the edit removes the
        # digest too (the check that a point has one comes after this one).
        out, checkpoint = self.interrupted("resumed.h5")
        point = os.path.join(checkpoint, "point_000000000.h5")
        with h5py.File(point, "r+") as f:
            for name in ("scenario_0_random_stream", "scenario_0_sha256",
                         "digest_version"):
                del f["/forecast"].attrs[name]
        r = run("sweep", self.sweep, "--out", out, "--resume")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("resume: kept 0 of 2 points", r.stderr)

    def test_merge_refuses_shards_of_two_random_streams(self):
        other = self.path("shard_1_v1.h5")
        r = run("sweep", self.sweep, "--shard", "1/2", "--out", other,
                "--random-stream", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = self.path("merged.h5")
        r = run("merge", self.shards[0], other, "--out", out)
        self.assert_refused(r, out)
        self.assertIn(f"{other}: field 'random_stream': point 1 was drawn "
                      "from random stream 1, not 3", r.stderr)

    def test_resume_refuses_an_edited_point(self):
        out, checkpoint = self.interrupted("resumed.h5")
        point = os.path.join(checkpoint, "point_000000000.h5")
        with h5py.File(point, "r+") as f:
            f["/forecast/gdp/mean_value"][0, 0, 0] = 1.0
        r = run("sweep", self.sweep, "--out", out, "--resume")
        self.assert_refused(r, out)
        self.assertIn(f"{point}: field 'scenario_0_sha256': checkpoint point 0 "
                      "cannot be resumed", r.stderr)

    def test_resume_refuses_a_short_point(self):
        out, checkpoint = self.interrupted("resumed.h5")
        point = os.path.join(checkpoint, "point_000000000.h5")
        with h5py.File(point, "r+") as f:
            del f["/forecast/draws"]
            f.create_dataset("/forecast/draws", data=np.zeros(0))
        r = run("sweep", self.sweep, "--out", out, "--resume")
        self.assert_refused(r, out)
        self.assertIn(f"{point}: checkpoint point 0 cannot be resumed: "
                      "dataset '/forecast/draws' has shape [0], expected [1]",
                      r.stderr)

    def test_resume_refuses_a_point_of_another_calibration(self):
        # The same sweep definition resumed with another --calibration.
        out, checkpoint = self.interrupted("resumed.h5")
        r = run("sweep", self.sweep, "--out", out, "--resume",
                "--calibration", self.other_calibration)
        self.assert_refused(r, out)
        self.assertIn("checkpoint point 0 was computed from another "
                      "calibration", r.stderr)


class DigestVersions(unittest.TestCase):
    """Files written before the content digest covered the random stream
    version (no /forecast attribute digest_version) are checked with the
    digest they were written with. tests/cli/legacy/point_before_issue_20.h5
    is such a file (a sweep's checkpoint point written at commit 47f7bdd,
    before issue 20: no random_stream either); `export` reads it through the
    same checks as merge and --resume."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=WORK)
        self.file = os.path.join(self.dir, "old.h5")
        shutil.copy(os.path.join(SOURCE, "tests", "cli", "legacy",
                                 "point_before_issue_20.h5"), self.file)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def set_attribute(self, name, value):
        with h5py.File(self.file, "r+") as f:
            f["/forecast"].attrs[name] = np.int64(value)

    def export_streams(self):
        r = run("export", self.file)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(",")[-1], "random_stream")
        # scenario -> its rows' random stream versions (names have no
        # commas here).
        streams = {}
        for line in lines[1:]:
            fields = line.split(",")
            streams.setdefault(fields[0], set()).add(fields[-1])
        return streams

    def test_old_digest_still_verifies(self):
        with h5py.File(self.file) as f:
            self.assertNotIn("digest_version", f["/forecast"].attrs)
            self.assertIn("scenario_0_sha256", f["/forecast"].attrs)
        # No random_stream recorded: version 1.
        self.assertEqual(self.export_streams(),
                         {"chengdu_chongqing/rd_push#0": {"1"}})
        # Version 1 of the digest does not cover the stream version (files
        # written between issue 20 and digest version 2 record one).
        self.set_attribute("scenario_0_random_stream", 2)
        self.assertEqual(self.export_streams(),
                         {"chengdu_chongqing/rd_push#0": {"2"}})

    def test_claimed_version_2_is_checked_as_version_2(self):
        self.set_attribute("digest_version", 2)
        r = run("export", self.file)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"growthcast: error: {self.file}: field "
                      "'scenario_0_sha256': scenario 0 "
                      "('chengdu_chongqing/rd_push#0') does not match the "
                      "content digest", r.stderr)

    def test_unknown_digest_version_refused(self):
        self.set_attribute("digest_version", 3)
        r = run("export", self.file)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip(),
                         f"growthcast: error: {self.file}: field "
                         "'digest_version': attribute 'digest_version' of "
                         "'/forecast' is 3; this build knows content digest "
                         "versions 1 to 2 (was the file written by a newer "
                         "growthcast?)")


class OnlyWhatWasNamed(Shared):
    """Family 2: outputs never touch anything but the named path."""

    def test_output_that_is_an_input_refused(self):
        panel = self.path("panel.csv")
        shutil.copy(PANEL, panel)
        link = self.path("panel_hardlink.csv")
        os.link(panel, link)
        cal = self.path("cal.h5")
        shutil.copy(self.calibration, cal)
        forecast = self.path("forecast.h5")
        r = run("forecast", BASE, "--draws", "100", "--calibration", cal,
                "--out", forecast)
        self.assertEqual(r.returncode, 0, r.stderr)
        cases = [
            ("calibrate", ["calibrate", "--data", panel, "--out", panel],
             panel),
            ("calibrate (hard link)",
             ["calibrate", "--data", panel, "--out", link], panel),
            ("forecast", ["forecast", BASE, "--calibration", cal,
                          "--out", cal], cal),
            ("report", ["report", forecast, "--out", forecast], forecast),
            ("merge", ["merge", self.shards[0], self.shards[1],
                       "--out", self.shards[1]], self.shards[1]),
        ]
        for label, args, victim in cases:
            with self.subTest(label):
                before = read_bytes(victim)
                r = run(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("field '--out': the output '", r.stderr)
                self.assertIn("writing it would destroy the input", r.stderr)
                self.assertEqual(read_bytes(victim), before)

    def test_non_regular_output_refused(self):
        fifo = self.path("fifo")
        os.mkfifo(fifo)
        r = run("calibrate", "--out", fifo, timeout=60)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"{fifo}: field '--out': the output path is a FIFO, not "
                      "a regular file: refusing to replace it", r.stderr)
        self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode))
        r = run("calibrate", "--out", "/dev/null")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("the output path is a character device", r.stderr)
        self.assertTrue(stat.S_ISCHR(os.stat("/dev/null").st_mode))

    def test_symlink_at_output_is_replaced_not_followed(self):
        victim = self.path("victim.txt")
        with open(victim, "w") as f:
            f.write("precious\n")
        forecast = self.path("forecast.h5")
        r = run("forecast", BASE, "--draws", "100", "--calibration",
                self.calibration, "--out", forecast)
        self.assertEqual(r.returncode, 0, r.stderr)
        for args in (["report", forecast], ["calibrate"]):
            with self.subTest(args[0]):
                out = self.path("out_" + args[0])
                os.symlink(victim, out)
                r = run(*args, "--out", out)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertFalse(os.path.islink(out))
                self.assertEqual(read_bytes(victim).decode(), "precious\n")
                self.assertEqual(temporaries(self.work), [])

    def test_long_output_name_accepted(self):
        # NAME_MAX is 255: a 250-byte name is legal; the temporary beside it
        # (.gc-<16 hex>.tmp) stays short.
        out = self.path("c" * 247 + ".h5")
        r = run("calibrate", "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(out))
        report_out = self.path("r" * 245 + ".html")
        forecast = self.path("f.h5")
        self.assertEqual(run("forecast", BASE, "--draws", "100",
                             "--calibration", self.calibration, "--out",
                             forecast).returncode, 0)
        r = run("report", forecast, "--out", report_out)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_bench_json(self):
        out = self.path("bench.h5")
        r = run("bench", "solvers", "--problems", "Misra1a", "--configs",
                "default", "--repeats", "1", "--out", out, "--json", out)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("field '--json': --json and --out name the same file",
                      r.stderr)
        self.assertFalse(os.path.exists(out))
        # Through a symbolic link: the link is replaced, its target kept.
        victim = self.path("victim.json")
        with open(victim, "w") as f:
            f.write("{}\n")
        json_link = self.path("bench.json")
        os.symlink(victim, json_link)
        r = run("bench", "solvers", "--problems", "Misra1a", "--configs",
                "default", "--repeats", "1", "--out", out, "--json",
                json_link)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.islink(json_link))
        self.assertIn(b'"', read_bytes(json_link))
        self.assertEqual(read_bytes(victim).decode(), "{}\n")
        self.assertEqual(temporaries(self.work), [])

    def test_checkpoint_folder_symlink_refused(self):
        elsewhere = self.path("elsewhere")
        os.mkdir(elsewhere)
        out = self.path("sweep.h5")
        os.symlink(elsewhere, out + ".checkpoint")
        r = run("sweep", self.sweep, "--out", out)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"field '--out': the checkpoint folder '{out}.checkpoint'"
                      " is a symbolic link", r.stderr)
        self.assertEqual(os.listdir(elsewhere), [])
        self.assertFalse(os.path.exists(out))

    def test_sigterm_and_sigint_remove_the_temporary(self):
        # A forecast with --paths writes long enough to be caught while its
        # temporary exists. SIGKILL cannot be caught (atomic_file.h).
        for sig in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(sig=sig.name):
                out = self.path(f"paths_{sig.name}.h5")
                p = subprocess.Popen(
                    [BINARY, "forecast", BASE, "--paths", "--draws", "200000",
                     "--calibration", self.calibration, "--out", out],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                deadline = time.time() + 300
                while not temporaries(self.work) and p.poll() is None \
                        and time.time() < deadline:
                    time.sleep(0.01)
                if p.poll() is not None:
                    p.wait()
                    self.skipTest("the write finished before a temporary was "
                                  "seen")
                p.send_signal(sig)
                p.wait(timeout=60)
                p.stderr.close()
                self.assertEqual(p.returncode, -sig)
                self.assertEqual(temporaries(self.work), [])
                self.assertFalse(os.path.exists(out))


    def test_sigint_during_a_sweep_leaves_no_output_but_the_checkpoint(self):
        # Ctrl-C in a sweep: the process dies of the signal (exit status
        # 130 in a shell), no output file or temporary is left; the
        # checkpoint folder stays for --resume (docs/architecture.md).
        out = self.path("interrupted_sweep.h5")
        p = subprocess.Popen(
            [BINARY, "sweep", self.sweep, "--draws", "400000", "--memory",
             "16", "--threads", "1", "--out", out],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 60
        while not os.path.isdir(out + ".checkpoint") and p.poll() is None \
                and time.time() < deadline:
            time.sleep(0.01)
        if p.poll() is not None:
            p.wait()
            self.skipTest("the sweep finished before its checkpoint was seen")
        p.send_signal(signal.SIGINT)
        p.wait(timeout=60)
        p.stderr.close()
        self.assertEqual(p.returncode, -signal.SIGINT)
        self.assertFalse(os.path.exists(out))
        self.assertEqual(temporaries(self.work), [])
        self.assertTrue(os.path.isdir(out + ".checkpoint"))


class CommandLineValues(Shared):
    """Family 3."""

    def test_threads(self):
        out = self.path("out.h5")
        for value in ("0", "-1", "100000", "abc"):
            for args in (["forecast", BASE, "--calibration", self.calibration],
                         ["sweep", self.sweep], ["calibrate"]):
                with self.subTest(command=args[0], value=value):
                    r = run(*args, "--threads", value, "--out", out)
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertIn("--threads", r.stderr)
                    self.assertIn("must be a whole number from 1 to",
                                  r.stderr)
                    self.assertFalse(os.path.exists(out))

    def test_seed(self):
        out = self.path("out.h5")
        for value in ("-1", "18446744073709551616", "1e3", "12abc"):
            with self.subTest(value=value):
                r = run("forecast", BASE, "--calibration", self.calibration,
                        "--seed", value, "--out", out)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("field '--seed': must be a whole number from 0 "
                              "to 2^64-1", r.stderr)
                self.assertFalse(os.path.exists(out))
        # The largest seed is stored exactly (a float64 would round it).
        r = run("forecast", BASE, "--calibration", self.calibration,
                "--draws", "100", "--seed", "18446744073709551615",
                "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f:
            self.assertEqual(f["/forecast/seed"].dtype, np.uint64)
            self.assertEqual(int(f["/forecast/seed"][0]), 2**64 - 1)
            self.assertEqual(int(f.attrs["seed"]), 2**64 - 1)

    def test_memory(self):
        out = self.path("out.h5")
        for value in ("-1", "nan", "inf", "0", "1e300"):
            for args in (["forecast", BASE, "--calibration", self.calibration],
                         ["sweep", self.sweep]):
                with self.subTest(command=args[0], value=value):
                    r = run(*args, "--memory", value, "--out", out)
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertIn("--memory", r.stderr)
                    self.assertFalse(os.path.exists(out))

    def test_long_value_cut_in_one_line(self):
        name = "X" * 100000
        out = self.path("out.h5")
        r = run("calibrate", "--regions", name, "--out", out)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1)
        self.assertIn("unknown region '" + "X" * 80 + "...'", r.stderr)
        self.assertLess(len(r.stderr), 400)

    def test_ceres_logging_silenced(self):
        # Options Ceres itself refuses: it logged "WARNING: Logging before
        # InitGoogleLogging()" and an "E... solver.cc" line through glog
        # before growthcast's own error (main build, checked by hand).
        out = self.path("out.h5")
        args = ["calibrate", "--linear-solver", "iterative_schur",
                "--trust-region", "dogleg", "--out", out]
        r = run(*args)
        self.assert_refused(r, out)
        self.assertTrue(r.stderr.startswith("growthcast: error: the "
                                            "calibration did not converge"),
                        r.stderr)
        # Asked for with glog's own variable, Ceres' lines are shown.
        env = dict(os.environ, GLOG_minloglevel="0")
        shown = subprocess.run([BINARY, *args], capture_output=True,
                               text=True, env=env, timeout=600)
        self.assertIn("solver.cc", shown.stderr)


class WrongNumbers(Shared):
    """Family 4: refused before any work."""

    def test_duplicate_scenario_names(self):
        copy = self.path("rd_push_copy.toml")
        with open(BASE) as f:
            text = f.read()
        with open(copy, "w") as f:
            f.write(text.replace('calibration = "', 'calibration = "'))
        out = self.path("out.h5")
        start = time.time()
        r = run("forecast", BASE, copy, "--calibration", self.calibration,
                "--out", out)
        self.assert_refused(r, out)
        self.assertIn("field 'name': two scenarios are named", r.stderr)
        self.assertEqual(r.stdout, "")  # no results printed
        self.assertLess(time.time() - start, 60)

    def test_group_named_like_a_region(self):
        regions = self.path("regions.csv")
        with open(regions, "w") as f:
            f.write("region,group\nSichuan,Sichuan\nChongqing,Sichuan\n")
        out = self.path("out.h5")
        r = run("accounting", "--regions-file", regions, "--regions",
                "Sichuan,Chongqing", "--out", out)
        self.assert_refused(r, out)
        self.assertIn(f"{regions}:2: field 'group': group 'Sichuan' has the "
                      "name of a region", r.stderr)

    def test_region_listed_twice(self):
        out = self.path("out.h5")
        for command in ("calibrate", "accounting"):
            with self.subTest(command):
                r = run(command, "--regions", "Sichuan,Chongqing,Sichuan",
                        "--out", out)
                self.assert_refused(r, out, code=2)
                self.assertIn("field '--regions': region 'Sichuan' is listed "
                              "twice", r.stderr)

    def test_more_shards_than_points(self):
        out = self.path("out.h5")
        r = run("sweep", self.sweep, "--shard", "4/5", "--out", out)
        self.assert_refused(r, out, code=2)
        self.assertIn("field '--shard': the sweep has 2 points, fewer than "
                      "the 5 shards", r.stderr)
        self.assertFalse(os.path.exists(out + ".checkpoint"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
