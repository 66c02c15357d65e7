// reactorscope-run --record FILE: a TraceSink writing the decoded stream of the
// traced program into a recording (docs/recording-format.md). Each event_base the
// program creates is a session of kind "run", named like the app's program
// sessions ("<process>[<pid>] base <n> (<backend>)"); its events are labelled
// with their callbacks' names (live::EventLabels, the rule the text form and the
// app use) and the callback function is stored; the program's log lines, the
// drop counts and how it ended go to the log table. The writer works on its own
// thread (RecordingWriter); a file that cannot be created is an error at start,
// a write error later is reported once on stderr and the program goes on.
// Every process of the program (a forked child, an exec'd image) streams on its
// own and gets its own sink, forProcess(): base ids and labels are per process,
// the file is shared.
// Thread contract: one thread (reactorscope-run's main thread, the decoders').
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "RecordOptions.h"
#include "RecordingWriter.h"
#include "SessionTee.h"
#include "live/EventLabels.h"
#include "live/OwnerTags.h"
#include "live/TraceDecoder.h"

namespace rs::run {

class RunRecorder;

// One process's stream into the recording: a session per event_base it uses.
class ProcessRecorder : public live::TraceSink {
 public:
  explicit ProcessRecorder(RunRecorder& run) : run_(run) {}

  void hello(const live::Hello& h) override;
  void baseCreated(uint64_t base, const std::string& method) override;
  void baseFreed(uint64_t base) override;
  void callback(const live::CallbackInfo& info) override;
  void records(uint64_t base, const TraceRecord* records, size_t count) override;
  void log(int severity, const std::string& text) override;
  void dropped(const live::DropCounts& counts) override;
  void exited(const live::ProgramExit& x) override;

  // Ends the sessions still open at `nowNs`; returns how many bases it recorded.
  size_t endAll(int64_t nowNs);

 private:
  struct Base {
    std::unique_ptr<recording::SessionTee> tee;
    bool ended = false;
  };
  Base* baseFor(uint64_t base);
  // The event's label and callback name as the stream has told them so far.
  void describe(uint64_t base, recording::EventInfo& event) const;
  void addLog(int level, std::string text);

  RunRecorder& run_;
  live::Hello hello_;
  live::EventLabels labels_;
  // One file holds every process: each one's owner tags become the file's
  // own (live/OwnerTags.h), so a replay keeps forked workers' connections apart.
  live::ProcessOwnerTags ownerTags_;
  std::vector<TraceRecord> translated_;  // records() scratch: the stream's records stay as they came
  std::map<uint64_t, Base> bases_;
  int64_t lastSession_ = 0;  // where process-wide log lines go
};

class RunRecorder {
 public:
  RunRecorder() = default;
  ~RunRecorder();
  RunRecorder(const RunRecorder&) = delete;
  RunRecorder& operator=(const RunRecorder&) = delete;

  // Creates the file; false with *error naming it and why.
  bool open(const recording::RecordOptions& options, std::string* error);
  // Ends every session and closes the file; returns one line for the user
  // ("recorded N records ... to FILE", or why the recording stopped early).
  std::string close();
  // A new process's sink (owned here; valid until close()); null when not open.
  live::TraceSink* forProcess();

 private:
  friend class ProcessRecorder;
  void reportWriteErrorOnce();

  std::unique_ptr<recording::RecordingWriter> writer_;
  std::string path_;
  std::vector<std::unique_ptr<ProcessRecorder>> processes_;
  bool errorReported_ = false;
};

}  // namespace rs::run
