#!/usr/bin/env python3
"""Faults on output files (issue 6, "Faults on output").

1. kill -9 at random moments during calibrate, forecast (the 16 shipped
   scenarios), sweep and merge (at least 20 kills): afterwards the output
   path holds nothing new (absent, or the previous file byte-identical) or a
   complete, valid file (h5py reads every dataset; the same objects and
   shapes as an uninterrupted run), never a partial one. Temporary files
   (.gc-<16 hex>.tmp, beside the output) that a SIGKILL leaves behind are counted and
   reported, not failed (nothing can remove them after SIGKILL); a sweep's
   NAME.checkpoint/ is there by design, and a --resume after the last kill
   must finish the file, equal to the uninterrupted run dataset by dataset,
   bit for bit.
2. Disk full: a 1 MiB tmpfs as the output folder of a forecast with --paths
   that needs more: exit 1, a clear message, no file at the output path, no
   temporary file left, an existing file there untouched. Needs root (to
   mount); otherwise reported as skipped.
3. Two processes writing the same output path at once (different seeds):
   both finish and the file is exactly one of the two results.

Environment: GROWTHCAST_BINARY, GROWTHCAST_SOURCE_DIR, GROWTHCAST_WORK_DIR.
Prints one line per check and 'N passed, N failed'. Needs h5py and numpy.
Usage: run_faults.py [--disk-full]: without it checks 1 and 3, with it only
check 2 (ctest runs them as two tests), which exits SKIP_EXIT (77, ctest's
SKIP_RETURN_CODE for it) when it cannot run.
"""
import glob
import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

# Progress lines (cli/progress.cc: "growthcast forecast: 1/2 scenarios ...")
# come before an error when the command had started its work; the error
# message is what is checked.
PROGRESS_LINE = re.compile(r"^growthcast (forecast|sweep|backtest|bench "
                           r"solvers)( \(rank \d+ of \d+\))?: .*\n?", re.M)


def without_progress(stderr):
    return PROGRESS_LINE.sub("", stderr)


