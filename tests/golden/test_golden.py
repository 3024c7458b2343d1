#!/usr/bin/env python3
"""Golden outputs: every case of golden_cases.CASES, run with the binary
under test, gives the files in tests/golden/expected/.

Why: the engine's model code (calibration, Monte Carlo projection, storage,
accounting, report) is being restructured; this test proves such a change
moves no output. It regenerates every case into a per-test temporary folder
and compares each HDF5 file with its golden copy: the group tree (member
names and order, link and object kinds), every dataset (dtype, shape,
storage layout and the raw bytes of its values), every attribute of every
object (names, order, dtype and value), and the dimension-scale structure
(which scales each dataset's dimensions are attached to, which datasets are
scales; DIMENSION_LIST and REFERENCE_LIST are compared with their object
references resolved to names). The HTML report is compared as text.

What is not compared is listed below, each item with its reason:
IGNORED_ATTRIBUTES (values that differ between two identical runs, found
by generating the cases twice into different folders and diffing), and
the normalisations (paths of the checkout, checksums of generated inputs,
the timing lines of Ceres' full report, the report's provenance lines).
Nothing else is skipped; a new attribute or dataset fails the test until the
golden files are regenerated (see README.md for when that is allowed).

Modes. Bit for bit is the contract for the Release build on the CI machine
class. The tolerant mode applies when GROWTHCAST_GOLDEN_TOLERANCE is set
(ctest sets it, with the reason, for sanitizer and non-Release builds) or
when the outputs' `instruction_set` differs from the golden files': floats
(datasets and attributes) then agree to 1e-9 of the largest |value| of
their dataset or attribute, 1e-5 for streaming quantiles (see RTOL and
STREAMING_RTOL for the measurements behind them), and the attributes
describing the optimiser's path (TOLERANT_IGNORED_ATTRIBUTES) are not
compared. Integers, strings and the report's text are always compared
exactly. The mode is printed.

On a mismatch the test prints the file, the object path and the first
differing values (with the maximum absolute and relative difference for
numbers) and keeps the temporary folder for inspection.

Environment (set by ctest): GROWTHCAST_BINARY, GROWTHCAST_WORK_DIR
(parent of the temporary folder), GROWTHCAST_GOLDEN_TOLERANCE (optional).
"""

import difflib
import json
import os
import re
import shutil
import sys
import tempfile
import time
import unittest
from dataclasses import dataclass

import h5py
import numpy as np

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_cases  # noqa: E402

BINARY = os.environ.get("GROWTHCAST_BINARY", "")
WORK = os.environ.get("GROWTHCAST_WORK_DIR") or None
# The tolerant mode's float criterion, per dataset or attribute:
# max |got - expected| <= RTOL * max |expected| + ATOL (NaNs where the
# golden file has them). Measured, not guessed: the ASan/UBSan -O1 build's
# outputs differ from the Release golden files by up to 8.5e-12 of a
# dataset's largest value (calibrate_free_phi estimate; forecasts up to
# 2.4e-12), and element by element by up to 2.4e-9 relative (calibration
# residuals near zero), so the rtol 1e-12 / atol 1e-15 first intended
# fails there. 1e-9 of the dataset's scale leaves two orders of magnitude of
# margin and still catches any change of a model (1e-6 and more).
RTOL, ATOL = 1e-9, 1e-15
# Streaming quantiles (a file with a scenario whose exact_quantiles is 0)
# in the tolerant mode: the estimator's value moves by more than its
# inputs. Measured with an x86-64-v2 Release build against these x86-64-v3
# golden files: everything else agrees to 8.5e-12 of its scale (as under
# ASan), streaming quantiles only to 9.1e-8 (contribution_knowledge;
# gdp_growth 2.8e-8). 1e-5 keeps two orders of
# margin. (Under ASan -O1 they agreed to 2.4e-12.)
STREAMING_RTOL = 1e-5
STREAMING_QUANTILES = re.compile(r"^/forecast/[^/]+/quantiles$")
MAX_SHOWN = 5  # differing elements shown per object


