#!/usr/bin/env python3
"""Build the outturns after the panel's last year, for backtests.

    python3 data/build_outturns.py [--raw DIR] [--panel FILE] [--out FILE]

Writes data/china_province_outturns.csv, 31 provinces x 2020-2024:

    region,year,gdp_real,gdp_growth_index,rd_nominal,gdp_nominal

- gdp_real: 亿元 at 2019 prices, chained forward from the panel's 2019
  gdp_real with the NBS GRP volume index (preceding year = 100,
  post-5th-census revision): Y_t = Y_{t-1} * index_t / 100.
- gdp_growth_index: that index, exactly as published.
- rd_nominal: intramural R&D expenditure, 亿元, current prices (2020-2023;
  empty for 2024, not published in the source).
- gdp_nominal: GRP, 亿元, current prices, from the NBS export the panel's
  gdp_nominal comes from (2020-2023; empty for 2024, not in that export),
  so that rd_nominal / gdp_nominal continues the panel's R&D intensity.

Labour and capital are not here: their sources end in 2019 (data/SOURCES.md).
Python 3 standard library only; the output is byte-identical on every run.
Exit status 0 on success, 1 on a missing or malformed input (the message
names the file and line), 2 on a usage error.
"""

import argparse
import csv
import os
import sys
from decimal import Decimal

sys.dont_write_bytecode = True  # leave no __pycache__ in data/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build_panel as bp  # noqa: E402  (same folder; shares readers and formats)

BASE_YEAR = 2019  # the panel's last year and price base of gdp_real
FIRST_YEAR = 2020
LAST_YEAR = 2024
RD_LAST_YEAR = 2023  # last year of the techme R&D table

RAW_FILES = {
    "meta": "province_metadata.csv",
    "grp_index": "nbs_export_grp_index_prev_year_2016_2025_zh_5th_census_revision.csv",
    "rd": "techme_RDActivity.csv",
    "grp_nbs": "nbs_export_grp_nominal_2004_2023_en.csv",
}
OUT_HEADER = ["region", "year", "gdp_real", "gdp_growth_index", "rd_nominal",
              "gdp_nominal"]
NOMINAL_LAST_YEAR = 2023  # last year of the NBS nominal GRP export


def load_index_export(path, full_to_name, years):
    """NBS 分省年度数据 export: two title lines, a header '地区,<YYYY年>...',
    one row per province (full Chinese name), then notes. Cells are
    tab-padded. Returns {(name, year): Decimal index}."""
    rows = bp.read_rows(path)
    hdr_line = None
    for ln, row in enumerate(rows, start=1):
        if row and row[0].strip() == "地区":
            hdr_line = ln
            break
    if hdr_line is None:
        raise bp.DataError("%s: no header row starting with '地区'" % path)
    col = {}
    for i, c in enumerate(rows[hdr_line - 1][1:], start=1):
        c = c.strip()
        if c.endswith("年") and c[:-1].isdigit():
            col[int(c[:-1])] = i
    for y in years:
        if y not in col:
            raise bp.DataError("%s:%d: no column for year %d" % (path, hdr_line, y))
    out = {}
    seen = set()
    for ln, row in enumerate(rows[hdr_line:], start=hdr_line + 1):
        if not row or row[0].strip() not in full_to_name:
            continue
        name = full_to_name[row[0].strip()]
        if name in seen:
            raise bp.DataError("%s:%d: %s appears twice" % (path, ln, row[0].strip()))
        seen.add(name)
        for y in years:
            t = bp.cell(row, col[y], path, ln).strip()
            if t == "":
                raise bp.DataError("%s:%d: %s GRP index %d is empty" % (path, ln, name, y))
            v = bp.parse_decimal(t, path, ln, "%s GRP index %d" % (name, y))
            if not (50 < v < 150):
                raise bp.DataError("%s:%d: implausible GRP index %s" % (path, ln, t))
            out[(name, y)] = v
    missing = sorted(set(full_to_name.values()) - seen)
    if missing:
        raise bp.DataError("%s: no row for %s" % (path, ", ".join(missing)))
    return out


