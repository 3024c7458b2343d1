#!/usr/bin/python3
"""Side-by-side: growthcast's default calibration against scipy.

Solves the identical problem that `growthcast calibrate` solves by default
(data/china_provinces.csv, 2010-2019, all 31 provinces, gdp_real, capital,
labour, rd_real; the model `cobb_douglas_rd` of
docs/models/cobb_douglas_rd.md with delta_S fixed at 0.15, beta = 1 - alpha,
free a_i, lambda_i, alpha, gamma) with
scipy.optimize.least_squares, from growthcast's starting point and with its
tolerances, and compares wall time and final cost with the Google Benchmark
JSON of bench/calibration_benchmark.cc.

The equations are implemented here from docs/models/cobb_douglas_rd.md,
independently of the C++ code; only the starting point is taken from
engine/calibrate/calibration.cc (CalibrationProblem::build): alpha0 = 0.4,
gamma0 = 0.1, lambda_i = 0 and
a_i = mean_t(ln Y - alpha0 ln K - (1 - alpha0) ln L - gamma0 ln S).

Exit status: 0 when every scipy method ends at growthcast's final cost within
--cost-rtol (default 1e-8, relative; with --cold-binary, scipy's median over
the starts of NUDGED), 1 otherwise (or when --min-ratio is given and the 'lm'
speed ratio is below it), 2 on a usage or input error.

numpy and scipy only (Debian's python3-numpy, python3-scipy): run with
/usr/bin/python3.
"""

import argparse
import csv
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy
from scipy.optimize import least_squares

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent
COLUMNS = ("gdp_real", "capital", "labour", "rd_real")

# growthcast's defaults (engine/calibrate/options.h, ModelOptions and
# SolverOptions): delta_S fixed at 0.15, alpha free in [0.05, 0.95] from
# 0.4, gamma free in [0, 1] from 0.1, tolerances 1e-14.
DELTA_S = 0.15
ALPHA0, GAMMA0 = 0.4, 0.1
ALPHA_BOUNDS, GAMMA_BOUNDS = (0.05, 0.95), (0.0, 1.0)
TOL = 1e-14
MAX_ITERATIONS = 500


# --- data and model (docs/models/cobb_douglas_rd.md, "Equations") -------

def load_panel(path, first, last):
    """Y, K, L, R as (regions, years) arrays, regions in file order."""
    rows = {}
    order = []
    with open(path, newline="") as f:
        for line, rec in enumerate(csv.DictReader(f), start=2):
            year = int(rec["year"])
            if not first <= year <= last:
                continue
            region = rec["region"]
            if region not in rows:
                rows[region] = {}
                order.append(region)
            try:
                values = [float(rec[c]) for c in COLUMNS]
            except (KeyError, ValueError):
                sys.exit(f"{path}:{line}: missing or non-numeric {COLUMNS}")
            if not all(v > 0 and math.isfinite(v) for v in values):
                sys.exit(f"{path}:{line}: {COLUMNS} must be positive")
            rows[region][year] = values
    years = list(range(first, last + 1))
    for region in order:
        missing = [y for y in years if y not in rows[region]]
        if missing:
            sys.exit(f"{path}: {region} has no row for {missing}")
    cube = np.array([[rows[r][y] for y in years] for r in order])
    return order, years, cube[:, :, 0], cube[:, :, 1], cube[:, :, 2], cube[:, :, 3]


def knowledge_stock(rd, delta):
    """Perpetual inventory: S_t0 = R_t0 / (g + delta), S_t = (1-delta) S_t-1 + R_t,
    g the mean log growth of R over the window."""
    n_years = rd.shape[1]
    g = (np.log(rd[:, -1]) - np.log(rd[:, 0])) / (n_years - 1)
    stock = np.empty_like(rd)
    stock[:, 0] = rd[:, 0] / (g + delta)
    for t in range(1, n_years):
        stock[:, t] = (1.0 - delta) * stock[:, t - 1] + rd[:, t]
    return stock


