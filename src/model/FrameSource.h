// What one frame of the GUI shows, as the views read it: the traced events (table
// rows, their states, the spans of their timelines), each connection's buffer
// series, the per-session and loop-wide statistics, the sessions' workload figures
// and the log. TraceAggregator is the live implementation (SessionController feeds
// it every tick); a recording's replay is meant to be the second.
//
// Frames: a source changes only between frames (live: one every kFrameIntervalMs,
// then SessionController::ticked()). Views read it in their per-frame refresh and on
// user input; they keep keys (session, event id, owner tag), never references into
// it, from one frame to the next. A view must not read its source from its
// destructor: MainWindow deletes the source (with the controller, a Qt child
// created before the views) first.
//
// Thread contract: GUI thread only.
#pragma once
#include <QDateTime>
#include <QString>
#include <QVector>
#include <QtGlobal>

#include <algorithm>
#include <array>
#include <climits>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "core/Trace.h"
#include "model/DiagramStats.h"
#include "workload/LatencyHistogram.h"  // CallbackHistogram
#include "model/EngineSession.h"
#include "model/CoarseHistory.h"
#include "model/SpanRing.h"

namespace rs::gui {

// One frame every kFrameIntervalMs (~30 a second); per-frame work that runs less
// often counts frames with framesIn(): `frame % framesIn(1000) == 0` is once a second.
constexpr int kFrameIntervalMs = 33;
constexpr int framesIn(int periodMs) { return periodMs / kFrameIntervalMs > 1 ? periodMs / kFrameIntervalMs : 1; }

// One traced transition of an event (the timeline draws a span from one to the next).
struct TransitionSample {
  qint64 tsNs = 0;
  EventState from = EventState::Invalid;
  EventState to = EventState::Invalid;
  TraceCause cause = TraceCause::None;
};

struct CallbackSample {
  qint64 beginNs = 0;
  qint64 durationNs = 0;
};

struct LevelSample {
  qint64 tsNs = 0;
  qint64 bytes = 0;
};

// The four data buffers of a connection, indexed 0..3 = KernelRecv..KernelSend.
constexpr int kDataBufferCount = 4;
inline int dataBufferIndex(BufferId b) { return static_cast<int>(b) - static_cast<int>(BufferId::KernelRecv); }

struct EventRow {
  quint64 key = 0;  // (session << 48) | event id
  int session = 0;
  quint64 id = 0;
  quint32 owner = 0;
  EventKind kind = EventKind::Io;
  int fd = -1;
  short events = 0;
  int priority = 0;
  QString label;
  bool labelResolved = false;
  EventState state = EventState::Invalid;
  quint64 activations = 0;
  qint64 lastCallbackNs = 0;
  qint64 totalCallbackNs = 0;
  TraceCause lastCause = TraceCause::None;
  qint64 lastChangeNs = 0;
  qint64 activatedNs = 0;  // pending activation (for scheduling delay); 0 = none
  qint64 firstSeenNs = 0;  // its first transition sample (creation, or mid-life after drops or a resync); 0: none yet
  qint64 freedAtNs = 0;    // 0 while alive
  qint64 callbackOpenNs = 0;  // its callback began then and has not returned (0: none running)
  bool callbackCutShort = false;  // its session ended inside its last callback (a crash there)
  // The timeline: recent transitions and callbacks at full resolution (bounded
  // rings), and before them the older part decimated into time buckets.
  SpanRing<TransitionSample> transitions{256};
  SpanRing<CallbackSample> callbacks{128};
  CoarseHistory coarse;
};

// Oldest time an event's timeline still shows (coarse or full resolution);
// INT64_MAX when it shows nothing.
inline qint64 retainedFromNs(const EventRow& e) {
  return std::min(e.coarse.firstRecordedNs(), e.transitions.empty() ? INT64_MAX : e.transitions.front().tsNs);
}
// Whether the timeline still holds the event's whole life (nothing of it dropped).
inline bool wholeLifeRetained(const EventRow& e) { return retainedFromNs(e) <= e.firstSeenNs; }
// Oldest time shown at full resolution (INT64_MAX when none).
inline qint64 fullResolutionFromNs(const EventRow& e) {
  return e.transitions.empty() ? INT64_MAX : e.transitions.front().tsNs;
}

struct ConnectionSeries {
  quint32 owner = 0;
  int session = 0;
  int fd = -1;
  std::array<SpanRing<LevelSample>, kDataBufferCount> levels;
  std::array<qint64, kDataBufferCount> current{};
  // Times of each level ring's last two samples, which decide whether a new
  // level replaces the last sample (TraceAggregator): kept here beside
  // `current`, so a record does not have to read the ring.
  std::array<qint64, kDataBufferCount> lastLevelNs{};
  std::array<qint64, kDataBufferCount> levelBeforeLastNs{};
  // ReadLowWater, ReadHighWater, WriteLowWater, WriteHighWater; -1 = not reported.
  std::array<qint64, 4> watermarks{-1, -1, -1, -1};
  qint64 lastNs = 0;
};

// Cumulative counters of one session at one tick (rates come from differences).
struct TickSample {
  qint64 tNs = 0;
  quint64 transitions = 0;
  quint64 records = 0;
  qint64 waitNs = 0;
  std::array<quint64, kDiagramEdgeCount> edges{};
};

struct SessionTraceStats {
  quint64 records = 0;
  quint64 transitions = 0;  // of the program's events (kind Internal left out), as edgeTotal
  std::array<quint64, kDiagramEdgeCount> edgeTotal{};
  std::array<quint64, kDiagramEdgeCount> edgeTick{};
  qint64 waitClosedNs = 0;
  qint64 waitOpenSinceNs = -1;
  CallbackHistogram callbackNs;
  CallbackHistogram schedulingDelayNs;
  quint64 dropped = 0;
  quint64 resyncs = 0;
  qint64 snapshotNs = 0;  // records older than this don't change state (resync)
  // Derived each tick over the last ~1 s.
  double transitionsPerSec = 0;
  double recordsPerSec = 0;
  double busyPercent = 0;
  std::array<double, kDiagramEdgeCount> edgeRate{};
  qint64 liveEvents = 0;
  SpanRing<TickSample> history{128};
  // Sum of the session's live connections' levels, one sample per tick.
  std::array<SpanRing<LevelSample>, kDataBufferCount> aggregate{
      SpanRing<LevelSample>(4096), SpanRing<LevelSample>(4096), SpanRing<LevelSample>(4096),
      SpanRing<LevelSample>(4096)};
};

// What a session's workload last reported (the sessions table shows the same):
// rates are 0 unless the session is running or finished.
struct SessionFigures {
  EngineSession::Kind kind = EngineSession::Kind::Custom;
  EngineSession::Status status = EngineSession::Status::Starting;
  double messagesPerSec = 0;
  double bytesPerSec = 0;
  std::shared_ptr<const LatencyHistogram> latency;  // clients; null before their first stats
  std::vector<IntervalStats> intervals;             // clients: the last few one-second intervals
  std::optional<EchoServerStats> server;            // servers: buffered bytes, budget, ...
};

struct LogEntry {
  QDateTime time;
  LogLevel level = LogLevel::Info;
  int session = 0;
  QString text;
  qint64 recordNs = 0;  // a recording's line: its record time (the replay's clock), else 0
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;

