#!/bin/sh
# Large panels in the Monte Carlo forecast (issue 20): peak memory and CPU
# per region-year at 31, 310 and 3,100 regions, optionally side by side
# with another build (farm-bench pairs the runs A B A B ...).
#
#   bench/big_panel_forecast.sh NEW_BINARY [OLD_BINARY]
#
# Environment: REGIONS (default "31 310 3100"), DRAWS (default 100000;
# DRAWS_3100 for the largest panel, default DRAWS), RUNS (default 3),
# THREADS (default 2), WORK (default a temporary folder).
# For each size: bench/big_panel.py writes the panel (the 31 provinces
# copied 1, 10 or 100 times), NEW_BINARY calibrates it, and both binaries
# forecast bench/big_panel.toml from that calibration. ns per region-year
# per core = CPU seconds (user + system) / (draws x regions x 16) x 1e9.
set -eu
new=$1
old=${2:-}
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
  echo "== $regions regions, $draws draws, $threads threads:" \
    "$((draws * regions * 16)) region-years"
  cmd="$new forecast $here/big_panel.toml --calibration $cal --draws $draws --threads $threads -q --out $work/new$regions.h5"
  if [ -n "$old" ]; then
    farm-bench -n "$runs" --timeout 3600 --vs "$old forecast $here/big_panel.toml --calibration $cal --draws $draws --threads $threads -q --out $work/old$regions.h5" -- $cmd
  else
    farm-bench -n "$runs" --timeout 3600 -- $cmd
  fi
done
