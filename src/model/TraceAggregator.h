// The live FrameSource: turns drained trace records into what the GUI shows: each
// event's current state and counters, its recent transitions and callbacks
// (bounded timelines), each connection's four buffer levels over time, per-session
// statistics and the state diagram's counts and edge rates. The controller also
// hands it each tick's session figures and log lines, so one object answers for
// the whole frame.
//
// Timeline history (per event, independent of other events): the newest
// transitions (callbacks: half as many) at full resolution, up to
// kFineSamplesPerEvent per event; the samples a full ring would overwrite are folded
// (a thirty-second of the ring at a time) into
// the event's CoarseHistory buckets (16 ms wide at the default 60 s retention), so
// every event keeps its whole retention, coarser when busy. Shown events
// (setShownEvents) get full-resolution rings of up to kShownSamplesMax samples.
// Memory bound: historyBytes() <= historyBudgetBytes() (default 96 MiB): a quarter
// of it for the fine rings of the events not shown (live events share it, an
// event freed within the retention keeps at most kFreedFineSamplesPerEvent), a
// quarter for the shown ones, the rest for coarse buckets. Each maintenance (once
// a second) trims to 7/8 of the bound, the rest being headroom for the rings
// filling until the next one:
// the oldest coarse history of the least recently shown events goes first (events
// last shown at the same time lose it evenly), never a shown event's. Buffer series
// are bounded separately (kLevelSampleBudget samples).
//
// Labels: a row takes its event's label from the session's directory (the
// `infoSource` Tracer) when ingest() creates it. The label may come later (a
// traced program's `callback` message after the event's first records: a
// bufferevent's callbacks are set after it exists) or change (a callback set
// again): this class is the one place that catches up. Each finishTick() looks
// up again up to kLabelRetriesPerTick rows still unlabelled and alive (in turn;
// a row leaves the queue when labelled, freed or removed) and checks up to
// kRelabelChecksPerTick labelled live rows (a sweep over all rows) for a new
// label; a row whose label came or changed so is redrawn (dirty range) and the
// observer is told (IngestObserver::labelled).
//
// ingest() is O(records) with no per-record allocation (hash lookups, ring writes;
// rings grow geometrically up to their cap). finishTick() is called once per GUI
// tick after all sessions were drained; it computes rates over a ~1 s window.
//
// Thread contract: GUI thread only (one consumer per tracer ring).
#pragma once
#include <QString>
#include <QtGlobal>

#include <deque>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <set>
#include <vector>

#include "core/EventBase.h"
#include "core/Trace.h"
#include "core/Tracer.h"
#include "model/FlatIndex.h"
#include "model/FrameSource.h"

namespace rs::gui {

// Sees what the aggregator is fed, as it is fed (the app's recorder, AppRecorder).
// Called on the aggregator's thread (the GUI thread); must not block.
class IngestObserver {
 public:
  virtual ~IngestObserver() = default;
  virtual void ingested(int session, const TraceRecord* records, size_t count, const Tracer* infoSource) = 0;
  virtual void logged(const QVector<LogEntry>& lines) = 0;
  virtual void sessionEnded(int session, qint64 nowNs) = 0;
  virtual void figured(int session, const SessionFigures& figures) = 0;
  // applySnapshot(): the session's states were replaced by an engine snapshot.
  virtual void resynced(int /*session*/, const std::vector<EventSnapshot>& /*snapshot*/, qint64 /*takenNs*/) {}
  // An event's label became known, or changed, after its row was created (see
  // "Labels" above TraceAggregator); called after the batches that created it.
  virtual void labelled(int /*session*/, quint64 /*eventId*/, const QString& /*label*/) {}
};

class TraceAggregator final : public FrameSource {
 public:
  TraceAggregator();

  // One observer at most (null: none); it must outlive its registration.
  void setObserver(IngestObserver* observer) { observer_ = observer; }

