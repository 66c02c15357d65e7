# Builds SOURCE (a libevent program that prints, on stderr, the object its
# event_base_new came from) the two ways a user would against ReactorScope's
# library -- gcc with `pkg-config --cflags --libs reactorscope-event`, and a CMake
# project with find_package(ReactorScopeEvent) -- runs each without
# LD_LIBRARY_PATH, and requires that it ran on the library in COMPAT_DIR.
include(${CMAKE_CURRENT_LIST_DIR}/ScriptChecks.cmake)
require_args(SOURCE BUILD_DIR COMPAT_DIR WORK_DIR C_COMPILER)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(expect_ours what program)
  execute_process(COMMAND ${program} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 30)
  if(NOT rc EQUAL 0 OR NOT err MATCHES "library: ${COMPAT_DIR}/libevent-2.1.so.7")
    message(FATAL_ERROR "${what}: exit ${rc}, not on ReactorScope's library:\n${err}\n${out}")
  endif()
  message(STATUS "${what}: runs on ${COMPAT_DIR}/libevent-2.1.so.7")
endfunction()

# pkg-config
execute_process(COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${BUILD_DIR}/pkgconfig
  pkg-config --cflags --libs reactorscope-event
  OUTPUT_VARIABLE flags RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config does not know reactorscope-event (${rc})")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
execute_process(COMMAND ${C_COMPILER} ${SOURCE} -o ${WORK_DIR}/pkgconfig_demo ${flags} -ldl
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gcc with pkg-config's flags failed:\n${err}")
endif()
expect_ours("pkg-config build" ${WORK_DIR}/pkgconfig_demo)

# CMake package
execute_process(COMMAND ${CMAKE_COMMAND} -S ${CMAKE_CURRENT_LIST_DIR}/package -B ${WORK_DIR}/cmake
  -DCMAKE_C_COMPILER=${C_COMPILER} -DReactorScopeEvent_DIR=${BUILD_DIR}/cmake -DDEMO_SOURCE=${SOURCE}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/cmake RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the find_package(ReactorScopeEvent) project did not build:\n${out}\n${err}")
endif()
expect_ours("CMake package build" ${WORK_DIR}/cmake/demo)
