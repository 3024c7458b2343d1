# Fails when any C++ source under the project's code folders differs from
# clang-format's output. Run by ctest as the clang_format test.
file(GLOB_RECURSE sources
  ${SOURCE_DIR}/engine/*.h ${SOURCE_DIR}/engine/*.cc ${SOURCE_DIR}/engine/*.inc
  ${SOURCE_DIR}/models/*.h ${SOURCE_DIR}/cli/*.h ${SOURCE_DIR}/cli/*.cc
  ${SOURCE_DIR}/tests/*.h ${SOURCE_DIR}/tests/*.cc
  ${SOURCE_DIR}/bench/*.h ${SOURCE_DIR}/bench/*.cc)
execute_process(
  COMMAND ${CLANG_FORMAT} --dry-run --Werror ${sources}
  RESULT_VARIABLE result
  ERROR_VARIABLE diagnostics)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "clang-format differences (run clang-format -i):\n${diagnostics}")
endif()
