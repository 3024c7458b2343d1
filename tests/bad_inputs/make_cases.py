#!/usr/bin/env python3
"""Regenerates the input files in tests/bad_inputs/cases/.

The files are committed; this script documents how each was made and can
rebuild them (from data/china_provinces.csv) after the panel or the scenario
schema changes:

    python3 tests/bad_inputs/make_cases.py [GROWTHCAST_BINARY]

With a binary, the HDF5 inputs (a truncated calibration file, a forecast that
is not a sweep shard) are rebuilt too. Line numbers in cases.toml refer to
these files: check them after regenerating.
"""
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, "cases")
REGIONS = ("Beijing", "Tianjin", "Hebei", "Shanghai")


def base_lines():
    """Header + 4 regions x 2010-2019 (lines 2-41), in file order."""
    with open(os.path.join(SOURCE, "data", "china_provinces.csv"), newline="") as f:
        lines = f.read().splitlines()
    rows = [l for l in lines[1:]
            if l.split(",")[0] in REGIONS and 2010 <= int(l.split(",")[1]) <= 2019]
    assert len(rows) == 40
    return [lines[0]] + rows


def write(name, data):
    if isinstance(data, list):
        data = "\n".join(data) + "\n"
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def set_field(line, index, value):
    parts = line.split(",")
    parts[index] = value
    return ",".join(parts)


# Column indices of the shipped layout:
# region,year,gdp_nominal,gdp_real,capital,investment_nominal,labour,rd_nominal,rd_real
GDP_NOMINAL, GDP_REAL, CAPITAL, LABOUR, RD_REAL = 2, 3, 4, 6, 8

SCENARIO = """\
name = "bad_inputs/base"
description = "Beijing and Tianjin, a small valid scenario"
horizon = 2025
draws = 200
seed = 7
regions = ["Beijing", "Tianjin"]

[uncertainty]
parameters = true
shocks = true

[drivers.rd_intensity]
path = "ramp"
target = 0.03
by = 2024
uncertainty = { dist = "normal", sd = 0.002 }
"""

SWEEP = """\
draws = 100
calibration = "cal.h5"

[base]
name = "bad_inputs/sweep"
horizon = 2025
seed = 11
regions = ["Beijing", "Tianjin"]

[base.drivers.rd_intensity]
path = "ramp"
target = 0.03
by = 2024

[axes]
"drivers.rd_intensity.target" = [0.02, 0.03]
"drivers.rd_intensity.by" = [2022, 2024]
"""