def load_panel_base(path, names):
    """gdp_real of BASE_YEAR per region from the shipped panel."""
    rows = bp.read_rows(path)
    if not rows:
        raise bp.DataError("%s: empty file" % path)
    idx = bp.header_index(rows[0], ["region", "year", "gdp_real"], path, 1)
    out = {}
    for ln, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if bp.cell(row, idx["year"], path, ln).strip() != str(BASE_YEAR):
            continue
        name = bp.cell(row, idx["region"], path, ln)
        if name not in names:
            raise bp.DataError("%s:%d: unknown region %r" % (path, ln, name))
        if name in out:
            raise bp.DataError("%s:%d: duplicate row for %s %d" % (path, ln, name, BASE_YEAR))
        v = bp.parse_decimal(bp.cell(row, idx["gdp_real"], path, ln), path, ln, "gdp_real")
        if v <= 0:
            raise bp.DataError("%s:%d: non-positive gdp_real" % (path, ln))
        out[name] = v
    missing = [n for n in names if n not in out]
    if missing:
        raise bp.DataError("%s: no %d row for %s" % (path, BASE_YEAR, ", ".join(missing)))
    return out


def build(raw_dir, panel_path):
    raw = {k: os.path.join(raw_dir, v) for k, v in RAW_FILES.items()}
    for p in raw.values():
        if not os.path.isfile(p):
            raise bp.DataError("%s: raw file not found" % p)
    provs = bp.load_provinces(raw["meta"])
    names = [p["name_en"] for p in provs]
    full_to_name = {p["name_zh_full"]: p["name_en"] for p in provs}
    zh_to_name = {p["name_zh"]: p["name_en"] for p in provs}
    years = list(range(FIRST_YEAR, LAST_YEAR + 1))

    index = load_index_export(raw["grp_index"], full_to_name, years)
    rd = bp.load_rd(raw["rd"], zh_to_name, set(range(FIRST_YEAR, RD_LAST_YEAR + 1)))
    base = load_panel_base(panel_path, names)
    nominal = bp.load_wide_by_region(raw["grp_nbs"], set(names),
                                     list(range(FIRST_YEAR, NOMINAL_LAST_YEAR + 1)),
                                     "GRP")

    out = []
    for n in names:  # NBS code order, as the panel
        level = float(base[n])
        for y in years:
            level = level * (float(index[(n, y)]) / 100)
            rd_cell = bp.fmt_exact(rd[(n, y)].scaleb(-4)) if (n, y) in rd else ""
            gdp_cell = (bp.fmt_exact(Decimal(nominal[(n, y)]))
                        if (n, y) in nominal else "")
            out.append([n, str(y), bp.fmt_derived(level), bp.fmt_exact(index[(n, y)]),
                        rd_cell, gdp_cell])
    return out


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--raw", default=os.path.join(here, "raw"),
                    help="folder with the raw source tables (default: %(default)s)")
    ap.add_argument("--panel", default=os.path.join(here, "china_provinces.csv"),
                    help="the panel whose %d gdp_real is chained (default: %%(default)s)"
                         % BASE_YEAR)
    ap.add_argument("--out", default=os.path.join(here, "china_province_outturns.csv"),
                    help="output file (default: %(default)s)")
    args = ap.parse_args(argv)
    prog = os.path.basename(sys.argv[0]) or "build_outturns.py"
    if not os.path.isdir(args.raw):
        print("%s: error: raw folder not found: %s" % (prog, args.raw), file=sys.stderr)
        return 1
    try:
        rows = build(args.raw, args.panel)
    except bp.DataError as e:
        print("%s: error: %s" % (prog, e), file=sys.stderr)
        return 1
    bp.write_atomic(args.out, bp.csv_bytes(OUT_HEADER, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
