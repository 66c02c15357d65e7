# Runs one scenario built against ReactorScope (OURS) and against libevent
# (THEIRS); fails unless both succeed, report the expected backend, and print
# byte-identical logs of at least MIN_LINES lines (two empty logs are not a
# pass). Both logs stay in WORK_DIR for inspection.
include(${CMAKE_CURRENT_LIST_DIR}/ScriptChecks.cmake)
require_args(OURS THEIRS BACKEND WORK_DIR MIN_LINES)
file(MAKE_DIRECTORY ${WORK_DIR})

foreach(side OURS THEIRS)
  execute_process(COMMAND ${${side}}
    OUTPUT_VARIABLE out_${side} ERROR_VARIABLE err_${side} RESULT_VARIABLE rc_${side}
    TIMEOUT 50)
  string(TOLOWER ${side} lower)
  file(WRITE ${WORK_DIR}/${lower}.log "${out_${side}}")
  if(NOT rc_${side} EQUAL 0)
    message(FATAL_ERROR "${${side}} exited with ${rc_${side}}\nstdout:\n${out_${side}}\nstderr:\n${err_${side}}")
  endif()
  if(NOT err_${side} MATCHES "backend: ${BACKEND}")
    message(FATAL_ERROR "${${side}} did not run on ${BACKEND}: ${err_${side}}")
  endif()
endforeach()

if(NOT out_OURS STREQUAL out_THEIRS)
  execute_process(COMMAND diff -u ${WORK_DIR}/theirs.log ${WORK_DIR}/ours.log OUTPUT_VARIABLE delta)
  message(FATAL_ERROR "ReactorScope and libevent disagree (${BACKEND}); diff -u libevent reactorscope:\n${delta}")
endif()
foreach(side OURS THEIRS)
  count_lines("${out_${side}}" count_${side})
  if(count_${side} LESS MIN_LINES)
    message(FATAL_ERROR "${${side}} printed ${count_${side}} lines on ${BACKEND}, fewer than the scenario's ${MIN_LINES}:\n${out_${side}}")
  endif()
endforeach()
message(STATUS "identical logs on ${BACKEND}: ${count_OURS} lines (at least ${MIN_LINES} required)")
