#!/usr/bin/env bash
# Builds (if needed) and runs growthcast's calibration benchmarks and the
# scipy comparison; writes JSON to bench/results/ and prints the tables as
# Markdown (also saved as bench/results/comparison.md).
#
#   bench/run_benchmarks.sh [--build-dir DIR] [--results DIR] [--large] [--quick]
#
#   --build-dir DIR  CMake build tree (default: $GROWTHCAST_BENCH_BUILD or
#                    /tmp/growthcast-bench-build); configured Release with
#                    GROWTHCAST_BUILD_BENCH=ON when it does not exist yet
#   --results DIR    where the JSON and comparison.md go (default bench/results)
#   --large          also run the dense solvers at 3100 synthetic regions
#                    (a 31000 x 6202 dense QR per iteration: minutes, ~2 GB)
#   --quick          fewer repetitions (a smoke test, not figures to publish)
#   --montecarlo     also the Monte Carlo benchmark and its NumPy comparison
#
# Uses at most 2 parallel compile jobs. Exit status is non-zero when a build
# or benchmark fails or when scipy's final costs differ from growthcast's by
# more than relative 1e-8 (bench/scipy_compare.py).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_dir="$(dirname "$here")"
build_dir="${GROWTHCAST_BENCH_BUILD:-/tmp/growthcast-bench-build}"
results="$here/results"
large=0
montecarlo=0
repetitions=5
min_time=0.5
scipy_repeats=21
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --results) results="$2"; shift 2 ;;
    --large) large=1; shift ;;
    --montecarlo) montecarlo=1; shift ;;
    --quick) repetitions=1; min_time=0.05; scipy_repeats=3; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "run_benchmarks.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

python=/usr/bin/python3  # Debian's, with python3-numpy and python3-scipy
mkdir -p "$results"
results="$(cd "$results" && pwd)"

if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release \
    -DGROWTHCAST_BUILD_BENCH=ON >&2
fi
cmake --build "$build_dir" -j2 --target growthcast_calibration_benchmark growthcast >&2
bench_bin="$build_dir/bench/growthcast_calibration_benchmark"
cli_bin="$build_dir/cli/growthcast"

# 1. Synthetic panels (build + solve at 31/310/3100 regions).
echo "running synthetic benchmarks..." >&2
GROWTHCAST_BENCH_LARGE=$large "$bench_bin" \
  --benchmark_filter='^BM_Synthetic' --benchmark_min_time="$min_time" \
  --benchmark_out="$results/synthetic_benchmark.json" \
  --benchmark_out_format=json >&2

# 2. The shipped panel, then scipy on the identical problem. scipy_compare.py
#    runs the benchmark binary itself (BM_Calibration*, with repetitions).
status=0
"$python" "$here/scipy_compare.py" \
  --benchmark-binary "$bench_bin" \
  --benchmark-json "$results/calibration_benchmark.json" \
  --benchmark-repetitions "$repetitions" --benchmark-min-time "$min_time" \
  --growthcast-binary "$cli_bin" \
  --repeats "$scipy_repeats" \
  --json-out "$results/scipy_compare.json" > "$results/comparison.md" || status=$?

# 3. The synthetic table as Markdown, appended.
"$python" - "$results/synthetic_benchmark.json" >> "$results/comparison.md" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
unit = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
print()
print("Synthetic panels (10 years, noise sd 0.01), build + solve:")
print()
print("| regions | linear solver | wall time (ms) | build (ms) | solver iterations | final cost |")
print("|---:|---|---:|---:|---:|---:|")
for b in doc["benchmarks"]:
    if b.get("error_occurred"):
        print(f"| {b['name']} | failed: {b.get('error_message')} | | | | |")
        continue
    print(f"| {int(b['regions'])} | {b.get('label', '')} | "
          f"{b['real_time'] * unit[b['time_unit']]:.3f} | "
          f"{b['build_seconds'] * 1e3:.3f} | {int(b['solver_iterations'])} | "
          f"{b['final_cost']:.10g} |")
EOF

cat "$results/comparison.md"

# 4. Monte Carlo (issue 3): throughput for 1 and 2 threads, then NumPy on one
#    thread against the 1-thread exact run (bench/montecarlo_numpy.py).
if [[ $montecarlo -eq 1 ]]; then
  cmake --build "$build_dir" -j2 --target growthcast_montecarlo_benchmark >&2
  mc_bin="$build_dir/bench/growthcast_montecarlo_benchmark"
  "$cli_bin" calibrate --out "$results/montecarlo_calibration.h5" >&2
  GROWTHCAST_MC_CALIBRATION="$results/montecarlo_calibration.h5" "$mc_bin" \
    --benchmark_repetitions=3 \
    --benchmark_out="$results/montecarlo_benchmark.json" \
    --benchmark_out_format=json >&2 || status=$?
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$python" "$here/montecarlo_numpy.py" \
    --calibration "$results/montecarlo_calibration.h5" --draws 20000 --repeats 5 \
    --benchmark-binary "$mc_bin" \
    --json-out "$results/montecarlo_numpy.json" || status=$?
fi
exit "$status"
