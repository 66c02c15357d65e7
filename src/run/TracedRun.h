// reactorscope-run traced: runs the program as a child with a stream
// (a socketpair; its end passed as REACTORSCOPE_TRACE_FD), hands the decoded
// trace to a sink (the text form of --trace-text, the recorder of --record) and
// forwards the stream to a running app while the program runs. The program keeps its stdin,
// stdout and stderr. SIGTERM, SIGHUP, SIGINT and SIGQUIT sent to
// reactorscope-run with kill() are passed on; the terminal's Ctrl-C and Ctrl-Backslash
// reach the program directly (same process group) and are not sent twice.
// The run ends when the program ends: what is still in the stream then is read
// for at most kTailMs. A malformed stream stops the trace with a message on
// stderr; the program goes on.
// Thread contract: main thread; installs signal handlers for the run.
#pragma once
#include <string>
#include <vector>

#include "live/TraceDecoder.h"

namespace rs::run {

// Hands every message to each of its sinks in turn (--trace-text and --record together).
class SinkFanOut : public live::TraceSink {
 public:
  void addSink(live::TraceSink* sink) { sinks_.push_back(sink); }
  bool empty() const { return sinks_.empty(); }
  void hello(const live::Hello& h) override { each([&](live::TraceSink& s) { s.hello(h); }); }
  void baseCreated(uint64_t base, const std::string& method) override {
    each([&](live::TraceSink& s) { s.baseCreated(base, method); });
  }
  void baseFreed(uint64_t base) override { each([&](live::TraceSink& s) { s.baseFreed(base); }); }
  void callback(const live::CallbackInfo& info) override { each([&](live::TraceSink& s) { s.callback(info); }); }
  void records(uint64_t base, const TraceRecord* records, size_t count) override {
    each([&](live::TraceSink& s) { s.records(base, records, count); });
  }
  void log(int severity, const std::string& text) override { each([&](live::TraceSink& s) { s.log(severity, text); }); }
  void dropped(const live::DropCounts& counts) override { each([&](live::TraceSink& s) { s.dropped(counts); }); }
  void exited(const live::ProgramExit& x) override { each([&](live::TraceSink& s) { s.exited(x); }); }

 private:
  template <typename F>
  void each(F&& f) {
    for (live::TraceSink* s : sinks_) f(*s);
  }
  std::vector<live::TraceSink*> sinks_;
};

struct TracedExit {
  bool signaled = false;
  int code = 0;  // exit status, or the signal that ended the program
};

// `argv` is the program's argv (null-terminated); `sink` (may be null)
// receives the decoded trace, then the exit message; `appFd` (-1: none; owned, closed at the end) a
// connection to the app, which gets the stream's bytes unchanged. A send to
// the app waits at most kAppSendTimeoutMs; an app that takes longer, or goes
// away, is dropped (one line on stderr) and the program goes on: only this
// relay waits, never the program (its collector drops and counts instead).
// Failure to start: *error set and code 126 (cannot run it).
constexpr int kAppSendTimeoutMs = 2000;
TracedExit runTraced(const std::string& program, char* const* argv, live::TraceSink* sink, int appFd,
                     std::string* error);

}  // namespace rs::run