class Problem:
    """Residuals e_it = ln Y - (a_i + lambda_i t + alpha ln K + (1-alpha) ln L
    + gamma ln S), region-major like growthcast's residual blocks.
    x = [a_0, lambda_0, a_1, lambda_1, ..., alpha, gamma]."""

    def __init__(self, gdp, capital, labour, rd, delta=DELTA_S):
        self.gdp, self.capital, self.labour, self.rd = gdp, capital, labour, rd
        self.n_regions, self.n_years = gdp.shape
        self.ln_y = np.log(gdp)
        self.ln_k = np.log(capital)
        self.ln_l = np.log(labour)
        self.ln_s = np.log(knowledge_stock(rd, delta))
        self.t = np.arange(self.n_years, dtype=float)
        self.n_params = 2 * self.n_regions + 2
        # The Jacobian is constant (the model is linear in x once delta_S is
        # fixed); it is still rebuilt on every call, as a solver would.
        self._rows = np.arange(self.n_regions * self.n_years)

    def residuals(self, x):
        a = x[0:-2:2, None]
        lam = x[1:-2:2, None]
        alpha, gamma = x[-2], x[-1]
        fitted = (a + lam * self.t + alpha * self.ln_k + (1.0 - alpha) * self.ln_l
                  + gamma * self.ln_s)
        return (self.ln_y - fitted).ravel()

    def jacobian(self, x):
        del x  # constant
        n, T = self.n_regions, self.n_years
        jac = np.zeros((n * T, self.n_params))
        region = np.repeat(np.arange(n), T)
        jac[self._rows, 2 * region] = -1.0
        jac[self._rows, 2 * region + 1] = -np.tile(self.t, n)
        jac[:, -2] = -(self.ln_k - self.ln_l).ravel()
        jac[:, -1] = -self.ln_s.ravel()
        return jac

    def start(self, alpha0=ALPHA0, gamma0=GAMMA0):
        """growthcast's starting point (CalibrationProblem::build)."""
        x = np.zeros(self.n_params)
        level = (self.ln_y - alpha0 * self.ln_k - (1.0 - alpha0) * self.ln_l
                 - gamma0 * self.ln_s)
        x[0:-2:2] = level.mean(axis=1)
        x[-2], x[-1] = alpha0, gamma0
        return x

    def bounds(self):
        lower = np.full(self.n_params, -np.inf)
        upper = np.full(self.n_params, np.inf)
        lower[-2], upper[-2] = ALPHA_BOUNDS
        lower[-1], upper[-1] = GAMMA_BOUNDS
        return lower, upper

    def cost(self, x):
        """Ceres' cost: 0.5 * sum of squared residuals."""
        r = self.residuals(x)
        return 0.5 * float(r @ r)

    def exact(self):
        """The linear least-squares optimum by SVD (np.linalg.lstsq), a check
        independent of both iterative solvers."""
        x0 = np.zeros(self.n_params)
        r0 = self.residuals(x0)  # = ln Y - ln L: the part free of x
        jac = self.jacobian(x0)
        # r(x) = r0 + J x, minimise ||r0 + J x||.
        x, *_ = np.linalg.lstsq(jac, -r0, rcond=None)
        return x


# --- scipy runs ---------------------------------------------------------

METHODS = {
    # name: (least_squares keyword arguments given the problem, what it is)
    "scipy lm (2-point jac)": (
        lambda p: dict(method="lm"),
        "MINPACK lmdif, scipy's default finite-difference Jacobian"),
    "scipy lm (analytic jac)": (
        lambda p: dict(method="lm", jac=p.jacobian),
        "MINPACK lmder with the exact Jacobian"),
    "scipy trf (analytic jac, bounds)": (
        lambda p: dict(method="trf", jac=p.jacobian, bounds=p.bounds()),
        "trust-region reflective with growthcast's bounds"),
}


def run_scipy(problem, x0, name, repeats):
    """`repeats` solves by METHODS[name], the k-th from nudge_start(x0, k)
    (scipy's 2-point 'lm' is chaotic in the start's last bits: NUDGED).
    Returns the result from x0 itself, the times, and every solve's final
    cost and function evaluations."""
    make_kwargs, _ = METHODS[name]
    kwargs = make_kwargs(problem)
    # 'lm' scales its default max_nfev with n; give every method the same
    # generous cap in iterations' terms, as growthcast's max_iterations.
    kwargs.setdefault("max_nfev", MAX_ITERATIONS * (problem.n_params + 1))
    times, costs, evaluations = [], [], []
    from_x0 = None
    for k in range(repeats):
        start = time.perf_counter()
        result = least_squares(problem.residuals, nudge_start(x0, k),
                               ftol=TOL, xtol=TOL, gtol=TOL, **kwargs)
        times.append(time.perf_counter() - start)
        costs.append(problem.cost(result.x))
        evaluations.append(int(result.nfev))
        if k == 0:
            from_x0 = result
    return from_x0, times, costs, evaluations


# --- growthcast's figures (Google Benchmark JSON) ------------------------

UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def read_benchmark(path):
    with open(path) as f:
        doc = json.load(f)
    by_name = {}
    for b in doc["benchmarks"]:
        name = b.get("run_name", b["name"])
        agg = b.get("aggregate_name")
        if b.get("error_occurred"):
            sys.exit(f"{path}: {b['name']} failed: {b.get('error_message')}")
        # With --benchmark_repetitions prefer the median aggregate.
        if agg not in (None, "", "median"):
            continue
        entry = by_name.setdefault(name, {})
        if agg == "median" or "seconds" not in entry:
            entry["seconds"] = b["real_time"] * UNIT[b["time_unit"]]
            entry["iterations"] = b["iterations"]
            entry["repetitions"] = b.get("repetitions", 1)
            entry["counters"] = b
    return doc["context"], by_name


def find(by_name, prefix):
    for name, entry in by_name.items():
        if name.split("/")[0] == prefix:
            return entry
    sys.exit(f"the benchmark JSON has no {prefix}")


def run_benchmark_binary(binary, out, repetitions, min_time):
    cmd = [str(binary), "--benchmark_filter=^BM_Calibration",
           f"--benchmark_repetitions={repetitions}",
           f"--benchmark_min_time={min_time}",
           "--benchmark_format=json", f"--benchmark_out={out}",
           "--benchmark_out_format=json"]
    print("running:", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


# --- cold: the calibration as `growthcast calibrate` runs it -------------

def spread(values, scale=1e3):
    """'median (min-max)' in ms."""
    return (f"{statistics.median(values) * scale:.3f} "
            f"({min(values) * scale:.3f}-{max(values) * scale:.3f})")


# scipy's 'lm' with its 2-point Jacobian is chaotic on this problem: a
# start one unit in the last place away takes 275 to 668 function
# evaluations (7 to 15 ms here) and ends at a cost 1e-11 to 3e-8 above the
# optimum. numpy's mean in start() moves in the last bit with the arrays'
# alignment, so one fixed start made the "lm alone" figure 7.5 ms in one
# call and 15 ms in the next. The cold comparison therefore solves from
# the start and its neighbours below in turn and quotes the median.
NUDGED = ((None, 0.0),) + tuple(
    (j, direction) for j in (0, 10, 20, 30, 40, 50, 60, -2, -1)
    for direction in (-np.inf, np.inf))


def nudge_start(x0, k):
    """The start x0 with entry NUDGED[k] moved one unit in the last place
    (k = 0: x0 itself): a_0, a_5, a_10, a_15, a_20, a_25, a_30, alpha or
    gamma, down or up."""
    j, direction = NUDGED[k % len(NUDGED)]
    x = x0.copy()
    if j is not None:
        x[j] = np.nextafter(x[j], direction)
    return x


def scipy_fit(gdp, capital, labour, rd, nudge=0):
    """What growthcast's calibrate() computes from data in memory, in
    numpy/scipy: the model's logs and knowledge stocks (build), the start
    point (moved by nudge_start(., nudge)), scipy's default 'lm' solve
    (2-point Jacobian), then the covariance sigma^2 (J'J)^-1 with the
    analytic Jacobian at the optimum and sigma^2 = SSR / (n - p). Returns
    (x, cost)."""
    problem = Problem(gdp, capital, labour, rd)
    x0 = nudge_start(problem.start(), nudge)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = least_squares(problem.residuals, x0, method="lm", ftol=TOL,
                               xtol=TOL, gtol=TOL,
                               max_nfev=MAX_ITERATIONS * (problem.n_params + 1))
    jac = problem.jacobian(result.x)
    ssr = 2.0 * result.cost
    sigma2 = ssr / (jac.shape[0] - jac.shape[1])
    covariance = sigma2 * np.linalg.inv(jac.T @ jac)
    del covariance
    return result.x, result.cost


def run_cold(binary, problem, x0, runs, warm, gc_cost, cost_rtol,
             baseline=None, panel=None):
    """Side by side in one run: `runs` times, a fresh growthcast process
    (bench/calibration_cold.cc: its first run of the calibration's steps
    timed in-process, then `warm` repeats in the same process), the same of
    `baseline` (another build's program) when given, then in this (warm)
    Python process: scipy's 'lm' solve alone (the issue's reference), the
    same work as growthcast's calibrate() from data in memory
    (scipy_fit), and that plus reading the CSV (load_panel), what
    run_calibration does. Returns the figures as a dict."""
    import tempfile
    cold, cold_fit, cold_read, cold_total, warm_times, warm_fit = \
        [], [], [], [], [], []
    lm, lm_evaluations, sp_fit, sp_read_fit, ratios = [], [], [], [], []
    scipy_gaps = []  # scipy's final costs relative to growthcast's
    base_cold, base_fit, base_total, base_warm = [], [], [], []
    problems = []
    gdp, capital, labour, rd = (problem.gdp, problem.capital, problem.labour,
                                problem.rd)

    def one(program, out):
        done = subprocess.run([str(program), "--out", out, "--warm",
                               str(warm)], check=True, capture_output=True,
                              text=True)
        doc = json.loads(done.stdout)
        cost = doc["cold"]["final_cost"]
        if abs(cost - gc_cost) / gc_cost > cost_rtol:
            problems.append(f"{program}: final cost {cost:.17g} differs "
                            f"from {gc_cost:.17g}")
        return doc

    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "calibration.h5")
        for _ in range(runs):
            doc = one(binary, out)
            cold.append(doc["cold"]["calibration"])
            cold_fit.append(doc["cold"].get("fit", float("nan")))
            cold_read.append(doc["cold"].get("read", float("nan")))
            cold_total.append(doc["cold"]["total"])
            warm_times += [w["calibration"] for w in doc["warm"]]
            warm_fit += [w.get("fit", float("nan")) for w in doc["warm"]]
            if baseline:
                doc = one(baseline, out)
                base_cold.append(doc["cold"]["calibration"])
                base_fit.append(doc["cold"].get("fit", float("nan")))
                base_total.append(doc["cold"]["total"])
                base_warm += [w["calibration"] for w in doc["warm"]]
            # The three Python measurements in turn, each first in one run
            # of three (the first after a growthcast process measured
            # faster).
            # This run's start: growthcast's, or a neighbour (NUDGED).
            nudge = len(cold) - 1
            x_start = nudge_start(x0, nudge)

            def solve_alone():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    start = time.perf_counter()
                    result = least_squares(
                        problem.residuals, x_start, method="lm", ftol=TOL,
                        xtol=TOL, gtol=TOL,
                        max_nfev=MAX_ITERATIONS * (problem.n_params + 1))
                    lm.append(time.perf_counter() - start)
                lm_evaluations.append(int(result.nfev))
                return result.cost

            def fit_in_memory():
                start = time.perf_counter()
                _, cost = scipy_fit(gdp, capital, labour, rd, nudge)
                sp_fit.append(time.perf_counter() - start)
                return cost

            def fit_with_csv():
                start = time.perf_counter()
                _, _, g, k, l, r = load_panel(panel, 2010, 2019)
                _, cost = scipy_fit(g, k, l, r, nudge)
                sp_read_fit.append(time.perf_counter() - start)
                return cost

            steps = [solve_alone, fit_in_memory, fit_with_csv]
            turn = len(lm) % 3
            for step in steps[turn:] + steps[:turn]:
                scipy_gaps.append((step() - gc_cost) / gc_cost)
            ratios.append(lm[-1] / cold[-1])
    # scipy's finite differences stop it anywhere from 1e-11 to about 3e-8
    # above the optimum depending on the start's last bits (NUDGED): a
    # wrong problem or setup shows in the typical run, not in one start.
    if abs(statistics.median(scipy_gaps)) > cost_rtol:
        problems.append(f"scipy: median final cost "
                        f"{statistics.median(scipy_gaps):+.2e} relative to "
                        f"growthcast's {gc_cost:.17g}")
    med = statistics.median
    return dict(runs=runs, warm_per_process=warm,
                cold_calibration_seconds=cold,
                cold_fit_seconds=cold_fit, cold_read_seconds=cold_read,
                cold_with_write_seconds=cold_total,
                warm_calibration_seconds=warm_times,
                warm_fit_seconds=warm_fit, scipy_lm_seconds=lm,
                scipy_lm_evaluations=lm_evaluations,
                scipy_cost_gaps=scipy_gaps,
                starts=min(runs, len(NUDGED)),
                scipy_fit_seconds=sp_fit,
                scipy_read_fit_seconds=sp_read_fit,
                ratio_median=med(lm) / med(cold),
                ratio_warm_median=med(lm) / med(warm_times),
                ratio_lm_over_cold_fit=med(lm) / med(cold_fit),
                ratio_same_work_fit=med(sp_fit) / med(cold_fit),
                ratio_same_work_read_fit=med(sp_read_fit) / med(cold),
                ratio_pairs=ratios, problems=problems,
                load_average=os.getloadavg(),
                baseline=dict(
                    binary=str(baseline), cold_calibration_seconds=base_cold,
                    cold_fit_seconds=base_fit,
                    cold_with_write_seconds=base_total,
                    warm_calibration_seconds=base_warm,
                    ratio_median=med(lm) / med(base_cold),
                    ratio_warm_median=med(lm) / med(base_warm))
                if baseline else None)