  // Feeds one session's drained records. `infoSource` resolves labels of new events
  // (may be null: then labels come from snapshots only).
  void ingest(int session, const TraceRecord* records, size_t count, const Tracer* infoSource);
  // The ids of the events the last ingest() saw freed (a Free transition), in
  // record order: what a session's own label directory retires.
  const std::vector<quint64>& freedByLastIngest() const { return freedByLastIngest_; }
  // Resynchronizes one session's events from EventBase::snapshot() taken at takenNs:
  // states and counters are replaced; events missing from it are marked freed.
  void applySnapshot(int session, const std::vector<EventSnapshot>& snapshot, qint64 takenNs);
  // Records the tracer's drop counter (monotonic) for the session.
  void setDropped(int session, quint64 dropped);
  // Once per GUI tick, after ingest() of every session.
  void finishTick(qint64 nowNs);
  // The session's engine is gone: whatever is still alive ends invalid. Its rows
  // then stay (expiredRows() skips them) so a finished run can be inspected...
  void endSession(int session, qint64 nowNs);
  // ... until the session is gone for good: its stats disappear and its rows are
  // pruned normally.
  void forgetSession(int session);
  // The session's label directory (ingest()'s `infoSource`) is going away: no
  // lookup goes into it from now on (its rows keep the labels they took).
  void forgetDirectory(int session) { infoSources_.erase(session); }

  // Settings.
  void setRetentionNs(qint64 ns) { retentionNs_ = ns; }
  qint64 retentionNs() const { return retentionNs_; }
  // Memory bound of the events' timelines (see above).
  void setHistoryBudgetBytes(size_t bytes) { historyBudgetBytes_ = bytes; }
  size_t historyBudgetBytes() const { return historyBudgetBytes_; }
  size_t historyBytes() const;
  static constexpr size_t kFineSamplesPerEvent = 4096;
  static constexpr size_t kFreedFineSamplesPerEvent = 256;  // a freed event's ring at most
  static constexpr size_t kShownSamplesMax = size_t{1} << 17;
  static constexpr size_t kLevelSampleBudget = size_t{2} << 20;
  // Label lookups per finishTick (see "Labels" above).
  static constexpr size_t kLabelRetriesPerTick = 256;
  static constexpr size_t kRelabelChecksPerTick = 256;

  // Sessions' workload figures, replaced every tick (forgetSession() drops them).
  void setFigures(int session, SessionFigures figures) {
    if (observer_) observer_->figured(session, figures);
    figures_[session] = std::move(figures);
  }
  // Appends log lines (the oldest go past kLogCapacity lines).
  void appendLog(const QVector<LogEntry>& lines);
  static constexpr size_t kLogCapacity = 5000;

  // FrameSource. Rows are appended by ingest() and removed only through
  // removeRows()/removeRowsSorted().
  qint64 originNs() const override { return originNs_; }  // construction time
  qint64 liveEdgeNs(qint64 nowNs, const std::vector<int>& onlySessions = {}) const override;
  // How far past the last session's end Follow live still scrolls.
  static constexpr qint64 kLiveEdgeAfterEndNs = 1'000'000'000;
  int rowCount() const override { return static_cast<int>(rows_.size()); }
  const EventRow& row(int i) const override { return rows_[static_cast<size_t>(i)]; }
  int rowOf(int session, quint64 id) const override;
  std::vector<PathStep> pathOf(int row, size_t maxSteps = 32) const override;
  void setShownEvents(const std::vector<quint64>& keys) override;
  std::pair<int, int> takeDirtyRange() override;
  std::vector<int> expiredRows(qint64 nowNs, qint64 keepNs) const override;
  void removeRows(int first, int last) override;
  void removeRowsSorted(const std::vector<int>& rows) override;
  const std::vector<ConnectionSeries>& connections() const override { return connections_; }
  const ConnectionSeries* connection(quint32 owner) const override;
  bool ownerAlive(quint32 owner) const override;
  std::vector<int> sessions() const override;
  const SessionTraceStats* sessionStats(int session) const override;
  DiagramStats diagramStats() const override;
  CallbackHistogram callbackHistogram() const override;
  CallbackHistogram schedulingDelayHistogram() const override;
  double transitionsPerSec() const override;
  double recordsPerSec() const override;
  quint64 droppedTotal() const override;
  qint64 liveEvents() const override { return liveEvents_; }
  size_t memoryBytes() const override;
  const std::map<int, SessionFigures>& figures() const override { return figures_; }
  quint64 logLines(quint64 afterSeq, QVector<LogEntry>* out) const override;

