#!/usr/bin/env python3
"""Regenerates tests/golden/expected/ with a given growthcast binary.

    python3 tests/golden/make_golden.py --binary build/cli/growthcast

Runs every case of golden_cases.CASES into a fresh temporary folder and,
when all succeed, replaces expected/ with the results and a MANIFEST.json
(the binary's --version and the checkout the paths in the files refer to,
which test_golden.py needs to normalise them).

The rule: regenerate only in a commit that says which output changed and
why (tests/golden/README.md). The golden files are the proof that a change
which claims to leave the results alone does.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
import golden_cases  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True,
                        help="the growthcast binary (a Release build)")
    parser.add_argument("--out", default=golden_cases.EXPECTED,
                        help="folder to write (default: expected/ here)")
    args = parser.parse_args()

    binary = os.path.abspath(args.binary)
    version = subprocess.run([binary, "--version"], capture_output=True,
                             text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="golden-") as work:
        try:
            golden_cases.run_cases(binary, work)
        except RuntimeError as e:
            sys.exit(f"make_golden: {e}")
        manifest = {
            "generated_by": version,
            "source_dir": golden_cases.SOURCE,
            "cases": [output for output, _ in golden_cases.CASES],
        }
        with open(os.path.join(work, "MANIFEST.json"), "w") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")
        if os.path.isdir(args.out):
            shutil.rmtree(args.out)
        shutil.copytree(work, args.out)
    total = sum(os.path.getsize(os.path.join(args.out, n))
                for n in os.listdir(args.out))
    print(f"make_golden: {len(golden_cases.CASES)} cases from {version} "
          f"into {args.out} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
