// The app's Record toggle: records the live sessions -- built-in servers, clients
// and custom workloads (EngineSession) and the bases of programs traced under
// reactorscope-run (ProgramSession) -- into one recording file
// (docs/recording-format.md), all of them or a chosen set. It observes the
// controller's TraceAggregator (IngestObserver): whatever the app drains and
// aggregates is copied, per batch, into a bounded queue (kQueueCapacityRecords;
// a batch that does not fit is dropped and counted in status().dropped, never
// waited for). The recorder thread of its own takes the queue and runs, per
// session, a recording::SessionTee (events described with their labels and owners,
// keyframes every 250 ms of record time) whose RecordingWriter encodes and writes
// on its own thread. Log lines of recorded sessions (and the app's own lines, into
// the first recorded session) go to the log table, a client's per-second
// intervals (each once) to client_intervals. A resync of a session from an engine
// snapshot (the trace ring dropped records) goes to the recorder thread in order
// with the batches (never dropped): the session's SessionTee makes it a keyframe
// at the snapshot's time whose event states are the snapshot's, and derives the
// later keyframes from it (KeyframeMaker::resync), so a replay shows the engine's
// states from then on; it is also a warning line in the log table at that time,
// with the snapshot's state counts (records were lost). A session is added to
// the file when its first records arrive after start(), and ended when the app
// ends it or stop() closes the file.
// A file that cannot be created fails start() with a message naming it; a write
// error later (disk full) stops recording (status().error says why, once) and
// the live sessions go on untouched.
// Thread contract: the public API and the IngestObserver calls: the GUI thread
// (the one that constructed it), asserted (a violation prints what was broken and
// aborts). The GUI thread's per-batch work is one copy of the records and, for an
// event not seen before, its label (looked up there, while its Tracer is alive).
// A label that comes, or changes, after the event's first records is the
// aggregator's to find (IngestObserver::labelled): it goes to the recorder
// thread in order with the batches, and the event is described again in the
// file (SessionTee::redescribe).
// The copy is unavoidable: ingested() borrows the batch (SessionController's drain
// buffer, reused by its next drain; a relay's decode buffer), it owns nothing to move.
// SessionTee and everything it writes: the recorder thread only (started by
// start(), joined by stop(), which first lets it finish the queue).
#pragma once
#include <QPointer>
#include <QString>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "RecordOptions.h"
#include "RecordingWriter.h"
#include "model/TraceAggregator.h"

#include "model/SessionController.h"

namespace rs::gui {

class AppRecorder : private IngestObserver {
 public:
  struct Status {
    bool active = false;       // recording now
    QString path;
    quint64 records = 0;       // committed to the file
    quint64 dropped = 0;       // by the recorder's queue (full) and by the writer (its queue full, cap without ring)
    qint64 storedBytes = 0;    // trace block bytes in the file
    int sessions = 0;          // sessions in the file
    QString error;             // the write error that stopped it, if any
  };

  // Trace records the recorder's queue holds at most (40 MiB); a batch past it is dropped.
  static constexpr size_t kQueueCapacityRecords = size_t{1} << 20;

  explicit AppRecorder(SessionController* controller);
  ~AppRecorder() override;
  AppRecorder(const AppRecorder&) = delete;
  AppRecorder& operator=(const AppRecorder&) = delete;

  // Creates options.path and starts recording `only` (empty: every session, those
  // started later too). False with *error ("cannot record to FILE: why").
  bool start(const recording::RecordOptions& options, std::set<int> only, QString* error);
  // Ends the sessions, commits and closes the file; returns one line for the log
  // ("recorded N records of K sessions (D dropped), B bytes, to FILE", or the error).
  QString stop();
  bool active() const { return writer_ != nullptr; }
  // Polled by the window's tick (status bar). A write error found here stops the
  // recording: status().error then names it until the next start().
  Status status();

 private:
  class Worker;  // the recorder thread and its queue (AppRecorder.cpp)

  void ingested(int session, const TraceRecord* records, size_t count, const Tracer* infoSource) override;
  void logged(const QVector<LogEntry>& lines) override;
  void sessionEnded(int session, qint64 nowNs) override;
  void figured(int session, const SessionFigures& figures) override;
  void resynced(int session, const std::vector<EventSnapshot>& snapshot, qint64 takenNs) override;
  void labelled(int session, quint64 eventId, const QString& label) override;
  // Hands the session to the recorder thread (added to the file) on its first use;
  // false for a session not to record.
  bool record(int session);
  bool wanted(int session) const { return only_.empty() || only_.count(session) > 0; }
  void assertGuiThread(const char* what) const;

  const std::thread::id guiThread_;
  QPointer<SessionController> controller_;  // may go first at shutdown: then nothing to detach from
  std::unique_ptr<recording::RecordingWriter> writer_;
  std::unique_ptr<Worker> worker_;  // between start() and stop()
  QString path_;
  std::set<int> only_;
  std::set<int> recorded_;  // app session ids handed to the recorder thread
  std::set<int> ended_;
  std::map<int, std::unordered_set<uint64_t>> seen_;  // per session: events whose label was looked up
  std::map<int, double> lastIntervalEndSec_;  // per client session: the newest interval recorded
  QString error_;
};

// The recording's session kind for an app session kind ("server", "client",
// "custom", "run": what the replay and reactorscope-cli info show).
const char* recordingKind(EngineSession::Kind kind);

}  // namespace rs::gui
