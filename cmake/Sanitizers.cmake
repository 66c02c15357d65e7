# REACTORSCOPE_SANITIZE: one flag for a sanitizer build of every target (engine,
# CLI, app, tests), e.g.
#   cmake -B build-asan -DREACTORSCOPE_SANITIZE=address,undefined
#   cmake -B build-tsan -DREACTORSCOPE_SANITIZE=thread -DREACTORSCOPE_BUILD_GUI=OFF
# Empty (the default): a normal build. A finding fails the test that hit it:
# UBSan does not recover (-fno-sanitize-recover=all) and ctest runs every test
# with halt_on_error=1 (set below through the test include file, so each test's
# own ENVIRONMENT property stays as it is).
set(REACTORSCOPE_SANITIZE "" CACHE STRING
  "Sanitizers for every target: empty, address,undefined, or thread")

if(REACTORSCOPE_SANITIZE STREQUAL "")
  return()
endif()

string(REPLACE "," ";" _rs_sanitizers "${REACTORSCOPE_SANITIZE}")
foreach(_s ${_rs_sanitizers})
  if(NOT _s MATCHES "^(address|undefined|thread)$")
    message(FATAL_ERROR "REACTORSCOPE_SANITIZE: '${_s}' is not one of address, undefined, thread "
      "(got '${REACTORSCOPE_SANITIZE}')")
  endif()
endforeach()
if("thread" IN_LIST _rs_sanitizers AND "address" IN_LIST _rs_sanitizers)
  message(FATAL_ERROR "REACTORSCOPE_SANITIZE: thread and address cannot be combined "
    "(use two build directories)")
endif()

set(_rs_flags -fsanitize=${REACTORSCOPE_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
add_compile_options(${_rs_flags})
add_link_options(-fsanitize=${REACTORSCOPE_SANITIZE})
message(STATUS "ReactorScope: sanitizers ${REACTORSCOPE_SANITIZE}")

# The runtime options every test runs with. ctest includes this file while it
# reads the test list, before it starts any test, so the tests inherit it.
set(_rs_dir ${CMAKE_CURRENT_LIST_DIR})
set(_rs_env "")
if("address" IN_LIST _rs_sanitizers)
  string(APPEND _rs_env "set(ENV{ASAN_OPTIONS} \"halt_on_error=1:detect_leaks=1\")\n")
endif()
if("undefined" IN_LIST _rs_sanitizers)
  string(APPEND _rs_env "set(ENV{UBSAN_OPTIONS} \"halt_on_error=1:print_stacktrace=1\")\n")
endif()
if("thread" IN_LIST _rs_sanitizers)
  # ignore_noninstrumented_modules: races seen by interceptors (free,
  # pthread_cond_destroy, ...) called from uninstrumented libraries are not
  # reported. Qt Test's watchdog thread otherwise trips it at every test's exit:
  # Qt 6 orders that thread's end through its futex-based QMutex, which TSan
  # cannot see. Every access in our (instrumented) code is still checked.
  # die_after_fork=0: tests start the CLI with QProcess (fork, then exec in the
  # child) while their own server threads run; TSan would otherwise kill that
  # child before its exec.
  string(APPEND _rs_env "set(ENV{TSAN_OPTIONS} \"halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1:die_after_fork=0:suppressions=${_rs_dir}/tsan.supp\")\n")
endif()
file(WRITE ${CMAKE_BINARY_DIR}/SanitizerTestEnv.cmake "${_rs_env}")
# Every directory's CTestTestfile includes it, so `ctest --test-dir build-x/tests/engine`
# gets the options too; deferred until every directory exists.
function(reactorscope_sanitizer_env_everywhere dir)
  set_property(DIRECTORY ${dir} APPEND PROPERTY TEST_INCLUDE_FILES ${CMAKE_BINARY_DIR}/SanitizerTestEnv.cmake)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub ${subdirs})
    reactorscope_sanitizer_env_everywhere(${sub})
  endforeach()
endfunction()
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL reactorscope_sanitizer_env_everywhere ${CMAKE_SOURCE_DIR})
