// Owns the running sessions, the live frame source (TraceAggregator) and the
// models, and drives the GUI tick, one every kFrameIntervalMs: drain every
// session's trace ring in bulk, aggregate, resync after drops, refresh the
// sessions' figures, sync the models once, append the tick's log lines to the
// frame source, then emit ticked() so views draw the frame once.
//
// Thread contract: GUI thread only. Engine threads are reached through
// EngineSession (queueInLoop + a mutex-guarded block), never directly.
#pragma once
#include <QDateTime>
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <QVector>

#include <map>
#include <memory>
#include <vector>

#include "model/EngineSession.h"
#include "model/EventTableModel.h"
#include "model/SessionListModel.h"
#include "model/TraceAggregator.h"

namespace rs::gui {

// Cost of the last tick's non-drawing work (views add their replot time).
struct FrameCost {
  qint64 drainNs = 0;      // ring drain + aggregation
  qint64 modelNs = 0;      // model sync (signals to views, proxies)
  quint64 records = 0;     // records ingested this tick
};

class SessionController : public QObject {
  Q_OBJECT
 public:
  explicit SessionController(QObject* parent = nullptr);
  ~SessionController() override;

  // Start a session; the result (Running or Failed + error) shows up on later
  // ticks in the sessions model and the log. Returns the session id.
  int startServer(const EchoServerConfig& config);
  int startClient(const LoadClientConfig& config);
  int startCustom(EngineSession::CustomWorkload workload);
  // A session fed from outside the controller (a traced program's base:
  // ProgramSession feeds aggregator() and updates its row itself): a new id,
  // `row` (its id set) in sessionModel() and `name` in eventModel().
  int addExternalSession(SessionRow row, const QString& name);
  // An engine session stops its loop; for an external one externalStopRequested() asks its owner.
  void stopSession(int id);
  // Sessions that are over only (isOver()): drops the row at once and the stats
  // once the thread has ended (a finished client's loop is stopped first). An
  // ended traced-program session (no engine thread) goes at once.
  void removeSession(int id);
  // removeSession() of every session that is over; returns how many.
  int clearFinished();
  bool anyOver() const;
  void stopAll();
  bool anyRunning() const;

  EngineSession* session(int id);

  // What the views draw (one frame per tick).
  FrameSource& frameSource() { return agg_; }
  // The same object as its live type (the controller feeds it; tests inspect it).
  TraceAggregator& aggregator() { return agg_; }
  EventTableModel* eventModel() { return &eventModel_; }
  SessionListModel* sessionModel() { return &sessionModel_; }

  void setRetentionSec(double sec);
  double retentionSec() const { return static_cast<double>(agg_.retentionNs()) / 1e9; }
  // How long freed (invalid) events stay in the table.
  void setKeepFreedSec(double sec) { keepFreedNs_ = static_cast<qint64>(sec * 1e9); }
  void setTraceCapacity(size_t records) { traceCapacity_ = records; }
  // Accept/close notes a server may hold for the log between two ticks (for
  // sessions started afterwards); the excess is counted and reported.
  void setConnectionNoteCapacity(size_t notes) { connectionNoteCapacity_ = notes; }
  // Pauses ticking (tests, benchmarks); tick() may still be called by hand.
  void setAutoTick(bool on);

  const FrameCost& lastFrameCost() const { return frame_; }
  quint64 liveConnections() const { return liveConnections_; }

 public slots:
  void tick();

 signals:
  // Once per tick, after models were synced: views draw the frame now.
  void ticked();
  // A session's status changed (Running, Failed, Stopped, ...).
  void sessionStatusChanged(int id, rs::gui::EngineSession::Status status);
  // stopSession() of an external session (ProgramSessions stops the program).
  void externalStopRequested(int id);

 private:
  struct Slot {
    std::unique_ptr<EngineSession> session;
    EngineSession::Status lastStatus = EngineSession::Status::Starting;
    quint64 lastDropped = 0;
    qint64 lastSnapshotRequestNs = 0;
    quint64 lastStatsSeq = 0;
    qint64 prevStatsNs = 0;
    quint64 prevMessages = 0;
    quint64 prevBytes = 0;
    double msgsPerSec = 0;
    double bytesPerSec = 0;
    bool ended = false;  // thread joined, rows ended
    bool removed = false;  // row gone; the slot goes once ended
    std::shared_ptr<const LatencyHistogram> histogram;  // client: the latest (kept once the session ends)
    std::vector<ConnectionNote> notes;  // server: this tick's accepts/closes (storage reused)
    quint64 lastConnected = 0;          // client
    quint64 lastErrors = 0;
    QString firstProblem;  // first warning/error the engine logged (shown in the row)
  };
  void logConnectionNotes(Slot& slot, QVector<LogEntry>* logs);
  void logClientChanges(Slot& slot, const EngineSession::Shared& sh, QVector<LogEntry>* logs);
  void takeEngineLogs(Slot& slot, const QDateTime& wallNow, qint64 monoNow, QVector<LogEntry>* logs);
  int addSession(std::unique_ptr<EngineSession> s);
  size_t drainSession(Slot& slot);
  void refreshRow(Slot& slot, QVector<LogEntry>* logs);
  void refreshProgramRows();
  void dropRemovedSlots();

  QTimer timer_;
  TraceAggregator agg_;
  EventTableModel eventModel_;
  SessionListModel sessionModel_;
  std::map<int, Slot> slots_;
  int nextId_ = 1;
  int tickCount_ = 0;
  qint64 keepFreedNs_ = 3'000'000'000;
  size_t traceCapacity_ = EngineSession::kDefaultTraceCapacity;
  size_t connectionNoteCapacity_ = ConnectionNoteQueue::kDefaultCapacity;
  std::vector<TraceRecord> buffer_;
  FrameCost frame_;
  quint64 liveConnections_ = 0;  // the engine's sessions' and traced programs' (refreshProgramRows())
};

}  // namespace rs::gui
