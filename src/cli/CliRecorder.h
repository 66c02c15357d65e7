// Records one headless run (`reactorscope-cli server|client --record FILE`): turns
// tracing on for the run's EventBase, and a drain thread of its own empties the
// base's trace ring into a RecordingWriter (which writes off every thread but its
// own). Events are described once, the first time their records are seen (label
// from the base's label directory); every 250 ms of record time a keyframe (every
// event's state, recording/EventStates) lets a replay seek without reading from the
// start (both done by recording::SessionTee). Log lines and client intervals are added from the loop thread (queued,
// never blocking it). A file that cannot be created, or a write error later (disk
// full), is reported once on stderr and the run goes on without recording.
//
// Thread contract: start() and finish() on the thread that constructed it (the
// CLI's main thread, which also runs the loop); log() and interval() from any
// thread; the drain thread is the ring's only consumer between start and finish.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "RecordOptions.h"
#include "RecordingWriter.h"
#include "SessionTee.h"

namespace rs {
class EventBase;
}

namespace rs::cli {

class CliRecorder {
 public:
  CliRecorder() = default;
  ~CliRecorder();
  CliRecorder(const CliRecorder&) = delete;
  CliRecorder& operator=(const CliRecorder&) = delete;

  // Creates the file and starts draining `base` (tracing on). False with *error when
  // the file cannot be created (the caller reports it and runs without recording).
  bool start(EventBase& base, const recording::RecordOptions& options, recording::SessionInfo session, std::string* error);
  bool active() const { return writer_ != nullptr; }

  void log(int level, std::string text);
  void interval(int64_t tsNs, std::string json);

  // After the loop ended: drains what is left, ends the session, closes the file.
  // Returns one line for the user ("recorded N records ... to FILE"), or the error.
  std::string finish();

 private:
  void drainMain();
  // Drains one batch; returns how many records it moved.
  size_t drainOnce();
  void reportWriteErrorOnce();

  EventBase* base_ = nullptr;
  std::unique_ptr<recording::RecordingWriter> writer_;
  std::string path_;
  std::thread drainer_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> errorReported_{false};
  // Drain thread only (and finish() after joining it):
  std::vector<TraceRecord> buffer_;
  std::unique_ptr<recording::SessionTee> tee_;
};

}  // namespace rs::cli
