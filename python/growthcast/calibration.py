"""calibrate(): the engine's calibration, results like statsmodels'."""

import os
import tempfile

from . import _core
from .panel import DATAFRAME_FILE, Panel, load_panel


def _number(value):
    # The shortest text that reads back to the same double (what the
    # command line's from_chars then reads exactly).
    return repr(float(value))


class Summary:
    """The calibration table, as ``growthcast calibrate`` prints it."""

    def __init__(self, text):
        self.text = text

    def __str__(self):
        return self.text

    __repr__ = __str__

    def _repr_html_(self):
        import html
        return "<pre>" + html.escape(self.text) + "</pre>"


class CalibrationResults:
    """A calibrated model: ``params``, ``bse``, ``cov_params()``, ``summary()``.

    Labelled by parameter (``a[Sichuan]``, ..., ``alpha``) and, for
    ``fitted`` / ``resid`` (ln Yhat and ln Y - ln Yhat), region x year.
    ``save(path)`` writes the HDF5 file ``growthcast calibrate`` writes.
    """

    def __init__(self, handle, inputs=(), command=""):
        import pandas as pd
        self._handle = handle
        self._inputs = [p for p in inputs if p]
        self._command = command
        d = handle.to_dict()
        self._dict = d
        self.model = d["model"]
        self.model_version = d["model_version"]
        self.regions = list(d["regions"])
        self.years = list(d["years"])
        names = pd.Index(d["parameter"], name="parameter")
        self.params = pd.Series(d["estimate"], index=names, name="estimate")
        self.bse = pd.Series(d["std_error"], index=names, name="std_error")
        self.tvalues = pd.Series(d["t_stat"], index=names, name="t_stat")
        self.status = pd.Series(d["status"], index=names, name="status")
        self.bounds = pd.DataFrame({"lower": d["lower"], "upper": d["upper"]},
                                   index=names)
        self._cov = pd.DataFrame(d["covariance"], index=names,
                                 columns=names.rename("parameter_2"))
        self.covariance_ok = d["covariance_ok"]
        frame = lambda a: pd.DataFrame(  # noqa: E731
            a, index=pd.Index(self.regions, name="region"),
            columns=pd.Index(self.years, name="year"))
        self.fitted = frame(d["fitted"])
        self.resid = frame(d["residual"])
        self.data = {k: frame(d[k]) for k in
                     ("gdp", "capital", "labour", "rd", "knowledge")}
        self.fit = dict(d["fit"])
        self.nobs = self.fit["observations"]
        self.rsquared = self.fit["r_squared"]
        self.llf = self.fit["log_likelihood"]
        self.aic = self.fit["aic"]
        self.bic = self.fit["bic"]
        self.band_scale = list(d["band_scale"])

    def cov_params(self):
        """The covariance of the estimates (zero rows for fixed ones)."""
        return self._cov.copy()

    def conf_int(self, alpha=0.05):
        """Normal-approximation intervals from ``params`` and ``bse``."""
        import pandas as pd
        from statistics import NormalDist
        z = NormalDist().inv_cdf(1 - alpha / 2)
        return pd.DataFrame({"lower": self.params - z * self.bse,
                             "upper": self.params + z * self.bse})

    def summary(self):
        """The command line's calibration table."""
        return Summary(self._handle.table())

    def save(self, path):
        """Write ``path`` as ``growthcast calibrate --out path`` does."""
        self._handle.save(os.fspath(path), self._command, self._inputs)
        return path

    to_hdf5 = save

    def __repr__(self):
        return (f"<growthcast.CalibrationResults {self.model}, "
                f"{len(self.regions)} regions, {self.years[0]}-"
                f"{self.years[-1]}, {len(self.params)} parameters>")


def _settings(values, flag, pair=False):
    out = []
    for name, value in (values or {}).items():
        if pair:
            lo, hi = value
            out.append(f"{name}={_number(lo)}:{_number(hi)}")
        else:
            out.append(f"{name}={_number(value)}")
    return out


def calibrate(panel=None, model="tfp_convergence", window=(2010, 2019),
              fix=None, free=(), priors=None, bounds=None, start=None,
              regions=None, bands=None, pwt=None, threads=0, loss="none",
              regions_file=None):
    """Calibrate ``model`` to ``panel`` over ``window`` (first, last year).

    ``panel``: a Panel (load_panel), a CSV path, a DataFrame or None (the
    shipped panel). ``fix={'phi': 0.5}``, ``free=['delta_S']``,
    ``priors={'alpha': (mean, sd)}``, ``bounds={'alpha': (lo, hi)}``,
    ``start={...}`` are ``calibrate``'s --fix/--free/--prior/--bound/--start;
    ``bands`` a backtest file (--bands), ``pwt`` a Penn World Table CSV,
    ``regions_file`` the panel's region groups (--regions-file; the shipped
    panel's by default), recorded with the calibration.
    The defaults are the command line's. Runs without the GIL.
    """
    if not isinstance(panel, Panel):
        panel = load_panel(panel)
    options = {
        "region": panel.region, "year": panel.year,
        "regions": list(regions or []), "model": model,
        "first_year": int(window[0]), "last_year": int(window[1]),
        "fix": _settings(fix, "--fix"), "free": list(free),
        "prior": _settings(priors, "--prior", pair=True),
        "bound": _settings(bounds, "--bound", pair=True),
        "start": _settings(start, "--start"),
        "bands": os.fspath(bands) if bands else "",
        "pwt": os.fspath(pwt) if pwt else "",
        "threads": int(threads), "loss": loss,
        "columns": dict(panel.columns),
        "regions_file": os.fspath(regions_file) if regions_file else "",
    }
    command = f"growthcast.calibrate(model={model!r}, window={tuple(window)!r})"
    if panel.path is not None:
        # The shipped panel as the command line's default (--data unset):
        # its regions file comes with it.
        options["data"] = "" if panel.shipped else panel.path
        handle = _core.calibrate(options)
        return CalibrationResults(handle, [panel.path], command)
    # The command line's calibration reads a file: the DataFrame's CSV text
    # goes to a private temporary one.
    with tempfile.TemporaryDirectory(prefix="growthcast-") as tmp:
        path = os.path.join(tmp, "panel.csv")
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(panel.text)
        options["data"] = path
        options["source"] = DATAFRAME_FILE
        handle = _core.calibrate(options)
    return CalibrationResults(handle, [], command)


def read_calibration(path):
    """A calibration file (``growthcast calibrate --out``) as results."""
    handle = _core.read_calibration(os.fspath(path))
    return CalibrationResults(handle, [os.fspath(path)],
                              f"growthcast.read_calibration({path!r})")

