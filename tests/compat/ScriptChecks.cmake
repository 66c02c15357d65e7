# Shared by the ctest scripts of tests/compat (cmake -P): their argument check
# and their "a log is not empty" rule, written once.

# require_args(VAR...): every VAR was given as -DVAR=...
function(require_args)
  get_filename_component(script "${CMAKE_SCRIPT_MODE_FILE}" NAME)
  foreach(var ${ARGN})
    if(NOT DEFINED ${var})
      message(FATAL_ERROR "${script}: -D${var}=... is required")
    endif()
  endforeach()
endfunction()

# count_lines(TEXT OUT_VAR): the lines TEXT holds (its newlines).
function(count_lines text out)
  string(REGEX MATCHALL "\n" lines "${text}")
  list(LENGTH lines n)
  set(${out} ${n} PARENT_SCOPE)
endfunction()
