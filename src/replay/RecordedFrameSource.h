// The recorded FrameSource: what every view shows for a recording at the replay
// time t. It answers through a TraceAggregator (the live implementation) filled
// from the file, so views cannot tell a replay from a live run:
//   - seek(t): for each session, the state at the window's start from the latest
//     keyframe and the records after it (recording/Keyframes stateAt: no replay from
//     the start), given to the aggregator as a snapshot; then the records of the
//     window before t are ingested in frame-sized steps, so timelines, buffer plots
//     and rates cover it; the client intervals and log lines up to t. The window is
//     kWindowNs, shortened at busy times to about kWindowMaxRecords records (the
//     block index counts them): a seek costs at most a keyframe's 64 Ki records plus
//     that many, whatever the record rate.
//   - a short step forward (play, <= kIncrementalLimitNs and at most
//     kIncrementalMaxRecords records) only ingests the records in between; a step
//     back, a long jump or a busy stretch is a seek (cheaper: keyframe + window).
//   - a resync recorded in a range ingested (a keyframe from an engine snapshot,
//     KeyframeSource::Snapshot) is applied to the aggregator as the live view
//     applied it (after the records older than it), so the states past it are the
//     engine's; a seek past it starts from it or a later keyframe anyway.
//   - previous/next transition of one event from t (step buttons).
// The rows are rebuilt on a seek: views keep keys (session, event id), never rows.
// Thread contract: GUI thread only (FrameSource's); owns its RecordingReader.
#pragma once
#include <QDateTime>
#include <QList>
#include <QPair>
#include <QString>

#include <memory>
#include <optional>

#include "EventStates.h"
#include "RecordingReader.h"
#include "model/TraceAggregator.h"

namespace rs::gui {

class RecordedFrameSource final : public FrameSource {
 public:
  static constexpr qint64 kWindowNs = 100'000'000;           // history ingested before t on a seek
  static constexpr uint64_t kWindowMaxRecords = uint64_t{1} << 17;  // ... at most about this many records
  static constexpr qint64 kIncrementalLimitNs = 1'000'000'000; // longer steps forward seek
  // More records than a window's in the blocks between t and the new time (the block
  // index counts them, nothing is read): a seek instead, never dearer than one.
  static constexpr size_t kIncrementalMaxRecords = kWindowMaxRecords;
  static constexpr qint64 kStepNs = kFrameIntervalMs * 1'000'000LL;  // record time per aggregator tick

  RecordedFrameSource();
  ~RecordedFrameSource() override;

  // Opens a recording (index reads only) and shows its first instant. False with
  // *error naming what is wrong with the file.
  bool open(const QString& path, QString* error);
  qint64 firstNs() const { return firstNs_; }
  qint64 lastNs() const { return lastNs_; }
  qint64 timeNs() const { return timeNs_; }
  // Bumped each time a seek rebuilt the rows and the log (not by a short step
  // forward): a view that keeps row indices or log line numbers starts over.
  quint64 generation() const { return generation_; }
  // The recording's sessions as (id, "#id kind name") for session lists.
  QList<QPair<int, QString>> sessionTitles() const;
  QString path() const { return path_; }
  // Shows the recording at tNs (clamped to its span). False with *error on a bad block.
  bool seek(qint64 tNs, QString* error);
  // The time of the event's previous/next transition before/after the current time
  // (nullopt: none in the recording).
  std::optional<qint64> adjacentTransition(int session, quint64 eventId, bool forward, QString* error);

  // FrameSource: the aggregator's answers, the time origin is the recording's start.
  qint64 originNs() const override { return firstNs_; }
  int rowCount() const override { return agg_->rowCount(); }
  const EventRow& row(int i) const override { return agg_->row(i); }
  int rowOf(int session, quint64 id) const override { return agg_->rowOf(session, id); }
  std::vector<PathStep> pathOf(int row, size_t maxSteps = 32) const override { return agg_->pathOf(row, maxSteps); }
  std::pair<int, int> takeDirtyRange() override { return agg_->takeDirtyRange(); }
  std::vector<int> expiredRows(qint64, qint64) const override { return {}; }  // a replay keeps its rows
  void removeRows(int first, int last) override { agg_->removeRows(first, last); }
  void removeRowsSorted(const std::vector<int>& rows) override { agg_->removeRowsSorted(rows); }
  const std::vector<ConnectionSeries>& connections() const override { return agg_->connections(); }
  const ConnectionSeries* connection(quint32 owner) const override { return agg_->connection(owner); }
  bool ownerAlive(quint32 owner) const override { return agg_->ownerAlive(owner); }
  std::vector<int> sessions() const override { return agg_->sessions(); }
  const SessionTraceStats* sessionStats(int session) const override { return agg_->sessionStats(session); }
  DiagramStats diagramStats() const override { return agg_->diagramStats(); }
  CallbackHistogram callbackHistogram() const override { return agg_->callbackHistogram(); }
  CallbackHistogram schedulingDelayHistogram() const override { return agg_->schedulingDelayHistogram(); }
  double transitionsPerSec() const override { return agg_->transitionsPerSec(); }
  double recordsPerSec() const override { return agg_->recordsPerSec(); }
  quint64 droppedTotal() const override { return agg_->droppedTotal(); }
  qint64 liveEvents() const override { return agg_->liveEvents(); }
  size_t memoryBytes() const override { return agg_->memoryBytes(); }
  const std::map<int, SessionFigures>& figures() const override { return agg_->figures(); }
  quint64 logLines(quint64 afterSeq, QVector<LogEntry>* out) const override { return agg_->logLines(afterSeq, out); }

 private:
  // Every session's records in (fromNs, toNs], each in time order (session order).
  using SessionRecords = std::vector<std::vector<TraceRecord>>;
  bool readRange(qint64 fromNs, qint64 toNs, SessionRecords& out, QString* error);
  // Ingests those records in kStepNs ticks, then the log lines and intervals of the range.
  bool advance(qint64 fromNs, qint64 toNs, const SessionRecords& records, QString* error);
  bool snapshotAt(qint64 tNs, QString* error);
  // The events a state table holds, alive (not Invalid), as aggregator snapshot rows in id order.
  std::vector<EventSnapshot> liveEvents(int64_t session, const recording::EventStates& states);
  // Applies the session's resync keyframe at takenNs to the aggregator.
  bool applyResync(int64_t session, qint64 takenNs, QString* error);
  // The window a seek to tNs ingests: kWindowNs, or shorter where more than
  // kWindowMaxRecords records are stored in it.
  qint64 windowNsAt(qint64 tNs, QString* error);
  void updateFigures(qint64 tNs, QString* error);

  std::unique_ptr<recording::RecordingReader> reader_;
  std::unique_ptr<TraceAggregator> agg_;
  std::map<int64_t, std::map<uint64_t, std::string>> labels_;  // session -> event id -> label
  QDateTime createdUtc_;
  QString path_;
  quint64 generation_ = 0;
  qint64 firstNs_ = 0, lastNs_ = 0, timeNs_ = 0;
};

}  // namespace rs::gui
