#!/usr/bin/env python3
"""data/build_outturns.py rebuilds the shipped data/china_province_outturns.csv
byte for byte from data/raw/ and the shipped panel, and reports a missing or
malformed input with its file and line.

Environment: GROWTHCAST_SOURCE_DIR (repository root; default: two folders up
from this file) and GROWTHCAST_WORK_DIR (where temporary output goes; default:
the system temporary folder).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE_DIR = os.environ.get("GROWTHCAST_SOURCE_DIR") or \
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK_DIR = os.environ.get("GROWTHCAST_WORK_DIR") or tempfile.gettempdir()
DATA_DIR = os.path.join(SOURCE_DIR, "data")
SCRIPT = os.path.join(DATA_DIR, "build_outturns.py")
OUTPUT = "china_province_outturns.csv"
INDEX_RAW = "nbs_export_grp_index_prev_year_2016_2025_zh_5th_census_revision.csv"


def run_build(*args):
    return subprocess.run([sys.executable, SCRIPT] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=300)


class OutturnsRebuild(unittest.TestCase):
    def setUp(self):
        os.makedirs(WORK_DIR, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix="outturns_rebuild_", dir=WORK_DIR)
        self.out = os.path.join(self.tmp, OUTPUT)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_rebuild_is_byte_identical(self):
        r = run_build("--out", self.out)
        self.assertEqual(r.returncode, 0, "build_outturns.py failed:\n" + r.stderr)
        with open(os.path.join(DATA_DIR, OUTPUT), "rb") as f:
            shipped = f.read()
        with open(self.out, "rb") as f:
            self.assertEqual(shipped, f.read())
        self.assertFalse(shipped.startswith(b"\xef\xbb\xbf"))
        self.assertNotIn(b"\r", shipped)
        # 31 provinces x 2020-2024 and the header
        self.assertEqual(shipped.count(b"\n"), 156)

    def test_missing_raw_file_is_reported(self):
        raw = os.path.join(self.tmp, "raw")
        shutil.copytree(os.path.join(DATA_DIR, "raw"), raw)
        os.remove(os.path.join(raw, INDEX_RAW))
        r = run_build("--raw", raw, "--out", self.out)
        self.assertEqual(r.returncode, 1)
        self.assertIn(INDEX_RAW + ": raw file not found", r.stderr)
        self.assertFalse(os.path.exists(self.out))

    def test_malformed_index_is_reported(self):
        raw = os.path.join(self.tmp, "raw")
        shutil.copytree(os.path.join(DATA_DIR, "raw"), raw)
        path = os.path.join(raw, INDEX_RAW)
        with open(path, encoding="utf-8-sig") as f:
            lines = f.read().split("\n")
        # line 4 is Beijing; its 2020 index 101.4 becomes text
        self.assertTrue(lines[3].startswith("北京市"))
        lines[3] = lines[3].replace("101.4", "n/a", 1)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write("\n".join(lines))
        r = run_build("--raw", raw, "--out", self.out)
        self.assertEqual(r.returncode, 1)
        self.assertIn(INDEX_RAW + ":4: Beijing GRP index 2020: not a number", r.stderr)


if __name__ == "__main__":
    unittest.main()
