#!/usr/bin/env python3
"""The shipped Slurm recipe on a real single-node Slurm (issue 17).

Starts munged, slurmctld and slurmd (Debian's slurm-wlm and munge) as root
with a minimal slurm.conf for this host with 2 CPUs, everything in a
temporary folder, then runs the recipe of scenarios/sweeps/slurm_array.sbatch
as a user would from a fresh checkout (no out/ folder): the array job of
shards, the merge job that depends on it, and checks the merged file equals
a one-process run of the same sweep. The daemons are stopped afterwards,
also when the test fails; the whole test is bounded (DEADLINE seconds).

Exit code 77 (ctest's SKIP_RETURN_CODE) with the reason printed when Slurm
cannot run here: not root, the programs missing, or a daemon that does not
come up (its log is printed).

Environment (set by ctest): GROWTHCAST_BINARY, GROWTHCAST_SOURCE_DIR,
GROWTHCAST_WORK_DIR.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

BINARY = os.environ["GROWTHCAST_BINARY"]
SOURCE = os.environ["GROWTHCAST_SOURCE_DIR"]
WORK = os.environ.get("GROWTHCAST_WORK_DIR", tempfile.gettempdir())
SKIP = 77
DEADLINE = 120  # seconds for the jobs (about 35 s on 2 cores)
SHARDS = 4      # array tasks (the recipe says 0-15; 4 keeps the test short)


def skip(reason):
    print(f"SKIP: {reason}", flush=True)
    sys.exit(SKIP)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def forecast_datasets(path):
    """Every dataset under /forecast and /calibration as bytes, by name."""
    out = {}
    with h5py.File(path, "r") as f:
        for group in ("forecast", "calibration"):
            def visit(name, obj, group=group):
                if isinstance(obj, h5py.Dataset):
                    data = obj[()]
                    if isinstance(data, np.ndarray) and data.dtype.kind != "O":
                        out[group + "/" + name] = data.tobytes()
                    else:
                        out[group + "/" + name] = repr(
                            data.tolist() if hasattr(data, "tolist")
                            else data).encode()
            f[group].visititems(visit)
    return out


class Cluster:
    """munged, slurmctld and slurmd in `root`, stopped by stop()."""

    def __init__(self, root):
        self.root = root
        self.procs = []
        self.host = socket.gethostname().split(".")[0]
        self.conf = os.path.join(root, "slurm.conf")
        self.socket = os.path.join(root, "munge.socket")
        self.env = dict(os.environ, SLURM_CONF=self.conf)

    def log(self, name):
        path = os.path.join(self.root, name)
        if not os.path.exists(path):
            return f"({name}: no log)"
        with open(path, errors="replace") as f:
            return f"--- {name} ---\n" + "".join(f.readlines()[-30:])

    def start(self):
        r = self.root
        key = os.path.join(r, "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o400)
        for d in ("state", "spool", "munge"):
            os.makedirs(os.path.join(r, d), mode=0o700, exist_ok=True)
        os.chmod(r, 0o700)
        self.procs.append(subprocess.Popen(
            ["munged", "--foreground", "--force", f"--key-file={key}",
             f"--socket={self.socket}",
             f"--pid-file={os.path.join(r, 'munged.pid')}",
             f"--log-file={os.path.join(r, 'munged.log')}",
             f"--seed-file={os.path.join(r, 'munge', 'seed')}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
        if not self.wait_for(lambda: os.path.exists(self.socket), 10):
            return "munged did not start\n" + self.log("munged.log")
        ctld, slurmd = free_port(), free_port()
        with open(self.conf, "w") as f:
            f.write(f"""ClusterName=growthcast-test
