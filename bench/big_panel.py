#!/usr/bin/env python3
"""A synthetic panel of 3,100 regions for whole-process calibration
benchmarks (issue 20): the shipped 31 provinces x 2000-2019, copied 100
times with a size factor per copy (uniform 0.5-2) and 2% noise per value, so
each copy is a plausible economy of the same shape. Deterministic (seed 1).

    /usr/bin/python3 bench/big_panel.py OUT.csv [COPIES]
"""
import csv
import os
import random
import sys

here = os.path.dirname(os.path.abspath(__file__))
out = sys.argv[1]
copies = int(sys.argv[2]) if len(sys.argv) > 2 else 100
with open(os.path.join(here, "..", "data", "china_provinces.csv"),
          newline="") as f:
    rows = list(csv.reader(f))
header, data = rows[0], rows[1:]
money = [header.index(c) for c in ("gdp_nominal", "gdp_real", "capital",
                                   "investment_nominal", "rd_nominal",
                                   "rd_real")]
labour = header.index("labour")
random.seed(1)
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(header)
    for k in range(copies):
        scale = random.uniform(0.5, 2.0)
        for r in data:
            r = list(r)
            r[0] = f"{r[0]}_{k:03d}"
            for j in money:
                if r[j] != "":
                    r[j] = repr(float(r[j]) * scale * random.uniform(0.98, 1.02))
            r[labour] = str(int(int(r[labour]) * scale))
            w.writerow(r)
