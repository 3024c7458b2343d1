"""Panels: a CSV file or a pandas DataFrame, checked by the engine."""

import os

from . import _core

#: The calibration's column names (the command line's defaults).
DEFAULT_COLUMNS = {
    "gdp": "gdp_real", "capital": "capital", "labour": "labour",
    "rd": "rd_real",
    "gdp_nominal": "gdp_nominal", "investment_nominal": "investment_nominal",
    "rd_nominal": "rd_nominal",
}
_REQUIRED = ("gdp", "capital", "labour", "rd")
DATAFRAME_FILE = "<DataFrame>"


class Panel:
    """A panel the engine has read and checked.

    ``path`` is the CSV file the engine reads, or None for a DataFrame (its
    CSV text is kept in ``text``); ``regions`` and ``years`` as read.
    """

    def __init__(self, path, text, region, year, columns, info):
        self.path = path
        self.text = text
        self.region = region
        self.year = year
        self.columns = columns
        self.regions = list(info["regions"])
        self.years = list(info["years"])
        self.series = list(info["columns"])
        # The shipped panel (load_panel() without data): calibrated as the
        # command line's default, with the shipped regions file.
        self.shipped = False

    def to_frame(self):
        """The panel as a pandas DataFrame."""
        import io
        import pandas as pd
        if self.path is not None:
            return pd.read_csv(self.path)
        return pd.read_csv(io.StringIO(self.text))

    def __repr__(self):
        return (f"<growthcast.Panel {len(self.regions)} regions, "
                f"{self.years[0]}-{self.years[-1]}, "
                f"{', '.join(self.series)}; {self.path or DATAFRAME_FILE}>")


def _csv_text(frame):
    # Every value as the shortest text that reads back to the same double;
    # missing values as empty fields, as in the shipped CSV.
    return frame.to_csv(index=False, na_rep="", lineterminator="\n")


def load_panel(data=None, region="region", year="year", gdp="gdp_real",
               capital="capital", labour="labour", rd="rd_real",
               gdp_nominal="gdp_nominal",
               investment_nominal="investment_nominal",
               rd_nominal="rd_nominal"):
    """Read and check a panel: a CSV path or a pandas DataFrame.

    ``data=None`` is the shipped panel (data/china_provinces.csv). The
    checks and messages are the command line's (``growthcast calibrate
    --data``): an EngineError names the line and column; for a DataFrame
    the line is the DataFrame's row + 2 (the CSV text's header is line 1)
    and ``err.row`` is the 0-based row position.
    """
    columns = {"gdp": gdp, "capital": capital, "labour": labour, "rd": rd,
               "gdp_nominal": gdp_nominal,
               "investment_nominal": investment_nominal,
               "rd_nominal": rd_nominal}
    values = [columns[k] for k in _REQUIRED]
    optional = [columns[k] for k in DEFAULT_COLUMNS if k not in _REQUIRED]
    shipped = data is None
    if shipped:
        data = os.path.join(_core.shipped_data_dir(), "china_provinces.csv")
    if isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", errors="surrogateescape")
        info = _core.check_panel(text, path, region, year, values, optional)
        panel = Panel(path, None, region, year, columns, info)
        panel.shipped = shipped
        return panel
    try:
        import pandas as pd
    except ImportError as e:  # pragma: no cover
        raise TypeError("load_panel takes a path or a pandas DataFrame") from e
    if not isinstance(data, pd.DataFrame):
        raise TypeError("load_panel takes a path or a pandas DataFrame, got "
                        f"{type(data).__name__}")
    text = _csv_text(data)
    try:
        info = _core.check_panel(text, DATAFRAME_FILE, region, year, values,
                                 optional)
    except _core.EngineError as err:
        err.row = err.line - 2 if err.line >= 2 else None
        raise
    return Panel(None, text, region, year, columns, info)