@dataclass(frozen=True)
class Ignored:
    obj: str   # object path in the file
    name: str  # attribute name
    why: str


# Attribute values that legitimately differ between identical runs. The
# attribute must still exist on both sides (its presence is compared);
# only its value is skipped. Found by diffing two generations of all cases
# into different folders, not guessed.
IGNORED_ATTRIBUTES = [
    Ignored("/", "created", "wall-clock time the file was written"),
    Ignored("/", "git_commit", "the commit of the build; any change moves it"),
    Ignored("/", "command_line",
            "the binary's and the scenario files' absolute paths"),
    Ignored("/calibration", "preprocessor_seconds", "Ceres timing"),
    Ignored("/calibration", "minimizer_seconds", "Ceres timing"),
    Ignored("/calibration", "total_seconds", "Ceres timing"),
    Ignored("/forecast", "build",
            "program version and commit of the build (issue 16's shard "
            "provenance); any commit moves it"),
]
# Per-scenario content digests (issue 16) hash the build with the values,
# so they move with every commit like git_commit; the values they cover are
# compared byte for byte here anyway.
DIGEST_ATTRIBUTE = re.compile(r"scenario_\d+_sha256")
IGNORED = {(i.obj, i.name): i.why for i in IGNORED_ATTRIBUTES}

# Skipped in the tolerant mode only: the path Ceres takes depends on
# rounding. Under ASan -O1 the default calibration stops after 2 iterations
# instead of 8 (both with |cost_change|/cost below the 1e-14 tolerance, at
# estimates 1e-10 apart), so the counts and the reports that quote them and
# the final cost change differ. The estimates themselves are compared.
SOLVER_PATH = "the optimiser's path moves with rounding"
TOLERANT_IGNORED_ATTRIBUTES = [
    Ignored("/calibration", name, SOLVER_PATH)
    for name in ("iterations", "residual_evaluations",
                 "jacobian_evaluations", "solver_message", "brief_report",
                 "full_report")
] + [
    # A digest of the calibration's values (issue 16): it moves with any
    # bit of them, which the tolerant mode allows.
    Ignored("/forecast", "calibration_sha256",
            "SHA-256 of the calibration's values, which move with rounding"),
]
# The report quotes the solver's iteration count (the optimiser's path).
TOLERANT_REPORT_MASKS = [
    (re.compile(r"(<tr><td>solver iterations</td><td class=\"num\">)\d+"),
     r"\1<masked>"),
]
TOLERANT_IGNORED = {(i.obj, i.name): i.why
                    for i in TOLERANT_IGNORED_ATTRIBUTES}

# Attributes compared after a normalisation (besides the checkout path,
# which is replaced by <SOURCE> in every string of every file):
#  - /@input_files: one "sha256  path" line per input. Inputs that are
#    outputs of earlier cases (an .h5 named relative to the output folder)
#    have their checksum masked: the file embeds its own `created` time, so
#    its SHA-256 differs on every run. Paths and the checksums of the
#    scenario and data files are compared.
#  - /calibration@full_report: Ceres' full report with the numbers of its
#    "Time (in seconds)" block masked (wall times); the evaluation counts
#    in that block and everything else are compared.
#  - /@instruction_set: compared; a difference switches to the tolerant
#    mode (see the docstring) and is reported, not failed.
GENERATED_INPUT = re.compile(r"^[0-9a-f]{64}  ([^/\s]+\.h5)$", re.M)
CERES_TIMES = re.compile(r"(Time \(in seconds\):)(.*?)(\nTermination:)",
                         re.S)

# Report lines masked before the text comparison: provenance values that
# differ between identical runs (the same reasons as the attributes above)
# and the masked checksums of generated inputs in its input-file list.
REPORT_MASKS = [
    (re.compile(r"(<dt>(created|git_commit|command_line)</dt><dd><code>)"
                r".*?(</code></dd>)", re.S), r"\1<masked>\3"),
    (re.compile(r"^[0-9a-f]{64}  ([^/\s<]+\.h5)(?=$|</pre>)", re.M),
     r"<sha256 of a generated file>  \1"),
]


