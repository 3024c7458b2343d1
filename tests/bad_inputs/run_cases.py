#!/usr/bin/env python3
"""Runs the bad-input corpus (tests/bad_inputs/cases.toml) against growthcast.

Every case runs in its own scratch folder holding a copy of its input file
(so messages show the bare file name) and cal.h5, a calibration of
cases/panel_ok.csv. A failing case is run twice:
  1. with no file at the output path: afterwards the folder holds exactly
     what it held before (no output, no temporary file, no checkpoint);
  2. with an existing file at the output path: afterwards it is
     byte-identical, and nothing else is new.
Both runs must give the expected exit status and message. A case that must
succeed is checked for exit 0 and a valid HDF5 result with the expected group
(via h5py when it is installed, else the HDF5 signature).

Environment: GROWTHCAST_BINARY, GROWTHCAST_SOURCE_DIR, GROWTHCAST_WORK_DIR
(set by ctest). Usage: run_cases.py [--record] [--as-nobody | --not-as-nobody]
[NAME_SUBSTRING...]. --record prints each case's actual exit status and
stderr (for writing cases.toml). --as-nobody runs only the cases with
run_as = "nobody", --not-as-nobody all the others (ctest runs them as two
tests, so that the first can be reported as skipped on its own). Prints one
line per case and 'N passed, N failed'. Exit status: 1 if a case failed, else
SKIP_EXIT (77, ctest's SKIP_RETURN_CODE here) if every selected case was
skipped, else 0.
"""
import os
import re
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import tomllib

# Progress lines (cli/progress.cc: "growthcast forecast: 1/2 scenarios ...")
# come before an error when the command had started its work; the error
# message is what is checked.
PROGRESS_LINE = re.compile(r"^growthcast (forecast|sweep|backtest|bench "
                           r"solvers)( \(rank \d+ of \d+\))?: .*\n?", re.M)


def without_progress(stderr):
    return PROGRESS_LINE.sub("", stderr)


HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
SENTINEL = b"pre-existing output: must be left byte-identical\n" + bytes(range(256))
NOBODY = 65534
SKIP_EXIT = 77

try:  # optional: a deeper check of successful outputs
    import h5py  # noqa: F401
except ImportError:
    h5py = None


