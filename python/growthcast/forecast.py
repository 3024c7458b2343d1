"""forecast(): the engine's Monte Carlo, results as an xarray.Dataset."""

import os
import weakref

import numpy as np

from . import _core, _toml
from .calibration import CalibrationResults, calibrate, read_calibration

DICT_FILE = "<dict>"
# The C++ forecasts behind datasets returned by forecast(), for save().
_HANDLES = {}


def _scenario_sources(scenario):
    items = scenario if isinstance(scenario, (list, tuple)) else [scenario]
    sources = []
    for item in items:
        if isinstance(item, dict):
            sources.append((_toml.dumps(item), DICT_FILE))
        elif isinstance(item, (str, os.PathLike)):
            path = os.fspath(item)
            if not os.path.isfile(path):
                raise FileNotFoundError(f"no scenario file '{path}'")
            sources.append(("", path))
        else:
            raise TypeError("a scenario is a TOML path or a dict, got "
                            f"{type(item).__name__}")
    if not sources:
        raise ValueError("no scenarios")
    return sources


def _calibration_arg(calibration):
    """CalibrationResults from CalibrationResults, a file path or None."""
    if isinstance(calibration, (str, os.PathLike)):
        return read_calibration(calibration)
    if calibration is not None and \
            not isinstance(calibration, CalibrationResults):
        raise TypeError("calibration must be CalibrationResults, a path or "
                        "None")
    return calibration


def _seed_arg(seed):
    """--seed's range: None (the files') or 0..2^64-1."""
    if seed is None:
        return None
    seed = int(seed)
    if not 0 <= seed < 2**64:
        raise ValueError(f"seed {seed} is not between 0 and 2^64-1")
    return seed


def _union(lists, sort=False):
    seen = {}
    for values in lists:
        for v in values:
            seen.setdefault(v, len(seen))
    out = list(seen)
    return sorted(out) if sort else out


def _dataset(runs, history, levels, variables, attrs):
    """An xarray.Dataset in the layout of the file's /forecast group."""
    import xarray as xr
    names = [r["name"] for r in runs]
    units = _union(r["units"] for r in runs)
    years = _union((r["years"] for r in runs), sort=True)
    s_n, u_n, y_n, q_n = len(names), len(units), len(years), len(levels)
    unit_at = {u: i for i, u in enumerate(units)}
    year_at = {y: i for i, y in enumerate(years)}
    data = {}
    is_group = np.zeros(u_n)
    reports = np.zeros((s_n, u_n))
    for v, (var, var_units) in enumerate(variables):
        q = np.full((s_n, u_n, y_n, q_n), np.nan)
        mean = np.full((s_n, u_n, y_n), np.nan)
        sd = np.full((s_n, u_n, y_n), np.nan)
        for s, r in enumerate(runs):
            ui = [unit_at[u] for u in r["units"]]
            yi = [year_at[y] for y in r["years"]]
            q[s][np.ix_(ui, yi)] = r["quantiles"][v]
            mean[s][np.ix_(ui, yi)] = r["mean"][v]
            sd[s][np.ix_(ui, yi)] = r["sd"][v]
            if v == 0:
                reports[s, ui] = 1.0
                is_group[ui] = np.asarray(r["is_group"], dtype=float)
        label = var.replace("_", " ")
        data[var] = (("scenario", "region", "year", "quantile"), q,
                     {"units": var_units, "long_name": f"{label}: quantiles "
                      "over draws"})
        data[var + "_mean"] = (("scenario", "region", "year"), mean,
                               {"units": var_units,
                                "long_name": f"{label}: mean over draws"})
        data[var + "_sd"] = (("scenario", "region", "year"), sd,
                             {"units": var_units, "long_name":
                              f"{label}: standard deviation (n - 1)"})
    per_scenario = lambda key, dtype=float: (  # noqa: E731
        ("scenario",), np.array([r[key] for r in runs], dtype=dtype))
    data["is_group"] = (("region",), is_group, {"units": "1"})
    data["reports"] = (("scenario", "region"), reports, {"units": "1"})
    data["draws"] = per_scenario("draws", np.int64)
    data["seed"] = per_scenario("seed", np.uint64)
    data["random_stream"] = per_scenario("random_stream", np.int64)
    data["parameter_redraws"] = per_scenario("parameter_redraws", np.int64)
    data["exact_quantiles"] = per_scenario("exact", float)
    data["parameter_uncertainty"] = per_scenario("parameter_uncertainty")
    data["shock_uncertainty"] = per_scenario("shock_uncertainty")
    h_units = list(history["units"])
    h_gdp = np.full((u_n, len(history["years"])), np.nan)
    for i, u in enumerate(h_units):
        if u in unit_at:
            h_gdp[unit_at[u]] = history["gdp"][i]
    data["history_gdp"] = (("region", "history_year"), h_gdp,
                           {"units": dict(variables).get("gdp", "unknown"),
                            "long_name": "observed GDP, groups summed"})
    coords = {"scenario": names, "region": units,
              "year": np.array(years, dtype=np.int32),
              "quantile": np.array(levels),
              "history_year": np.array(history["years"], dtype=np.int32)}
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    ds["year"].attrs["units"] = "year"
    ds["history_year"].attrs["units"] = "year"
    ds["quantile"].attrs["units"] = "1"
    for s, r in enumerate(runs):
        ds.attrs[f"scenario_{s}_file"] = r["file"]
        ds.attrs[f"scenario_{s}_toml"] = r["toml"]
        ds.attrs[f"scenario_{s}_quantile_method"] = r["quantile_method"]
        ds.attrs[f"scenario_{s}_random_stream"] = r["random_stream"]
    return ds