def normalise_text(text, source):
    return text.replace(source, "<SOURCE>")


def normalise_attribute(obj, name, value, source):
    if isinstance(value, str):
        value = normalise_text(value, source)
        if (obj, name) == ("/", "input_files"):
            value = GENERATED_INPUT.sub(r"<sha256 of a generated file>  \1",
                                        value)
        if (obj, name) == ("/calibration", "full_report"):
            value = CERES_TIMES.sub(
                lambda m: m[1] + re.sub(r"\d+\.\d+", "<s>", m[2]) + m[3],
                value)
    return value


def plain(value, f, source):
    """An attribute's or dataset's value with object references replaced by
    the referenced object's name, strings decoded and the checkout path
    normalised; numeric arrays stay numpy arrays."""
    if isinstance(value, h5py.Reference):
        return f"<ref {f[value].name}>" if value else "<null ref>"
    if isinstance(value, bytes):
        return normalise_text(value.decode("utf-8", "surrogateescape"),
                              source)
    if isinstance(value, str):
        return normalise_text(value, source)
    if isinstance(value, np.void) and value.dtype.names:
        return tuple(plain(value[n], f, source) for n in value.dtype.names)
    if isinstance(value, np.ndarray) and (value.dtype.kind in "OSUV"):
        return ("array", value.dtype.kind, value.shape,
                [plain(v, f, source) for v in value.ravel().tolist()]
                if value.dtype.names is None
                else [plain(v, f, source) for v in value.ravel()])
    if isinstance(value, (list, tuple)):
        return [plain(v, f, source) for v in value]
    if isinstance(value, (np.generic, np.ndarray, int, float)):
        return np.asarray(value)
    return value


def numeric_difference(where, exp, act, tolerant, rtol=RTOL):
    """None if equal (bytes, or within tolerance for floats in the tolerant
    mode), else a message with the first differing values."""
    if exp.dtype != act.dtype:
        return f"{where}: dtype {exp.dtype} -> {act.dtype}"
    if exp.shape != act.shape:
        return f"{where}: shape {exp.shape} -> {act.shape}"
    if exp.tobytes() == act.tobytes():
        return None
    e, a = exp.reshape(-1), act.reshape(-1)
    if exp.dtype.kind == "f":
        same_bits = e.view(f"u{e.itemsize}") == a.view(f"u{a.itemsize}")
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(a.astype(float) - e.astype(float))
            rel = diff / np.maximum(np.abs(e.astype(float)), 1e-300)
        finite = np.isfinite(diff)
        scale = np.abs(e[np.isfinite(e)]).max(initial=0.0)
        nan_same = np.isnan(e) == np.isnan(a)
        bound = rtol * scale + ATOL
        close = nan_same & (np.isnan(e) | (diff <= bound))
        if tolerant and close.all():
            return None
        bad = ~close if tolerant else ~same_bits
        stats = (f"max abs diff {diff[finite].max():.3e}, max rel diff "
                 f"{rel[finite].max():.3e}, max abs diff / max |expected| "
                 f"{diff[finite].max() / max(scale, 1e-300):.3e}"
                 if finite.any() else "no finite differences")
        if tolerant:
            stats += f"; allowed {bound:.3e}"
    else:
        bad = e != a
        stats = ""
    idx = np.flatnonzero(bad)
    lines = [f"{where}: {idx.size} of {e.size} values differ"
             + (f" ({stats})" if stats else "")]
    for k in idx[:MAX_SHOWN]:
        at = np.unravel_index(k, exp.shape) if exp.shape else ()
        lines.append(f"    at {tuple(int(i) for i in at)}: "
                     f"expected {e[k]!r}, got {a[k]!r}")
    return "\n".join(lines)