def edit(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


def main():
    os.makedirs(OUT, exist_ok=True)
    base = base_lines()
    text = "\n".join(base) + "\n"

    # --- panel CSV ---------------------------------------------------------
    write("panel_ok.csv", base)
    # Units sidecars (NAME.units.csv beside NAME.csv): one naming a column
    # the panel lacks (line 3), one with a row of two fields (line 2).
    write("units_unknown_column.csv", base)
    write("units_unknown_column.units.csv",
          ["column,units,long_name",
           "gdp_real,\"100 million yuan, 2019 prices\",real GRP",
           "gdp_ppp,1,not in the panel"])
    write("units_short_row.csv", base)
    write("units_short_row.units.csv",
          ["column,units,long_name", "gdp_real,1"])
    # Cut in the middle of line 41 (Shanghai 2019): 3 of 9 fields.
    cut = text.rindex("\n", 0, len(text) - 1) + 1
    write("csv_truncated_mid_row.csv", text[:cut + 20])
    # Cut at a line end: the last region lacks its last years.
    write("csv_truncated_at_line_end.csv", base[:38])
    rng = random.Random(6)
    garbage = bytes(rng.randrange(256) for _ in range(2048))
    write("csv_binary_garbage.bin", garbage)
    write("csv_binary_no_nul.bin", bytes(b or 0xFF for b in garbage))
    write("csv_utf16_bom.csv", text.encode("utf-16"))  # BOM + LE
    write("csv_utf16le_no_bom.csv", text.encode("utf-16-le"))
    write("csv_bom_start.csv", b"\xef\xbb\xbf" + text.encode())
    # Two exports joined: the second starts with its own BOM and header.
    write("csv_bom_middle.csv",
          "\n".join(base[:21]) + "\n\ufeff" + "\n".join([base[0]] + base[21:]) + "\n")
    write("csv_crlf.csv", "\r\n".join(base) + "\r\n")
    write("csv_invalid_utf8.csv",
          text.encode().replace(b"Hebei,2012", b"H\xe9bei,2012"))
    b = list(base); b[6] = b[6].rsplit(",", 1)[0]  # line 7: 8 fields
    write("csv_ragged_short.csv", b)
    b = list(base); b[4] += ",extra"  # line 5: 10 fields
    write("csv_ragged_long.csv", b)
    # Quoted region names holding a comma and a newline: valid.
    q = [base[0]] + ['"Beijing, city\n(municipality)"' + l[len("Beijing"):]
                     if l.startswith("Beijing,") else l for l in base[1:]]
    write("csv_quoted_comma_newline_ok.csv", q)
    # The same, with a bad number later on: the physical line must be given
    # (Beijing's rows take two lines each, so Hebei 2015 is on line 37).
    write("csv_quoted_then_nan.csv",
          [set_field(l, GDP_REAL, "NaN") if l.startswith("Hebei,2015,") else l
           for l in q])
    b = list(base); b[11] = b[11].replace("Tianjin", '"Tianjin')  # line 12
    write("csv_quote_unterminated.csv", b)
    b = list(base); b[11] = b[11].replace("Tianjin", 'Tian"jin')
    write("csv_quote_inside_field.csv", b)
    b = list(base); b[11] = b[11].replace("Tianjin,", '"Tianjin"x,')
    write("csv_quote_trailing_text.csv", b)
    for tag, value in (("nan", "NaN"), ("inf", "Inf"), ("minus_inf", "-inf"),
                       ("1e400", "1e400")):
        b = list(base); b[12] = set_field(b[12], GDP_REAL, value)  # line 13
        write(f"csv_value_{tag}.csv", b)
    for tag, col, value in (("negative_gdp", GDP_REAL, "-5"),
                            ("zero_capital", CAPITAL, "0"),
                            ("negative_labour", LABOUR, "-1"),
                            ("zero_rd", RD_REAL, "0"),
                            ("zero_gdp_nominal", GDP_NOMINAL, "0")):
        b = list(base); b[13] = set_field(b[13], col, value)  # line 14
        write(f"csv_{tag}.csv", b)
    b = list(base); b.insert(20, base[15])  # Tianjin 2014 again on line 21
    write("csv_duplicate_region_year.csv", b)
    rows = base[1:]; random.Random(1).shuffle(rows)
    write("csv_years_out_of_order.csv", [base[0]] + rows)
    write("csv_too_few_years.csv",
          [l for l in base if not l.startswith(("Tianjin,2010", "Tianjin,2011"))])
    write("csv_year_gap.csv", [l for l in base if not l.startswith("Tianjin,2015")])
    b = list(base); b[8] = b[8].replace("Beijing,2017", "Beijing,2017.0")  # line 9
    write("csv_year_not_integer.csv", b)
    b = list(base); b[16] = set_field(b[16], GDP_REAL, "")
    write("csv_missing_value.csv", b)
    write("csv_missing_column.csv", [",".join(l.split(",")[:8]) for l in base])
    write("csv_empty.csv", "")
    write("csv_header_only.csv", base[:1])

    # --- scenario TOML -----------------------------------------------------
    write("scenario_ok.toml", SCENARIO)
    write("scenario_bom_start.toml", b"\xef\xbb\xbf" + SCENARIO.encode())
    for name, old, new in (
        ("toml_duplicate_key", "seed = 7\n", "seed = 7\nhorizon = 2030\n"),
        ("toml_duplicate_table", "[uncertainty]\n",
         "[uncertainty]\nshocks = true\n[uncertainty]\n"),
        ("toml_wrong_type_draws", "draws = 200", 'draws = "many"'),
        ("toml_wrong_type_horizon", "horizon = 2025", "horizon = 2025.5"),
        ("toml_wrong_type_regions", 'regions = ["Beijing", "Tianjin"]',
         'regions = "Beijing"'),
        ("toml_wrong_type_bool", "parameters = true", 'parameters = "yes"'),
        ("toml_wrong_type_target", "target = 0.03", 'target = "3%"'),
        ("toml_out_of_range_target", "target = 0.03", "target = 1.5"),
        ("toml_out_of_range_draws_zero", "draws = 200", "draws = 0"),
        ("toml_out_of_range_draws_negative", "draws = 200", "draws = -5"),
        ("toml_out_of_range_draws_1e10", "draws = 200", "draws = 10000000000"),
        ("toml_out_of_range_by", "by = 2024", "by = 1800"),
        ("toml_out_of_range_sd", "sd = 0.002", "sd = -0.1"),
        ("toml_out_of_range_seed", "seed = 7", "seed = -1"),
        ("toml_out_of_range_random_stream", "seed = 7",
         "seed = 7\nrandom_stream = 4"),
        ("toml_horizon_before_data", "horizon = 2025", "horizon = 2015"),
        ("toml_out_of_range_labour", "[drivers.rd_intensity]\n",
         '[drivers.labour_growth]\npath = "constant"\nvalue = 0.9\n\n'
         "[drivers.rd_intensity]\n"),
        ("toml_unknown_key", "seed = 7\n", "seed = 7\nhorizn = 2030\n"),
        ("toml_unknown_driver", "[drivers.rd_intensity]\n",
         '[drivers.tfp_growth]\npath = "hold"\n\n[drivers.rd_intensity]\n'),
        ("toml_unknown_region", '"Tianjin"]', '"Atlantis"]'),
        ("toml_group_named_like_region", "[uncertainty]\n",
         '[groups]\n"Beijing" = ["Beijing", "Tianjin"]\n\n[uncertainty]\n'),
        ("toml_unknown_region_override", "sd = 0.002 }\n",
         'sd = 0.002 }\n\n[drivers.rd_intensity.regions.Atlantis]\npath = "hold"\n'),
        ("toml_unknown_group_member", "[uncertainty]\n",
         '[groups]\n"Jing-Jin" = ["Beijing", "Atlantis"]\n\n[uncertainty]\n'),
        ("toml_unknown_path_kind", 'path = "ramp"', 'path = "zigzag"'),
        ("toml_unknown_dist", 'dist = "normal"', 'dist = "cauchy"'),
        ("toml_unterminated_string", 'description = "Beijing and Tianjin, a small valid scenario"',
         'description = "Beijing and Tianjin'),
        ("toml_draws_1e9_paths", "draws = 200", "draws = 1000000000"),
        ("toml_missing_calibration", "seed = 7\n", 'seed = 7\ncalibration = "nope.h5"\n'),
        ("toml_unknown_output", "seed = 7\n", 'seed = 7\noutputs = ["gdp", "gpd_growth"]\n'),
        ("toml_outputs_gdp_only", "seed = 7\n", 'seed = 7\noutputs = ["gdp"]\n'),
    ):
        write(name + ".toml", edit(SCENARIO, old, new))
    # Conditions (docs/conditioning.md), appended after the driver table.
    pin = '\n[[conditions]]\nregion = "Tianjin"\nyear = 2021\ngrowth = 0.05\n'
    for name, extra in (
        ("conditions_repeated", pin + pin),
        ("conditions_year_outside", pin.replace("2021", "2030")),
        ("conditions_year_in_data", pin.replace("2021", "2019")),
        ("conditions_level_and_growth", pin + "level = 100.0\n"),
        ("conditions_unknown_group", pin.replace('region = "Tianjin"', 'group = "Jing-Jin"')),
        ("conditions_not_array", '\n[conditions]\nregion = "Tianjin"\n'),
        ("conditions_in_outturn_year", pin.replace("2021", "2020")),
    ):
        write(name + ".toml", SCENARIO + extra)
    write("conditions_shocks_off.toml",
          edit(SCENARIO, "shocks = true", "shocks = false\ntrend_shocks = false") + pin)
    # Outturns of the four panel regions, 2020-2021 (data/china_province_outturns.csv).
    with open(os.path.join(SOURCE, "data", "china_province_outturns.csv"), newline="") as f:
        lines = f.read().splitlines()
    write("outturns_small.csv", [lines[0]] + [
        l for l in lines[1:]
        if l.split(",")[0] in REGIONS and l.split(",")[1] in ("2020", "2021")])
    write("toml_truncated.toml", SCENARIO[:50])  # inside the description string
    write("toml_empty.toml", "")
    write("toml_binary_garbage.toml", garbage)
    write("toml_utf16.toml", SCENARIO.encode("utf-16"))
    lines = SCENARIO.splitlines(keepends=True)
    write("toml_bom_middle.toml", "".join(lines[:5]) + "\ufeff" + "".join(lines[5:]))

    # --- sweep TOML --------------------------------------------------------
    write("sweep_ok.toml", SWEEP)
    for name, old, new in (
        ("sweep_duplicate_axis", '"drivers.rd_intensity.by" = [2022, 2024]\n',
         '"drivers.rd_intensity.by" = [2022, 2024]\n"drivers.rd_intensity.by" = [2023]\n'),
        ("sweep_unknown_axis", '"drivers.rd_intensity.by"', '"drivers.rd_intensty.by"'),
        ("sweep_empty_axis", "[2022, 2024]", "[]"),
        ("sweep_wrong_type_axis", "[2022, 2024]", '["2022", "2024"]'),
        ("sweep_out_of_range_axis", "[0.02, 0.03]", "[0.02, 3.0]"),
        ("sweep_unknown_region", '"Tianjin"]', '"Gotham"]'),
        ("sweep_draws_zero", "draws = 100", "draws = 0"),
        ("sweep_unknown_key", "draws = 100\n", "draws = 100\nrepeats = 3\n"),
        ("sweep_missing_calibration", '"cal.h5"', '"nope.h5"'),
        ("sweep_seed_axis", '"drivers.rd_intensity.by" = [2022, 2024]\n',
         '"drivers.rd_intensity.by" = [2022, 2024]\nseed = [1, 2]\n'),
    ):
        write(name + ".toml", edit(SWEEP, old, new))

    # --- HDF5 inputs (need the binary) -------------------------------------
    if len(sys.argv) > 1:
        binary = sys.argv[1]
        with tempfile.TemporaryDirectory() as tmp:
            cal = os.path.join(tmp, "cal.h5")
            subprocess.run([binary, "calibrate", "--data",
                            os.path.join(OUT, "panel_ok.csv"), "--out", cal],
                           check=True, stdout=subprocess.DEVNULL)
            with open(cal, "rb") as f:
                write("h5_truncated.h5", f.read()[:4096])
            fc = os.path.join(tmp, "forecast.h5")
            subprocess.run([binary, "forecast", os.path.join(OUT, "scenario_ok.toml"),
                            "--calibration", cal, "--draws", "20", "--out", fc],
                           check=True, stdout=subprocess.DEVNULL)
            with open(fc, "rb") as f:
                write("h5_forecast_not_shard.h5", f.read())


if __name__ == "__main__":
    main()
