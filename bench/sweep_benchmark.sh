#!/usr/bin/env bash
# Sweep and full-path HDF5 write benchmark (issue 4, "Benchmark"). Builds
# nothing: give it a built growthcast.
#
#   bench/sweep_benchmark.sh [BINARY] [options]
#
#   BINARY              growthcast binary (default: $GROWTHCAST_BINARY)
#   --work DIR          scratch folder (default: a new folder in ${TMPDIR:-/tmp});
#                       the write benchmark's dd/h5py/growthcast files go here,
#                       so put it on the file system you want measured
#   --results DIR       where sweep_benchmark.json / sweep_benchmark.md go
#                       (default: bench/results)
#   --repetitions N     repetitions of each timed run (default 3; medians reported)
#   --draws N           draws per sweep point (default 10000)
#   --paths-draws N     draws of the --paths forecast (default 12500: 9 variables
#                       x 35 units x 16 years x 8 bytes x 12500 = 504 MB of paths)
#   --only sweep|write  run one part only
#   --no-shim           do not compile/use the LD_PRELOAD timer (needs cc and
#                       the HDF5 headers); the write is then measured only as the
#                       difference between runs with and without --paths
#   --keep              keep the scratch folder
#
# Part 1: a 4 x 4 x 4 = 64-point sweep over the Chengdu-Chongqing R&D push
# (R&D target x year reached x investment target) x 10,000 draws, timed with
# /usr/bin/time as 1 rank x 1 thread, mpirun -np 2 x 1 thread, 1 rank x 2
# threads; points per second from the median wall time; the three outputs are
# compared dataset by dataset with h5py (bit-identical values, dtypes, shapes,
# dataset attributes).
# Part 2: `growthcast forecast --paths` of all 31 provinces (+ 4 groups),
# 2020-2035, against the same forecast without --paths, dd of the same bytes
# (conv=fdatasync) and h5py writing the same arrays (bench/sweep_h5py_write.py).
#
# Exit status: 0 when every run succeeded and the sweep outputs are identical
# (the performance goals are reported, not enforced); 1 otherwise.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_dir="$(dirname "$here")"
binary="${GROWTHCAST_BINARY:-}"
work=""
results="$here/results"
reps=3
draws=10000
paths_draws=12500
only=""
use_shim=1
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --work) work="$2"; shift 2 ;;
    --results) results="$2"; shift 2 ;;
    --repetitions) reps="$2"; shift 2 ;;
    --draws) draws="$2"; shift 2 ;;
    --paths-draws) paths_draws="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --no-shim) use_shim=0; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,34p' "$0"; exit 0 ;;
    -*) echo "sweep_benchmark.sh: unknown option '$1'" >&2; exit 2 ;;
    *) binary="$1"; shift ;;
  esac
done
if [[ -z "$binary" || ! -x "$binary" ]]; then
  echo "sweep_benchmark.sh: give the growthcast binary as an argument or in" \
       "GROWTHCAST_BINARY (got '${binary}')" >&2
  exit 2
fi
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"
python=/usr/bin/python3  # Debian's, with python3-h5py and python3-numpy
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
if [[ -z "$work" ]]; then
  work="$(mktemp -d "${TMPDIR:-/tmp}/growthcast-sweepbench.XXXXXX")"
else
  mkdir -p "$work"
fi
work="$(cd "$work" && pwd)"
[[ $keep == 1 ]] || trap 'rm -rf "$work"' EXIT
mkdir -p "$results"
raw="$work/raw.tsv"   # part <tab> label <tab> repetition <tab> key=value ...
: > "$raw"
echo "scratch: $work" >&2

# Wall seconds of a command, by /usr/bin/time; the command's output goes to
# $work/last.log. Fails the script when the command fails.
timed() {
  local tf="$work/time.txt"
  load="$(cut -d' ' -f1 /proc/loadavg)"
  if ! /usr/bin/time -f '%e %M %U %S' -o "$tf" "$@" > "$work/last.log" 2>&1; then
    echo "sweep_benchmark.sh: failed: $*" >&2
    cat "$work/last.log" >&2
    exit 1
  fi
  read -r wall maxrss user sys < "$tf"
  cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')"
}

