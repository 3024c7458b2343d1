#!/usr/bin/env python3
"""Rebuild growthcast's default dataset from the raw source tables.

    python3 data/build_panel.py [--raw DIR] [--out DIR]

Reads the raw tables in data/raw/ (see data/SOURCES.md for every file) and
writes, byte for byte reproducibly:

    china_provinces.csv   31 provinces x 2000-2019, one row per province-year
    regions.csv           province metadata (code, Chinese name, group)

Python 3 standard library only. Exit status 0 on success, 1 on a missing or
malformed raw file (the message names the file and line), 2 on a usage error.
"""

import argparse
import csv
import io
import os
import sys
import tempfile
from decimal import Decimal, InvalidOperation, ROUND_HALF_EVEN

FIRST_YEAR = 2000
LAST_YEAR = 2019
BASE_YEAR = 2019  # price base of gdp_real, rd_real and capital
RD_FIRST_YEAR = 2010

# Zhang (2008) / CHNCapitalStock CompK(method = "ZJ") parameters.
CAPITAL_DELTA = 0.096
CAPITAL_INITIAL_RATIO = 0.10  # K_1952 = GFCF_1952 / 0.10
CAPITAL_FIRST_YEAR = 1952
# Chongqing: stock starts in 1996 at Sichuan's 1995 stock share, 1090 * 313 / 850,
# valued at Sichuan's 1952 investment prices.
CHONGQING_FIRST_YEAR = 1996
CHONGQING_INITIAL_K = 1090 * 313 / 850
# Published check value (package README, SOURCES section 5): Beijing 2022 at 1952 prices.
CAPITAL_CHECK = ("beijing", 2022, 40271.14, 0.005)

# Significant digits of the derived (computed) columns: gdp_real, rd_real, capital.
DERIVED_SIG_DIGITS = 10

RAW_FILES = {
    "meta": "province_metadata.csv",
    "grp_nbs": "nbs_export_grp_nominal_2004_2023_en.csv",
    "grp_kaggle": "kaggle_chinas_gdp_in_province_1992_2020_en.csv",
    "grp_index": "nbs_export_grp_index_prev_year_2000_2019_zh.csv",
    "pop_2000_2018": "nbs_export_population_yearend_2000_2018_en.csv",
    "pop_2010_2019": "nbs_export_population_yearend_2010_2019_en.csv",
    "rd": "techme_RDActivity.csv",
    "capital": "chncapitalstock_asset.csv",
}

PANEL_HEADER = ["region", "year", "gdp_nominal", "gdp_real", "capital",
                "investment_nominal", "labour", "rd_nominal", "rd_real"]
REGIONS_HEADER = ["region", "code", "name_zh", "group"]
GROUPS = {"Chengdu-Chongqing", "Yangtze River Delta",
          "Greater Bay Area (Guangdong)", "Beijing-Tianjin-Hebei", ""}

# OCR typos in the techme package data (SOURCES section 3); spaces are stripped too.
RD_NAME_FIXES = {"内蒙占": "内蒙古", "两藏": "西藏", "山两": "山西"}
RD_VARIABLE = "v4_zh_nbzc_hj"  # intramural R&D expenditure, total, 万元


class DataError(Exception):
    """A raw file is missing, unreadable or does not hold what we expect."""


# --------------------------------------------------------------------------
# reading helpers