def listing(folder):
    """Every path under folder (relative), with file contents' sizes."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, folder)
            out[rel] = os.lstat(path).st_size if name in files else "dir"
    return out


def substitute(arg, values):
    for key, value in values.items():
        arg = arg.replace("{" + key + "}", value)
    return arg


def check_valid_output(path, group):
    if not os.path.isfile(path):
        return f"no output file at {path}"
    with open(path, "rb") as f:
        if f.read(8) != HDF5_SIGNATURE:
            return f"{path} is not an HDF5 file"
    if h5py is not None and group:
        try:
            with h5py.File(path, "r") as f:
                if group not in f:
                    return f"{path} has no {group} group"
        except Exception as e:  # noqa: BLE001
            return f"h5py cannot read {path}: {e}"
    return None


class Runner:
    def __init__(self, binary, work):
        self.binary = binary
        self.work = work
        self.cal = os.path.join(work, "fixture_cal.h5")
        self.can_drop_privileges = os.geteuid() == 0 and shutil.which("setpriv")

    def prepare(self):
        os.makedirs(self.work, exist_ok=True)
        r = subprocess.run([self.binary, "calibrate", "--data",
                            os.path.join(CASES, "panel_ok.csv"), "--out", self.cal],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise SystemExit("cannot make the fixture calibration: " + r.stderr)

    def scratch(self, case):
        folder = os.path.join(self.work, "cases", case["name"])
        if os.path.exists(folder):
            for root, dirs, _ in os.walk(folder):
                for d in dirs:
                    os.chmod(os.path.join(root, d), 0o755)
            shutil.rmtree(folder)
        os.makedirs(folder)
        os.chmod(folder, 0o755)
        for name in [case["file"]] + case.get("extra", []):
            shutil.copyfile(os.path.join(CASES, name), os.path.join(folder, name))
            os.chmod(os.path.join(folder, name), 0o644)
        shutil.copyfile(self.cal, os.path.join(folder, "cal.h5"))
        os.chmod(os.path.join(folder, "cal.h5"), 0o644)
        return folder

    def run(self, case, folder, out):
        values = {"bin": self.binary, "case": case["file"], "out": out, "cal": "cal.h5"}
        command = [substitute(a, values) for a in case["command"]]
        limit = case.get("limit_as_mib")

        def preexec():
            if limit:
                size = limit * 1024 * 1024
                resource.setrlimit(resource.RLIMIT_AS, (size, size))

        if case.get("run_as") == "nobody":
            command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
                       "--clear-groups"] + command
        env = dict(os.environ, OMP_NUM_THREADS="1")
        try:
            r = subprocess.run(command, cwd=folder, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env, preexec_fn=preexec,
                               timeout=case.get("timeout", 60))
        except subprocess.TimeoutExpired:
            return None, "timed out", command
        return (r.returncode,
                without_progress(r.stderr.decode("utf-8", "replace")), command)

    def check_message(self, case, stderr):
        text = stderr.strip()
        if "message" in case and text != case["message"]:
            return f"message {text!r}, expected {case['message']!r}"
        for part in case.get("contains", []):
            if part not in text:
                return f"message {text!r} lacks {part!r}"
        if "regex" in case and not re.search(case["regex"], text):
            return f"message {text!r} does not match /{case['regex']}/"
        return None

    def one(self, case, record=False):
        """Returns a list of problems (empty: passed)."""
        if case.get("run_as") == "nobody" and not self.can_drop_privileges:
            return ["SKIP: needs root and setpriv to run as an unprivileged user"]
        out = case.get("out", "out.h5")
        expect_exit = case["exit"]
        problems = []
        prefill_choices = [False, True]
        if case.get("setup") == "missing_dir":
            prefill_choices = [False]  # nothing can exist there
        for prefill in prefill_choices:
            folder = self.scratch(case)
            out_path = os.path.join(folder, out)
            out_dir = os.path.dirname(out_path)
            if case.get("setup") in ("readonly_dir",):
                os.makedirs(out_dir, exist_ok=True)
            if prefill:
                with open(out_path, "wb") as f:
                    f.write(SENTINEL)
            if case.get("setup") == "readonly_dir":
                os.chmod(out_dir, 0o555)
            before = listing(folder)
            code, stderr, command = self.run(case, folder, out)
            tag = "existing output" if prefill else "no output"
            if record:
                print(f"  [{tag}] exit {code}: {stderr.strip()}")
                continue
            if code != expect_exit:
                problems.append(f"[{tag}] exit {code}, expected {expect_exit}"
                                + (f" ({stderr.strip()[:300]})" if stderr.strip() else ""))
            if expect_exit == 0:
                bad = check_valid_output(out_path, case.get("group"))
                if bad:
                    problems.append(f"[{tag}] {bad}")
                continue
            bad = self.check_message(case, stderr)
            if bad:
                problems.append(f"[{tag}] {bad}")
            after = listing(folder)
            new = sorted(set(after) - set(before))
            if new:
                problems.append(f"[{tag}] left new files: {', '.join(new)}")
            if prefill:
                with open(out_path, "rb") as f:
                    if f.read() != SENTINEL:
                        problems.append(f"[{tag}] the existing output file was changed")
            elif os.path.exists(out_path):
                problems.append(f"[{tag}] an output file was created")
            if code is not None and code < 0 or (code or 0) >= 128:
                problems.append(f"[{tag}] crashed (signal {-code if code < 0 else code - 128})")
            if os.path.isdir(out_dir):
                os.chmod(out_dir, 0o755)
        return problems


def main():
    args = sys.argv[1:]
    record = "--record" in args
    as_nobody = "--as-nobody" in args
    not_as_nobody = "--not-as-nobody" in args
    filters = [a for a in args
               if a not in ("--record", "--as-nobody", "--not-as-nobody")]
    binary = os.environ.get("GROWTHCAST_BINARY")
    if not binary:
        raise SystemExit("set GROWTHCAST_BINARY to the growthcast program")
    work = os.environ.get("GROWTHCAST_WORK_DIR") or tempfile.mkdtemp()
    work = os.path.join(os.path.abspath(work), "bad_inputs_work")
    with open(os.path.join(HERE, "cases.toml"), "rb") as f:
        cases = tomllib.load(f)["case"]
    names = [c["name"] for c in cases]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SystemExit(f"duplicate case names in cases.toml: {sorted(duplicates)}")
    runner = Runner(os.path.abspath(binary), work)
    runner.prepare()
    # Running as nobody needs every parent folder of the scratch folders to
    # be searchable.
    path = work
    while path != "/":
        mode = os.stat(path).st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(path, mode | stat.S_IXOTH)
        path = os.path.dirname(path)
    passed = failed = skipped = 0
    started = time.monotonic()
    for case in cases:
        if filters and not any(f in case["name"] for f in filters):
            continue
        nobody = case.get("run_as") == "nobody"
        if (as_nobody and not nobody) or (not_as_nobody and nobody):
            continue
        if record:
            print(case["name"])
            runner.one(case, record=True)
            continue
        problems = runner.one(case)
        if problems and problems[0].startswith("SKIP"):
            skipped += 1
            print(f"SKIP {case['name']}: {problems[0][6:]}")
        elif problems:
            failed += 1
            gap = f" (known gap: {case['gap']})" if "gap" in case else ""
            print(f"FAIL {case['name']}{gap}: " + "; ".join(problems))
        else:
            passed += 1
            print(f"ok   {case['name']}")
        sys.stdout.flush()
    if record:
        return 0
    print(f"({time.monotonic() - started:.1f} s, {skipped} skipped)")
    print(f"{passed} passed, {failed} failed")
    if failed:
        return 1
    return SKIP_EXIT if skipped and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
