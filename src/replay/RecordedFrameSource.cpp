#include "RecordedFrameSource.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <climits>
#include <set>

#include "Keyframes.h"

namespace rs::gui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

// The client interval a recording stores (recording/IntervalJson.h's form).
IntervalStats intervalFrom(const std::string& json) {
  const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
  IntervalStats s;
  s.startSec = o.value("start_s").toDouble();
  s.endSec = o.value("end_s").toDouble();
  s.messages = o.value("messages").toVariant().toULongLong();
  s.bytes = o.value("bytes").toVariant().toULongLong();
  s.p50Ns = o.value("p50_ns").toVariant().toLongLong();
  s.p99Ns = o.value("p99_ns").toVariant().toLongLong();
  s.maxNs = o.value("max_ns").toVariant().toLongLong();
  s.errors = o.value("errors").toVariant().toULongLong();
  return s;
}

LogLevel levelFrom(int level) {
  return level <= 0 ? LogLevel::Info : level == 1 ? LogLevel::Warning : LogLevel::Error;
}

}  // namespace

RecordedFrameSource::RecordedFrameSource() : agg_(std::make_unique<TraceAggregator>()) {}
RecordedFrameSource::~RecordedFrameSource() = default;

bool RecordedFrameSource::open(const QString& path, QString* error) {
  auto reader = std::make_unique<recording::RecordingReader>();
  std::string why;
  if (!reader->open(path.toStdString(), &why)) {
    if (error) *error = q(why);
    return false;
  }
  qint64 first = INT64_MAX, last = INT64_MIN;
  std::map<int64_t, std::map<uint64_t, std::string>> labels;
  for (const auto& s : reader->sessions()) {
    recording::TimeSpan span;
    std::vector<recording::EventInfo> events;
    if (!reader->span(s.id, span, &why) || !reader->events(s.id, events, &why)) {
      if (error) *error = q(why);
      return false;
    }
    if (!span.empty) {
      first = std::min<qint64>(first, span.firstNs);
      last = std::max<qint64>(last, span.lastNs);
    }
    for (const auto& e : events) labels[s.id][e.eventId] = e.label;
  }
  if (first > last) first = last = 0;
  reader_ = std::move(reader);
  labels_ = std::move(labels);
  createdUtc_ = QDateTime::fromString(q(reader_->meta().createdUtc), Qt::ISODate);
  firstNs_ = first;
  lastNs_ = last;
  path_ = path;
  return seek(firstNs_, error);
}

std::vector<EventSnapshot> RecordedFrameSource::liveEvents(int64_t session, const recording::EventStates& states) {
  std::vector<EventSnapshot> snapshot;
  const auto& labels = labels_[session];
  for (const auto& [id, e] : states.events()) {
    if (e.state == EventState::Invalid) continue;  // freed before t
    EventSnapshot snap;
    snap.id = id;
    snap.owner = e.owner;
    snap.kind = e.kind;
    snap.fd = e.fd;
    snap.state = e.state;
    snap.activations = e.activations;
    snap.totalCallbackNs = e.totalCallbackNs;
    snap.lastCallbackNs = e.lastCallbackNs;
    snap.lastCause = e.lastCause;
    if (const auto label = labels.find(id); label != labels.end()) snap.label = label->second;
    snapshot.push_back(std::move(snap));
  }
  // Rows in id order (the order the events appeared in), not the table's hash order.
  std::sort(snapshot.begin(), snapshot.end(), [](const EventSnapshot& a, const EventSnapshot& b) { return a.id < b.id; });
  return snapshot;
}

bool RecordedFrameSource::applyResync(int64_t session, qint64 takenNs, QString* error) {
  int64_t atNs = 0;
  std::vector<uint8_t> blob, table;
  recording::EventStates states;
  std::string why;
  if (!reader_->keyframeAtOrBefore(session, takenNs, atNs, blob, &why) ||
      !recording::unpackKeyframe(blob.data(), blob.size(), table, &why) ||
      !states.decode(table.data(), table.size(), &why)) {
    if (error) *error = q(why.empty() ? "the resync keyframe at " + std::to_string(takenNs) + " is gone" : why);
    return false;
  }
  agg_->applySnapshot(static_cast<int>(session), liveEvents(session, states), takenNs);
  return true;
}

bool RecordedFrameSource::snapshotAt(qint64 tNs, QString* error) {
  for (const auto& s : reader_->sessions()) {
    recording::EventStates states;
    std::string why;
    if (!recording::stateAt(*reader_, s.id, tNs, states, &why)) {
      if (error) *error = q(why);
      return false;
    }
    const std::vector<EventSnapshot> snapshot = liveEvents(s.id, states);
    agg_->applySnapshot(static_cast<int>(s.id), snapshot, tNs);
    // The live connections' buffer levels and watermarks at tNs, as level records of
    // that time: a connection quiet during the window still shows its levels.
    std::set<quint32> liveOwners;
    for (const auto& e : snapshot) liveOwners.insert(e.owner);
    std::vector<TraceRecord> levels;
    for (const auto& [key, bytes] : states.levels()) {
      TraceRecord r;
      r.tsNs = tNs;
      r.type = TraceType::BufferLevel;
      r.owner = static_cast<uint32_t>(key >> 8);
      r.buffer = static_cast<BufferId>(key & 0xff);
      r.value = bytes;
      if (r.owner != 0 && liveOwners.count(r.owner)) levels.push_back(r);
    }
    agg_->ingest(static_cast<int>(s.id), levels.data(), levels.size(), nullptr);
  }
  return true;
}

