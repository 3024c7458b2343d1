"""growthcast in Python: the C++ engine in-process, results as pandas/xarray.

    import growthcast as gc
    panel = gc.load_panel("data/china_provinces.csv")   # or a DataFrame
    cal = gc.calibrate(panel, model="tfp_convergence", window=(2010, 2019))
    print(cal.summary())
    ds = gc.forecast(cal, "scenarios/chengdu_chongqing/rd_push.toml", seed=1)
    ds.growthcast.plot(region="Chengdu-Chongqing")

Every number comes from the engine (the module growthcast._core): the same
calibration, Monte Carlo and HDF5 writers as the command line.
"""

from ._core import EngineError
from ._core import version as _version
from .calibration import CalibrationResults, Summary, calibrate, \
    read_calibration
from .forecast import forecast, plot, save, summary
from .panel import Panel, load_panel
from .results import backtest, models, open
from .sweep import sweep

__version__ = _version()

__all__ = [
    "EngineError", "Panel", "load_panel", "CalibrationResults", "Summary",
    "calibrate", "read_calibration", "forecast", "plot", "save", "summary",
    "backtest", "sweep", "models", "open",
]
