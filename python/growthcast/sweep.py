"""sweep(): every point of a sweep in this process, as an xarray.Dataset."""

import os
import shutil
import tempfile

from . import _core, _toml
from .forecast import (_calibration_arg, _outputs_arg, _random_stream_arg,
                       _seed_arg)


def _sweep_file(sweep, folder):
    """A sweep TOML path, or a dict written as TOML into `folder`.

    A dict's relative `base` and `calibration` paths are taken from the
    current folder, as a file's are from its own folder.
    """
    if isinstance(sweep, (str, os.PathLike)):
        path = os.fspath(sweep)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no sweep file '{path}'")
        return path
    if not isinstance(sweep, dict):
        raise TypeError("a sweep is a TOML path or a dict, got "
                        f"{type(sweep).__name__}")
    sweep = dict(sweep)
    for key in ("base", "calibration"):
        if isinstance(sweep.get(key), (str, os.PathLike)):
            sweep[key] = os.path.abspath(os.fspath(sweep[key]))
    path = os.path.join(folder, "sweep.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(_toml.dumps(sweep))
    return path


def _named_dict(error, path):
    """The engine's error about a dict's temporary file, naming <dict>."""
    named = _core.EngineError(str(error).replace(path, "<dict>"))
    for key in ("message", "file", "line", "field", "exit_code"):
        setattr(named, key, getattr(error, key, None))
    if named.file == path:
        named.file = "<dict>"
    return named


def sweep(sweep, calibration=None, draws=None, seed=None, threads=0,
          memory=1024.0, out=None, random_stream=None, outputs=None):
    """Run every point of a sweep, as ``growthcast sweep`` does, here.

    ``sweep``: a sweep TOML path or a dict of the same schema (a base
    scenario and axes; validated by the engine with the command line's
    messages). ``calibration``: CalibrationResults, a calibration file, or
    None (the sweep's ``calibration``, else the shipped panel calibrated
    with the defaults). ``draws``/``seed`` override the sweep's
    (--draws/--seed) and ``random_stream`` (1, 2 or 3) its random stream
    version (--random-stream); ``outputs``: the variables to summarise,
    e.g. ``["gdp", "gdp_growth"]``, replacing every point's ``outputs``
    (as ``--outputs``; default: the base scenario's, else all).
    ``threads`` 0 is all cores; ``memory`` MiB per point
    for exact quantiles. ``out`` keeps the HDF5 file ``growthcast sweep
    --out`` writes (else a temporary one is read and removed). Returns an
    xarray.Dataset as forecast() does, one scenario per point, with the
    coordinates ``point_index`` and one per axis. Ctrl-C stops it with
    KeyboardInterrupt, leaving no file.
    """
    from .results import open as open_result
    calibration = _calibration_arg(calibration)
    seed = _seed_arg(seed)
    random_stream = _random_stream_arg(random_stream)
    tmp = tempfile.mkdtemp(prefix="growthcast-sweep-")
    try:
        path = _sweep_file(sweep, tmp)
        target = os.fspath(out) if out is not None else \
            os.path.join(tmp, "sweep.h5")
        shown = "<dict>" if isinstance(sweep, dict) else path
        command = f"growthcast.sweep({shown!r}, draws={draws}, seed={seed})"
        try:
            _core.sweep(path, calibration._handle if calibration else None,
                        -1 if draws is None else int(draws), seed,
                        int(threads), float(memory), target, command,
                        random_stream, _outputs_arg(outputs))
        except _core.EngineError as e:
            if not isinstance(sweep, dict):
                raise
            raise _named_dict(e, path) from None
        return open_result(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