bool RecordedFrameSource::readRange(qint64 fromNs, qint64 toNs, SessionRecords& out, QString* error) {
  out.resize(reader_->sessions().size());
  std::string why;
  for (size_t i = 0; i < out.size(); ++i) {
    auto& records = out[i];
    if (!reader_->records(reader_->sessions()[i].id, fromNs + 1, toNs, records, &why)) {
      if (error) *error = q(why);
      return false;
    }
    // One loop's records come in time order; only a session of several loops needs the sort.
    const auto byTime = [](const TraceRecord& a, const TraceRecord& b) { return a.tsNs < b.tsNs; };
    if (!std::is_sorted(records.begin(), records.end(), byTime))
      std::stable_sort(records.begin(), records.end(), byTime);
  }
  return true;
}

bool RecordedFrameSource::advance(qint64 fromNs, qint64 toNs, const SessionRecords& sessionRecords, QString* error) {
  std::string why;
  for (size_t i = 0; i < sessionRecords.size(); ++i) {
    const auto& s = reader_->sessions()[i];
    const auto& records = sessionRecords[i];
    // A resync in the range (a keyframe from an engine snapshot) replaces the states
    // where the live view's did: after the records older than it.
    std::vector<int64_t> resyncs;
    if (!reader_->snapshotKeyframes(s.id, fromNs + 1, toNs, resyncs, &why)) {
      if (error) *error = q(why);
      return false;
    }
    size_t nextResync = 0;
    // Ingests records [begin, end) (none later than limitNs), each resync at or before limitNs after
    // the records older than it.
    const auto ingestUpTo = [&](size_t& begin, size_t end, qint64 limitNs) {
      for (; nextResync < resyncs.size() && resyncs[nextResync] <= limitNs; ++nextResync) {
        size_t before = begin;
        while (before < end && records[before].tsNs < resyncs[nextResync]) ++before;
        agg_->ingest(static_cast<int>(s.id), records.data() + begin, before - begin, nullptr);
        begin = before;
        if (!applyResync(s.id, resyncs[nextResync], error)) return false;
      }
      agg_->ingest(static_cast<int>(s.id), records.data() + begin, end - begin, nullptr);
      begin = end;
      return true;
    };
    // One aggregator tick per kStepNs of record time, as the live source ticks.
    size_t begin = 0;
    for (qint64 tick = fromNs + kStepNs; begin < records.size(); tick += kStepNs) {
      size_t end = begin;
      while (end < records.size() && records[end].tsNs <= tick) ++end;
      if (!ingestUpTo(begin, end, tick)) return false;
      agg_->finishTick(std::min(tick, toNs));
    }
    if (!ingestUpTo(begin, records.size(), toNs)) return false;  // resyncs after the last record
    std::vector<recording::LogEntry> log;
    if (!reader_->log(s.id, fromNs + 1, toNs, log, &why)) {
      if (error) *error = q(why);
      return false;
    }
    QVector<LogEntry> lines;
    for (const auto& l : log)
      lines.push_back({createdUtc_.addMSecs((l.tsNs - s.info.startNs) / 1'000'000), levelFrom(l.level),
                       static_cast<int>(s.id), q(l.text), l.tsNs});
    agg_->appendLog(lines);
  }
  agg_->finishTick(toNs);
  updateFigures(toNs, error);
  return true;
}