def value_difference(where, exp, act, tolerant):
    if isinstance(exp, np.ndarray) and isinstance(act, np.ndarray):
        return numeric_difference(where, exp, act, tolerant)
    if type(exp) is not type(act):
        return f"{where}: {short(exp)} -> {short(act)}"
    if isinstance(exp, tuple) and exp and exp[0] == "array":
        if exp[:3] != act[:3]:
            return f"{where}: {exp[1]} array of shape {exp[2]} -> " \
                   f"{act[1]} array of shape {act[2]}"
        for k, (x, y) in enumerate(zip(exp[3], act[3])):
            d = value_difference(f"{where}[{k}]", x, y, tolerant)
            if d:
                return d
        return None
    if isinstance(exp, (list, tuple)):
        if len(exp) != len(act):
            return f"{where}: {len(exp)} items -> {len(act)}"
        for k, (x, y) in enumerate(zip(exp, act)):
            d = value_difference(f"{where}[{k}]", x, y, tolerant)
            if d:
                return d
        return None
    if exp != act:
        if isinstance(exp, str) and ("\n" in exp or len(exp) > 80):
            diff = difflib.unified_diff(exp.splitlines(), act.splitlines(),
                                        "expected", "got", n=0, lineterm="")
            return f"{where}: text differs:\n    " + "\n    ".join(
                list(diff)[:20])
        return f"{where}: {short(exp)} -> {short(act)}"
    return None


def names_difference(where, what, exp, act):
    """None if the name lists are equal, else what is missing, extra or
    reordered."""
    if exp == act:
        return None
    missing = [n for n in exp if n not in act]
    extra = [n for n in act if n not in exp]
    parts = ([f"missing {missing}"] if missing else []) + \
        ([f"new {extra}"] if extra else [])
    if not parts:
        k = next(i for i, (x, y) in enumerate(zip(exp, act)) if x != y)
        parts = [f"order differs from position {k}: {exp[k:k + 4]} -> "
                 f"{act[k:k + 4]}"]
    return f"{where}: {what}: " + ", ".join(parts)


def short(v):
    text = repr(v)
    return text if len(text) < 200 else text[:200] + "..."


def layout(ds):
    return {"chunks": ds.chunks, "maxshape": ds.maxshape,
            "compression": ds.compression,
            "compression_opts": ds.compression_opts, "shuffle": ds.shuffle,
            "fletcher32": ds.fletcher32, "scaleoffset": ds.scaleoffset}


def dimension_scales(ds):
    return {"is_scale": bool(h5py.h5ds.is_scale(ds.id)),
            "dims": [(d.label, [s.name for s in d.values()])
                     for d in ds.dims]}