# One calibration for everything.
(cd "$work" && "$binary" calibrate --out cal.h5 > calibrate.log)

# ---------------------------------------------------------------- part 1
if [[ -z "$only" || "$only" == sweep ]]; then
  cat > "$work/sweep64.toml" <<EOF
# 64-point benchmark sweep (4 x 4 x 4) over the Chengdu-Chongqing R&D push;
# point k: the last axis varies fastest.
draws = $draws
calibration = "cal.h5"

[base]
name = "chengdu_chongqing/rd_push_bench"
description = "Chengdu-Chongqing R&D push: benchmark sweep"
horizon = 2035
seed = 20260012
regions = ["Sichuan", "Chongqing"]

[base.groups]
"Chengdu-Chongqing" = ["Sichuan", "Chongqing"]

[base.uncertainty]
parameters = true
shocks = true

[base.drivers.rd_intensity]
path = "ramp"
target = 0.03
by = 2030
uncertainty = { dist = "normal", sd = 0.002 }

[base.drivers.investment_rate]
path = "ramp"
target = 0.40
by = 2035

[axes]
"drivers.rd_intensity.target" = [0.02, 0.025, 0.03, 0.035]
"drivers.rd_intensity.by" = [2028, 2030, 2032, 2035]
"drivers.investment_rate.target" = [0.35, 0.40, 0.45, 0.50]
EOF
  for ((r = 1; r <= reps; ++r)); do
    # Interleaved, so slow phases of a shared machine hit every configuration.
    for config in r1t1 r2t1 r1t2; do
      out="$work/sweep_${config}_$r.h5"
      rm -f "$out"
      case $config in
        r1t1) timed "$binary" sweep "$work/sweep64.toml" --out "$out" --threads 1 ;;
        r2t1) timed mpirun -np 2 --oversubscribe "$binary" sweep "$work/sweep64.toml" \
                --out "$out" --threads 1 ;;
        r1t2) timed "$binary" sweep "$work/sweep64.toml" --out "$out" --threads 2 ;;
      esac
      printf 'sweep\t%s\t%d\twall=%s\tcpu=%s\tmaxrss_kb=%s\tload1=%s\n' \
        "$config" "$r" "$wall" "$cpu" "$maxrss" "$load" >> "$raw"
      echo "sweep $config rep $r: ${wall} s wall, ${cpu} s cpu, load before ${load}" >&2
      # Keep the first repetition's files for the comparison.
      [[ $r == 1 ]] || rm -f "$out"
    done
  done
fi

# ---------------------------------------------------------------- part 2
if [[ -z "$only" || "$only" == write ]]; then
  regions="$(tail -n +2 "$source_dir/data/regions.csv" | cut -d, -f1 |
             sed 's/.*/"&"/' | paste -sd, -)"
  cat > "$work/paths31.toml" <<EOF
name = "all_provinces/rd_push_paths"
description = "All 31 provinces, R&D push, every draw stored (write benchmark)"
horizon = 2035
draws = $paths_draws
seed = 20260012
regions = [$regions]

[uncertainty]
parameters = true
shocks = true

[drivers.rd_intensity]
path = "ramp"
target = 0.03
by = 2030
uncertainty = { dist = "normal", sd = 0.002 }
EOF
  preload=()
  if [[ $use_shim == 1 ]]; then
    if cc -O2 -shared -fPIC -I/usr/include/hdf5/serial -x c - \
         -o "$work/h5time.so" -ldl <<'EOF'
// LD_PRELOAD timer: wraps H5Fcreate, H5Dwrite, H5Fclose and fsync to time the
// write phase of a growthcast run without changing growthcast.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}
static double t_create = -1, t_last_fsync = -1, dwrite_s, large_s, fclose_s, fsync_s;
static long long dwrite_bytes, large_bytes, calls;

