#!/usr/bin/python3
"""h5py baseline for growthcast's full-path HDF5 write (issue 4, "Benchmark").

Writes the arrays `growthcast forecast --paths` stores: one float64 dataset
/forecast/<variable>/paths of shape [scenario, draw, region, year] per
variable (9 variables), into ONE file, then fsyncs it; prints (and with
--json, writes) the time from opening the file to the end of the fsync and
the MB/s (10^6 bytes) of the paths bytes. The arrays are made in memory
before the clock starts (random normals, so nothing compresses or is
sparse).

Layout as growthcast's writer: contiguous, no compression (--chunked adds a
chunked run, chunks of [1, --chunk-draws, region, year], for comparison).

  /usr/bin/python3 bench/sweep_h5py_write.py --dir DIR --draws 12500 \
      --regions 35 --years 16 --repetitions 3 --json out.json

Uses Debian's python3-h5py and python3-numpy (/usr/bin/python3).
"""
import argparse
import json
import os
import statistics
import sys
import time

import h5py
import numpy as np

VARIABLES = ["gdp", "gdp_growth", "tfp", "capital", "knowledge",
             "contribution_capital", "contribution_labour",
             "contribution_knowledge", "contribution_tfp"]


def write_once(path, arrays, chunks):
    """Writes every array into one new file (HDF5's default sec2 driver,
    as growthcast), closes it and fsyncs it; returns the seconds."""
    t0 = time.perf_counter()
    with h5py.File(path, "w") as f:
        for name, a in arrays.items():
            f.create_dataset(f"forecast/{name}/paths", data=a, chunks=chunks)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    t1 = time.perf_counter()
    return t1 - t0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dir", required=True, help="folder to write into")
    p.add_argument("--scenarios", type=int, default=1)
    p.add_argument("--draws", type=int, default=12500)
    p.add_argument("--regions", type=int, default=35,
                   help="units on the region axis (31 provinces + 4 groups)")
    p.add_argument("--years", type=int, default=16)
    p.add_argument("--variables", type=int, default=len(VARIABLES))
    p.add_argument("--repetitions", type=int, default=3)
    p.add_argument("--chunked", action="store_true",
                   help="also time a chunked layout")
    p.add_argument("--chunk-draws", type=int, default=1000)
    p.add_argument("--json", help="write the results here")
    a = p.parse_args()

    shape = (a.scenarios, a.draws, a.regions, a.years)
    rng = np.random.default_rng(20260101)
    arrays = {name: rng.standard_normal(shape)
              for name in VARIABLES[:a.variables]}
    paths_bytes = sum(x.nbytes for x in arrays.values())
    path = os.path.join(a.dir, "h5py_paths.h5")

    layouts = [("contiguous", None)]
    if a.chunked:
        layouts.append(("chunked", (1, min(a.chunk_draws, a.draws),
                                    a.regions, a.years)))
    results = {"shape": list(shape), "variables": a.variables,
               "dtype": "float64", "paths_bytes": paths_bytes,
               "h5py_version": h5py.__version__,
               "hdf5_version": h5py.version.hdf5_version,
               "timing": "file open to end of fsync (arrays already in memory)",
               "layouts": {}}
    for label, chunks in layouts:
        seconds = []
        for _ in range(a.repetitions):
            if os.path.exists(path):
                os.remove(path)
            seconds.append(write_once(path, arrays, chunks))
            file_bytes = os.path.getsize(path)
            os.remove(path)
        med = statistics.median(seconds)
        results["layouts"][label] = {
            "chunks": list(chunks) if chunks else None,
            "seconds": seconds, "median_seconds": med,
            "file_bytes": file_bytes,
            "mb_per_s_median": paths_bytes / med / 1e6}
        print(f"h5py {label:10s} {paths_bytes / 1e6:8.1f} MB  "
              f"median {med:7.3f} s  {paths_bytes / med / 1e6:8.1f} MB/s  "
              f"runs {', '.join(f'{s:.3f}' for s in seconds)}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