class Comparison:
    """Compares one HDF5 file with its golden copy; collects messages."""

    def __init__(self, expected, actual, tolerant, sources):
        self.e = h5py.File(expected, "r")
        self.a = h5py.File(actual, "r")
        self.tolerant = tolerant
        self.source_e, self.source_a = sources
        self.messages = []
        self.notes = []
        self.streaming = ("forecast/exact_quantiles" in self.e and
                          (self.e["forecast/exact_quantiles"][()] == 0).any())

    def run(self):
        try:
            self.object("/", self.e, self.a)
        finally:
            self.e.close()
            self.a.close()
        return self.messages

    def fail(self, message):
        if message:
            self.messages.append(message)

    def attributes(self, path, eo, ao):
        en, an = list(eo.attrs), list(ao.attrs)
        self.fail(names_difference(path, "attributes", en, an))
        for name in (n for n in en if n in an):
            where = f"{path} @{name}"
            if (path, name) in IGNORED or (
                    self.tolerant and (path, name) in TOLERANT_IGNORED) or (
                    path == "/forecast" and DIGEST_ATTRIBUTE.fullmatch(name)):
                continue
            ev = normalise_attribute(
                path, name, plain(eo.attrs[name], self.e, self.source_e),
                self.source_e)
            av = normalise_attribute(
                path, name, plain(ao.attrs[name], self.a, self.source_a),
                self.source_a)
            if (path, name) == ("/", "instruction_set") and ev != av:
                self.notes.append(f"{where}: {ev} -> {av} (tolerant mode)")
                continue
            self.fail(value_difference(where, ev, av, self.tolerant))

    def object(self, path, eo, ao):
        self.attributes(path, eo, ao)
        if isinstance(eo, h5py.Group):
            en, an = list(eo.keys()), list(ao.keys())
            self.fail(names_difference(path, "members", en, an))
            for name in (n for n in en if n in an):
                child = path.rstrip("/") + "/" + name
                el = eo.get(name, getlink=True)
                al = ao.get(name, getlink=True)
                if type(el) is not type(al):
                    self.fail(f"{child}: link {type(el).__name__} -> "
                              f"{type(al).__name__}")
                    continue
                if not isinstance(el, h5py.HardLink):  # soft or external
                    self.fail(value_difference(
                        f"{child} (link target)",
                        [getattr(el, "filename", ""), el.path],
                        [getattr(al, "filename", ""), al.path], False))
                    continue
                ec, ac = eo[name], ao[name]
                if type(ec) is not type(ac):
                    self.fail(f"{child}: {type(ec).__name__} -> "
                              f"{type(ac).__name__}")
                    continue
                self.object(child, ec, ac)
        elif isinstance(eo, h5py.Dataset):
            self.dataset(path, eo, ao)

    def dataset(self, path, ed, ad):
        if ed.dtype != ad.dtype or ed.shape != ad.shape:
            self.fail(f"{path}: dtype {ed.dtype} shape {ed.shape} -> "
                      f"dtype {ad.dtype} shape {ad.shape}")
            return
        self.fail(value_difference(f"{path} (layout)", layout(ed),
                                   layout(ad), False))
        self.fail(value_difference(f"{path} (dimension scales)",
                                   dimension_scales(ed),
                                   dimension_scales(ad), False))
        ev, av = ed[()], ad[()]
        if ed.dtype.kind in "iufb" and ed.dtype.names is None:
            rtol = (STREAMING_RTOL if self.streaming and
                    STREAMING_QUANTILES.match(path) else RTOL)
            self.fail(numeric_difference(path, np.asarray(ev),
                                         np.asarray(av), self.tolerant, rtol))
        else:
            self.fail(value_difference(path, plain(ev, self.e, self.source_e),
                                       plain(av, self.a, self.source_a),
                                       self.tolerant))


def normalise_report(text, source, tolerant=False):
    text = normalise_text(text, source)
    for pattern, replacement in REPORT_MASKS + (
            TOLERANT_REPORT_MASKS if tolerant else []):
        text = pattern.sub(replacement, text)
    return text


# A number as the report prints it (table cells, SVG coordinates).
REPORT_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def last_digit_flips_only(e, a):
    """True when the two reports differ only in numbers that differ by at
    most one unit of their last printed digit (e.g. an SVG coordinate 220.3
    against 220.2): a value within rounding of a printed boundary, which the
    tolerant mode allows. Everything else (text, markup, any larger
    difference, a different count of numbers) must match."""
    if REPORT_NUMBER.sub("#", e) != REPORT_NUMBER.sub("#", a):
        return False
    for x, y in zip(REPORT_NUMBER.findall(e), REPORT_NUMBER.findall(a)):
        if x == y:
            continue
        decimals = len(x.split(".")[1]) if "." in x else 0
        if decimals != (len(y.split(".")[1]) if "." in y else 0):
            return False
        if abs(float(x) - float(y)) > 1.0001 * 10.0 ** -decimals:
            return False
    return True


def compare_report(expected, actual, sources, tolerant=False):
    with open(expected, encoding="utf-8") as f:
        e = normalise_report(f.read(), sources[0], tolerant)
    with open(actual, encoding="utf-8") as f:
        a = normalise_report(f.read(), sources[1], tolerant)
    if e == a or (tolerant and last_digit_flips_only(e, a)):
        return []
    diff = difflib.unified_diff(e.splitlines(), a.splitlines(), "expected",
                                "got", n=0, lineterm="")
    return ["report differs (first lines of the diff):\n    "
            + "\n    ".join(list(diff)[:30])]


