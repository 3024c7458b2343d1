#!/usr/bin/env python3
"""data/build_panel.py rebuilds the shipped data/china_provinces.csv and
data/regions.csv byte for byte from data/raw/.

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
SCRIPT = os.path.join(DATA_DIR, "build_panel.py")
OUTPUTS = ["china_provinces.csv", "regions.csv"]


def run_build(*args):
    return subprocess.run([sys.executable, SCRIPT] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=300)


class PanelRebuild(unittest.TestCase):
    def setUp(self):
        os.makedirs(WORK_DIR, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix="panel_rebuild_", dir=WORK_DIR)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_rebuild_is_byte_identical(self):
        r = run_build("--out", self.tmp)
        self.assertEqual(r.returncode, 0, "build_panel.py failed:\n" + r.stderr)
        for name in OUTPUTS:
            with open(os.path.join(DATA_DIR, name), "rb") as f:
                shipped = f.read()
            with open(os.path.join(self.tmp, name), "rb") as f:
                rebuilt = f.read()
            if shipped != rebuilt:
                a, b = shipped.split(b"\n"), rebuilt.split(b"\n")
                first = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]),
                             min(len(a), len(b)))
                self.fail("%s differs from the rebuild at line %d:\n shipped: %r\n rebuilt: %r"
                          % (name, first + 1, a[first] if first < len(a) else b"<eof>",
                             b[first] if first < len(b) else b"<eof>"))

    def test_shipped_encoding(self):
        # the shipped panel's format (data/SOURCES.md, "File format"):
        # UTF-8 without BOM, LF only
        for name in OUTPUTS:
            with open(os.path.join(DATA_DIR, name), "rb") as f:
                data = f.read()
            self.assertFalse(data.startswith(b"\xef\xbb\xbf"), name + " has a BOM")
            self.assertNotIn(b"\r", data, name + " has CR characters")
            self.assertTrue(data.endswith(b"\n"), name + " lacks a final newline")
            data.decode("utf-8")

    def test_missing_raw_file_is_reported(self):
        raw = os.path.join(self.tmp, "raw")
        shutil.copytree(os.path.join(DATA_DIR, "raw"), raw)
        os.remove(os.path.join(raw, "techme_RDActivity.csv"))
        r = run_build("--raw", raw, "--out", self.tmp)
        self.assertEqual(r.returncode, 1)
        self.assertIn("techme_RDActivity.csv", r.stderr)
        self.assertIn("not found", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "china_provinces.csv")))

    def test_malformed_raw_file_is_reported(self):
        raw = os.path.join(self.tmp, "raw")
        shutil.copytree(os.path.join(DATA_DIR, "raw"), raw)
        path = os.path.join(raw, "nbs_export_grp_index_prev_year_2000_2019_zh.csv")
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        lines[1] = lines[1].replace(",106.1,", ",n/a,", 1)  # Beijing 2019 index
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write("\n".join(lines))
        r = run_build("--raw", raw, "--out", self.tmp)
        self.assertEqual(r.returncode, 1)
        self.assertIn("nbs_export_grp_index_prev_year_2000_2019_zh.csv:2", r.stderr)


if __name__ == "__main__":
    unittest.main()
