#!/usr/bin/env python3
"""Issue 17, consistent flags: every subcommand's --help gives every option
and positional a description; the same things have the same flag names
across commands; --version works after any subcommand; former spellings
still work, hidden from --help, with a note on stderr and the same output.

Environment (set by ctest): GROWTHCAST_BINARY, GROWTHCAST_SOURCE_DIR,
GROWTHCAST_WORK_DIR.
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

BINARY = os.environ["GROWTHCAST_BINARY"]
WORK = os.environ.get("GROWTHCAST_WORK_DIR", tempfile.gettempdir())


def run(*args, timeout=120):
    return subprocess.run([BINARY, *args], capture_output=True, text=True,
                          timeout=timeout)


def subcommands(path=()):
    """The subcommand paths below `path`, from the Subcommands: section of
    its --help (CLI11's layout: two spaces, the name, the description)."""
    r = run(*path, "--help")
    assert r.returncode == 0, r.stderr
    section = r.stdout.split("Subcommands:\n", 1)
    if len(section) < 2:
        return []
    names = re.findall(r"^  (\S+)", section[1], re.M)
    out = []
    for name in names:
        child = path + (name,)
        out.append(child)
        out.extend(subcommands(child))
    return out


def entries(help_text):
    """(section, name, description) of each option and positional in a
    CLI11 --help: an entry starts on a line with two spaces then its name;
    the description starts at column 30 on that line or on the next lines,
    which are indented past the names."""
    out = []
    section = None
    for line in help_text.splitlines():
        if line in ("Options:", "Positionals:"):
            section = line[:-1]
            continue
        if not line.strip() or not line.startswith(" ") or section is None:
            if line and not line.startswith(" "):
                section = None
            continue
        if re.match(r"^  \S", line):
            head, _, description = line[2:].partition("  ")
            out.append([section, head.split()[0], description.strip()])
        elif out:
            out[-1][2] = (out[-1][2] + " " + line.strip()).strip()
    return out


class Flags(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.commands = subcommands()
        cls.help = {c: run(*c, "--help").stdout for c in cls.commands}

    def test_every_command_is_walked(self):
        # The commands main.cc registers, and bench's one subcommand.
        names = {" ".join(c) for c in self.commands}
        for name in ("calibrate", "accounting", "bench", "bench solvers",
                     "forecast", "sweep", "merge", "report", "models",
                     "backtest", "export"):
            self.assertIn(name, names)

    def test_every_option_has_help_text(self):
        for command, text in self.help.items():
            found = entries(text)
            self.assertTrue(found, command)
            for section, name, description in found:
                self.assertTrue(description,
                                "%s: %s %s has no help text"
                                % (" ".join(command), section, name))

    def test_same_names_for_the_same_things(self):
        def flags(command):
            return {n for _, name, _ in entries(self.help[(command,)])
                    for n in name.split(",")}
        # The panel's columns: calibrate, backtest and accounting name them
        # alike (accounting called GDP --output).
        for command in ("calibrate", "backtest", "accounting"):
            have = flags(command)
            for flag in ("--data", "--regions-file", "--region-col",
                         "--year-col", "--regions", "--gdp", "--capital",
                         "--labour"):
                self.assertIn(flag, have, command)
            self.assertNotIn("--output", have, command)
        # Every command that writes a file takes it as --out; the long
        # runs take --threads and --quiet alike.
        for command in ("calibrate", "accounting", "forecast", "sweep",
                        "merge", "report", "backtest", "export"):
            self.assertIn("--out", flags(command), command)
        for command in ("forecast", "sweep", "backtest"):
            self.assertTrue({"--draws", "--seed", "--quiet"} <= flags(command),
                            command)
        bench = {n for _, name, _ in entries(self.help[("bench", "solvers")])
                 for n in name.split(",")}
        self.assertIn("--quiet", bench)

    def test_version_after_any_subcommand(self):
        top = run("--version")
        self.assertEqual(top.returncode, 0)
        for command in self.commands:
            r = run(*command, "--version")
            self.assertEqual((r.returncode, r.stdout), (0, top.stdout),
                             " ".join(command))


class FormerSpellings(unittest.TestCase):
    def test_accounting_output_still_works(self):
        d = tempfile.mkdtemp(dir=WORK)
        try:
            new = run("accounting", "--gdp", "gdp_real")
            old = run("accounting", "--output", "gdp_real")
            self.assertEqual(new.returncode, 0, new.stderr)
            self.assertEqual(old.returncode, 0, old.stderr)
            self.assertEqual(old.stdout, new.stdout)
            self.assertEqual(new.stderr, "")
            self.assertEqual(old.stderr, "growthcast: note: --output is now "
                             "spelled --gdp (the old spelling still works)\n")
            self.assertNotIn("--output", run("accounting", "--help").stdout)
        finally:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