hid_t H5Fcreate(const char* name, unsigned flags, hid_t fcpl, hid_t fapl) {
  static hid_t (*real)(const char*, unsigned, hid_t, hid_t);
  if (!real) real = dlsym(RTLD_NEXT, "H5Fcreate");
  if (t_create < 0) t_create = now();
  return real(name, flags, fcpl, fapl);
}
herr_t H5Dwrite(hid_t d, hid_t mt, hid_t ms, hid_t fs, hid_t x, const void* buf) {
  static herr_t (*real)(hid_t, hid_t, hid_t, hid_t, hid_t, const void*);
  if (!real) real = dlsym(RTLD_NEXT, "H5Dwrite");
  hid_t space = H5Dget_space(d);
  long long bytes = (long long)H5Sget_simple_extent_npoints(space) * (long long)H5Tget_size(mt);
  H5Sclose(space);
  double t0 = now();
  herr_t r = real(d, mt, ms, fs, x, buf);
  double dt = now() - t0;
  dwrite_s += dt; dwrite_bytes += bytes; ++calls;
  if (bytes >= (1 << 20)) { large_s += dt; large_bytes += bytes; }
  return r;
}
herr_t H5Fclose(hid_t f) {
  static herr_t (*real)(hid_t);
  if (!real) real = dlsym(RTLD_NEXT, "H5Fclose");
  double t0 = now();
  herr_t r = real(f);
  fclose_s += now() - t0;
  return r;
}
int fsync(int fd) {
  static int (*real)(int);
  if (!real) real = dlsym(RTLD_NEXT, "fsync");
  double t0 = now();
  int r = real(fd);
  t_last_fsync = now();
  fsync_s += t_last_fsync - t0;
  return r;
}
__attribute__((destructor)) static void report(void) {
  const char* out = getenv("H5TIME_OUT");
  FILE* f = out ? fopen(out, "w") : NULL;
  if (!f) return;
  fprintf(f, "write_phase_s=%.6f\th5dwrite_s=%.6f\th5dwrite_bytes=%lld\th5dwrite_calls=%lld\t"
             "h5dwrite_large_s=%.6f\th5dwrite_large_bytes=%lld\th5fclose_s=%.6f\tfsync_s=%.6f\n",
          (t_create >= 0 && t_last_fsync >= 0) ? t_last_fsync - t_create : -1.0,
          dwrite_s, dwrite_bytes, calls, large_s, large_bytes, fclose_s, fsync_s);
  fclose(f);
}
EOF
    then
      preload=(env "LD_PRELOAD=$work/h5time.so")
    else
      echo "sweep_benchmark.sh: cannot build the LD_PRELOAD timer; measuring" \
           "the write by difference only" >&2
    fi
  fi
  paths_bytes=$((9 * paths_draws * 35 * 16 * 8))
  dd_mib=$(( (paths_bytes + 1048575) / 1048576 ))
  for ((r = 1; r <= reps; ++r)); do
    for mode in nopaths paths; do
      out="$work/forecast_$mode.h5"
      rm -f "$out" "$work/h5time.txt"
      flag=(); [[ $mode == paths ]] && flag=(--paths)
      H5TIME_OUT="$work/h5time.txt" timed "${preload[@]}" "$binary" forecast \
        "$work/paths31.toml" --out "$out" "${flag[@]}" --draws "$paths_draws" \
        --calibration "$work/cal.h5"
      size=$(stat -c %s "$out")
      extra=""; [[ -f "$work/h5time.txt" ]] && extra="$(cat "$work/h5time.txt")"
      printf 'forecast\t%s\t%d\twall=%s\tcpu=%s\tmaxrss_kb=%s\tload1=%s\tfile_bytes=%s\t%s\n' \
        "$mode" "$r" "$wall" "$cpu" "$maxrss" "$load" "$size" "$extra" >> "$raw"
      echo "forecast $mode rep $r: ${wall} s ($size bytes)" >&2
      rm -f "$out"
    done
    sync
    dd_out="$(dd if=/dev/zero of="$work/dd.bin" bs=1M count="$dd_mib" conv=fdatasync 2>&1 | tail -1)"
    rm -f "$work/dd.bin"
    dd_s="$(sed -E 's/.*copied, ([0-9.]+) s.*/\1/' <<<"$dd_out")"
    printf 'dd\tdd\t%d\tseconds=%s\tbytes=%s\n' "$r" "$dd_s" "$((dd_mib * 1048576))" >> "$raw"
    echo "dd rep $r: $dd_out" >&2
  done
  sync
  "$python" "$here/sweep_h5py_write.py" --dir "$work" --draws "$paths_draws" \
    --regions 35 --years 16 --repetitions "$reps" --chunked \
    --json "$work/h5py.json" >&2
