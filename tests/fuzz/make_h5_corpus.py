#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_forecast_h5 and fuzz_calibration_h5
(tests/fuzz/corpus/<target>/) from the base files in tests/fuzz/h5/.

A seed is an edit list (h5_inputs.cc): byte 0 picks the base file, then 4
bytes per edit: object index, action, two parameters. The object index
counts the base file's datasets in sorted path order, then the attributes
of /, /forecast and /calibration in name order, as h5_inputs.cc enumerates
them (HDF5's name index sorts bytes as Python does). One seed per key
object and action, so every dataset a reader uses starts out shortened,
lengthened, reshaped, retyped, deleted or given a hostile value.

Run after changing the base files:  python3 tests/fuzz/make_h5_corpus.py
"""
import os

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))


def objects(path):
    with h5py.File(path) as f:
        datasets = []
        f.visititems(lambda name, obj: datasets.append("/" + name)
                     if isinstance(obj, h5py.Dataset) else None)
        out = [(d, None) for d in sorted(datasets)]
        for group in ("/", "/forecast", "/calibration"):
            if group in f:
                out += [(group, a) for a in sorted(f[group].attrs)]
    return out


def write_seeds(target, bases, keys):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    for old in os.listdir(folder):
        os.remove(os.path.join(folder, old))
    count = 0
    for b, base in enumerate(bases):
        listing = objects(os.path.join(HERE, "h5", base))
        for i, (obj, attr) in enumerate(listing):
            name = obj if attr is None else f"{obj}@{attr}"
            if name not in keys:
                continue
            actions = range(7) if attr is None else range(4)
            for action in actions:
                seed = bytes([b, i % 256, action, 1, action * 3 + 1])
                label = name.strip("/").replace("/", "_").replace("@", "_")
                stem = f"{os.path.splitext(base)[0]}_{label}_{action}"
                with open(os.path.join(folder, stem), "wb") as f:
                    f.write(seed)
                count += 1
        # The base file unedited, and two edits at once.
        with open(os.path.join(folder, f"{base}_unedited"), "wb") as f:
            f.write(bytes([b]))
        with open(os.path.join(folder, f"{base}_two_edits"), "wb") as f:
            f.write(bytes([b, 3, 0, 0, 0, 5, 5, 2, 0]))
        count += 2
    print(f"{target}: {count} seeds")


write_seeds("fuzz_forecast_h5", ["shard.h5", "point.h5"], {
    "/forecast/scenario", "/forecast/region", "/forecast/year",
    "/forecast/reports", "/forecast/is_group", "/forecast/draws",
    "/forecast/seed", "/forecast/point_index",
    "/forecast/drivers.rd_intensity.target", "/forecast/gdp/quantiles",
    "/forecast/gdp/mean_value", "/forecast/gdp/sd", "/forecast/history/gdp",
    "/forecast/history/history_year", "/forecast/parameter_redraws",
    "/forecast@sweep_points", "/forecast@sweep_axes",
    "/forecast@sweep_axis_kinds", "/forecast@scenario_0_sha256",
    "/forecast@build", "/forecast@calibration_sha256", "/forecast@sweep_id",
    "/forecast@digest_version", "/forecast@scenario_0_random_stream",
    "/@instruction_set"})
write_seeds("fuzz_calibration_h5", ["calibration.h5"], {
    "/calibration/estimate", "/calibration/covariance", "/calibration/year",
    "/calibration/region", "/calibration/parameter", "/calibration/gdp",
    "/calibration/capital", "/calibration/labour", "/calibration/rd",
    "/calibration/knowledge", "/calibration/std_error",
    "/calibration/lower", "/calibration/upper",
    "/calibration@shock_sigma", "/calibration@shock_rho",
    "/calibration@parameter_status", "/calibration@covariance_ok"})
