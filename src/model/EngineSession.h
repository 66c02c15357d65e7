// One running workload (an echo server or a load client) on its own EventBase in
// its own std::thread. The GUI thread never touches engine objects: it posts
// commands with queueInLoop(), the loop thread answers by copying results into a
// mutex-guarded Shared block, and the GUI polls that block on its tick. Nothing
// here blocks the GUI thread on the engine: stop() only queues, and the thread is
// joined by pollFinished() once it has said it is done.
//
// Thread contract: every public method is GUI thread only (the creating thread),
// except that the trace ring is drained by that same thread (single consumer).
#pragma once
#include <QString>
#include <QtGlobal>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/EventBase.h"
#include "workload/ConnectionNoteQueue.h"
#include "workload/EchoServer.h"
#include "workload/LatencyHistogram.h"
#include "workload/LoadClient.h"

namespace rs::gui {

struct SessionLogLine {
  qint64 tsNs = 0;
  LogLevel level = LogLevel::Info;
  std::string text;
};

class EngineSession {
 public:
  enum class Kind { Server, Client, Custom, Program };  // Program: a traced process's base (ProgramSession)

  // Any other workload on the session's loop (benchmarks, synthetic load): start
  // runs in the loop thread and returns false with *error to fail; stop runs in
  // the loop thread before the loop is left; both may capture state.
  struct CustomWorkload {
    QString title;
    std::function<bool(EventBase* base, std::string* error)> start;
    std::function<void()> stop;
  };
  enum class Status { Starting, Running, Finished, Failed, Stopping, Stopped };

  // What the loop thread last reported; copied out under the lock.
  struct Shared {
    Status status = Status::Starting;
    std::string error;
    uint16_t port = 0;
    EchoServerStats server;
    LoadClientStats client;
    std::shared_ptr<const LatencyHistogram> histogram;
    std::vector<IntervalStats> lastIntervals;  // at most a few, newest last
    std::vector<ConnectionEnds> ends;          // open connections, at most kMaxPublishedEnds
    LoopStats loop;
    size_t liveEvents = 0;
    qint64 statsNs = 0;
    quint64 statsSeq = 0;
  };

  // 20 MiB of records per session: ~0.3 s at 1.5 M records/s.
  static constexpr size_t kDefaultTraceCapacity = size_t{1} << 19;
  static constexpr size_t kMaxPublishedEnds = 4096;
  EngineSession(int id, const EchoServerConfig& config, size_t traceCapacity = kDefaultTraceCapacity);
  EngineSession(int id, const LoadClientConfig& config, size_t traceCapacity = kDefaultTraceCapacity);
  EngineSession(int id, CustomWorkload workload, size_t traceCapacity = kDefaultTraceCapacity);
  // Stops and joins if still running (only reached at shutdown).
  ~EngineSession();
  EngineSession(const EngineSession&) = delete;
  EngineSession& operator=(const EngineSession&) = delete;

  int id() const { return id_; }
  Kind kind() const { return kind_; }
  const EchoServerConfig& serverConfig() const { return serverConfig_; }
  const LoadClientConfig& clientConfig() const { return clientConfig_; }
  // "server 127.0.0.1:9000 echo" / "client → 127.0.0.1:9000 ×20".
  QString title() const;

  // Spawns the loop thread, which starts the workload; the outcome appears in
  // shared().status (Running or Failed with the error line).
  void start();
  // Queues workload stop + loopbreak. Returns at once.
  void stop();
  // True once the thread has ended; joins it then (it has already returned).
  bool pollFinished();
  bool threadDone() const { return done_.load(std::memory_order_acquire); }

  // Asks the loop for fresh stats (skipped while a request is in flight).
  void requestStats();
  // Asks the loop for a snapshot of every live event (resync after drops).
  void requestSnapshot();
  // Takes a delivered snapshot, if any.
  std::optional<std::pair<std::vector<EventSnapshot>, qint64>> takeSnapshot();

  Shared shared() const;
  std::vector<SessionLogLine> takeLogs();
  // Server: every accept and close since the last call, oldest first, into
  // *out (see ConnectionNoteQueue::takeAll); returns how many were dropped
  // because more than the capacity were waiting.
  uint64_t takeConnectionNotes(std::vector<ConnectionNote>* out) { return connectionNotes_.takeAll(out); }
  void setConnectionNoteCapacity(size_t notes) { connectionNotes_.setCapacity(notes); }
  size_t connectionNoteCapacity() const { return connectionNotes_.capacity(); }

  // Trace access for the GUI's drain (single consumer).
  Tracer& tracer() { return base_->tracer(); }
  size_t drain(TraceRecord* out, size_t max) { return base_->tracer().drain(out, max); }
  quint64 dropped() const { return base_->tracer().dropped(); }

 private:
  void threadMain();
  bool startWorkload(std::string* error);
  void publishStats();  // loop thread
  void log(LogLevel level, const std::string& text);
  void setStatus(Status s, const std::string& error = {});

  const int id_;
  const Kind kind_;
  EchoServerConfig serverConfig_;
  LoadClientConfig clientConfig_;
  CustomWorkload custom_;
  std::unique_ptr<EventBase> base_;
  std::thread thread_;
  std::atomic<bool> done_{false};
  std::atomic<bool> statsInFlight_{false};
  std::atomic<bool> snapshotInFlight_{false};
  bool stopQueued_ = false;
  // Filled by the server in the loop thread, emptied by the GUI (own lock).
  ConnectionNoteQueue connectionNotes_;

  // Loop thread only.
  std::unique_ptr<EchoServer> server_;
  std::unique_ptr<LoadClient> client_;

  mutable std::mutex mutex_;
  Shared shared_;
  std::vector<SessionLogLine> logs_;
  std::optional<std::pair<std::vector<EventSnapshot>, qint64>> snapshot_;
};

const char* toString(EngineSession::Status s);

}  // namespace rs::gui