def read_rows(path):
    """All CSV rows of a UTF-8 file (optional BOM) as lists of strings."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise DataError("%s: raw file not found" % path)
    except OSError as e:
        raise DataError("%s: cannot read: %s" % (path, e.strerror))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError("%s: not valid UTF-8 (byte %d)" % (path, e.start))
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as e:
        raise DataError("%s: malformed CSV: %s" % (path, e))


def parse_decimal(text, path, line, what):
    """A finite decimal number from a raw cell, kept exact."""
    t = text.strip()
    try:
        d = Decimal(t)
    except InvalidOperation:
        d = None
    if d is None or not d.is_finite() or "e" in t.lower():
        raise DataError("%s:%d: %s: not a number: %r" % (path, line, what, text))
    return d


def header_index(row, names, path, line):
    idx = {}
    for n in names:
        if n not in row:
            raise DataError("%s:%d: header lacks column %r (found %s)"
                            % (path, line, n, ", ".join(repr(c) for c in row)))
        idx[n] = row.index(n)
    return idx


def cell(row, i, path, line):
    if i >= len(row):
        raise DataError("%s:%d: row has %d fields, expected at least %d"
                        % (path, line, len(row), i + 1))
    return row[i]


# --------------------------------------------------------------------------
# number formatting (deterministic; see SOURCES.md "Number format")

def fmt_exact(d):
    """A source value written exactly as a plain decimal (no exponent)."""
    return format(d, "f")


def fmt_derived(x):
    """A computed double rounded half-even to DERIVED_SIG_DIGITS significant
    digits, fixed notation, trailing zeros removed."""
    d = Decimal(x)  # exact binary value of the double
    if d == 0:
        return "0"
    q = d.quantize(Decimal(1).scaleb(d.adjusted() - DERIVED_SIG_DIGITS + 1),
                   rounding=ROUND_HALF_EVEN)
    s = format(q, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


# --------------------------------------------------------------------------
# sources

def load_provinces(path):
    rows = read_rows(path)
    if not rows:
        raise DataError("%s: empty file" % path)
    idx = header_index(rows[0], ["prov_code", "name_zh", "name_zh_full", "name_en",
                                 "pinyin", "region_group"], path, 1)
    provs = []
    for ln, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        p = {k: cell(row, i, path, ln) for k, i in idx.items()}
        if not (len(p["prov_code"]) == 2 and p["prov_code"].isdigit()):
            raise DataError("%s:%d: bad prov_code %r" % (path, ln, p["prov_code"]))
        if p["region_group"] not in GROUPS:
            raise DataError("%s:%d: unknown region_group %r" % (path, ln, p["region_group"]))
        provs.append(p)
    if len(provs) != 31 or len({p["prov_code"] for p in provs}) != 31:
        raise DataError("%s: expected 31 distinct provinces, found %d rows" % (path, len(provs)))
    provs.sort(key=lambda p: int(p["prov_code"]))
    return provs


def load_wide_by_region(path, names, years, what, allow_empty_years=()):
    """NBS 'Annual by Province' export: title lines, a header 'Region,<years>',
    one row per province (English name), then notes. Returns {(name, year): text}."""
    rows = read_rows(path)
    hdr_line = None
    for ln, row in enumerate(rows, start=1):
        if row and row[0].strip() == "Region":
            hdr_line = ln
            break
    if hdr_line is None:
        raise DataError("%s: no header row starting with 'Region'" % path)
    header = rows[hdr_line - 1]
    col = {}
    for i, c in enumerate(header[1:], start=1):
        c = c.strip()
        if c.isdigit():
            col[int(c)] = i
    for y in years:
        if y not in col:
            raise DataError("%s:%d: no column for year %d" % (path, hdr_line, y))
    out = {}
    seen = set()
    for ln, row in enumerate(rows[hdr_line:], start=hdr_line + 1):
        if not row or row[0].strip() not in names:
            continue
        name = row[0].strip()
        if name in seen:
            raise DataError("%s:%d: %s appears twice" % (path, ln, name))
        seen.add(name)
        for y in years:
            t = cell(row, col[y], path, ln).strip()
            if t == "":
                if y in allow_empty_years:
                    continue
                raise DataError("%s:%d: %s %s %d is empty" % (path, ln, name, what, y))
            parse_decimal(t, path, ln, "%s %s %d" % (name, what, y))
            out[(name, y)] = t
    missing = sorted(set(names) - seen)
    if missing:
        raise DataError("%s: no row for %s" % (path, ", ".join(missing)))
    return out


def load_kaggle_grp(path, names, years):
    """Kaggle wide table: header ',<province>...', one row per year.
    The English header has a stray '"Guangxi,"' (SOURCES section 1)."""
    rows = read_rows(path)
    if not rows:
        raise DataError("%s: empty file" % path)
    header = [c.strip().rstrip(",").strip() for c in rows[0]]
    col = {}
    for i, c in enumerate(header[1:], start=1):
        if c in names:
            col[c] = i
    missing = sorted(set(names) - set(col))
    if missing:
        raise DataError("%s:1: no column for %s" % (path, ", ".join(missing)))
    out = {}
    for ln, row in enumerate(rows[1:], start=2):
        if not row or not row[0].strip().isdigit():
            continue
        y = int(row[0].strip())
        if y not in years:
            continue
        for name, i in col.items():
            t = cell(row, i, path, ln).strip()
            parse_decimal(t, path, ln, "%s GRP %d" % (name, y))
            out[(name, y)] = t
    for y in years:
        if (names[0], y) not in out:
            raise DataError("%s: no row for year %d" % (path, y))
    return out


def load_grp_index(path, code_to_name, years):
    """Long table 省份编码,省份,年份,地区生产总值指数(上年=100),... ; code 110000 etc."""
    rows = read_rows(path)
    if not rows:
        raise DataError("%s: empty file" % path)
    idx = header_index(rows[0], ["省份编码", "年份", "地区生产总值指数(上年=100)"], path, 1)
    out = {}
    for ln, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        code = cell(row, idx["省份编码"], path, ln).strip()
        code2 = code[:2]
        if not (len(code) == 6 and code.isdigit() and code.endswith("0000")) \
                or code2 not in code_to_name:
            raise DataError("%s:%d: unknown province code %r" % (path, ln, code))
        ys = cell(row, idx["年份"], path, ln).strip()
        if not ys.isdigit():
            raise DataError("%s:%d: bad year %r" % (path, ln, ys))
        y = int(ys)
        if y not in years:
            continue
        key = (code_to_name[code2], y)
        if key in out:
            raise DataError("%s:%d: duplicate row for %s %d" % (path, ln, key[0], y))
        t = cell(row, idx["地区生产总值指数(上年=100)"], path, ln).strip()
        v = parse_decimal(t, path, ln, "GRP index")
        if not (50 < v < 150):
            raise DataError("%s:%d: implausible GRP index %s" % (path, ln, t))
        out[key] = v
    for name in code_to_name.values():
        for y in years:
            if (name, y) not in out:
                raise DataError("%s: no GRP index for %s %d" % (path, name, y))
    return out


def load_rd(path, zh_to_name, years):
    """techme RDActivity long table; returns {(name, year): Decimal in 万元}."""
    rows = read_rows(path)
    if not rows:
        raise DataError("%s: empty file" % path)
    idx = header_index(rows[0], ["province", "year", "value", "units", "variables"], path, 1)
    out = {}
    for ln, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if cell(row, idx["variables"], path, ln) != RD_VARIABLE:
            continue
        prov = "".join(cell(row, idx["province"], path, ln).split())
        prov = RD_NAME_FIXES.get(prov, prov)
        if prov == "全国":
            continue
        if prov not in zh_to_name:
            raise DataError("%s:%d: unknown province %r" % (path, ln, prov))
        ys = cell(row, idx["year"], path, ln).strip()
        if not ys.isdigit():
            raise DataError("%s:%d: bad year %r" % (path, ln, ys))
        y = int(ys)
        if y not in years:
            continue
        if cell(row, idx["units"], path, ln) != "万元":
            raise DataError("%s:%d: unit is %r, expected 万元"
                            % (path, ln, row[idx["units"]]))
        key = (zh_to_name[prov], y)
        if key in out:
            raise DataError("%s:%d: duplicate %s for %s %d" % (path, ln, RD_VARIABLE, key[0], y))
        v = parse_decimal(cell(row, idx["value"], path, ln), path, ln, "R&D expenditure")
        if v <= 0:
            raise DataError("%s:%d: non-positive R&D expenditure" % (path, ln))
        out[key] = v
    for name in zh_to_name.values():
        for y in years:
            if (name, y) not in out:
                raise DataError("%s: no %s value for %s %d" % (path, RD_VARIABLE, name, y))
    return out


def load_capital_inputs(path, pinyins):
    """CHNCapitalStock asset table: prv,yr,invest,InvestIndex,InvestPrice,depr.
    Returns {pinyin: [(year, invest_text, invest_price_float), ...]} sorted by year."""
    rows = read_rows(path)
    if not rows:
        raise DataError("%s: empty file" % path)
    idx = header_index(rows[0], ["prv", "yr", "invest", "InvestPrice"], path, 1)
    out = {}
    for ln, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        prv = cell(row, idx["prv"], path, ln).strip()
        if prv not in pinyins:
            raise DataError("%s:%d: unknown province %r" % (path, ln, prv))
        ys = cell(row, idx["yr"], path, ln).strip()
        if not ys.isdigit():
            raise DataError("%s:%d: bad year %r" % (path, ln, ys))
        inv = cell(row, idx["invest"], path, ln).strip()
        pri = cell(row, idx["InvestPrice"], path, ln).strip()
        parse_decimal(inv, path, ln, "invest")
        p = float(parse_decimal(pri, path, ln, "InvestPrice"))
        if p <= 0:
            raise DataError("%s:%d: non-positive InvestPrice" % (path, ln))
        out.setdefault(prv, []).append((int(ys), inv, p))
    for prv in pinyins:
        series = sorted(out.get(prv, []))
        if not series:
            raise DataError("%s: no rows for %s" % (path, prv))
        first = CHONGQING_FIRST_YEAR if prv == "chongqing" else CAPITAL_FIRST_YEAR
        years = [s[0] for s in series]
        if years != list(range(first, first + len(years))) or years[-1] < LAST_YEAR:
            raise DataError("%s: %s years are not consecutive from %d to at least %d"
                            % (path, prv, first, LAST_YEAR))
        out[prv] = series
    return out


# --------------------------------------------------------------------------
# construction

def capital_stock_1952prices(inputs):
    """Zhang (2008) perpetual inventory, as CHNCapitalStock CompK(method='ZJ'):
    K_1952 = GFCF_1952 / 0.10; K_t = (1 - 0.096) K_{t-1} + GFCF_t / P_t,
    100 million yuan at 1952 investment prices (P_1952 = 1).
    Chongqing: K_1996 = 1090 * 313 / 850, its own P divided by Sichuan's P_1952.
    Returns ({pinyin: {year: K}}, {pinyin: {year: P used}})."""
    stock, price = {}, {}
    for prv, series in inputs.items():
        if prv == "chongqing":
            p0 = inputs["sichuan"][0][2]  # Sichuan's 1952 price
        else:
            p0 = series[0][2]
        K = None
        ks, ps = {}, {}
        for y, inv, p in series:
            P = p / p0
            if K is None:
                K = CHONGQING_INITIAL_K if prv == "chongqing" \
                    else float(inv) / CAPITAL_INITIAL_RATIO
            else:
                K = K * (1 - CAPITAL_DELTA) + float(inv) / P
            ks[y] = K
            ps[y] = P
        stock[prv], price[prv] = ks, ps
    prv, y, expect, tol = CAPITAL_CHECK
    got = stock[prv].get(y)
    if got is None or abs(got - expect) > tol:
        raise DataError("capital stock check failed: %s %d = %r, published %s"
                        % (prv, y, got, expect))
    return stock, price


def build(raw_dir):
    raw = {k: os.path.join(raw_dir, v) for k, v in RAW_FILES.items()}
    for k, p in raw.items():
        if not os.path.isfile(p):
            raise DataError("%s: raw file not found" % p)

    provs = load_provinces(raw["meta"])
    names = [p["name_en"] for p in provs]
    code_to_name = {p["prov_code"]: p["name_en"] for p in provs}
    zh_to_name = {p["name_zh"]: p["name_en"] for p in provs}
    pinyin_to_name = {p["pinyin"]: p["name_en"] for p in provs}
    name_to_pinyin = {v: k for k, v in pinyin_to_name.items()}
    years = list(range(FIRST_YEAR, LAST_YEAR + 1))

    # Nominal GRP: NBS export for 2004+, Kaggle (same vintage) for 2000-2003.
    nbs_years = list(range(2004, LAST_YEAR + 1))
    grp_nbs = load_wide_by_region(raw["grp_nbs"], names, nbs_years, "GRP")
    grp_kaggle = load_kaggle_grp(raw["grp_kaggle"], names, set(years))
    for key, t in grp_nbs.items():  # SOURCES section 1: they agree exactly
        if Decimal(grp_kaggle[key]) != Decimal(t):
            raise DataError("%s and %s disagree for %s %d: %s vs %s"
                            % (raw["grp_kaggle"], raw["grp_nbs"], key[0], key[1],
                               grp_kaggle[key], t))
    grp = {}
    for n in names:
        for y in years:
            grp[(n, y)] = grp_nbs[(n, y)] if y >= 2004 else grp_kaggle[(n, y)]

    index = load_grp_index(raw["grp_index"], code_to_name, set(range(FIRST_YEAR + 1, LAST_YEAR + 1)))

    # Population (labour proxy): 2000-2018 file, 2019 from the 2010-2019 file.
    pop_a = load_wide_by_region(raw["pop_2000_2018"], names, list(range(FIRST_YEAR, 2019)),
                                "population", allow_empty_years=())
    pop_b = load_wide_by_region(raw["pop_2010_2019"], names, list(range(2010, 2020)), "population")
    for n in names:
        for y in range(2010, 2019):
            if Decimal(pop_a[(n, y)]) != Decimal(pop_b[(n, y)]):
                raise DataError("%s and %s disagree for %s %d"
                                % (raw["pop_2000_2018"], raw["pop_2010_2019"], n, y))
    pop = dict(pop_a)
    for n in names:
        pop[(n, 2019)] = pop_b[(n, 2019)]

    rd = load_rd(raw["rd"], zh_to_name, set(range(RD_FIRST_YEAR, LAST_YEAR + 1)))

    cap_inputs = load_capital_inputs(raw["capital"], set(pinyin_to_name))
    stock, price = capital_stock_1952prices(cap_inputs)
    invest = {}
    for prv, series in cap_inputs.items():
        for y, inv, _ in series:
            invest[(pinyin_to_name[prv], y)] = inv

    panel = []
    for n in names:
        # Real GRP at 2019 prices, chained backwards with the NBS volume index.
        real = {LAST_YEAR: float(grp[(n, LAST_YEAR)])}
        for y in range(LAST_YEAR, FIRST_YEAR, -1):
            real[y - 1] = real[y] / (float(index[(n, y)]) / 100)
        prv = name_to_pinyin[n]
        p_base = price[prv][BASE_YEAR]
        for y in years:
            nominal = float(grp[(n, y)])
            capital = stock[prv][y] * p_base  # 1952 prices -> 2019 prices (P_1952 = 1)
            if (n, y) in rd:
                rd_nom = rd[(n, y)].scaleb(-4)  # 万元 -> 亿元, exact
                rd_real = float(rd_nom) * real[y] / nominal
                rd_cells = [fmt_exact(rd_nom), fmt_derived(rd_real)]
            else:
                rd_cells = ["", ""]
            if capital <= 0:
                raise DataError("non-positive capital stock for %s %d" % (n, y))
            panel.append([n, str(y), fmt_exact(Decimal(grp[(n, y)])), fmt_derived(real[y]),
                          fmt_derived(capital), fmt_exact(Decimal(invest[(n, y)])),
                          fmt_exact(Decimal(pop[(n, y)]))] + rd_cells)

    regions = [[p["name_en"], p["prov_code"], p["name_zh"], p["region_group"]] for p in provs]
    return panel, regions


def csv_bytes(header, rows):
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def write_atomic(path, data):
    d = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--raw", default=os.path.join(here, "raw"),
                    help="folder with the raw source tables (default: %(default)s)")
    ap.add_argument("--out", default=here,
                    help="output folder for china_provinces.csv and regions.csv "
                         "(default: %(default)s)")
    args = ap.parse_args(argv)
    prog = os.path.basename(sys.argv[0]) or "build_panel.py"
    if not os.path.isdir(args.raw):
        print("%s: error: raw folder not found: %s" % (prog, args.raw), file=sys.stderr)
        return 1
    if not os.path.isdir(args.out):
        print("%s: error: output folder not found: %s" % (prog, args.out), file=sys.stderr)
        return 1
    try:
        panel, regions = build(args.raw)
    except DataError as e:
        print("%s: error: %s" % (prog, e), file=sys.stderr)
        return 1
    write_atomic(os.path.join(args.out, "china_provinces.csv"), csv_bytes(PANEL_HEADER, panel))
    write_atomic(os.path.join(args.out, "regions.csv"), csv_bytes(REGIONS_HEADER, regions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
