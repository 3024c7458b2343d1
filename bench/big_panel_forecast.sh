#!/bin/sh
# Large panels in the Monte Carlo forecast (issue 20): peak memory and CPU
# per region-year at 31, 310 and 3,100 regions, optionally side by side
# with another build.
#
#   bench/big_panel_forecast.sh NEW_BINARY [OLD_BINARY]
#
# Environment: REGIONS (default "31 310 3100"), DRAWS (default 100000;
# DRAWS_3100 for the largest panel, default DRAWS), RUNS (default 3),
# THREADS (default 2), WORK (default a temporary folder).
# For each size: bench/big_panel.py writes the panel (the 31 provinces
# copied 1, 10 or 100 times), NEW_BINARY calibrates it, and both binaries
# forecast bench/big_panel.toml from that calibration.
#
# Timing: hyperfine (Debian package `hyperfine`) runs each command RUNS
# times after one warm-up (means, user and system time; the medians and
# ranges are printed after it); then GNU time (package `time`) runs each
# once more for its CPU seconds and peak memory. ns per region-year per core =
# CPU seconds (user + system) / (draws x regions x 16) x 1e9.
set -eu
new=$1
old=${2:-}
for tool in hyperfine /usr/bin/time; do
  command -v "$tool" >/dev/null ||
    { echo "$0: needs $tool (apt-get install hyperfine time)" >&2; exit 2; }
done
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
runs=${RUNS:-3}
threads=${THREADS:-2}
for regions in ${REGIONS:-31 310 3100}; do
  draws=${DRAWS:-100000}
  [ "$regions" = 3100 ] && draws=${DRAWS_3100:-$draws}
  copies=$((regions / 31))
  panel=$work/panel$regions.csv
  cal=$work/cal$regions.h5
  [ -f "$panel" ] || /usr/bin/python3 "$here/big_panel.py" "$panel" "$copies"
  [ -f "$cal" ] || "$new" calibrate --data "$panel" --out "$cal" >/dev/null
  cells=$((draws * regions * 16))
  echo "== $regions regions, $draws draws, $threads threads: $cells region-years"
  args="forecast $here/big_panel.toml --calibration $cal --draws $draws --threads $threads -q"
  set -- "$new $args --out $work/new$regions.h5"
  [ -n "$old" ] && set -- "$@" "$old $args --out $work/old$regions.h5"
  hyperfine -N -w 1 -r "$runs" --export-json "$work/times$regions.json" "$@"
  # Medians and ranges (hyperfine prints means).
  /usr/bin/python3 -c '
import json, sys
for label, r in zip(["new", "old"], json.load(open(sys.argv[1]))["results"]):
    print("%s: wall median %.3f s (%.3f-%.3f)" % (label, r["median"], r["min"], r["max"]))
' "$work/times$regions.json"
  label=new
  for cmd in "$@"; do
    # shellcheck disable=SC2086 # the command is split into its words
    /usr/bin/time -f "%U %S %M" -o "$work/time.txt" $cmd >/dev/null
    read -r user sys peak_kib <"$work/time.txt"
    printf '%s:' "$label"
    label=old
    awk -v u="$user" -v s="$sys" -v m="$peak_kib" -v c="$cells" \
      'BEGIN { printf " cpu %.2f s, %.1f ns per region-year per core, peak %.0f MiB\n", u + s, (u + s) / c * 1e9, m / 1024 }'
  done
done
