"""growthcast.forecast from Python against `growthcast forecast` (issue 19).

    PYTHONPATH=build/python /usr/bin/python3 bench/python_forecast.py \
        [--binary build/cli/growthcast] [--draws 100000] [--runs 7]

Both sides project the same scenario (scenarios/chengdu_chongqing/
rd_push.toml: 2 provinces + 1 group, 2020-2035) from the same calibration
file, with the same draws, seed and threads (all cores), and write the same
HDF5 file. Runs alternate (CLI, Python, CLI, ...) so both see the same
machine load; the medians are compared.

- CLI: the wall time of the whole process (`growthcast forecast ...
  --calibration cal.h5 --draws N --seed 1 --out f.h5`): start-up, reading
  the calibration, the Monte Carlo, the historical accounting, the HDF5
  write and the summary table.
- Python, as a notebook calls it: `gc.forecast(cal, path, draws=N, seed=1,
  out=f.h5)` with `cal = gc.read_calibration(cal.h5)` done once before
  (the notebook holds its calibration): the Monte Carlo, the same HDF5
  write, and the xarray.Dataset of quantiles, means and sds (no draws cross
  into Python). Also timed: the same plus read_calibration, and forecast
  without out= (no file).

The outputs' quantiles are checked to be bit-identical. Prints a Markdown
table; --json FILE also writes the numbers.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import h5py

import growthcast as gc

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--binary",
                   default=os.path.join(root, "build", "cli", "growthcast"))
    p.add_argument("--draws", type=int, default=100000)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--scenario", default=os.path.join(
        root, "scenarios", "chengdu_chongqing", "rd_push.toml"))
    p.add_argument("--threads", type=int, default=0,
                   help="0: all cores (both sides)")
    p.add_argument("--json")
    a = p.parse_args()

    load = os.getloadavg()
    tmp = tempfile.TemporaryDirectory(prefix="growthcast-bench-")
    cal_file = os.path.join(tmp.name, "cal.h5")
    subprocess.run([a.binary, "calibrate", "--out", cal_file], check=True,
                   capture_output=True)
    cli_out = os.path.join(tmp.name, "cli.h5")
    py_out = os.path.join(tmp.name, "py.h5")
    cmd = [a.binary, "forecast", a.scenario, "--calibration", cal_file,
           "--draws", str(a.draws), "--seed", "1", "--out", cli_out]
    if a.threads:
        cmd += ["--threads", str(a.threads)]
    kw = {"draws": a.draws, "seed": 1, "threads": a.threads}
    cal = gc.read_calibration(cal_file)
    # One untimed round each (page cache, first-touch of the engine).
    subprocess.run(cmd, check=True, capture_output=True)
    gc.forecast(cal, a.scenario, out=py_out, **kw)

    def children_cpu():
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    keys = ("cli", "python", "python_with_read", "python_no_file")
    times = {k: [] for k in keys}
    cpu = {k: [] for k in keys}

    def timed(key, call, cpu_of=time.process_time):
        t, c = time.perf_counter(), cpu_of()
        call()
        times[key].append(time.perf_counter() - t)
        cpu[key].append(cpu_of() - c)

    for _ in range(a.runs):
        timed("cli", lambda: subprocess.run(cmd, check=True,
                                            capture_output=True),
              children_cpu)
        timed("python", lambda: gc.forecast(cal, a.scenario, out=py_out,
                                            **kw))
        timed("python_with_read", lambda: gc.forecast(
            gc.read_calibration(cal_file), a.scenario, out=py_out, **kw))
        timed("python_no_file", lambda: gc.forecast(cal, a.scenario, **kw))

    with h5py.File(cli_out, "r") as f, h5py.File(py_out, "r") as g:
        for v, _ in gc._core.variables():
            x = f["forecast"][v]["quantiles"][()]
            y = g["forecast"][v]["quantiles"][()]
            if x.tobytes() != y.tobytes():
                sys.exit(f"{v}: the files differ")
    med = {k: statistics.median(v) for k, v in times.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
    rows = [
        ("CLI process (`growthcast forecast ... --out`)", "cli"),
        ("`gc.forecast(cal, ..., out=)` (calibration held)", "python"),
        ("`gc.read_calibration` + `gc.forecast(..., out=)`",
         "python_with_read"),
        ("`gc.forecast(cal, ...)` (Dataset only, no file)",
         "python_no_file"),
    ]
    print(f"{a.draws} draws, {a.runs} runs each; {os.cpu_count()} cores, "
          f"threads = {a.threads or 'all'}; load average before "
          f"{load[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    print()
    print("| side | wall median s | wall min-max s | wall vs CLI | "
          "CPU median s | CPU vs CLI |")
    print("|---|---|---|---|---|---|")
    for label, k in rows:
        print(f"| {label} | {med[k]:.3f} | {min(times[k]):.3f}-"
              f"{max(times[k]):.3f} | {100 * (med[k] / med['cli'] - 1):+.1f}% "
              f"| {med_cpu[k]:.3f} | "
              f"{100 * (med_cpu[k] / med_cpu['cli'] - 1):+.1f}% |")
    print()
    print("quantiles of every variable: CLI file == Python file, bit for bit")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"draws": a.draws, "runs": a.runs, "times": times,
                       "cpu": cpu, "median": med, "median_cpu": med_cpu,
                       "threads": a.threads, "build": gc.__version__,
                       "cores": os.cpu_count()}, f, indent=1)


if __name__ == "__main__":
    main()