  // Time origin of the plots (monotonic ns): a plot's x is (t - originNs()) / 1e9 s.
  virtual qint64 originNs() const = 0;
  // The newest time the views follow live (Follow live): `nowNs` while a session
  // is live or none is known; once every session ended, a moment after the last
  // one ended, so the plots stop scrolling their data out of sight. With
  // `onlySessions` (not empty), only those sessions count: a view of an ended
  // program's events stops although another session runs.
  virtual qint64 liveEdgeNs(qint64 nowNs, const std::vector<int>& onlySessions = {}) const {
    (void)onlySessions;
    return nowNs;
  }

  // ---- Events: one row per traced event, in order of appearance.
  virtual int rowCount() const = 0;
  virtual const EventRow& row(int i) const = 0;
  // The row of an event, -1 if it has none (never seen, or pruned).
  virtual int rowOf(int session, quint64 id) const = 0;
  // The event's recent path through the state diagram, oldest first.
  virtual std::vector<PathStep> pathOf(int row, size_t maxSteps = 32) const = 0;
  // The events a view shows now, as EventRow::key (replaces the previous set). A
  // live source keeps their full-resolution spans (and never evicts their history)
  // while they are shown; a source that keeps everything (a replay) may ignore it.
  virtual void setShownEvents(const std::vector<quint64>& keys) { (void)keys; }
  // Row lifecycle, for the table model only (between its begin/end signals):
  // rows changed since the last call as {first, last} ({-1, -1}: none); rows
  // freed more than keepNs ago, ascending (a live source keeps the rows of a
  // session that ended and is not yet removed); removal of [first, last] or of a
  // sorted set (indices after them shift down).
  virtual std::pair<int, int> takeDirtyRange() = 0;
  virtual std::vector<int> expiredRows(qint64 nowNs, qint64 keepNs) const = 0;
  virtual void removeRows(int first, int last) = 0;
  virtual void removeRowsSorted(const std::vector<int>& rows) = 0;

  // ---- Buffers: one series per connection, keyed by owner tag.
  virtual const std::vector<ConnectionSeries>& connections() const = 0;
  virtual const ConnectionSeries* connection(quint32 owner) const = 0;
  virtual bool ownerAlive(quint32 owner) const = 0;

  // ---- Statistics of the trace: per session, and summed over sessions.
  virtual std::vector<int> sessions() const = 0;
  virtual const SessionTraceStats* sessionStats(int session) const = 0;
  virtual DiagramStats diagramStats() const = 0;
  virtual CallbackHistogram callbackHistogram() const = 0;
  virtual CallbackHistogram schedulingDelayHistogram() const = 0;
  virtual double transitionsPerSec() const = 0;
  virtual double recordsPerSec() const = 0;
  virtual quint64 droppedTotal() const = 0;
  virtual qint64 liveEvents() const = 0;
  virtual size_t memoryBytes() const = 0;

  // ---- Workload figures of every session, by session id.
  virtual const std::map<int, SessionFigures>& figures() const = 0;

  // ---- Log: lines numbered 1, 2, ... in arrival order; the oldest are dropped
  // past a bound. Appends the lines numbered above afterSeq to *out; returns the
  // number of the newest line (afterSeq when there is none).
  virtual quint64 logLines(quint64 afterSeq, QVector<LogEntry>* out) const = 0;
};

}  // namespace rs::gui