fi

# ---------------------------------------------------------------- report
machine="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -g | awk '/Mem:/ {print $2}') GB RAM"
df_work="$(df -h "$work" | tail -1)"
df_slash_work="$(df -h /work 2>/dev/null | tail -1 || true)"
fs_type="$(df -T "$work" | tail -1 | awk '{print $2}')"
version="$("$binary" --version 2>/dev/null | head -1 || true)"
git_rev="$(git -C "$source_dir" rev-parse HEAD 2>/dev/null || true)"
git_dirty="$(git -C "$source_dir" status --short --untracked-files=no 2>/dev/null | tr '\n' ';' || true)"

WORK="$work" RAW="$raw" RESULTS="$results" BINARY="$binary" MACHINE="$machine" \
DF_WORK="$df_work" DF_SLASH_WORK="$df_slash_work" FS_TYPE="$fs_type" \
VERSION="$version" GIT_REV="$git_rev" GIT_DIRTY="$git_dirty" DRAWS="$draws" \
PATHS_DRAWS="$paths_draws" REPS="$reps" "$python" - <<'EOF'
import json, os, statistics, sys, time
import h5py, numpy as np

env = os.environ
work = env["WORK"]
rows = []
for line in open(env["RAW"]):
    part, label, rep, *kv = line.rstrip("\n").split("\t")
    d = {"part": part, "label": label, "repetition": int(rep)}
    for item in kv:
        if "=" in item:
            k, v = item.split("=", 1)
            d[k] = float(v)
    rows.append(d)

def series(part, label, key):
    return [r[key] for r in rows if r["part"] == part and r["label"] == label and key in r]

def med(xs):
    return statistics.median(xs) if xs else None

out = {
    "benchmark": "growthcast sweep scaling and full-path HDF5 write (issue 4)",
    "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "binary": env["BINARY"], "version": env["VERSION"],
    "git_commit": env["GIT_REV"], "git_uncommitted": env["GIT_DIRTY"],
    "machine": env["MACHINE"], "df_scratch": env["DF_WORK"],
    "df_work": env["DF_SLASH_WORK"], "filesystem": env["FS_TYPE"],
    "repetitions": int(env["REPS"]),
    "note": "shared machine: other builds ran concurrently; medians of the repetitions",
    "raw": rows,
}
ok = True
md = []

configs = [("r1t1", "1 rank x 1 thread"), ("r2t1", "2 ranks (mpirun -np 2) x 1 thread"),
           ("r1t2", "1 rank x 2 threads")]