def cold_report(c):
    lines = [
        f"Cold, as `growthcast calibrate --model cobb_douglas_rd` runs it "
        f"(bench/calibration_cold.cc, the first run in a fresh process, "
        f"timed in-process: no process start-up, no printing), "
        f"{c['runs']} processes interleaved with the Python side in one "
        f"warm Python process (imports and first calls not counted); "
        f"median (min-max) ms; load average "
        f"{', '.join(f'{v:.2f}' for v in c['load_average'])}:",
        "",
        "| measure | what it computes | ms |",
        "|---|---|---:|",
        f"| growthcast cold `calibrate()` | build (logs, knowledge stocks, "
        f"start), solve, covariance, fit statistics, from data in memory | "
        f"{spread(c['cold_fit_seconds'])} |",
        f"| growthcast cold, reading | options, CSV + units sidecar, select "
        f"| {spread(c['cold_read_seconds'])} |",
        f"| growthcast cold `run_calibration` | reading + `calibrate()` + "
        f"trend shocks | {spread(c['cold_calibration_seconds'])} |",
        f"| growthcast warm `calibrate()` (repeated in the process) | | "
        f"{spread(c['warm_fit_seconds'])} |",
        f"| growthcast warm `run_calibration` | | "
        f"{spread(c['warm_calibration_seconds'])} |",
        f"| growthcast cold with table and HDF5 write (fsync) | | "
        f"{spread(c['cold_with_write_seconds'])} |",
        f"| scipy `lm` solve alone (2-point Jacobian) | the solve from "
        f"arrays prepared beforehand, from growthcast's start and "
        f"{c['starts'] - 1} neighbours one unit in the last place away "
        f"({min(c['scipy_lm_evaluations'])}-"
        f"{max(c['scipy_lm_evaluations'])} function evaluations) | "
        f"{spread(c['scipy_lm_seconds'])} |",
        f"| numpy/scipy, the same work as `calibrate()` | logs, knowledge "
        f"stocks, start (the same starts), `lm`, covariance | "
        f"{spread(c['scipy_fit_seconds'])} |",
        f"| numpy/scipy, the same work with the CSV | `csv` module read + "
        f"the above | {spread(c['scipy_read_fit_seconds'])} |",
        "",
        f"scipy's final costs: {min(c['scipy_cost_gaps']):+.1e} to "
        f"{max(c['scipy_cost_gaps']):+.1e} relative to growthcast's "
        f"(median {statistics.median(c['scipy_cost_gaps']):+.1e}).",
        "",
        "| ratio (medians) | value |",
        "|---|---:|",
        f"| same work, data in memory: scipy / growthcast cold `calibrate()` "
        f"| {c['ratio_same_work_fit']:.1f}x |",
        f"| same work, with the CSV: scipy / growthcast cold "
        f"`run_calibration` | {c['ratio_same_work_read_fit']:.1f}x |",
        f"| the issue's: scipy `lm` solve alone / growthcast cold "
        f"`calibrate()` (growthcast does more) | "
        f"{c['ratio_lm_over_cold_fit']:.1f}x |",
        f"| scipy `lm` solve alone / growthcast cold `run_calibration` "
        f"(pairs {min(c['ratio_pairs']):.1f}-{max(c['ratio_pairs']):.1f}) | "
        f"{c['ratio_median']:.1f}x |",
        f"| scipy `lm` solve alone / growthcast warm `run_calibration` | "
        f"{c['ratio_warm_median']:.1f}x |",
    ]
    b = c.get("baseline")
    if b:
        lines += [
            "",
            f"Baseline `{b['binary']}`: cold `calibrate()` "
            f"{spread(b['cold_fit_seconds'])} ms (same work "
            f"{statistics.median(c['scipy_fit_seconds']) / statistics.median(b['cold_fit_seconds']):.1f}x); "
            f"cold run_calibration "
            f"{spread(b['cold_calibration_seconds'])} ms "
            f"({b['ratio_median']:.1f}x), warm "
            f"{spread(b['warm_calibration_seconds'])} ms "
            f"({b['ratio_warm_median']:.1f}x), with the write "
            f"{spread(b['cold_with_write_seconds'])} ms.",
        ]
    return "\n".join(lines)


