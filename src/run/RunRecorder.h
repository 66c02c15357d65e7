// reactorscope-run --record FILE: a TraceSink writing the decoded stream of the
// traced program into a recording (docs/recording-format.md). Each event_base the
// program creates is a session of kind "run", named like the app's program
// sessions ("<process>[<pid>] base <n> (<backend>)"); its events are labelled
// with their callbacks' names (live::EventLabels, the rule the text form and the
// app use) and the callback function is stored; the program's log lines, the
// drop counts and how it ended go to the log table. The writer works on its own
// thread (RecordingWriter); a file that cannot be created is an error at start,
// a write error later is reported once on stderr and the program goes on.
// Thread contract: one thread (reactorscope-run's main thread, the decoder's).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "RecordOptions.h"
#include "RecordingWriter.h"
#include "SessionTee.h"
#include "live/EventLabels.h"
#include "live/TraceDecoder.h"

namespace rs::run {

class RunRecorder : public live::TraceSink {
 public:
  RunRecorder() = default;
  ~RunRecorder() override;

  // Creates the file; false with *error naming it and why.
  bool open(const recording::RecordOptions& options, std::string* error);
  // Ends every session and closes the file; returns one line for the user
  // ("recorded N records ... to FILE", or why the recording stopped early).
  std::string close();

  void hello(const live::Hello& h) override;
  void baseCreated(uint64_t base, const std::string& method) override;
  void baseFreed(uint64_t base) override;
  void callback(const live::CallbackInfo& info) override;
  void records(uint64_t base, const TraceRecord* records, size_t count) override;
  void log(int severity, const std::string& text) override;
  void dropped(const live::DropCounts& counts) override;
  void exited(const live::ProgramExit& x) override;

 private:
  struct Base {
    std::unique_ptr<recording::SessionTee> tee;
    bool ended = false;
  };
  Base* baseFor(uint64_t base);
  // The event's label and callback name as the stream has told them so far.
  void describe(uint64_t base, recording::EventInfo& event) const;
  void addLog(int level, std::string text);
  void reportWriteErrorOnce();

  std::unique_ptr<recording::RecordingWriter> writer_;
  std::string path_;
  live::Hello hello_;
  live::EventLabels labels_;
  std::map<uint64_t, Base> bases_;
  int64_t lastSession_ = 0;  // where process-wide log lines go
  bool errorReported_ = false;
};

}  // namespace rs::run