if any(r["part"] == "sweep" for r in rows):
    points = 64
    sweep = {"points": points, "draws_per_point": int(env["DRAWS"]), "configs": {}}
    base = med(series("sweep", "r1t1", "wall"))
    md += ["| sweep 64 points x %s draws | wall s (runs) | median s | points/s | speed-up vs 1x1 | CPU s (user+sys, median) | load avg before (runs) |" % env["DRAWS"],
           "|---|---|---|---|---|---|---|"]
    for key, name in configs:
        w = series("sweep", key, "wall")
        if not w:
            continue
        m = med(w)
        cpu = series("sweep", key, "cpu")
        load = series("sweep", key, "load1")
        sweep["configs"][key] = {"description": name, "wall_seconds": w,
                                 "median_seconds": m, "points_per_second": points / m,
                                 "speedup_vs_1x1": base / m, "cpu_seconds": cpu,
                                 "load1_before": load}
        md.append(f"| {name} | {', '.join(f'{x:.1f}' for x in w)} | {m:.1f} | "
                  f"{points / m:.2f} | {base / m:.2f}x | {med(cpu):.1f} | "
                  f"{', '.join(f'{x:.1f}' for x in load)} |")
    if "r2t1" in sweep["configs"]:
        s = sweep["configs"]["r2t1"]["speedup_vs_1x1"]
        sweep["goal_2_ranks_1_7x"] = {"speedup": s, "met": s >= 1.7}
    # Dataset-by-dataset comparison of the first repetition's files.
    files = {k: os.path.join(work, f"sweep_{k}_1.h5") for k, _ in configs}
    files = {k: v for k, v in files.items() if os.path.exists(v)}
    def collect(path):
        ds, attrs = {}, {}
        with h5py.File(path, "r") as f:
            def visit(name, obj):
                a = {}
                for k, v in obj.attrs.items():
                    if k in ("DIMENSION_LIST", "REFERENCE_LIST"):
                        continue  # object references: file addresses
                    a[k] = np.asarray(v).tobytes() if not isinstance(v, (str, bytes)) else v
                attrs[name] = a
                if isinstance(obj, h5py.Dataset):
                    data = obj[()]
                    arr = np.asarray(data)
                    ds[name] = (str(obj.dtype), obj.shape,
                                arr.tobytes() if arr.dtype.kind != "O" else repr(arr.tolist()))
            f.visititems(visit)
            attrs["/"] = {k: (np.asarray(v).tobytes() if not isinstance(v, (str, bytes)) else v)
                          for k, v in f.attrs.items()}
        return ds, attrs
    comparison = {"files": list(files), "identical_datasets": None, "differences": []}
    if len(files) >= 2:
        ref_key = "r1t1" if "r1t1" in files else next(iter(files))
        ref_ds, ref_attrs = collect(files[ref_key])
        comparison["datasets"] = len(ref_ds)
        comparison["dataset_bytes_compared"] = sum(len(v[2]) for v in ref_ds.values()
                                                 if isinstance(v[2], bytes))
        diff_attrs = set()
        for k, path in files.items():
            if k == ref_key:
                continue
            ds, attrs = collect(path)
            for name in sorted(set(ref_ds) | set(ds)):
                if ref_ds.get(name) != ds.get(name):
                    comparison["differences"].append(f"{k}: dataset {name}")
            for obj in sorted(set(ref_attrs) | set(attrs)):
                a, b = ref_attrs.get(obj, {}), attrs.get(obj, {})
                for key in sorted(set(a) | set(b)):
                    if a.get(key) != b.get(key):
                        diff_attrs.add(f"{obj}@{key}")
        comparison["identical_datasets"] = not comparison["differences"]
        comparison["attributes_that_differ"] = sorted(diff_attrs)
        ok = ok and comparison["identical_datasets"]
    sweep["output_comparison"] = comparison
    out["sweep"] = sweep
    md.append("")
    md.append(f"Outputs compared dataset by dataset ({comparison.get('datasets', 0)} datasets, "
              f"values as bytes, dtypes, shapes, dataset attributes): "
              + ("identical" if comparison["identical_datasets"] else
                 f"DIFFERENT: {comparison['differences'][:10]}")
              + (f"; attributes that differ: {', '.join(comparison.get('attributes_that_differ', []))}"
                 if comparison.get("attributes_that_differ") else ""))
    md.append("")

