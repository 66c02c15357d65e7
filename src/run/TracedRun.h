// reactorscope-run traced: runs the program as a child whose processes each
// stream their trace to a private socket (TraceListener; its path passed as
// REACTORSCOPE_TRACE_SOCKET, kept across fork and exec), writes the decoded
// trace as text (--trace-text) and into a recording (--record, RunRecorder) and relays each process's stream to its own
// connection to a running app (ProcessStream). The program keeps its stdin,
// stdout and stderr. SIGTERM, SIGHUP, SIGINT and SIGQUIT sent to
// reactorscope-run with kill() are passed on; the terminal's Ctrl-C and
// Ctrl-Backslash reach the program directly (same process group) and are not
// sent twice. SIGPIPE is ignored here (never in the program): a reader of the
// text or the app going away ends nothing.
// An app that was not there (or went away) is looked for again every
// kAppRetryMs while streams are open: it gets each process's story so far
// (hello, live bases, their callbacks) and the stream from then on.
// The run ends when the program ends: what its processes still stream then is
// read for at most kTailMs; the exit message (exit code or signal) goes after
// the last stream of the program's pid (the image it exec'd last). A malformed
// stream stops that process's trace with a message on stderr; the program goes on.
// Thread contract: main thread; installs signal handlers for the run.
#pragma once
#include <cstdio>
#include <string>

namespace rs::run {

class RunRecorder;

struct TracedExit {
  bool signaled = false;
  int code = 0;  // exit status, or the signal that ended the program
};

struct TracedOptions {
  std::FILE* text = nullptr;  // the trace as text (not owned), or none
  RunRecorder* recorder = nullptr;  // --record: every process's trace into one recording (not owned), or none
  bool useApp = true;         // relay to the app (and look for one later)
  int appFd = -1;             // a connection made already (owned), handed to the first stream
};

constexpr int kAppRetryMs = 500;
constexpr int kMaxStreams = 256;  // processes traced at once; later ones run untraced

// `argv` is the program's argv (null-terminated). Failure to start: *error
// set and code 126 (cannot run it).
TracedExit runTraced(const std::string& program, char* const* argv, const TracedOptions& options, std::string* error);

}  // namespace rs::run