 private:
  static quint64 keyOf(int session, quint64 id) {
    return (static_cast<quint64>(static_cast<quint32>(session)) << 48) | (id & 0xffffffffffffULL);
  }
  EventRow& rowFor(int session, const TraceRecord& r, const Tracer* infoSource, int* index);
  [[gnu::noinline]] int createRow(quint64 key, int session, const TraceRecord& r, const Tracer* infoSource);
  ConnectionSeries& connectionFor(int session, const TraceRecord& r);
  [[gnu::noinline]] int createConnection(int session, const TraceRecord& r);
  SessionTraceStats& statsFor(int session);
  template <typename T>
  T sumOverSessions(T SessionTraceStats::*field) const {
    T sum{};
    for (const auto& [id, st] : sessions_) sum += st.*field;
    return sum;
  }
  void markDirty(int index) {
    if (dirtyFirst_ < 0 || index < dirtyFirst_) dirtyFirst_ = index;
    if (index > dirtyLast_) dirtyLast_ = index;
  }
  void markFreed(EventRow& e, qint64 ts);
  [[gnu::noinline]] void adoptOwner(EventRow& e, quint32 owner);
  void resolveLabel(EventRow& e, const Tracer* infoSource);
  void takeLabel(int index, QString label);
  void lookUpLabel(int index);
  void retryLabels();
  void rebuildIndex();
  void maintain(qint64 nowNs);
  size_t fineCapFor(const EventRow& e) const;
  void applyFineCap(EventRow& e);
  static void foldOldest(EventRow& e, size_t keepTransitions, size_t keepCallbacks);
  static size_t keptAfterFold(size_t cap);
  void enforceHistoryBudget(qint64 nowNs);

  qint64 originNs_ = 0;
  qint64 retentionNs_ = 60LL * 1000 * 1000 * 1000;
  size_t historyBudgetBytes_ = size_t{96} << 20;
  IngestObserver* observer_ = nullptr;
  std::unordered_set<quint64> shown_;                // EventRow::key
  std::unordered_map<quint64, qint64> lastShownNs_;  // key -> last maintain() it was shown
  std::vector<EventRow> rows_;
  FlatIndex<quint64> rowIndex_;  // EventRow::key -> row
  quint64 cacheKey_ = ~0ULL;
  int cacheRow_ = -1;
  int dirtyFirst_ = -1;
  int dirtyLast_ = -1;
  std::vector<ConnectionSeries> connections_;
  FlatIndex<quint32> connectionIndex_;  // owner tag -> connections_ index
  quint32 cacheOwner_ = 0;              // the last connectionFor()'s owner...
  int cacheConnection_ = -1;            // ...and series (-1: none; reset when series move)
  std::unordered_map<quint32, int> ownerLive_;  // owner tag -> live events
  std::unordered_map<int, SessionTraceStats> sessions_;
  std::array<quint64, kDiagramEdgeCount> edgeTickAll_{};
  std::array<quint64, kDiagramEdgeCount> lastTickEdges_{};
  qint64 liveEvents_ = 0;
  // The rows whose fine rings share the budget (fineCapFor()), not shown: counted
  // by each maintain(); a row created since counts as live.
  struct FineHolders {
    size_t live = 0;
    size_t freed = 0;  // within the retention
  } fineHolders_;
  qint64 fineCutoffNs_ = INT64_MIN;  // the retention's start at that count
  qint64 freedEvents_ = 0;
  std::map<int, qint64> endedSessions_;  // ended (-> when), not yet forgotten: rows kept
  qint64 lastMaintainNs_ = 0;
  std::unordered_map<int, const Tracer*> infoSources_;
  std::vector<quint64> freedByLastIngest_;  // event ids (see freedByLastIngest())
  std::deque<quint64> unlabelled_;  // keys of rows created without a label, oldest first
  size_t relabelCursor_ = 0;        // the next row the relabel sweep checks
  std::map<int, SessionFigures> figures_;
  std::deque<LogEntry> log_;
  quint64 logEndSeq_ = 0;  // number of the newest line in log_
};

}  // namespace rs::gui