# --- main -------------------------------------------------------------

def fmt_ms(seconds):
    return f"{seconds * 1e3:.3f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--panel", default=str(SOURCE / "data" / "china_provinces.csv"))
    ap.add_argument("--benchmark-json", help="Google Benchmark JSON of "
                    "growthcast_calibration_benchmark (read, or written when "
                    "--benchmark-binary is given)")
    ap.add_argument("--benchmark-binary", help="run this "
                    "growthcast_calibration_benchmark first")
    ap.add_argument("--benchmark-repetitions", type=int, default=5)
    ap.add_argument("--benchmark-min-time", default="0.5")
    ap.add_argument("--growthcast-binary", help="also time the whole "
                    "`growthcast calibrate --out X.h5` process (CSV read, "
                    "calibration, HDF5 write, process start-up)")
    ap.add_argument("--repeats", type=int, default=21,
                    help="timed scipy solves per method (median reported)")
    ap.add_argument("--cost-rtol", type=float, default=1e-8)
    ap.add_argument("--min-ratio", type=float, default=0.0,
                    help="also fail when scipy lm (2-point) / growthcast "
                    "solve is below this (the issue's goal is 20)")
    ap.add_argument("--json-out", help="write the table's figures as JSON here")
    ap.add_argument("--cold-binary", help="growthcast_calibration_cold: "
                    "also run the cold comparison (alone when no "
                    "--benchmark-json is given)")
    ap.add_argument("--cold-baseline-binary", help="another build's "
                    "growthcast_calibration_cold, run in turn with "
                    "--cold-binary")
    ap.add_argument("--cold-runs", type=int, default=57,
                    help="cold processes (each beside one scipy lm solve "
                    "from the next start of NUDGED: 57 = three rounds)")
    ap.add_argument("--cold-warm", type=int, default=5,
                    help="warm repeats inside each cold process")
    args = ap.parse_args()

    if args.cold_binary and not args.benchmark_json:
        regions, years, gdp, capital, labour, rd = load_panel(args.panel, 2010,
                                                              2019)
        problem = Problem(gdp, capital, labour, rd)
        x0 = problem.start()
        # The reference cost: the closed-form optimum (growthcast's agrees
        # to 1e-14 in the full comparison).
        cold = run_cold(args.cold_binary, problem, x0, args.cold_runs,
                        args.cold_warm, problem.cost(problem.exact()),
                        args.cost_rtol, args.cold_baseline_binary,
                        args.panel)
        print(cold_report(cold))
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump(dict(cold=cold, numpy=np.__version__,
                               scipy_version=scipy.__version__), f, indent=2)
                f.write("\n")
        for p in cold["problems"]:
            print("FAIL:", p, file=sys.stderr)
        return 1 if cold["problems"] else 0

    if args.benchmark_binary:
        if not args.benchmark_json:
            ap.error("--benchmark-binary needs --benchmark-json (the output)")
        run_benchmark_binary(args.benchmark_binary, args.benchmark_json,
                             args.benchmark_repetitions, args.benchmark_min_time)
    if not args.benchmark_json:
        ap.error("give --benchmark-json (and optionally --benchmark-binary)")

    context, bench = read_benchmark(args.benchmark_json)
    gc_cost = float(context["default_final_cost"])
    gc_initial = float(context["default_initial_cost"])
    gc_estimate = np.array([float(v) for v in context["default_estimate"].split()])
    gc_names = context["default_parameter_names"].split("|")

    regions, years, gdp, capital, labour, rd = load_panel(args.panel, 2010, 2019)
    problem = Problem(gdp, capital, labour, rd)
    x0 = problem.start()
    problems = []

    # Same problem? Starting cost and regions.
    n_gc_regions = (len(gc_estimate) - 5) // 2
    if n_gc_regions != len(regions):
        problems.append(f"growthcast calibrated {n_gc_regions} regions, "
                        f"the CSV has {len(regions)}")
    initial = problem.cost(x0)
    initial_rel = abs(initial - gc_initial) / gc_initial
    if initial_rel > 1e-12:
        problems.append(f"starting cost {initial:.17g} != growthcast's "
                        f"{gc_initial:.17g} (rel {initial_rel:.2e})")

    exact_x = problem.exact()
    exact_cost = problem.cost(exact_x)

    rows = []
    for name in METHODS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result, times, costs, evaluations = run_scipy(
                problem, x0, name, args.repeats)
        cost = statistics.median(costs)
        rows.append(dict(method=name, seconds=statistics.median(times),
                         best_seconds=min(times), cost=cost,
                         rel_cost=(cost - gc_cost) / gc_cost,
                         rel_cost_range=((min(costs) - gc_cost) / gc_cost,
                                         (max(costs) - gc_cost) / gc_cost),
                         nfev_range=(min(evaluations), max(evaluations)),
                         nfev=int(result.nfev),
                         njev=int(result.njev) if result.njev is not None else None,
                         status=int(result.status), x=result.x))

    # The bounds are not active at the optimum, so unbounded 'lm' solves the
    # same problem as growthcast's bounded one.
    alpha, gamma = exact_x[-2], exact_x[-1]
    margin = min(alpha - ALPHA_BOUNDS[0], ALPHA_BOUNDS[1] - alpha,
                 gamma - GAMMA_BOUNDS[0], GAMMA_BOUNDS[1] - gamma)
    if margin <= 0:
        problems.append(f"a bound is active at the optimum (alpha {alpha}, "
                        f"gamma {gamma}): unbounded 'lm' solves another problem")

    solve_entry = find(bench, "BM_CalibrationSolve")
    solve = solve_entry["seconds"]
    build = find(bench, "BM_CalibrationBuild")["seconds"]
    infer = find(bench, "BM_CalibrationCovariance")["seconds"]
    total = find(bench, "BM_CalibrationTotal")["seconds"]

    # growthcast's estimate in scipy's order, to compare parameters too.
    gc_x = np.concatenate([gc_estimate[:2 * len(regions)],
                           gc_estimate[[2 * len(regions), 2 * len(regions) + 2]]])
    gc_cost_here = problem.cost(gc_x)

    out = []
    out.append(f"Problem: {len(regions)} regions x {len(years)} years "
               f"({years[0]}-{years[-1]}) = {problem.n_regions * problem.n_years} "
               f"residuals, {problem.n_params} free parameters; "
               f"start cost {initial:.10g} (growthcast {gc_initial:.10g})")
    out.append("")
    out.append("| method | wall time (ms) | final cost | rel. cost diff vs growthcast "
               "| time / growthcast solve |")
    out.append("|---|---:|---:|---:|---:|")
    out.append(f"| growthcast build (CalibrationProblem::build) | {fmt_ms(build)} | | | |")
    out.append(f"| **growthcast solve** (Gauss-Newton steps by QR; Ceres "
               f"when they do not converge) | {fmt_ms(solve)} | "
               f"{gc_cost:.12e} | 0 | 1.0 |")
    out.append(f"| growthcast covariance (infer) | {fmt_ms(infer)} | | | |")
    out.append(f"| growthcast total (build+solve+infer) | {fmt_ms(total)} | "
               f"{gc_cost:.12e} | 0 | {total / solve:.1f} |")
    for r in rows:
        out.append(f"| {r['method']} | {fmt_ms(r['seconds'])} | {r['cost']:.12e} | "
                   f"{r['rel_cost']:+.1e} | {r['seconds'] / solve:.1f} |")
    cli_seconds = None
    if args.growthcast_binary:
        import tempfile
        times = []
        with tempfile.TemporaryDirectory() as tmp:
            for k in range(7):
                h5 = Path(tmp) / f"calibration{k}.h5"
                start = time.perf_counter()
                subprocess.run([args.growthcast_binary, "calibrate", "--data",
                                args.panel, "--out", str(h5)], check=True,
                               stdout=subprocess.DEVNULL)
                times.append(time.perf_counter() - start)
        cli_seconds = statistics.median(times)
        out.append(f"| `growthcast calibrate --out X.h5` (whole process) | "
                   f"{fmt_ms(cli_seconds)} | | | {cli_seconds / solve:.1f} |")
    out.append(f"| numpy lstsq (closed form, reference) | | {exact_cost:.12e} | "
               f"{(exact_cost - gc_cost) / gc_cost:+.1e} | |")
    alternatives = []
    for name, entry in sorted(bench.items()):
        if name.split("/")[0] != "BM_CalibrationSolveLinearSolver":
            continue
        b = entry["counters"]
        label = b.get("label", name.split("/")[1])
        if label == "dense_schur":
            continue  # the default, already above
        cost = float(b["final_cost"])
        alternatives.append(dict(linear_solver=label, seconds=entry["seconds"],
                                 cost=cost, rel_cost=(cost - gc_cost) / gc_cost))
        out.append(f"| growthcast solve, --linear-solver {label} (not the default) | "
                   f"{fmt_ms(entry['seconds'])} | {cost:.12e} | "
                   f"{(cost - gc_cost) / gc_cost:+.1e} | "
                   f"{entry['seconds'] / solve:.2f} |")
    out.append("")
    lm = rows[0]
    ratio = lm["seconds"] / solve
    out.append(f"Speed-up of growthcast's solve over scipy 'lm' (2-point, scipy's "
               f"default): {ratio:.1f}x; over 'lm' with the analytic Jacobian: "
               f"{rows[1]['seconds'] / solve:.1f}x; goal 20x: "
               f"{'met' if ratio >= 20 else 'NOT met'}.")
    out.append(f"growthcast total (build+solve+infer) vs scipy 'lm' solve only: "
               f"{lm['seconds'] / total:.1f}x.")
    out.append(f"scipy evaluations from growthcast's start: " + "; ".join(
        f"{r['method']}: nfev={r['nfev']}, njev={r['njev']}, status={r['status']}"
        for r in rows))
    out.append(f"Over the {min(args.repeats, len(NUDGED))} starts (growthcast's "
               f"and its neighbours one unit in the last place away, NUDGED): " +
               "; ".join(f"{r['method']}: nfev {r['nfev_range'][0]}-"
                         f"{r['nfev_range'][1]}, final cost "
                         f"{r['rel_cost_range'][0]:+.1e} to "
                         f"{r['rel_cost_range'][1]:+.1e} relative (median "
                         f"{r['rel_cost']:+.1e})" for r in rows))
    out.append(f"Largest parameter difference, scipy lm (analytic) vs growthcast: "
               f"{np.max(np.abs(rows[1]['x'] - gc_x)):.2e}; growthcast's estimate "
               f"evaluated here costs {gc_cost_here:.12e} "
               f"(rel {(gc_cost_here - gc_cost) / gc_cost:+.1e}).")
    out.append(f"Bounds at the optimum: alpha = {alpha:.6f} in {ALPHA_BOUNDS}, "
               f"gamma = {gamma:.6f} in {GAMMA_BOUNDS}: "
               f"{'inactive' if margin > 0 else 'ACTIVE'} (margin {margin:.3f}).")
    out.append(f"Timing: growthcast = Google Benchmark real time per iteration "
               f"(median of {solve_entry['repetitions']} repetitions); "
               f"scipy = median of "
               f"{args.repeats} solves, the k-th from the k-th start "
               f"(best: " + ", ".join(
                   f"{fmt_ms(r['best_seconds'])}" for r in rows) + " ms).")
    cold = None
    if args.cold_binary:
        cold = run_cold(args.cold_binary, problem, x0, args.cold_runs,
                        args.cold_warm, gc_cost, args.cost_rtol,
                        args.cold_baseline_binary, args.panel)
        problems += cold["problems"]
        out.append("")
        out.append(cold_report(cold))
        out.append("")
    out.append(f"Environment: Python {platform.python_version()}, numpy "
               f"{np.__version__}, scipy {scipy.__version__}; OPENBLAS_CORETYPE="
               f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, "
               f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', '(unset)')}.")
    print("\n".join(out))

    for r in rows:
        if abs(r["rel_cost"]) > args.cost_rtol:
            problems.append(f"{r['method']}: final cost {r['cost']:.17g} differs "
                            f"from growthcast's {gc_cost:.17g} by "
                            f"{r['rel_cost']:+.2e} (> {args.cost_rtol:g})")
    if abs(exact_cost - gc_cost) / gc_cost > args.cost_rtol:
        problems.append(f"growthcast's cost {gc_cost:.17g} is not the least-"
                        f"squares optimum {exact_cost:.17g}")
    if args.min_ratio and ratio < args.min_ratio:
        problems.append(f"speed ratio {ratio:.1f} below --min-ratio {args.min_ratio:g}")

    if args.json_out:
        doc = dict(
            panel=os.path.relpath(args.panel, SOURCE), regions=len(regions),
            years=[years[0], years[-1]], residuals=problem.n_regions * problem.n_years,
            parameters=problem.n_params, growthcast=dict(
                build_seconds=build, solve_seconds=solve, covariance_seconds=infer,
                total_seconds=total, cli_seconds=cli_seconds, initial_cost=gc_initial, final_cost=gc_cost),
            scipy=[{k: v for k, v in r.items() if k != "x"} for r in rows],
            lstsq_cost=exact_cost, lm_speed_ratio=ratio,
            growthcast_other_linear_solvers=alternatives, cold=cold,
            numpy=np.__version__, scipy_version=scipy.__version__,
            problems=problems)
        with open(args.json_out, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")

    if problems:
        for p in problems:
            print("FAIL:", p, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
