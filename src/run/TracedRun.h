// reactorscope-run traced: runs the program as a child with a stream
// (a socketpair; its end passed as REACTORSCOPE_TRACE_FD), writes the
// decoded trace as text (--trace-text) and forwards the stream to a running
// app while the program runs. The program keeps its stdin,
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

// `argv` is the program's argv (null-terminated); `text` (may be null)
// receives the trace as text; `appFd` (-1: none; owned, closed at the end) a
// connection to the app, which gets the stream's bytes unchanged. A send to
// the app waits at most kAppSendTimeoutMs; an app that takes longer, or goes
// away, is dropped (one line on stderr) and the program goes on: only this
// relay waits, never the program (its collector drops and counts instead).
// Failure to start: *error set and code 126 (cannot run it).
constexpr int kAppSendTimeoutMs = 2000;
TracedExit runTraced(const std::string& program, char* const* argv, std::FILE* text, int appFd, std::string* error);

}  // namespace rs::run