def _random_stream_arg(version):
    """--random-stream's values: None (the files', else 3), 1, 2 or 3."""
    if version is None:
        return None
    if version not in (1, 2, 3) or isinstance(version, bool):
        raise ValueError(f"random_stream {version!r} is not 1, 2 or 3")
    return int(version)


def _outputs_arg(outputs):
    """outputs= of forecast() and sweep(): None, a variable name or a list
    of them (checked by the engine with --outputs' messages)."""
    if outputs is None:
        return None
    return [outputs] if isinstance(outputs, str) else [str(v) for v in outputs]


def forecast(calibration=None, scenario=None, draws=None, seed=None,
             threads=0, paths=False, memory=1024.0, out=None, outturns=None,
             outputs=None, random_stream=None):
    """Project scenarios by Monte Carlo, as ``growthcast forecast`` does.

    ``calibration``: CalibrationResults, a calibration file, or None (the
    shipped panel calibrated with the defaults). ``scenario``: a TOML path,
    a dict with the same schema, or a list of them (validated by the engine
    with the command line's messages). ``draws``/``seed`` override the
    scenarios' (--draws/--seed); ``threads`` 0 is all cores; ``memory`` MiB
    for exact quantiles. ``out`` writes the HDF5 file the command line
    writes. ``outturns``: a CSV of observed GDP after the calibration window
    (e.g. the shipped ``data/china_province_outturns.csv``) that every draw
    is conditioned on, as ``growthcast forecast --outturns`` (a scenario's
    ``outturns`` key does the same; docs/conditioning.md). ``outputs``: the
    variables to summarise, e.g. ``["gdp", "gdp_growth"]``, replacing the
    scenarios' ``outputs`` (as ``--outputs``; default: theirs, else all);
    nothing else is computed into statistics or stored.
    ``random_stream``: 1, 2 or 3 overrides the scenarios' version of the
    random stream (--random-stream; 1 and 2 reproduce results of growthcast
    before versions 2 and 3 existed, docs/architecture.md "Determinism"). Returns an
    xarray.Dataset (scenario, region, year, quantile);
    ``ds.growthcast.plot()`` draws a fan chart, ``ds.growthcast.save(path)``
    writes the file. The GIL is released while it runs; Ctrl-C stops it
    within a chunk of draws with KeyboardInterrupt, leaving no file.
    """
    if scenario is None:
        raise TypeError("forecast() needs a scenario (TOML path or dict)")
    calibration = _calibration_arg(calibration)
    if calibration is None:
        calibration = calibrate()
    seed = _seed_arg(seed)
    random_stream = _random_stream_arg(random_stream)
    sources = _scenario_sources(scenario)
    handle = _core.forecast(calibration._handle, sources,
                            -1 if draws is None else int(draws), seed,
                            int(threads), bool(paths), float(memory),
                            "" if outturns is None else os.fspath(outturns),
                            _outputs_arg(outputs), random_stream)
    attrs = {
        "title": "growthcast forecast",
        "source": "growthcast " + _core.version(),
        "history": (f"growthcast.forecast({len(sources)} scenario(s), "
                    f"draws={draws}, seed={seed}) by "
                    f"growthcast {_core.version()}"),
        "model": calibration.model,
        "model_version": calibration.model_version,
    }
    history = handle.history()
    runs = handle.runs()
    # Only the variables the runs report (all scenarios report the same).
    reported = runs[0]["variables"]
    variables = [(v, u) for v, u in history["variable_units"] if v in reported]
    ds = _dataset(runs, history, _core.quantile_levels(), variables, attrs)
    key = id(ds)
    _HANDLES[key] = handle
    weakref.finalize(ds, _HANDLES.pop, key, None)
    if out is not None:
        handle.save(os.fspath(out), attrs["history"])
    return ds


