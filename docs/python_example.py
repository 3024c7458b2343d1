"""An economist's path through growthcast in Python (issue 19).

    PYTHONPATH=build/python python3 docs/python_example.py [OUT_DIR]

Load the panel, calibrate, read the summary, forecast two scenarios,
compare them, draw a fan chart, export, and sweep the R&D target. Every number comes from the C++
engine, the same as `growthcast calibrate` and `growthcast forecast` give.
The tests run this script (tests/python).
"""

import os
import sys

import matplotlib

matplotlib.use("Agg")  # files only; drop this line in a notebook
import pandas as pd  # noqa: E402

import growthcast as gc  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
out = sys.argv[1] if len(sys.argv) > 1 else "out"
os.makedirs(out, exist_ok=True)

# 1. The panel: a DataFrame, checked by the engine's rules (an error names
#    the row and column, as the command line's does). float_precision keeps
#    every value as the CSV has it, so results equal the CLI's on the file.
frame = pd.read_csv(os.path.join(root, "data", "china_provinces.csv"),
                    float_precision="round_trip")
panel = gc.load_panel(frame)
print(panel)

# 2. Calibrate the default model on 2010-2019.
cal = gc.calibrate(panel, model="tfp_convergence", window=(2010, 2019))
print(cal.summary())
print(cal.params[["alpha", "gamma", "kappa"]])
print(cal.bse[["alpha", "gamma", "kappa"]])
cal.save(os.path.join(out, "calibration.h5"))

# 3. Two scenarios: the shipped baseline file, and the same with R&D at 3%
#    of GDP by 2030 written as a dict (the TOML schema, validated likewise).
baseline = os.path.join(root, "scenarios", "chengdu_chongqing",
                        "baseline.toml")
rd_push = {
    "name": "chengdu_chongqing/rd_3pct_2030",
    "horizon": 2035,
    "draws": 5000,
    "seed": 20260012,
    "regions": ["Sichuan", "Chongqing"],
    "groups": {"Chengdu-Chongqing": ["Sichuan", "Chongqing"]},
    "drivers": {"rd_intensity": {
        "path": "ramp", "target": 0.03, "by": 2030,
        "uncertainty": {"dist": "normal", "sd": 0.002}}},
}
ds = gc.forecast(cal, [baseline, rd_push], draws=5000, seed=7)
print(ds.growthcast.summary())

# 4. Compare: median GDP of the group in 2030 and 2035, and the difference.
median = ds["gdp"].sel(quantile=0.5, region="Chengdu-Chongqing",
                       year=[2030, 2035]).to_pandas()
print(median)
gain = median.loc[rd_push["name"]] / median.iloc[0] - 1
print("R&D push over the baseline, median GDP:",
      ", ".join(f"{y}: {100 * g:+.2f}%" for y, g in gain.items()))

# 5. Fan chart (history, median, 50% and 90% bands) to PNG.
ax = ds.growthcast.plot(region="Chengdu-Chongqing")
ax.figure.savefig(os.path.join(out, "fan_chart.png"), dpi=120,
                  bbox_inches="tight")

# 6. Export: the command line's HDF5 file, and a CSV of 2035 medians.
ds.growthcast.save(os.path.join(out, "forecast.h5"))
ds["gdp"].sel(quantile=0.5, year=2035).to_pandas().T.to_csv(
    os.path.join(out, "medians_2035.csv"))

# 7. A sweep: the R&D push at four targets x two years, one scenario per
#    point (the same schema as `growthcast sweep`; a TOML path works too).
#    The axes come back as coordinates on the scenario dimension.
sweep = gc.sweep({
    "draws": 2000,
    "base": dict(rd_push, name="chengdu_chongqing/rd_sweep"),
    "axes": {"drivers.rd_intensity.target": [0.02, 0.025, 0.03, 0.035],
             "drivers.rd_intensity.by": [2028, 2030]},
}, calibration=cal, seed=7)
by_point = sweep["gdp"].sel(quantile=0.5, region="Chengdu-Chongqing",
                            year=2035)
table = by_point.to_dataframe(name="median_gdp_2035")[[
    "drivers.rd_intensity.target", "drivers.rd_intensity.by",
    "median_gdp_2035"]]
print(table.to_string(index=False))
table.to_csv(os.path.join(out, "sweep_2035.csv"), index=False)
print("Wrote", ", ".join(sorted(os.listdir(out))), "in", out)