if any(r["part"] == "forecast" for r in rows):
    pd = int(env["PATHS_DRAWS"])
    paths_bytes = 9 * pd * 35 * 16 * 8
    w = {}
    wn, wp = series("forecast", "nopaths", "wall"), series("forecast", "paths", "wall")
    diffs = [p - n for p, n in zip(wp, wn)]
    wr = {"draws": pd, "shape": [1, pd, 35, 16], "variables": 9,
          "paths_bytes": paths_bytes,
          "file_bytes_with_paths": med(series("forecast", "paths", "file_bytes")),
          "wall_no_paths": wn, "wall_paths": wp,
          "maxrss_kb_no_paths": series("forecast", "nopaths", "maxrss_kb"),
          "maxrss_kb_paths": series("forecast", "paths", "maxrss_kb"),
          "difference_seconds": diffs}
    lines = []
    def add(name, seconds, what):
        m = med(seconds)
        if m is None:
            return None
        if m <= 0:
            lines.append((name, seconds, m, float("nan"), what))
            return None
        rate = paths_bytes / m / 1e6
        lines.append((name, seconds, m, rate, what))
        return rate
    dd_s = series("dd", "dd", "seconds")
    dd_bytes = med(series("dd", "dd", "bytes"))
    dd_rates = [dd_bytes / s / 1e6 for s in dd_s]
    wr["dd_seconds"], wr["dd_bytes"] = dd_s, dd_bytes
    dd_rate = med(dd_rates)
    wr["dd_mb_per_s_median"] = dd_rate
    phase = series("forecast", "paths", "write_phase_s")
    large = series("forecast", "paths", "h5dwrite_large_s")
    fsync = series("forecast", "paths", "fsync_s")
    phase_np = series("forecast", "nopaths", "write_phase_s")
    wr.update({"write_phase_s": phase, "h5dwrite_paths_s": large, "fsync_s": fsync,
               "write_phase_no_paths_s": phase_np,
               "h5dwrite_large_bytes": med(series("forecast", "paths", "h5dwrite_large_bytes"))})
    rates = {}
    rates["growthcast_write_phase"] = add(
        "growthcast --paths, write phase (H5Fcreate to last fsync; LD_PRELOAD timer)",
        phase, "whole result file incl. reshuffling paths into the [scenario,draw,region,year] layout")
    rates["growthcast_h5dwrite_fsync"] = add(
        "growthcast --paths, H5Dwrite of the 9 paths datasets + fsync",
        [a + b for a, b in zip(large, fsync)], "HDF5 write calls and the fsync only")
    rates["growthcast_difference"] = add(
        "growthcast, wall(--paths) - wall(no --paths)", diffs,
        "everything --paths costs: keeping paths in the runner, reshuffle, write, fsync")
    h5 = {}
    if os.path.exists(os.path.join(work, "h5py.json")):
        h5 = json.load(open(os.path.join(work, "h5py.json")))
        wr["h5py"] = h5
        for layout, v in h5["layouts"].items():
            rates[f"h5py_{layout}"] = add(f"h5py, same arrays, {layout} (open to fsync)",
                                         v["seconds"], "bench/sweep_h5py_write.py")
    lines.append(("dd if=/dev/zero bs=1M count=%d conv=fdatasync" % (dd_bytes // 1048576),
                  dd_s, med(dd_s), dd_rate, "plain sequential write of the same MB"))
    wr["mb_per_s_median"] = rates
    wr["mb_per_s_median"]["dd"] = dd_rate
    r = rates.get("growthcast_write_phase") or rates.get("growthcast_difference")
    wr["goal_50pct_of_dd"] = {"growthcast_mb_per_s": r, "dd_mb_per_s": dd_rate,
                              "ratio": r / dd_rate if r and dd_rate else None,
                              "met": bool(r and dd_rate and r >= 0.5 * dd_rate)}
    out["write"] = wr
    md += [f"| write of {paths_bytes / 1e6:.0f} MB of paths (9 x [1, {pd}, 35, 16] float64) | s (runs) | median s | MB/s | % of dd |",
           "|---|---|---|---|---|"]
    for name, secs, m, rate, what in lines:
        md.append(f"| {name} | {', '.join(f'{x:.2f}' for x in secs)} | {m:.2f} | {rate:.0f} | {100 * rate / dd_rate:.0f}% |")
    md.append("")
    md.append(f"growthcast forecast wall: without --paths {', '.join(f'{x:.1f}' for x in wn)} s "
              f"(median {med(wn):.1f}), with --paths {', '.join(f'{x:.1f}' for x in wp)} s "
              f"(median {med(wp):.1f}); max RSS {med(wr['maxrss_kb_no_paths'])/1024:.0f} / "
              f"{med(wr['maxrss_kb_paths'])/1024:.0f} MiB.")

res = env["RESULTS"]
with open(os.path.join(res, "sweep_benchmark.json"), "w") as f:
    json.dump(out, f, indent=2)
with open(os.path.join(res, "sweep_benchmark.md"), "w") as f:
    f.write("\n".join(md) + "\n")
print("\n".join(md))
sys.exit(0 if ok else 1)
EOF
