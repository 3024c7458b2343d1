"""open(path) for any result file; backtest(); models()."""

import os
import tempfile

import numpy as np

from . import _core
from .calibration import read_calibration
from .forecast import _dataset


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def _open_forecast(f, path):
    """A forecast file's /forecast as forecast() returns it."""
    g = f["forecast"]
    names = [_text(s) for s in g["scenario"][()]]
    units = [_text(s) for s in g["region"][()]]
    years = [int(y) for y in g["year"][()]]
    levels = [float(q) for q in g["quantile"][()]]
    reports = g["reports"][()]
    is_group = g["is_group"][()]
    variables = [(v, _text(g[v]["quantiles"].attrs.get("units", "")))
                 for v, _ in _core.variables() if v in g]
    runs = []
    for s, name in enumerate(names):
        ui = np.flatnonzero(reports[s] > 0)
        q = np.stack([g[v]["quantiles"][s][ui] for v, _ in variables])
        # "mean" in files written before issue 17 renamed it.
        mean = np.stack([g[v]["mean_value" if "mean_value" in g[v] else "mean"]
                         [s][ui] for v, _ in variables])
        sd = np.stack([g[v]["sd"][s][ui] for v, _ in variables])
        runs.append({
            "name": name, "units": [units[i] for i in ui],
            "is_group": [bool(is_group[i]) for i in ui], "years": years,
            "quantiles": q, "mean": mean, "sd": sd,
            "draws": int(g["draws"][s]), "seed": int(g["seed"][s]),
            # Files written before stream version 2 recorded none: 1.
            "random_stream":
                int(g.attrs.get(f"scenario_{s}_random_stream", 1)),
            "parameter_redraws": int(g["parameter_redraws"][s]),
            "exact": bool(g["exact_quantiles"][s]),
            "parameter_uncertainty": bool(g["parameter_uncertainty"][s]),
            "shock_uncertainty": bool(g["shock_uncertainty"][s]),
            "file": _text(g.attrs.get(f"scenario_{s}_file", "")),
            "toml": _text(g.attrs.get(f"scenario_{s}_toml", "")),
            "quantile_method":
                _text(g.attrs.get(f"scenario_{s}_quantile_method", "")),
        })
    h = g["history"]
    history = {"years": [int(y) for y in h["history_year"][()]],
               "units": [_text(u) for u in h["region"][()]],
               "gdp": h["gdp"][()]}
    attrs = {k: (_text(v) if isinstance(v, (bytes, str)) else v)
             for k, v in f.attrs.items()}
    attrs["history"] = f"growthcast.open({path!r})"
    ds = _dataset(runs, history, levels, variables, attrs)
    return _with_sweep_axes(ds, g)


def _with_sweep_axes(ds, g):
    """A sweep file's point index and axis values as scenario coordinates
    (docs/hdf5-layout.md), and its sweep attributes."""
    if "sweep_axes" not in g.attrs:
        return ds
    keys = _text(g.attrs["sweep_axes"]).splitlines()
    kinds = _text(g.attrs["sweep_axis_kinds"])
    coords = {"point_index": ("scenario", g["point_index"][()])}
    for key, kind in zip(keys, kinds):
        if kind == "n":
            coords[key] = ("scenario", g[key][()])
        else:
            coords[key] = ("scenario", [
                _text(g.attrs[f"{key}[{s}]"])
                for s in range(ds.sizes["scenario"])])
    ds = ds.assign_coords(coords)
    for name in ("sweep_id", "sweep_points", "sweep_axes", "sweep_axis_kinds"):
        value = g.attrs[name]
        ds.attrs[name] = _text(value) if isinstance(value, (bytes, str)) \
            else int(value)
    return ds


def open(path):  # noqa: A001 (growthcast.open, like xarray.open_dataset)
    """Any growthcast result file.

    A forecast or sweep file: an xarray.Dataset as forecast() returns; a
    calibration file: CalibrationResults; a backtest file: its /backtest
    group as an xarray.Dataset; anything else: xarray's view of the root.
    """
    import h5py
    import xarray as xr
    path = os.fspath(path)
    with h5py.File(path, "r") as f:
        if "forecast" in f:
            return _open_forecast(f, path)
        groups = set(f.keys())
    if "backtest" in groups:
        return xr.load_dataset(path, group="backtest", engine="h5netcdf")
    if "calibration" in groups and "accounting" not in groups:
        return read_calibration(path)
    if "accounting" in groups:
        return xr.load_dataset(path, group="accounting", engine="h5netcdf")
    return xr.load_dataset(path, engine="h5netcdf")


def backtest(data=None, origins=(2012, 2019), horizon=5,
             models=("cobb_douglas_rd", "tfp_convergence"), window=10,
             draws=2000, seed=1, outturns=None, out=None, random_stream=None):
    """``growthcast backtest`` in-process; returns /backtest as a Dataset.

    ``data``: a panel CSV path (default: the shipped panel). It prints the
    command line's table; ``out`` keeps the HDF5 file (else a temporary
    one is read and removed). ``random_stream`` 1, 2 or 3 chooses the
    random stream version (--random-stream; default 3). Ctrl-C stops it with
    KeyboardInterrupt.
    """
    from .forecast import _random_stream_arg
    import xarray as xr
    options = {
        "data": os.fspath(data) if data else "",
        "origins": f"{int(origins[0])}:{int(origins[1])}",
        "horizon": int(horizon), "models": list(models),
        "window": int(window), "draws": int(draws), "seed": int(seed),
        "outturns": os.fspath(outturns) if outturns else "",
        "random_stream": _random_stream_arg(random_stream),
        "command_line": f"growthcast.backtest(origins={tuple(origins)!r}, "
                        f"draws={draws}, seed={seed})",
    }
    with tempfile.TemporaryDirectory(prefix="growthcast-") as tmp:
        options["out"] = os.fspath(out) if out else os.path.join(
            tmp, "backtest.h5")
        print(_core.backtest(options), end="")
        return xr.load_dataset(options["out"], group="backtest",
                               engine="h5netcdf")


def models():
    """The registered models: a dict name -> description, with a pandas
    DataFrame of parameters under 'parameters'."""
    import pandas as pd
    out = {}
    for m in _core.models():
        m = dict(m)
        m["parameters"] = pd.DataFrame(m["parameters"]).set_index("name")
        m["drivers"] = pd.DataFrame(
            m["drivers"], columns=["driver", "description", "baseline"])
        out[m["name"]] = m
    return out
