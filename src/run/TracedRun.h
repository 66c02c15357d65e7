// reactorscope-run --trace-text: runs the program as a child with a stream
// (a socketpair; its end passed as REACTORSCOPE_TRACE_FD) and writes the
// decoded trace as text while the program runs. The program keeps its stdin,
// stdout and stderr. SIGTERM, SIGHUP, SIGINT and SIGQUIT sent to
// reactorscope-run with kill() are passed on; the terminal's Ctrl-C and Ctrl-Backslash
// reach the program directly (same process group) and are not sent twice.
// The run ends when the program ends: what is still in the stream then is read
// for at most kTailMs. A malformed stream stops the trace with a message on
// stderr; the program goes on.
// Thread contract: main thread; installs signal handlers for the run.
#pragma once
#include <cstdio>
#include <string>

namespace rs::run {

struct TracedExit {
  bool signaled = false;
  int code = 0;  // exit status, or the signal that ended the program
};

// `argv` is the program's argv (null-terminated); `text` receives the trace.
// nullopt-like failure: *error set and code 126 (cannot run it).
TracedExit runTraced(const std::string& program, char* const* argv, std::FILE* text, std::string* error);

}  // namespace rs::run
