# Sanitizer and fuzzing builds (issue 6). Included from the top-level
# CMakeLists.txt before any target is created, so add_compile_options and
# add_link_options reach every target of the project.
#
#   -DGROWTHCAST_SANITIZE=address,undefined   ASan + UBSan (GCC or Clang)
#   -DGROWTHCAST_FUZZ=ON                      libFuzzer targets in tests/fuzz
#                                             (needs CMAKE_CXX_COMPILER=clang++)
#
# tests/fuzz/README.md explains how to run both.

set(GROWTHCAST_SANITIZE "" CACHE STRING
  "Sanitizers for every target: empty (none) or \"address,undefined\"")
set_property(CACHE GROWTHCAST_SANITIZE PROPERTY STRINGS "" "address,undefined")
option(GROWTHCAST_FUZZ "Build the libFuzzer targets in tests/fuzz (clang only)" OFF)

if(GROWTHCAST_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "GROWTHCAST_FUZZ=ON needs clang: configure with "
      "-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # The fuzzers need the project built with ASan + UBSan, and the libraries
  # instrumented for coverage (-fsanitize=fuzzer-no-link); only the fuzz
  # programs themselves link libFuzzer's main (-fsanitize=fuzzer).
  if(GROWTHCAST_SANITIZE STREQUAL "")
    set(GROWTHCAST_SANITIZE "address,undefined" CACHE STRING "" FORCE)
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(NOT GROWTHCAST_SANITIZE STREQUAL "")
  if(NOT GROWTHCAST_SANITIZE MATCHES "^(address|undefined)(,(address|undefined))?$")
    message(FATAL_ERROR "GROWTHCAST_SANITIZE must be empty or a comma-separated "
      "list of address and undefined, not '${GROWTHCAST_SANITIZE}'")
  endif()
  message(STATUS "growthcast: building with -fsanitize=${GROWTHCAST_SANITIZE}")
  set(growthcast_sanitize_flags
    -fsanitize=${GROWTHCAST_SANITIZE}
    -fno-omit-frame-pointer
    # A UBSan report fails the run (exit status 1) instead of only printing.
    -fno-sanitize-recover=undefined)
  add_compile_options(${growthcast_sanitize_flags})
  add_link_options(${growthcast_sanitize_flags})
endif()
