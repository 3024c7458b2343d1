#!/usr/bin/env python3
"""Checks that a file written by ResultFile reads as netCDF-4.

Usage: check_netcdf_compat.py STORE_WRITE_EXAMPLE

Runs the example writer (tests/store/store_write_example.cc) into
$GROWTHCAST_WORK_DIR (or a temporary folder), then opens the result with
xarray (h5netcdf engine), h5py and `ncdump -h`, checking dimension names,
coordinates and values. The expected values mirror store_write_example.cc.
"""

import os
import shutil
import subprocess
import sys
import tempfile

try:
    import h5py
    import numpy as np
    import xarray as xr
except ImportError as error:  # a Python without the Debian packages
    sys.exit(
        f"{sys.executable}: {error}; configure with "
        "-DPython3_EXECUTABLE=/usr/bin/python3 (python3-xarray, "
        "python3-h5netcdf, python3-h5py)"
    )

PARAMETERS = ["alpha", "beta", "delta"]
REGIONS = ["north", "south"]
YEARS = [2000, 2001, 2002, 2003]
ESTIMATE = [0.3, 0.05, 0.07]
COVARIANCE = [[1.0, 0.1, 0.2], [0.1, 2.0, 0.3], [0.2, 0.3, 3.0]]
FITTED = [[10.0 * r + y + 0.5 for y in range(4)] for r in range(2)]


def check(condition, message):
    if not condition:
        sys.exit("FAIL: " + message)


def check_xarray(path):
    with xr.open_dataset(path, group="calibration", engine="h5netcdf") as ds:
        check(dict(ds.sizes) == {"parameter": 3, "region": 2, "year": 4},
              f"dimensions {dict(ds.sizes)}")
        check(list(ds["parameter"].values) == PARAMETERS, "parameter labels")
        check(list(ds["region"].values) == REGIONS, "region labels")
        check(ds["year"].dtype == np.int32, f"year dtype {ds['year'].dtype}")
        check(list(ds["year"].values) == YEARS, "year values")
        check(ds["estimate"].dims == ("parameter",), "estimate dims")
        check(np.allclose(ds["estimate"].values, ESTIMATE), "estimate values")
        check(ds["estimate"].attrs["units"] == "1", "estimate units")
        check(ds["estimate"].attrs["long_name"] == "parameter estimate",
              "estimate long_name")
        # The same scale on both axes: xarray (2023.01) accepts it.
        check(ds["covariance"].dims == ("parameter", "parameter"),
              f"covariance dims {ds['covariance'].dims}")
        check(np.allclose(ds["covariance"].values, COVARIANCE),
              "covariance values")
        check(ds["fitted"].dims == ("region", "year"), "fitted dims")
        check(np.allclose(ds["fitted"].values, FITTED), "fitted values")
        check(ds["fitted"].sel(region="south", year=2002).item() == 12.5,
              "label-based selection")
        check(ds["fitted"].attrs["units"] == "log USD per worker",
              "fitted units")
        check(ds.attrs["model"] == "solow", "model attribute")
        check(ds.attrs["final_cost"] == 0.125, "final_cost attribute")
        check(ds.attrs["iterations"] == 17, "iterations attribute")
    with xr.open_dataset(path, engine="h5netcdf") as root:
        check(root.attrs["program"] == "growthcast", "program attribute")
        check(root.attrs["seed"] == 42, "seed attribute")
        for name in ("version", "git_commit", "command_line", "input_files",
                     "created"):
            check(isinstance(root.attrs[name], str), f"root attribute {name}")


def check_h5py(path):
    with h5py.File(path, "r") as f:
        group = f["calibration"]
        labels = [s.decode() for s in group["parameter"][()]]
        check(labels == PARAMETERS, f"h5py parameter {labels}")
        check(h5py.check_string_dtype(group["parameter"].dtype).encoding
              == "utf-8", "labels are UTF-8 strings")
        check(h5py.h5ds.is_scale(group["parameter"].id), "parameter is a dimension scale")
        fitted = group["fitted"]
        check([list(d.keys()) for d in fitted.dims] == [["region"], ["year"]],
              "fitted dimension scales")
        check(np.allclose(fitted[()], FITTED), "h5py fitted values")
        check(f.attrs["program"] == "growthcast", "h5py program attribute")


def check_ncdump(path):
    ncdump = shutil.which("ncdump")
    check(ncdump is not None, "ncdump not found (netcdf-bin)")
    header = subprocess.run([ncdump, "-h", path], check=True,
                            capture_output=True, text=True).stdout
    for line in ("parameter = 3 ;", "region = 2 ;", "year = 4 ;",
                 "string parameter(parameter) ;", "int year(year) ;",
                 "double covariance(parameter, parameter) ;",
                 "double fitted(region, year) ;",
                 ':program = "growthcast" ;'):
        check(line in header, f"ncdump -h lacks '{line}':\n{header}")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    work = os.environ.get("GROWTHCAST_WORK_DIR") or tempfile.mkdtemp()
    path = os.path.join(work, "store_example.h5")
    subprocess.run([sys.argv[1], path], check=True)
    check_xarray(path)
    check_h5py(path)
    check_ncdump(path)
    os.remove(path)
    print("netCDF compatibility OK:", path)


if __name__ == "__main__":
    main()