void RecordedFrameSource::updateFigures(qint64 tNs, QString* error) {
  for (const auto& s : reader_->sessions()) {
    SessionFigures f;
    f.kind = s.info.kind == "client" ? EngineSession::Kind::Client
             : s.info.kind == "server" ? EngineSession::Kind::Server
                                       : EngineSession::Kind::Custom;
    f.status = s.endNs && *s.endNs <= tNs ? EngineSession::Status::Finished : EngineSession::Status::Running;
    std::vector<recording::ClientInterval> intervals;
    std::string why;
    // The last few intervals up to t (the live source keeps a few too).
    if (!reader_->clientIntervals(s.id, tNs - 5'000'000'000, tNs, intervals, &why) && error) *error = q(why);
    for (const auto& iv : intervals) f.intervals.push_back(intervalFrom(iv.json));
    if (!f.intervals.empty()) {
      const IntervalStats& lastIv = f.intervals.back();
      const double len = std::max(1e-9, lastIv.endSec - lastIv.startSec);
      f.messagesPerSec = static_cast<double>(lastIv.messages) / len;
      f.bytesPerSec = static_cast<double>(lastIv.bytes) / len;
    }
    agg_->setFigures(static_cast<int>(s.id), std::move(f));
  }
}

bool RecordedFrameSource::seek(qint64 tNs, QString* error) {
  if (!reader_) return false;
  tNs = std::clamp(tNs, firstNs_, lastNs_);
  SessionRecords records;
  if (tNs >= timeNs_ && tNs - timeNs_ <= kIncrementalLimitNs && timeNs_ > 0) {
    // Ingesting more than a seek would costs more than the seek: the block index says.
    uint64_t stored = 0;
    for (const auto& s : reader_->sessions()) {
      uint64_t count = 0;
      std::string why;
      if (!reader_->blockRecordCount(s.id, timeNs_ + 1, tNs, count, &why)) {
        if (error) *error = q(why);
        return false;
      }
      stored += count;
    }
    if (stored <= kIncrementalMaxRecords) {
      if (!readRange(timeNs_, tNs, records, error) || !advance(timeNs_, tNs, records, error)) return false;
      timeNs_ = tNs;
      return true;
    }
  }
  agg_ = std::make_unique<TraceAggregator>();
  ++generation_;
  agg_->setRetentionNs(kIncrementalLimitNs + kWindowNs);
  // The log up to the window's start in one step (the aggregator keeps the newest lines).
  const qint64 windowStart = std::max(firstNs_ - 1, tNs - windowNsAt(tNs, error));
  if (!snapshotAt(windowStart, error)) return false;
  for (const auto& s : reader_->sessions()) {
    std::vector<recording::LogEntry> log;
    std::string why;
    if (!reader_->log(s.id, INT64_MIN, windowStart, log, &why)) {
      if (error) *error = q(why);
      return false;
    }
    const size_t keep = std::min(log.size(), TraceAggregator::kLogCapacity);
    QVector<LogEntry> lines;
    for (size_t i = log.size() - keep; i < log.size(); ++i)
      lines.push_back({createdUtc_.addMSecs((log[i].tsNs - s.info.startNs) / 1'000'000), levelFrom(log[i].level),
                       static_cast<int>(s.id), q(log[i].text), log[i].tsNs});
    agg_->appendLog(lines);
  }
  if (!readRange(windowStart, tNs, records, error) || !advance(windowStart, tNs, records, error)) return false;
  timeNs_ = tNs;
  return true;
}

qint64 RecordedFrameSource::windowNsAt(qint64 tNs, QString* error) {
  uint64_t stored = 0;
  for (const auto& s : reader_->sessions()) {
    uint64_t count = 0;
    std::string why;
    if (!reader_->blockRecordCount(s.id, tNs - kWindowNs, tNs, count, &why) && error) *error = q(why);
    stored += count;
  }
  // The blocks' count is a little more than the window's: the estimate errs short.
  if (stored <= kWindowMaxRecords) return kWindowNs;
  return std::max<qint64>(kStepNs, static_cast<qint64>(static_cast<double>(kWindowNs) *
                                                        static_cast<double>(kWindowMaxRecords) /
                                                        static_cast<double>(stored)));
}

QList<QPair<int, QString>> RecordedFrameSource::sessionTitles() const {
  QList<QPair<int, QString>> titles;
  if (!reader_) return titles;
  for (const auto& s : reader_->sessions())
    titles.push_back({static_cast<int>(s.id),
                      QStringLiteral("#%1 %2 %3").arg(s.id).arg(q(s.info.kind), q(s.info.name)).trimmed()});
  return titles;
}

std::optional<qint64> RecordedFrameSource::adjacentTransition(int session, quint64 eventId, bool forward,
                                                              QString* error) {
  if (!reader_) return std::nullopt;
  std::vector<TraceRecord> records;
  std::string why;
  // Chunks of growing length away from t, up to the recording's edge.
  qint64 chunk = 10'000'000;
  for (qint64 near = timeNs_;;) {
    const qint64 from = forward ? near + 1 : std::max(firstNs_, near - chunk);
    const qint64 to = forward ? std::min(lastNs_, near + chunk) : near - 1;
    if (from > to) return std::nullopt;
    if (!reader_->records(session, from, to, records, &why)) {
      if (error) *error = q(why);
      return std::nullopt;
    }
    std::optional<qint64> found;
    for (const auto& r : records) {
      if (r.eventId != eventId || r.type != TraceType::Transition) continue;
      if (!found || (forward ? r.tsNs < *found : r.tsNs > *found)) found = r.tsNs;
    }
    if (found) return found;
    if (forward ? to >= lastNs_ : from <= firstNs_) return std::nullopt;
    near = forward ? to : from;
    chunk = std::min<qint64>(chunk * 2, 10'000'000'000);
  }
}

}  // namespace rs::gui
