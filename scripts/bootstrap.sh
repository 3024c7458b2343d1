#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (as root) and for CI:
#   bash scripts/bootstrap.sh main   install, build, run the main job
#   bash scripts/bootstrap.sh test   install, build, run the whole test suite
# Packages come from Debian only; the build is Release with warnings as
# errors. BUILD_DIR (default build/) and JOBS (default: nproc) can be set.
set -euo pipefail

mode="${1:-main}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$here/build}"
jobs="${JOBS:-$(nproc)}"

packages=(
  build-essential cmake pkg-config git
  libceres-dev libeigen3-dev libhdf5-dev hdf5-tools
  libcli11-dev libtomlplusplus-dev librandom123-dev libcsv-dev
  libexpected-dev libssl-dev libcminpack-dev
  libopenmpi-dev openmpi-bin chromium
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-numpy python3-scipy python3-xarray python3-h5netcdf
  python3-h5py netcdf-bin clang-format clang libclang-rt-14-dev
  # The Python package (python/, README "Python"): pybind11 and the
  # headers to build growthcast._core, pandas and matplotlib for its
  # results and fan charts.
  python3-dev pybind11-dev python3-pybind11 python3-pandas python3-matplotlib
  slurm-wlm munge
)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "bootstrap: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

configure_and_build() {
  cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DGROWTHCAST_WERROR=ON -DBUILD_TESTING=ON >/dev/null
  cmake --build "$build" -j "$jobs"
}

# Backtest the models, calibrate the shipped panel with the default model
# (tfp_convergence) and the backtest's band scales, account for 2011-2019
# growth, run the shipped scenarios for the four region groups, and render
# the report.
main_job() {
  local gc="$build/cli/growthcast" out="$here/out"
  mkdir -p "$out"
  # The out-of-sample record first: every forecast figure below comes with
  # it, and its band scales c_h go into the calibration.
  "$gc" backtest --out "$out/backtest.h5" 2>/dev/null
  echo
  "$gc" calibrate --bands "$out/backtest.h5" --out "$out/calibration.h5"
  echo
  "$gc" accounting --calibration "$out/calibration.h5" --out "$out/accounting.h5" |
    sed -n '/R&D model/,$p'
  echo
  # From the latest outturns (GRP 2020-2024, R&D 2020-2023): every draw
  # equals the observed GDP there and the fan opens in 2025
  # (docs/conditioning.md).
  "$gc" forecast "$here"/scenarios/{chengdu_chongqing,yangtze_river_delta,greater_bay_area,beijing_tianjin_hebei}/*.toml \
    --calibration "$out/calibration.h5" \
    --outturns "$here/data/china_province_outturns.csv" \
    --out "$out/forecast.h5"
  "$gc" report "$out/forecast.h5" --backtest "$out/backtest.h5" \
    --out "$out/report.html"
}

# The suite again under AddressSanitizer + UndefinedBehaviorSanitizer
# (README, "Tests"). Left out there, and run only in the Release run above:
# install_find_package (a separate project cannot link sanitized static
# libraries without the flags), bad_inputs and output_faults (address-space
# limits and a full disk, which ASan's shadow memory and HDF5's allocator
# under LeakSanitizer do not survive), clang_format (the same files),
# python_module (Debian's python3 cannot load an ASan-built extension
# without LD_PRELOAD of libasan; the module is not built there).
# slurm_recipe (the same recipe; its daemons and 36 points under ASan would
# only add minutes).
sanitized_tests() {
  if [[ "${GROWTHCAST_SKIP_SANITIZERS:-0}" == 1 ]]; then
    echo "bootstrap: GROWTHCAST_SKIP_SANITIZERS=1, sanitizer run skipped" >&2
    return
  fi
  local asan="${build}-asan"
  # -O1 and line tables only (-g1, enough for symbolized reports), as the
  # sanitizers' documentation suggests: -O2 -g took twice as long to
  # compile (90 s for the calibration test alone), most of the suite's
  # time on two cores.
  cmake -S "$here" -B "$asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DGROWTHCAST_SANITIZE=address,undefined -DGROWTHCAST_BUILD_BENCH=OFF \
    -DGROWTHCAST_PYTHON=OFF -DBUILD_TESTING=ON >/dev/null
  cmake --build "$asan" -j "$jobs"
  (cd "$asan" &&
    ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0 \
    LSAN_OPTIONS="suppressions=$here/tests/fuzz/lsan.supp" \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      ctest --output-on-failure -j "$jobs" \
        -E '^(install_find_package|bad_inputs|output_faults|clang_format|python_module|slurm_recipe)$')
}

# The HDF5 readers' fuzzers (issue 16, tests/fuzz/README.md) for a bounded
# time: clang with libFuzzer, ASan and UBSan; fuzz_forecast_h5 (shards and
# checkpoint points) and fuzz_calibration_h5, FUZZ_SECONDS each (default
# 30; the other fuzzers' corpora are replayed by fuzz_regression_test in
# both runs above).
fuzz_hdf5() {
  if [[ "${GROWTHCAST_SKIP_FUZZ:-0}" == 1 ]]; then
    echo "bootstrap: GROWTHCAST_SKIP_FUZZ=1, fuzzing skipped" >&2
    return
  fi
  local fuzz="${build}-fuzz"
  cmake -S "$here" -B "$fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DGROWTHCAST_FUZZ=ON -DGROWTHCAST_BUILD_BENCH=OFF -DBUILD_TESTING=ON \
    >/dev/null
  cmake --build "$fuzz" -j "$jobs" --target fuzz_forecast_h5 \
    fuzz_calibration_h5
  ASAN_OPTIONS=detect_leaks=1 \
  LSAN_OPTIONS="suppressions=$here/tests/fuzz/lsan.supp" \
    cmake -DFUZZ_DIR="$fuzz/tests/fuzz" -DSOURCE_DIR="$here/tests/fuzz" \
      -DTARGETS="fuzz_forecast_h5;fuzz_calibration_h5" \
      -DSECONDS="${FUZZ_SECONDS:-30}" \
      -P "$here/tests/fuzz/run_fuzzers.cmake"
}

case "$mode" in
  main)
    install_missing
    configure_and_build
    main_job
    ;;
  test)
    install_missing
    configure_and_build
    (cd "$build" && ctest --output-on-failure -j "$jobs")
    sanitized_tests
    fuzz_hdf5
    ;;
  *)
    echo "usage: bash scripts/bootstrap.sh main|test" >&2
    exit 2
    ;;
esac
