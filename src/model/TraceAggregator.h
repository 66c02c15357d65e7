// Turns drained trace records into what the GUI shows: each event's current state
// and counters, its recent transitions and callbacks (bounded timelines), each
// connection's four buffer levels over time, per-session statistics and the state
// diagram's counts and edge rates.
//
// ingest() is O(records) with no per-record allocation (hash lookups, ring writes;
// rings grow geometrically up to their cap). finishTick() is called once per GUI
// tick after all sessions were drained; it computes rates over a ~1 s window.
//
// Thread contract: GUI thread only (one consumer per tracer ring).
#pragma once
#include <QString>
#include <QtGlobal>

#include <array>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/EventBase.h"
#include "core/Trace.h"
#include "core/Tracer.h"
#include "model/DiagramStats.h"
#include "workload/LatencyHistogram.h"  // CallbackHistogram
#include "model/SpanRing.h"

namespace rs::gui {

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
  qint64 freedAtNs = 0;    // 0 while alive
  SpanRing<TransitionSample> transitions{256};
  SpanRing<CallbackSample> callbacks{128};
};

struct ConnectionSeries {
  quint32 owner = 0;
  int session = 0;
  int fd = -1;
  std::array<SpanRing<LevelSample>, kDataBufferCount> levels;
  std::array<qint64, kDataBufferCount> current{};
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
  quint64 transitions = 0;
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

class TraceAggregator {
 public:
  TraceAggregator();

  // Feeds one session's drained records. `infoSource` resolves labels of new events
  // (may be null: then labels come from snapshots only).
  void ingest(int session, const TraceRecord* records, size_t count, const Tracer* infoSource);
  // Resynchronizes one session's events from EventBase::snapshot() taken at takenNs:
  // states and counters are replaced; events missing from it are marked freed.
  void applySnapshot(int session, const std::vector<EventSnapshot>& snapshot, qint64 takenNs);
  // Records the tracer's drop counter (monotonic) for the session.
  void setDropped(int session, quint64 dropped);
  // Once per GUI tick, after ingest() of every session.
  void finishTick(qint64 nowNs);
  // The session's engine is gone: whatever is still alive ends invalid.
  void endSession(int session, qint64 nowNs);
  // A session is gone for good: its stats disappear (its rows are pruned normally).
  void forgetSession(int session);

  // Settings.
  void setRetentionNs(qint64 ns) { retentionNs_ = ns; }
  qint64 retentionNs() const { return retentionNs_; }
  // Upper bound on stored transition samples across all events (memory bound).
  void setSpanBudget(size_t spans) { spanBudget_ = spans; }

  // Rows: appended by ingest(), removed only through removeRows() (the model calls it
  // between beginRemoveRows/endRemoveRows).
  int rowCount() const { return static_cast<int>(rows_.size()); }
  const EventRow& row(int i) const { return rows_[static_cast<size_t>(i)]; }
  int rowOf(int session, quint64 id) const;
  // Dirty row range since the last takeDirtyRange(); {-1, -1} when none.
  std::pair<int, int> takeDirtyRange();
  // Rows freed more than keepNs ago, ascending.
  std::vector<int> expiredRows(qint64 nowNs, qint64 keepNs) const;
  // Removes rows [first, last]; indices after it shift down.
  void removeRows(int first, int last);
  // Removes the given rows (ascending) in one pass.
  void removeRowsSorted(const std::vector<int>& rows);

  // Connections (buffer series), keyed by owner tag.
  const ConnectionSeries* connection(quint32 owner) const;
  const std::vector<ConnectionSeries>& connections() const { return connections_; }
  bool ownerAlive(quint32 owner) const;

  // Stats.
  const SessionTraceStats* sessionStats(int session) const;
  std::vector<int> sessions() const;
  DiagramStats diagramStats() const;
  std::vector<PathStep> pathOf(int row, size_t maxSteps = 32) const;
  CallbackHistogram callbackHistogram() const;
  CallbackHistogram schedulingDelayHistogram() const;
  double transitionsPerSec() const;
  double recordsPerSec() const;
  quint64 droppedTotal() const;
  quint64 transitionsTotal() const;
  qint64 liveEvents() const { return liveEvents_; }
  qint64 freedEvents() const { return freedEvents_; }
  // Time origin of the plots (monotonic ns of construction).
  qint64 originNs() const { return originNs_; }
  size_t memoryBytes() const;

 private:
  static quint64 keyOf(int session, quint64 id) {
    return (static_cast<quint64>(static_cast<quint32>(session)) << 48) | (id & 0xffffffffffffULL);
  }
  EventRow& rowFor(int session, const TraceRecord& r, const Tracer* infoSource, int* index);
  ConnectionSeries& connectionFor(int session, const TraceRecord& r);
  SessionTraceStats& statsFor(int session);
  void markDirty(int index) {
    if (dirtyFirst_ < 0 || index < dirtyFirst_) dirtyFirst_ = index;
    if (index > dirtyLast_) dirtyLast_ = index;
  }
  void markFreed(EventRow& e, qint64 ts);
  void resolveLabel(EventRow& e, const Tracer* infoSource);
  void rebuildIndex();
  void maintain(qint64 nowNs);

  qint64 originNs_ = 0;
  qint64 retentionNs_ = 60LL * 1000 * 1000 * 1000;
  size_t spanBudget_ = size_t{2} << 20;
  std::vector<EventRow> rows_;
  std::unordered_map<quint64, int> rowIndex_;
  quint64 cacheKey_ = ~0ULL;
  int cacheRow_ = -1;
  int dirtyFirst_ = -1;
  int dirtyLast_ = -1;
  std::vector<ConnectionSeries> connections_;
  std::unordered_map<quint32, int> connectionIndex_;
  std::unordered_map<quint32, int> ownerLive_;  // owner tag -> live events
  std::unordered_map<int, SessionTraceStats> sessions_;
  std::array<quint64, kDiagramEdgeCount> edgeTickAll_{};
  std::array<quint64, kDiagramEdgeCount> lastTickEdges_{};
  qint64 liveEvents_ = 0;
  qint64 freedEvents_ = 0;
  qint64 lastMaintainNs_ = 0;
  std::unordered_map<int, const Tracer*> infoSources_;
};

}  // namespace rs::gui
