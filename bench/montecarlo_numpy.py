#!/usr/bin/python3
"""The Monte Carlo projection of docs/models/cobb_douglas_rd.md
("Projection") vectorised over draws in NumPy, timed on one thread against
growthcast's run_scenario.

Same problem as bench/montecarlo_benchmark.cc: the calibration written by
`growthcast calibrate` (HDF5), all regions, the groups of data/regions.csv,
horizon 2035, parameter uncertainty (theta ~ N(theta_hat, Cov) through the
Cholesky factor of the free parameters' covariance, draws outside the bounds
redrawn), AR(1) shocks, drivers held at their five-year baselines (ramps
reduce to that when no target is given), delta_K = 0.096; outputs the nine
variables per region and group and year, and their exact (type 7) quantiles,
mean and sd: the "quantiles only" run.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 \\
        bench/montecarlo_numpy.py --calibration cal.h5 --draws 20000 \\
        --benchmark-binary build/bench/growthcast_montecarlo_benchmark

prints both times and the ratio (growthcast's from its Google Benchmark
program, 1 thread, exact quantiles, the same draws).
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import h5py  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LEVELS = [0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95]


def load(path, regions_csv):
    f = h5py.File(path, "r")
    c = f["/calibration"]
    cal = {k: c[k][()] for k in ("estimate", "covariance", "is_free", "lower",
                                 "upper", "gdp", "capital", "labour", "rd",
                                 "residual", "investment_rate",
                                 "rd_intensity")}
    cal["regions"] = [r.decode() if isinstance(r, bytes) else r
                      for r in c["region"][()]]
    cal["years"] = c["year"][()]
    cal["rho"] = float(c.attrs["shock_rho"])
    cal["sigma"] = float(c.attrs["shock_sigma"])
    cal["beta_tied"] = bool(int(c.attrs["beta_is_one_minus_alpha"]))
    groups = {}
    with open(regions_csv, newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            if row["group"] and row["region"] in cal["regions"]:
                groups.setdefault(row["group"], []).append(
                    cal["regions"].index(row["region"]))
    cal["groups"] = list(groups.values())
    return cal


def project(cal, draws, horizon, rng):
    n = len(cal["regions"])
    last, first = int(cal["years"][-1]), int(cal["years"][0])
    years = horizon - last
    theta_hat = cal["estimate"]
    free = np.flatnonzero(cal["is_free"] > 0.5)
    cov = cal["covariance"][np.ix_(free, free)]
    chol = np.linalg.cholesky(cov)
    lo, hi = cal["lower"][free], cal["upper"][free]
    # Parameters, redrawn where they leave the bounds.
    theta = np.tile(theta_hat, (draws, 1))
    pending = np.arange(draws)
    redraws = 0
    while pending.size:
        cand = theta_hat[free] + rng.standard_normal((pending.size, free.size)) @ chol.T
        ok = np.all((cand >= lo) & (cand <= hi), axis=1)
        theta[np.ix_(pending[ok], free)] = cand[ok]
        redraws += int((~ok).sum())
        pending = pending[~ok]
    s0 = 2 * n
    a, lam = theta[:, 0:s0:2], theta[:, 1:s0:2]
    alpha = theta[:, s0][:, None]
    beta = 1 - alpha if cal["beta_tied"] else theta[:, s0 + 1][:, None]
    gamma, delta_s = theta[:, s0 + 2][:, None], theta[:, s0 + 3][:, None]
    # Knowledge stock at T with each draw's delta_S.
    rd = cal["rd"]
    g = (np.log(rd[:, -1]) - np.log(rd[:, 0])) / (rd.shape[1] - 1)
    s = rd[None, :, 0] / (g[None, :] + delta_s)
    for t in range(1, rd.shape[1]):
        s = (1 - delta_s) * s + rd[None, :, t]
    # Baselines: means of the last five data years.
    inv = cal["investment_rate"][:, -5:].mean(axis=1)
    rdi = cal["rd_intensity"][:, -5:].mean(axis=1)
    lab = cal["labour"]
    ngr = (lab[:, 1:] / lab[:, :-1] - 1)[:, -5:].mean(axis=1)
    dk = 0.096
    y = np.tile(cal["gdp"][:, -1], (draws, 1))
    k = np.tile(cal["capital"][:, -1], (draws, 1))
    l = np.tile(lab[:, -1], (draws, 1))
    u_last = cal["residual"][:, -1]
    u = np.tile(u_last, (draws, 1))
    lk, ll, ls = np.log(k), np.log(l), np.log(s)
    groups = cal["groups"]
    units = n + len(groups)
    out = np.empty((9, units, years, draws))
    glog = np.zeros((len(groups), draws))
    for h in range(years):
        year = last + 1 + h
        l1 = l * (1 + ngr)
        k1 = (1 - dk) * k + inv * y
        s1 = (1 - delta_s) * s + rdi * y
        lk1, ll1, ls1 = np.log(k1), np.log(l1), np.log(s1)
        u1 = cal["rho"] * u + cal["sigma"] * rng.standard_normal((draws, n))
        y1 = np.exp(a + lam * (year - first) + alpha * lk1 + beta * ll1
                    + gamma * ls1 + u1)
        cc, cl, ck = alpha * (lk1 - lk), beta * (ll1 - ll), gamma * (ls1 - ls)
        o = out[:, :n, h, :]
        o[0] = y1.T
        o[1] = (y1 / y - 1).T
        o[2] = np.exp(lam * (h + 1) + u1 - u_last).T
        o[3] = k1.T
        o[4] = s1.T
        o[5], o[6], o[7] = cc.T, cl.T, ck.T
        o[8] = (lam + u1 - u).T
        for j, members in enumerate(groups):
            yp = y[:, members].sum(axis=1)
            gy = y1[:, members].sum(axis=1)
            w = y[:, members] / yp[:, None]
            gc = [(w * c[:, members]).sum(axis=1) for c in (cc, cl, ck)]
            ctfp = np.log(gy / yp) - gc[0] - gc[1] - gc[2]
            glog[j] += ctfp
            out[:, n + j, h, :] = [gy, gy / yp - 1, np.exp(glog[j]),
                                   k1[:, members].sum(axis=1),
                                   s1[:, members].sum(axis=1), gc[0], gc[1],
                                   gc[2], ctfp]
        y, k, l, s, u, lk, ll, ls = y1, k1, l1, s1, u1, lk1, ll1, ls1
    values = out.reshape(-1, draws)
    q = np.quantile(values, LEVELS, axis=1)
    return q, values.mean(axis=1), values.std(axis=1, ddof=1), redraws, n, years


def growthcast_seconds(binary, calibration, draws, repeats):
    """Wall seconds of each of `repeats` runs of the benchmark program's
    1-thread exact run (as many runs as NumPy gets)."""
    name = f"BM_MonteCarlo/draws:{draws}/threads:1/exact:1"
    env = dict(os.environ, GROWTHCAST_MC_CALIBRATION=calibration)
    doc = json.loads(subprocess.run(
        [binary, f"--benchmark_filter=^{name}/", "--benchmark_format=json",
         f"--benchmark_repetitions={repeats}"],
        env=env, check=True, capture_output=True, text=True).stdout)
    runs = [b for b in doc["benchmarks"] if b["name"].startswith(name)
            and b.get("run_type", "iteration") == "iteration"]
    if not runs:
        sys.exit(f"no benchmark {name} (the program runs 20000 draws)")
    unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[runs[0]["time_unit"]]
    return [b["real_time"] * unit for b in runs]


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calibration", required=True)
    p.add_argument("--regions-csv",
                   default=os.path.join(HERE, "..", "data", "regions.csv"))
    p.add_argument("--draws", type=int, default=20000)
    p.add_argument("--horizon", type=int, default=2035)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--benchmark-binary")
    p.add_argument("--growthcast-seconds", type=float,
                   help="growthcast's time instead of running the binary")
    p.add_argument("--json-out")
    args = p.parse_args()
    cal = load(args.calibration, args.regions_csv)
    times = []
    for r in range(args.repeats):
        rng = np.random.default_rng(5 + r)
        t0 = time.perf_counter()
        q, mean, sd, redraws, n, years = project(cal, args.draws, args.horizon, rng)
        times.append(time.perf_counter() - t0)
    gc_times = ([args.growthcast_seconds] if args.growthcast_seconds
                else growthcast_seconds(args.benchmark_binary, args.calibration,
                                        args.draws, args.repeats)
                if args.benchmark_binary else [])
    region_years = args.draws * n * years
    print(f"draws {args.draws}, regions {n}, years {years}, cells {q.shape[1]}, "
          f"numpy {np.__version__}, 1 thread")
    # Both sides alike: the best and the median of the same number of runs
    # (this machine's first-touch memory costs vary from run to run).
    for label, runs in (("numpy", times), ("growthcast", gc_times)):
        if runs:
            print(f"{label + ':':12s} best {min(runs):7.3f} s, median "
                  f"{statistics.median(runs):7.3f} s  "
                  f"({region_years / min(runs) / 1e6:.3f} M region-years/s at "
                  f"best; runs {', '.join(f'{t:.3f}' for t in runs)})")
    ratios = {}
    if gc_times:
        ratios = {"best": min(times) / min(gc_times),
                  "median": statistics.median(times) /
                  statistics.median(gc_times)}
        print(f"ratio numpy / growthcast: {ratios['best']:.2f}x (best), "
              f"{ratios['median']:.2f}x (median)")
    if args.json_out:
        with open(args.json_out, "w") as fh:
            json.dump({"draws": args.draws, "regions": n, "years": years,
                       "numpy_seconds": times, "growthcast_seconds": gc_times,
                       "ratio_best": ratios.get("best"),
                       "ratio_median": ratios.get("median")}, fh, indent=1)


if __name__ == "__main__":
    main()