BINARY = os.path.abspath(os.environ["GROWTHCAST_BINARY"])
SOURCE = os.environ.get("GROWTHCAST_SOURCE_DIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
WORK = os.path.join(os.path.abspath(os.environ.get("GROWTHCAST_WORK_DIR") or tempfile.mkdtemp()),
                    "faults_work")
SEED = int(os.environ.get("GROWTHCAST_FAULTS_SEED", "6"))
SKIP_EXIT = 77
if "--disk-full" in sys.argv[1:]:
    WORK += "_disk_full"
ENV = dict(os.environ, OMP_NUM_THREADS="2")

SWEEP = """\
draws = {draws}

[base]
name = "faults/sweep"
horizon = 2035
seed = 11
regions = ["Sichuan", "Chongqing"]

[base.drivers.rd_intensity]
path = "ramp"
target = 0.03
by = 2030

[axes]
"drivers.rd_intensity.target" = [0.02, 0.03]
"drivers.rd_intensity.by" = [2028, 2032]
"""

results = []  # (ok, line)


def report(ok, line):
    results.append(ok)
    print(("ok   " if ok else "FAIL ") + line)
    sys.stdout.flush()


def run(args, cwd=WORK, check=True):
    r = subprocess.run([BINARY] + args, cwd=cwd, env=ENV, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({r.returncode}): {r.stderr}")
    return r


def timed(args):
    start = time.monotonic()
    run(args)
    return time.monotonic() - start


def structure(path):
    """{dataset: shape} after reading every dataset in full."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                obj[()]  # every byte must be readable
                out[name] = obj.shape
        f.visititems(visit)
    return out


def values(path, group="forecast"):
    """Every dataset under `group`, as raw bytes (strings by value)."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                data = obj[()]
                if isinstance(data, np.ndarray) and data.dtype.kind != "O":
                    out[name] = data.tobytes()
                else:
                    out[name] = repr(data.tolist() if hasattr(data, "tolist")
                                     else data).encode()
        f[group].visititems(visit)
    return out


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def temporaries(folder, name):
    """Temporaries in `folder` (engine/store/atomic_file.h names them
    .gc-<16 hex digits>.tmp, whatever the output's name, so they stay short).
    `name` is kept for the callers; any temporary in the folder counts."""
    del name
    return sorted(glob.glob(os.path.join(folder, ".gc-*.tmp")))


class KillLoop:
    """Kills one command at random moments and checks the output path."""

    def __init__(self, label, args, out, group, reference, duration, rng):
        self.label, self.args, self.out, self.group = label, args, out, group
        self.reference, self.duration, self.rng = reference, duration, rng
        self.left_temporaries = 0
        self.outcomes = {"nothing new": 0, "complete file": 0, "finished": 0}

    def once(self, index):
        out_path = os.path.join(WORK, self.out)
        prefill = (index // 2) % 2 == 1  # kills 3-4, 7-8, ...: an older file is there
        if os.path.exists(out_path):
            os.remove(out_path)
        for t in temporaries(WORK, self.out):
            os.remove(t)
        shutil.rmtree(out_path + ".checkpoint", ignore_errors=True)
        if prefill:
            shutil.copyfile(self.reference_file, out_path)
            before = digest(out_path)
        # Half the kills anywhere in the run, half near its end, where the
        # file is written.
        if index % 2 == 0:
            delay = self.rng.uniform(0.0, 1.1 * self.duration)
        else:
            delay = self.rng.uniform(0.6 * self.duration, 0.98 * self.duration)
        proc = subprocess.Popen([BINARY] + self.args, cwd=WORK, env=ENV,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(delay)
        finished = proc.poll() is not None
        if not finished:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
        left = temporaries(WORK, self.out)
        self.left_temporaries += len(left)
        what = f"{self.label} kill {index + 1} at {delay:.2f} s" + (
            " (had finished)" if finished else "") + (" over an older file" if prefill else "")
        problem = None
        state = "nothing new"
        if os.path.exists(out_path):
            if prefill and digest(out_path) == before:
                state = "nothing new"
            else:
                try:
                    got = structure(out_path)
                    if got != self.reference:
                        missing = sorted(set(self.reference) - set(got))
                        problem = f"partial file: {len(missing)} datasets missing or reshaped"
                    elif self.group not in got and not any(k.startswith(self.group.strip("/") + "/") for k in got):
                        problem = f"no {self.group}"
                    state = "complete file"
                except Exception as e:  # noqa: BLE001
                    problem = f"unreadable file at the output path: {e}"
        if finished:
            state = "finished"
        self.outcomes[state] += 1
        extra = f"; left {len(left)} temporary file(s)" if left else ""
        if os.path.isdir(out_path + ".checkpoint"):
            extra += "; checkpoint folder present"
        report(problem is None, f"{what}: {problem or state}{extra}")
        return not finished


def kill_tests(rng, cal):
    scenarios = sorted(p for p in glob.glob(os.path.join(SOURCE, "scenarios", "*", "*.toml"))
                       if os.sep + "sweeps" + os.sep not in p)
    loops = []

    # calibrate: the shipped panel (about 0.1 s).
    args = ["calibrate", "--out", "cal_kill.h5"]
    t = timed(args)
    loops.append(("calibrate", args, "cal_kill.h5", "/calibration", t, 6))

    # forecast: every shipped scenario, draws scaled to about 1 s.
    draws = 500
    base = ["forecast"] + scenarios + ["--calibration", cal]
    t = timed(base + ["--draws", str(draws), "--out", "probe.h5"])
    draws = max(100, int(draws * 1.0 / max(t, 0.05)))
    args = base + ["--draws", str(draws), "--out", "forecast_kill.h5"]
    t = timed(args)
    print(f"     forecast: {len(scenarios)} scenarios x {draws} draws, {t:.2f} s uninterrupted")
    loops.append(("forecast", args, "forecast_kill.h5", "/forecast", t, 6))

    # sweep: 4 points, draws scaled to about 1.5 s.
    sweep_file = os.path.join(WORK, "sweep.toml")
    with open(sweep_file, "w") as f:
        f.write(SWEEP.format(draws=1000))
    t = timed(["sweep", "sweep.toml", "--calibration", cal, "--out", "probe.h5"])
    sweep_draws = max(200, int(1000 * 1.5 / max(t, 0.05)))
    with open(sweep_file, "w") as f:
        f.write(SWEEP.format(draws=sweep_draws))
    args = ["sweep", "sweep.toml", "--calibration", cal, "--out", "sweep_kill.h5"]
    t = timed(args)
    print(f"     sweep: 4 points x {sweep_draws} draws, {t:.2f} s uninterrupted")
    loops.append(("sweep", args, "sweep_kill.h5", "/forecast", t, 5))

    # merge: two shards of the same sweep.
    for k in (0, 1):
        run(["sweep", "sweep.toml", "--calibration", cal, "--shard", f"{k}/2",
             "--out", f"shard{k}.h5"])
    args = ["merge", "shard0.h5", "shard1.h5", "--calibration", cal, "--out", "merge_kill.h5"]
    t = timed(args)
    loops.append(("merge", args, "merge_kill.h5", "/forecast", t, 5))

    total_kills = 0
    summary = []
    for label, args, out, group, t, kills in loops:
        reference_file = os.path.join(WORK, out + ".reference")
        shutil.copyfile(os.path.join(WORK, out), reference_file)
        loop = KillLoop(label, args, out, group, structure(reference_file), t, rng)
        loop.reference_file = reference_file
        # Count only kills that interrupted the run (a short run may finish
        # first); at most three tries per kill wanted.
        done = tries = 0
        while done < kills and tries < 3 * kills:
            done += loop.once(tries)
            tries += 1
        total_kills += done
        summary.append(f"{label}: {loop.outcomes}, temporaries left {loop.left_temporaries}")
        if label == "sweep":
            # A --resume after the last kill finishes the file.
            r = run(args + ["--resume"], check=False)
            out_path = os.path.join(WORK, out)
            ok = r.returncode == 0 and os.path.exists(out_path)
            differing = []
            try:
                ok = ok and structure(out_path) == loop.reference
                # Bit for bit: every /forecast dataset of the resumed file
                # equals the uninterrupted run's (not only names and shapes).
                if ok:
                    want, got = values(reference_file), values(out_path)
                    differing = sorted(n for n in set(want) | set(got)
                                       if want.get(n) != got.get(n))
                    ok = not differing
            except Exception:  # noqa: BLE001
                ok = False
            report(ok, f"sweep --resume after {done} kills equals the "
                   f"uninterrupted run bit for bit: exit {r.returncode}"
                   + (f"; datasets differ: {differing[:5]}" if differing else "")
                   + (f" ({r.stderr.strip()})" if r.returncode else "")
                   + ("; checkpoint removed" if not os.path.isdir(out_path + ".checkpoint")
                      else "; checkpoint folder still present"))
        # A clean run afterwards leaves no temporary of its own.
        before = set(temporaries(WORK, out))
        run(args + (["--resume"] if label == "sweep" else []), check=False)
        new = set(temporaries(WORK, out)) - before
        report(not new, f"{label}: an uninterrupted run leaves no temporary file"
               + (f" (left {sorted(new)})" if new else ""))
        for tmp in temporaries(WORK, out):
            os.remove(tmp)
    print(f"     {total_kills} kills: " + " | ".join(summary))
    report(total_kills >= 20, f"{total_kills} runs killed in all (at least 20 wanted)")


def disk_full(cal):
    scenario = os.path.join(SOURCE, "scenarios", "beijing_tianjin_hebei", "baseline.toml")
    mount = os.path.join(WORK, "tmpfs")
    os.makedirs(mount, exist_ok=True)
    if os.geteuid() != 0:
        print("SKIP disk full: needs root to mount a tmpfs")
        return False
    m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount],
                       stderr=subprocess.PIPE, text=True)
    if m.returncode != 0:
        print(f"SKIP disk full: cannot mount a tmpfs here ({m.stderr.strip()})")
        return False
    try:
        existing = os.path.join(mount, "existing.h5")
        with open(existing, "wb") as f:
            f.write(b"older result\n")
        for out, prefill in (("full.h5", False), ("existing.h5", True)):
            out_path = os.path.join(mount, out)
            before = sorted(os.listdir(mount))
            r = run(["forecast", scenario, "--calibration", cal, "--draws", "2000",
                     "--paths", "--out", out_path], check=False)
            after = sorted(os.listdir(mount))
            problems = []
            if r.returncode != 1:
                problems.append(f"exit {r.returncode}, expected 1"
                                + (f" (killed by signal {-r.returncode})" if r.returncode < 0 else ""))
            message = without_progress(r.stderr).strip()
            if "\n" in message:
                problems.append("the message spans several lines")
            if out_path not in message or "growthcast: error:" not in message:
                problems.append(f"message does not name the output file: {message!r}")
            if prefill:
                with open(out_path, "rb") as f:
                    if f.read() != b"older result\n":
                        problems.append("the existing file was changed")
            elif os.path.exists(out_path):
                problems.append("a file was left at the output path")
            if after != before:
                problems.append(f"new files left: {sorted(set(after) - set(before))}")
            report(not problems, f"disk full ({'over an existing file' if prefill else 'new file'}): "
                   + ("; ".join(problems) if problems else f"exit 1: {message}"))
    finally:
        subprocess.run(["umount", mount])


def concurrent_writers(cal):
    scenarios = [os.path.join(SOURCE, "scenarios", "chengdu_chongqing", n)
                 for n in ("baseline.toml", "combined.toml")]
    base = ["forecast"] + scenarios + ["--calibration", cal, "--draws", "4000"]
    refs = {}
    for seed in (1, 2):
        run(base + ["--seed", str(seed), "--out", f"ref_seed{seed}.h5"])
        with h5py.File(os.path.join(WORK, f"ref_seed{seed}.h5"), "r") as f:
            refs[seed] = {k: f["forecast"][k]["quantiles"][()] for k in ("gdp", "capital")}
    out = "shared.h5"
    for round_ in range(3):
        out_path = os.path.join(WORK, out)
        if os.path.exists(out_path):
            os.remove(out_path)
        procs = [subprocess.Popen([BINARY] + base + ["--seed", str(seed), "--out", out],
                                  cwd=WORK, env=ENV, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True) for seed in (1, 2)]
        codes = []
        for p in procs:
            _, err = p.communicate()
            codes.append((p.returncode, err.strip()))
        problems = []
        if any(c != 0 for c, _ in codes):
            problems.append(f"exit statuses {codes}")
        match = None
        try:
            structure(out_path)
            with h5py.File(out_path, "r") as f:
                got = {k: f["forecast"][k]["quantiles"][()] for k in ("gdp", "capital")}
            for seed, ref in refs.items():
                if all(np.array_equal(got[k], ref[k]) for k in ref):
                    match = seed
            if match is None:
                problems.append("the file matches neither writer's result (a mix?)")
        except Exception as e:  # noqa: BLE001
            problems.append(f"unreadable: {e}")
        left = temporaries(WORK, out)
        if left:
            problems.append(f"temporaries left: {left}")
        report(not problems, f"two writers, round {round_ + 1}: "
               + ("; ".join(problems) if problems else f"the file is seed {match}'s complete result"))


def main():
    started = time.monotonic()
    rng = random.Random(SEED)
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    cal = os.path.join(WORK, "shipped_cal.h5")
    run(["calibrate", "--out", cal])
    if "--disk-full" in sys.argv[1:]:
        if disk_full(cal) is False:
            return SKIP_EXIT
    else:
        kill_tests(rng, cal)
        concurrent_writers(cal)
    passed = sum(results)
    failed = len(results) - passed
    print(f"({time.monotonic() - started:.1f} s)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
