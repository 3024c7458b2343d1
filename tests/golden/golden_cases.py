"""The golden cases: which growthcast commands produce the files in
tests/golden/expected/, and how to run them.

Shared by make_golden.py (writes expected/) and test_golden.py (runs the
same commands with the binary under test into a temporary folder and
compares). Every case names one output file; later cases may read earlier
outputs (the calibrations), so the cases run in list order.

The commands run in the output folder and name their outputs (and the
earlier outputs they read) relative to it, so no output folder appears in
the results. Placeholders: {out} the case's output file, {scenarios} the
absolute path of tests/golden/scenarios (paths under the checkout are
normalised by the comparison).
Every forecast and sweep has an explicit seed and --threads 2.

The runs get GROWTHCAST_DATA_DIR=<checkout>/data, so the shipped panel is
read from the checkout the script lives in whichever build runs it (a
binary otherwise reads the data of the source tree it was built from).
"""

import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
SCENARIOS = os.path.join(HERE, "scenarios")
EXPECTED = os.path.join(HERE, "expected")

RD_PUSH = "{scenarios}/chengdu_chongqing_rd_push.toml"
MC = ["--threads", "2"]

# (output file, command line after the binary). The comment says what the
# case covers.
CASES = [
    # Calibration with the defaults (delta_S and phi fixed).
    ("calibrate_default.h5",
     ["calibrate", "--model", "cobb_douglas_rd", "--out", "{out}"]),
    # The knowledge depreciation rate estimated.
    ("calibrate_free_delta_S.h5",
     ["calibrate", "--model", "cobb_douglas_rd", "--free", "delta_S", "--out", "{out}"]),
    # The knowledge spillover estimated. On the shipped panel `--free phi`
    # alone does not converge (gamma runs to its bound and the solver
    # wanders for 500 iterations), so this case keeps the non-converged
    # result as it is today (--allow-no-convergence)...
    ("calibrate_free_phi.h5",
     ["calibrate", "--model", "cobb_douglas_rd", "--free", "phi",
      "--allow-no-convergence", "--out",
      "{out}"]),
    # ...and this one adds a weak prior on phi, with which it converges;
    # the phi forecast below projects from it.
    ("calibrate_free_phi_prior.h5",
     ["calibrate", "--model", "cobb_douglas_rd", "--free", "phi",
      "--prior", "phi=0:0.05", "--out",
      "{out}"]),
    # The convergence model (the command line's default) with its PWT data
    # defaults and priors, and a forecast from it with its default
    # uncertainty (common and trend shocks on).
    ("calibrate_tfp_convergence.h5",
     ["calibrate", "--model", "tfp_convergence", "--out", "{out}"]),
    # Growth accounting with the R&D model's split from the default
    # calibration, and the plain Tornqvist accounting without it.
    ("accounting.h5",
     ["accounting", "--calibration", "calibrate_default.h5",
      "--out", "{out}"]),
    ("accounting_no_calibration.h5", ["accounting", "--out", "{out}"]),
    ("forecast_tfp_convergence.h5",
     ["forecast", RD_PUSH, "--calibration", "calibrate_tfp_convergence.h5",
      "--draws", "2000", "--seed", "103", *MC, "--out", "{out}"]),
    # Exact quantiles (the default memory), parameter uncertainty and shocks
    # on (the scenario's defaults), a normal ramp target.
    ("forecast_exact.h5",
     ["forecast", RD_PUSH, "--calibration", "calibrate_default.h5",
      "--draws", "3000", "--seed", "101", *MC, "--out", "{out}"]),
    # The same draws through the streaming quantile estimator (a memory
    # budget far below what exact quantiles need).
    ("forecast_streaming.h5",
     ["forecast", RD_PUSH, "--calibration", "calibrate_default.h5",
      "--draws", "3000", "--seed", "101", "--memory", "0.01", *MC,
      "--out", "{out}"]),
    # Every draw's path stored.
    ("forecast_paths.h5",
     ["forecast", RD_PUSH, "--calibration", "calibrate_default.h5",
      "--draws", "200", "--seed", "102", "--paths", *MC, "--out", "{out}"]),
    # Per-region driver targets drawn with uncertainty (normal and uniform),
    # a per-region change, a table and a constant; shocks off.
    ("forecast_regional_targets.h5",
     ["forecast", "{scenarios}/regional_targets.toml",
      "--calibration", "calibrate_default.h5",
      "--draws", "2000", "--seed", "103", *MC, "--out", "{out}"]),
    # From the calibration with phi estimated (spillover in the projection).
    ("forecast_free_phi.h5",
     ["forecast", RD_PUSH, "--calibration", "calibrate_free_phi_prior.h5",
      "--draws", "2000", "--seed", "104", *MC, "--out", "{out}"]),
    # Two scenarios in one file with different regions, one without any
    # uncertainty.
    ("forecast_two_scenarios.h5",
     ["forecast", RD_PUSH, "{scenarios}/deterministic.toml",
      "--calibration", "calibrate_default.h5",
      "--draws", "1000", "--seed", "105", *MC, "--out", "{out}"]),
    # No --calibration: the shipped panel calibrated in-process.
    ("forecast_default_calibration.h5",
     ["forecast", RD_PUSH, "--draws", "1000", "--seed", "106", *MC,
      "--out", "{out}"]),
    # A 2 x 2 sweep in one process (seed in the sweep file).
    ("sweep.h5",
     ["sweep", "{scenarios}/sweep.toml",
      "--calibration", "calibrate_default.h5", *MC, "--out", "{out}"]),
    # The HTML report of the two-scenario forecast.
    ("report.html",
     ["report", "forecast_two_scenarios.h5", "--out", "{out}"]),
]


def run_cases(binary, out_dir, names=None):
    """Runs the cases (all, or only those in `names`: their inputs must
    then be in `out_dir` already) with `binary` in `out_dir`. Raises
    RuntimeError with the command and its stderr when one fails."""
    env = dict(os.environ, GROWTHCAST_DATA_DIR=os.path.join(SOURCE, "data"))
    binary = os.path.abspath(binary)
    for output, template in CASES:
        if names is not None and output not in names:
            continue
        args = [a.format(out=output, scenarios=SCENARIOS) for a in template]
        result = subprocess.run([binary, *args], capture_output=True,
                                text=True, env=env, cwd=out_dir, timeout=600)
        if result.returncode != 0:
            raise RuntimeError(
                f"{output}: `{' '.join([binary, *args])}` exited "
                f"{result.returncode}:\n{result.stderr}")