SlurmctldHost={self.host}(127.0.0.1)
SlurmctldPort={ctld}
SlurmdPort={slurmd}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={self.socket}
CredType=cred/munge
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool
SlurmctldPidFile={r}/slurmctld.pid
SlurmdPidFile={r}/slurmd.pid
SlurmctldLogFile={r}/slurmctld.log
SlurmdLogFile={r}/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName={self.host} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes={self.host} Default=YES MaxTime=INFINITE State=UP
""")
        self.procs.append(subprocess.Popen(
            ["slurmctld", "-D", "-i", "-f", self.conf],
            stdout=open(os.path.join(r, "slurmctld.out"), "w"),
            stderr=subprocess.STDOUT, env=self.env))
        self.procs.append(subprocess.Popen(
            ["slurmd", "-D", "-f", self.conf, "-N", self.host],
            stdout=open(os.path.join(r, "slurmd.out"), "w"),
            stderr=subprocess.STDOUT, env=self.env))

        def idle():
            for p in self.procs:
                if p.poll() is not None:
                    return True  # a daemon exited: stop waiting
            out = subprocess.run(["sinfo", "-h", "-o", "%t"],
                                 capture_output=True, text=True,
                                 env=self.env).stdout
            return out.strip().startswith("idle")
        if not self.wait_for(idle, 40) or any(p.poll() is not None
                                              for p in self.procs):
            return ("the node did not become idle\n" +
                    "\n".join(self.log(n) for n in (
                        "slurmctld.log", "slurmctld.out", "slurmd.log",
                        "slurmd.out")))
        return None

    @staticmethod
    def wait_for(condition, seconds):
        end = time.time() + seconds
        while time.time() < end:
            if condition():
                return True
            time.sleep(0.5)
        return False

    def stop(self):
        try:
            subprocess.run(["scancel", "--user=root"], env=self.env,
                           capture_output=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            pass  # the daemons are stopped below either way
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in reversed(self.procs):
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def main():
    if os.geteuid() != 0:
        skip("the test starts Slurm's daemons as root; not running as root")
    for program in ("munged", "slurmctld", "slurmd", "sbatch", "squeue",
                    "sinfo", "scancel"):
        if shutil.which(program) is None:
            skip(f"{program} is not installed (Debian: slurm-wlm, munge; "
                 "scripts/bootstrap.sh installs them)")
    # ctest's timeout (or a user's Ctrl-C) ends the test with SIGTERM or
    # SIGINT: leave through the finally below, which stops the daemons.
    def leave(signum, _frame):
        raise SystemExit(f"stopped by signal {signum}")
    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGINT, leave)
    root = tempfile.mkdtemp(prefix="slurm_", dir=WORK)
    cluster = Cluster(root)
    failed = True
    try:
        why = cluster.start()
        if why:
            print(why, flush=True)
            skip("a single-node Slurm could not be started here (logs above)")
        failed = run_recipe(cluster, root)
    finally:
        cluster.stop()
        if not failed:
            shutil.rmtree(root, ignore_errors=True)
    sys.exit(1 if failed else 0)


def run_recipe(cluster, root):
    """The recipe from a fresh checkout; returns True when it failed."""
    # A fresh checkout: the scenarios folder, no out/.
    checkout = os.path.join(root, "checkout")
    os.makedirs(checkout)
    os.symlink(os.path.join(SOURCE, "scenarios"),
               os.path.join(checkout, "scenarios"))
    env = dict(cluster.env,
               PATH=os.path.dirname(BINARY) + os.pathsep + os.environ["PATH"])
    script = os.path.join("scenarios", "sweeps", "slurm_array.sbatch")
    end = time.time() + DEADLINE

    def sh(*args):
        result = subprocess.run(list(args), capture_output=True, text=True,
                                cwd=checkout, env=env, timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: {result.stderr}")
        return result.stdout.strip()

    # The two commands the script's header gives, verbatim but for the
    # number of tasks.
    array = sh("sbatch", "--parsable", f"--array=0-{SHARDS - 1}", script)
    merge = sh("sbatch", "--parsable", f"--dependency=afterok:{array}",
               "--kill-on-invalid-dep=yes", "--wrap",
               "growthcast merge out/shard_*.h5 --out out/sweep.h5")
    while time.time() < end:
        queue = sh("squeue", "-h", "-j", f"{array},{merge}", "-o", "%i %T")
        if not queue:
            break
        time.sleep(1)
    else:
        print(f"FAIL: the jobs did not finish in {DEADLINE} s:\n" + queue)
        print(sh("squeue", "-o", "%i %T %r"))
        return True
    merged = os.path.join(checkout, "out", "sweep.h5")
    if not os.path.exists(merged):
        print("FAIL: no out/sweep.h5; job logs:")
        for name in sorted(os.listdir(checkout)):
            if name.endswith(".log") or name.endswith(".out"):
                with open(os.path.join(checkout, name)) as f:
                    print(f"--- {name} ---\n{f.read()[-2000:]}")
        print(cluster.log("slurmctld.log"))
        print(cluster.log("slurmd.log"))
        return True
    # Each task's log where the recipe says: in the folder sbatch ran in.
    for k in range(SHARDS):
        log = os.path.join(checkout, f"growthcast-sweep_{array}_{k}.log")
        if not os.path.exists(log):
            print(f"FAIL: no log {log}")
            return True
    # The same sweep in one process, for comparison.
    single = os.path.join(root, "single.h5")
    result = subprocess.run(
        [BINARY, "sweep", os.path.join(SOURCE, "scenarios", "sweeps",
                                       "chengdu_chongqing_rd_investment.toml"),
         "--out", single], capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        print("FAIL: the one-process sweep failed: " + result.stderr)
        return True
    a, b = forecast_datasets(single), forecast_datasets(merged)
    bad = sorted(n for n in set(a) | set(b) if a.get(n) != b.get(n))
    if bad:
        print("FAIL: the merged file differs from a one-process run in " +
              ", ".join(bad))
        return True
    with h5py.File(merged, "r") as f:
        points = len(f["forecast/point_index"])
    if points != 36:
        print(f"FAIL: {points} points merged, the sweep has 36")
        return True
    print(f"ok: {SHARDS} array tasks and the merge job ran on Slurm; "
          f"out/sweep.h5 ({points} points) equals a one-process run")
    return False


if __name__ == "__main__":
    main()
