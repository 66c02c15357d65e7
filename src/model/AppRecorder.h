// The app's Record toggle: records the live sessions -- built-in servers, clients
// and custom workloads (EngineSession) and the bases of programs traced under
// reactorscope-run (ProgramSession) -- into one recording file
// (docs/recording-format.md), all of them or a chosen set. It observes the
// controller's TraceAggregator (IngestObserver): whatever the app drains and
// aggregates is also handed, per session, to a recording::SessionTee (events
// described once with their labels, keyframes every 250 ms of record time) whose
// RecordingWriter encodes and writes on its own thread -- never the GUI thread's
// work beyond queueing a copy, never a loop thread's. Log lines of recorded
// sessions (and the app's own lines, into the first recorded session) go to the
// log table, a client's per-second intervals (each once) to client_intervals. A session is added to the file when its first records arrive after
// start(), and ended when the app ends it or stop() closes the file.
// A file that cannot be created fails start() with a message naming it; a write
// error later (disk full) stops recording (status().error says why, once) and
// the live sessions go on untouched.
// Thread contract: GUI thread only (the controller's).
#pragma once
#include <QPointer>
#include <QString>

#include <map>
#include <memory>
#include <optional>
#include <set>

#include "RecordOptions.h"
#include "RecordingWriter.h"
#include "SessionTee.h"
#include "model/TraceAggregator.h"

#include "model/SessionController.h"

namespace rs::gui {

class AppRecorder : private IngestObserver {
 public:
  struct Status {
    bool active = false;       // recording now
    QString path;
    quint64 records = 0;       // committed to the file
    quint64 dropped = 0;       // by the writer (queue full, cap without ring)
    qint64 storedBytes = 0;    // trace block bytes in the file
    int sessions = 0;          // sessions in the file
    QString error;             // the write error that stopped it, if any
  };

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
  void ingested(int session, const TraceRecord* records, size_t count, const Tracer* infoSource) override;
  void logged(const QVector<LogEntry>& lines) override;
  void sessionEnded(int session, qint64 nowNs) override;
  void figured(int session, const SessionFigures& figures) override;
  // The tee of a session to record (added to the file on first use), or null.
  recording::SessionTee* teeFor(int session);
  bool wanted(int session) const { return only_.empty() || only_.count(session) > 0; }

  QPointer<SessionController> controller_;  // may go first at shutdown: then nothing to detach from
  std::unique_ptr<recording::RecordingWriter> writer_;
  QString path_;
  std::set<int> only_;
  std::map<int, std::unique_ptr<recording::SessionTee>> tees_;  // app session id -> its tee
  std::set<int> ended_;
  std::map<int, double> lastIntervalEndSec_;  // per client session: the newest interval recorded
  QString error_;
};

// The recording's session kind for an app session kind ("server", "client",
// "custom", "run": what the replay and reactorscope-cli info show).
const char* recordingKind(EngineSession::Kind kind);

}  // namespace rs::gui