def _handle_of(ds):
    handle = _HANDLES.get(id(ds))
    if handle is None:
        raise ValueError("save() needs the Dataset forecast() returned (a "
                         "derived or reopened one has no engine results)")
    return handle


def save(ds, path):
    """Write a forecast() Dataset as ``growthcast forecast --out`` writes."""
    _handle_of(ds).save(os.fspath(path), ds.attrs.get("history", ""))
    return path


def summary(ds):
    """The command line's forecast table for a forecast() Dataset."""
    return _handle_of(ds).summary()


def plot(ds, scenario=None, region=None, variable="gdp", ax=None,
         history=True):
    """Fan chart: history, median, 50% and 90% bands, per scenario.

    ``scenario``: a name, a list, or None (all); ``region``: a region or
    group (default: the first group, else the first region).
    """
    import matplotlib.pyplot as plt
    import xarray as xr
    if variable not in ds:
        have = [v for v, _ in _core.variables() if v in ds]
        raise ValueError(f"the forecast has no variable '{variable}' (it "
                         f"reports {', '.join(have) or 'none'}: the "
                         "scenarios' outputs)")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    names = ([scenario] if isinstance(scenario, str) else
             list(scenario) if scenario is not None else
             list(ds["scenario"].values))
    if region is None:
        groups = ds["region"].values[ds["is_group"].values > 0]
        region = str(groups[0] if len(groups) else ds["region"].values[0])
    units = ds[variable].attrs.get("units", "")
    if history and variable == "gdp" and "history_gdp" in ds:
        h = ds["history_gdp"].sel(region=region)
        ax.plot(ds["history_year"].values, h.values, color="black", lw=1.5,
                label="history")
    years = ds["year"].values
    # Bands start from the last observed value, so the fan meets history.
    last = None
    if variable == "gdp" and "history_gdp" in ds:
        h = ds["history_gdp"].sel(region=region)
        if np.isfinite(h.values[-1]):
            last = (int(ds["history_year"].values[-1]), float(h.values[-1]))
    if last:
        years = np.concatenate([[last[0]], years])
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, name in enumerate(names):
        q = ds[variable].sel(scenario=name, region=region)
        if last:
            start = q.isel(year=[0]).copy(data=np.full((1, q.sizes["quantile"]),
                                                       last[1]))
            q = xr.concat([start.assign_coords(year=[last[0]]), q], "year")
        c = colors[i % len(colors)]
        ax.fill_between(years, q.sel(quantile=0.05), q.sel(quantile=0.95),
                        color=c, alpha=0.15, lw=0,
                        label=f"{name}: 90%")
        ax.fill_between(years, q.sel(quantile=0.25), q.sel(quantile=0.75),
                        color=c, alpha=0.3, lw=0, label=f"{name}: 50%")
        ax.plot(years, q.sel(quantile=0.5), color=c, lw=2,
                label=f"{name}: median")
    ax.set_title(f"{region}: {variable.replace('_', ' ')}")
    ax.set_xlabel("year")
    ax.set_ylabel(f"{variable} ({units})" if units else variable)
    ax.legend(fontsize="small", frameon=False)
    return ax


try:
    import xarray as _xr

    @_xr.register_dataset_accessor("growthcast")
    class _ForecastAccessor:
        """ds.growthcast.plot(), .save(path), .summary()."""

        def __init__(self, ds):
            self._ds = ds

        def plot(self, *args, **kwargs):
            return plot(self._ds, *args, **kwargs)

        def save(self, path):
            return save(self._ds, path)

        def summary(self):
            return summary(self._ds)
except ImportError:  # pragma: no cover
    pass
