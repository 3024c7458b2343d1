#!/usr/bin/env bash
# Installs the build into a scratch prefix and builds and runs a separate
# project that finds it with find_package(growthcast).
set -euo pipefail
build="$1" source="$2" work="$3"
prefix="$work/install_prefix"
rm -rf "$prefix" "$work/consumer_build"
cmake --install "$build" --prefix "$prefix" >/dev/null
cmake -S "$source/tests/install/consumer" -B "$work/consumer_build" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/consumer_build" -j 2 >/dev/null
"$work/consumer_build/consumer"
test -x "$prefix/bin/growthcast"
test -f "$prefix/share/growthcast/data/china_provinces.csv"
echo "install check passed"
