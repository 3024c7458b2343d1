#!/usr/bin/env bash
# Installs the build into a scratch prefix and builds and runs a separate
# project (LANGUAGES CXX only) that finds it with find_package(growthcast),
# including headers with and without the growthcast/ prefix; then
# configures a parent project that adds the source tree with
# add_subdirectory and checks that the parent's cache holds no
# BUILD_TESTING, GROWTHCAST_BUILD_BENCH or CMAKE_BUILD_TYPE of growthcast's.
set -euo pipefail
build="$1" source="$2" work="$3"
prefix="$work/install_prefix"
rm -rf "$prefix" "$work/consumer_build" "$work/parent_build"
cmake --install "$build" --prefix "$prefix" >/dev/null
cmake -S "$source/tests/install/consumer" -B "$work/consumer_build" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/consumer_build" -j 2 >/dev/null
"$work/consumer_build/consumer"
test -x "$prefix/bin/growthcast"
test -f "$prefix/share/growthcast/data/china_provinces.csv"
test -f "$prefix/include/growthcast/calibrate/calibration.h"

# add_subdirectory: configure only (building the engine twice would take
# minutes); the parent gives no build type.
cmake -S "$source/tests/install/subproject" -B "$work/parent_build" \
  -DGROWTHCAST_SOURCE="$source" >/dev/null
cache="$work/parent_build/CMakeCache.txt"
for name in BUILD_TESTING GROWTHCAST_BUILD_BENCH; do
  if grep -q "^$name:" "$cache"; then
    echo "add_subdirectory wrote $name into the parent's cache" >&2
    exit 1
  fi
done
# CMake itself creates an empty CMAKE_BUILD_TYPE entry; growthcast must
# not have set it (it sets Release only as the top-level project).
if grep -q "^CMAKE_BUILD_TYPE:STRING=." "$cache"; then
  echo "add_subdirectory set the parent's $(grep ^CMAKE_BUILD_TYPE: "$cache")" >&2
  exit 1
fi
test -f "$work/parent_build/growthcast/include/growthcast/calibrate/calibration.h"
echo "install check passed"
