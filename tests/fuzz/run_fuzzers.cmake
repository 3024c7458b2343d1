# Runs each fuzzer of TARGETS (built in FUZZ_DIR) for SECONDS seconds on a
# copy of its seed corpus (SOURCE_DIR/corpus/<target>) plus its regressions;
# fails on the first crash, hang (> 10 s per input) or sanitizer report.
foreach(target IN LISTS TARGETS)
  set(work ${FUZZ_DIR}/smoke/${target})
  file(REMOVE_RECURSE ${work})
  file(MAKE_DIRECTORY ${work}/corpus ${work}/artifacts)
  set(seeds ${SOURCE_DIR}/corpus/${target})
  if(EXISTS ${SOURCE_DIR}/regressions/${target})
    list(APPEND seeds ${SOURCE_DIR}/regressions/${target})
  endif()
  message(STATUS "${target}: ${SECONDS} s")
  execute_process(
    COMMAND ${FUZZ_DIR}/${target} ${work}/corpus ${seeds}
      -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048
      -artifact_prefix=${work}/artifacts/ -print_final_stats=1
    RESULT_VARIABLE result
    OUTPUT_VARIABLE output
    ERROR_VARIABLE output)
  string(REGEX MATCH "#[0-9]+[ \t]+DONE[^\n]*" done "${output}")
  message(STATUS "${target}: ${done}")
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${target} failed (${result}):\n${output}")
  endif()
endforeach()