class Golden(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not BINARY:
            raise unittest.SkipTest("GROWTHCAST_BINARY is not set")
        with open(os.path.join(golden_cases.EXPECTED, "MANIFEST.json")) as f:
            cls.manifest = json.load(f)
        cls.sources = (cls.manifest["source_dir"], golden_cases.SOURCE)
        cls.dir = tempfile.mkdtemp(prefix="golden-", dir=WORK)
        start = time.monotonic()
        golden_cases.run_cases(BINARY, cls.dir)
        print(f"golden: {len(golden_cases.CASES)} cases ran in "
              f"{time.monotonic() - start:.1f} s into {cls.dir}",
              file=sys.stderr)
        reason = os.environ.get("GROWTHCAST_GOLDEN_TOLERANCE", "")
        with h5py.File(os.path.join(golden_cases.EXPECTED,
                                    "calibrate_default.h5"), "r") as e, \
                h5py.File(os.path.join(cls.dir, "calibrate_default.h5"),
                          "r") as a:
            ei, ai = e.attrs["instruction_set"], a.attrs["instruction_set"]
        if ei != ai:
            reason = (reason + "; " if reason else "") + \
                f"instruction_set {ai} differs from the golden files' {ei}"
        cls.tolerant = bool(reason)
        if cls.tolerant:
            print(f"golden: not bit for bit ({reason}): floats to "
                  f"{RTOL:g} x the largest |value| of each dataset or "
                  f"attribute + {ATOL:g} ({STREAMING_RTOL:g} for streaming "
                  "quantiles), and not the solver-path "
                  "attributes: " + ", ".join(
                      f"{i.obj}@{i.name}"
                      for i in TOLERANT_IGNORED_ATTRIBUTES),
                  file=sys.stderr)
        else:
            print("golden: comparing bit for bit (Release build, same "
                  "instruction set as the golden files)", file=sys.stderr)
        print("golden: values not compared: " + "; ".join(
            f"{i.obj}@{i.name} ({i.why})" for i in IGNORED_ATTRIBUTES),
            file=sys.stderr)
        cls.failed = False

    @classmethod
    def tearDownClass(cls):
        if cls.failed:
            print(f"golden: outputs kept in {cls.dir}", file=sys.stderr)
        else:
            shutil.rmtree(cls.dir, ignore_errors=True)

    def test_expected_folder_holds_exactly_the_cases(self):
        cases = [output for output, _ in golden_cases.CASES]
        present = sorted(os.listdir(golden_cases.EXPECTED))
        self.assertEqual(present, sorted(cases + ["MANIFEST.json"]),
                         "tests/golden/expected/ and golden_cases.CASES "
                         "disagree: regenerate with make_golden.py")
        self.assertEqual(self.manifest["cases"], cases)

    def check_case(self, output):
        expected = os.path.join(golden_cases.EXPECTED, output)
        actual = os.path.join(self.dir, output)
        if output.endswith(".html"):
            messages = compare_report(expected, actual, self.sources,
                                      self.tolerant)
        else:
            comparison = Comparison(expected, actual, self.tolerant,
                                    self.sources)
            messages = comparison.run()
            for note in comparison.notes:
                print(f"golden: {output}: {note}", file=sys.stderr)
        if messages:
            type(self).failed = True
            self.fail(f"{output} differs from tests/golden/expected/"
                      f"{output} in {len(messages)} place(s):\n  "
                      + "\n  ".join(messages))


def add_case_tests():
    for output, _ in golden_cases.CASES:
        name = "test_" + re.sub(r"\W", "_", output)
        setattr(Golden, name, lambda self, o=output: self.check_case(o))


add_case_tests()

if __name__ == "__main__":
    unittest.main(verbosity=2)
