#include "model/AppRecorder.h"

#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "IntervalJson.h"
#include "SessionTee.h"
#include "model/SessionController.h"

namespace rs::gui {

const char* recordingKind(EngineSession::Kind kind) {
  switch (kind) {
    case EngineSession::Kind::Server: return "server";
    case EngineSession::Kind::Client: return "client";
    case EngineSession::Kind::Custom: return "custom";
    case EngineSession::Kind::Program: return "run";
  }
  return "custom";
}

namespace {

void checkContract(bool holds, const char* what) {
  if (holds) return;
  std::fprintf(stderr, "AppRecorder: thread contract broken: %s\n", what);
  std::abort();
}

// One unit of the recorder thread's work, keyed by the app's session id.
struct RecorderItem {
  enum class Kind { Start, Records, Log, Interval, Resync, Label, End };
  Kind kind = Kind::Records;
  int session = 0;
  int64_t tsNs = 0;
  recording::SessionInfo info;                          // Start
  std::vector<TraceRecord> records;                     // Records
  std::unordered_map<uint64_t, std::string> labels;     // Records, Resync: labels of events first seen here; Label: the one come late
  int level = 0;                                        // Log
  std::string text;                                     // Log: the line; Interval: its JSON
  recording::SnapshotEvents snapshot;                   // Resync (taken at tsNs)
};

// The engine's snapshot as the recording keeps it (EventStates' fields).
recording::SnapshotEvents snapshotEvents(const std::vector<EventSnapshot>& snapshot) {
  recording::SnapshotEvents events;
  events.reserve(snapshot.size());
  for (const EventSnapshot& s : snapshot) {
    recording::EventSnapshot e;
    e.kind = s.kind;
    e.state = s.state;
    e.lastCause = s.lastCause;
    e.fd = s.fd;
    e.owner = s.owner;
    e.activations = s.activations;
    e.lastCallbackNs = s.lastCallbackNs;
    e.totalCallbackNs = s.totalCallbackNs;
    events.emplace_back(s.id, e);
  }
  return events;
}

// "resync from an engine snapshot: 12 events (3 active, 9 pending)": the state
// counts the replay can compare with what it computed.
std::string resyncLine(const std::vector<EventSnapshot>& snapshot) {
  std::map<std::string, int> byState;
  for (const EventSnapshot& s : snapshot) ++byState[toString(s.state)];
  std::string counts;
  for (const auto& [state, n] : byState) counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + state;
  return "resync from an engine snapshot (the trace ring dropped records; states before this time may be off): " +
         std::to_string(snapshot.size()) + " events" + (counts.empty() ? "" : " (" + counts + ")");
}

}  // namespace

// The recorder thread: takes RecorderItems off a bounded queue (capacity counted in
// trace records) and runs each session's SessionTee. push() is the GUI thread's
// (one producer), never waits; finish() lets the thread empty the queue and joins it.
class AppRecorder::Worker {
 public:
  Worker(recording::RecordingWriter& writer, size_t capacityRecords)
      : writer_(writer), capacityRecords_(capacityRecords), thread_([this] { run(); }) {}
  ~Worker() { finish(); }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Room for `count` more records now (with one producer it stays so until its push).
  bool hasRoomFor(size_t count) {
    std::lock_guard lock(mutex_);
    return queuedRecords_ + count <= capacityRecords_;
  }
  void countDropped(size_t count) { dropped_.fetch_add(count, std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  void push(RecorderItem item) {
    {
      std::lock_guard lock(mutex_);
      queuedRecords_ += item.records.size();
      queue_.push_back(std::move(item));
    }
    wake_.notify_one();
  }
  void finish() {
    {
      std::lock_guard lock(mutex_);
      finishing_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return finishing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // finishing, and nothing left
      RecorderItem item = std::move(queue_.front());
      queue_.pop_front();
      queuedRecords_ -= item.records.size();
      lock.unlock();
      handle(item);
      lock.lock();
    }
  }

  void handle(RecorderItem& item) {
    if (item.kind == RecorderItem::Kind::Start) {
      tees_[item.session] = std::make_unique<recording::SessionTee>(
          writer_, writer_.addSession(std::move(item.info)), /*keepForResync=*/true);
      return;
    }
    const auto it = tees_.find(item.session);
    if (it == tees_.end()) return;
    recording::SessionTee& tee = *it->second;
    const auto describe = [&labels = item.labels](recording::EventInfo& event) {
      if (const auto known = labels.find(event.eventId); known != labels.end()) event.label = known->second;
    };
    switch (item.kind) {
      case RecorderItem::Kind::Records: tee.add(item.records.data(), item.records.size(), describe); return;
      case RecorderItem::Kind::Label:
        for (auto& [id, label] : item.labels) tee.redescribe(id, std::move(label), {});
        return;
      case RecorderItem::Kind::Resync: tee.resync(item.tsNs, item.snapshot, describe); return;
      case RecorderItem::Kind::Log: writer_.addLog(tee.session(), item.tsNs, item.level, std::move(item.text)); return;
      case RecorderItem::Kind::Interval: writer_.addClientInterval(tee.session(), item.tsNs, std::move(item.text)); return;
      case RecorderItem::Kind::End: writer_.endSession(tee.session(), item.tsNs); return;
      case RecorderItem::Kind::Start: return;
    }
  }

  recording::RecordingWriter& writer_;
  const size_t capacityRecords_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<RecorderItem> queue_;
  size_t queuedRecords_ = 0;
  bool finishing_ = false;
  std::atomic<uint64_t> dropped_{0};
  std::map<int, std::unique_ptr<recording::SessionTee>> tees_;  // the recorder thread's only
  std::thread thread_;  // last: starts once the rest exists
};

AppRecorder::AppRecorder(SessionController* controller)
    : guiThread_(std::this_thread::get_id()), controller_(controller) {}

AppRecorder::~AppRecorder() {
  if (active()) stop();
}

void AppRecorder::assertGuiThread(const char* what) const {
  checkContract(std::this_thread::get_id() == guiThread_, what);
}

bool AppRecorder::start(const recording::RecordOptions& options, std::set<int> only, QString* error) {
  assertGuiThread("start() off the GUI thread");
  if (active()) stop();
  auto writer = std::make_unique<recording::RecordingWriter>(recording::writerOptions(options));
  std::string why;
  if (!writer->open(options.path, &why)) {
    *error = QStringLiteral("cannot record to %1: %2").arg(QString::fromStdString(options.path),
                                                            QString::fromStdString(why));
    return false;
  }
  writer_ = std::move(writer);
  worker_ = std::make_unique<Worker>(*writer_, kQueueCapacityRecords);
  path_ = QString::fromStdString(options.path);
  only_ = std::move(only);
  recorded_.clear();
  ended_.clear();
  seen_.clear();
  lastIntervalEndSec_.clear();
  error_.clear();
  controller_->aggregator().setObserver(this);
  return true;
}

QString AppRecorder::stop() {
  assertGuiThread("stop() off the GUI thread");
  if (!writer_) return {};
  if (controller_) controller_->aggregator().setObserver(nullptr);
  const int64_t nowNs = monotonicNowNs();
  for (int id : recorded_)
    if (!ended_.count(id)) worker_->push({RecorderItem::Kind::End, id, nowNs, {}, {}, {}, 0, {}, {}});
  worker_->finish();  // the queue's last batches go to the writer
  const uint64_t queueDropped = worker_->dropped();
  worker_.reset();  // (its tees referred to the writer)
  writer_->close();
  const auto writer = std::move(writer_);
  if (writer->failed()) {
    error_ = QString::fromStdString(writer->error());
    return QStringLiteral("recording %1 stopped early: %2").arg(path_, error_);
  }
  return QStringLiteral("recorded %1 trace records of %2 session(s) (%3 dropped), %4 B of blocks, to %5")
      .arg(writer->committedRecords())
      .arg(recorded_.size())
      .arg(writer->dropped() + queueDropped)
      .arg(writer->storedBlockBytes())
      .arg(path_);
}

AppRecorder::Status AppRecorder::status() {
  assertGuiThread("status() off the GUI thread");
  Status s;
  s.path = path_;
  s.error = error_;
  if (!writer_) return s;
  if (writer_->failed()) {
    stop();  // the live sessions go on; the file keeps what was committed
    s.error = error_;
    return s;
  }
  s.active = true;
  s.records = writer_->committedRecords();
  s.dropped = writer_->dropped() + worker_->dropped();
  s.storedBytes = writer_->storedBlockBytes();
  s.sessions = static_cast<int>(recorded_.size());
  return s;
}

bool AppRecorder::record(int session) {
  if (!writer_ || !wanted(session) || ended_.count(session)) return false;
  if (recorded_.count(session)) return true;
  recording::SessionInfo info;
  const SessionRow* row = controller_ ? controller_->sessionModel()->session(session) : nullptr;
  info.kind = recordingKind(row ? row->kind : EngineSession::Kind::Custom);
  info.name = (row ? row->title : QStringLiteral("session %1").arg(session)).toStdString();
  info.pid = ::getpid();
  info.startNs = monotonicNowNs();
  info.settings = "app session #" + std::to_string(session);
  RecorderItem start{RecorderItem::Kind::Start, session, 0, std::move(info), {}, {}, 0, {}, {}};
  worker_->push(std::move(start));
  recorded_.insert(session);
  return true;
}

void AppRecorder::ingested(int session, const TraceRecord* records, size_t count, const Tracer* infoSource) {
  assertGuiThread("ingested() off the GUI thread");
  if (!record(session) || count == 0) return;
  if (!worker_->hasRoomFor(count)) {  // never wait: the recorder thread is behind
    worker_->countDropped(count);
    return;
  }
  RecorderItem batch{RecorderItem::Kind::Records, session, 0, {}, {records, records + count}, {}, 0, {}, {}};
  std::unordered_set<uint64_t>& seen = seen_[session];
  for (size_t i = 0; i < count; ++i) {
    const uint64_t id = records[i].eventId;
    if (id == 0 || !seen.insert(id).second || !infoSource) continue;
    if (const auto known = infoSource->info(id)) batch.labels.emplace(id, known->label);
  }
  worker_->push(std::move(batch));
}

void AppRecorder::logged(const QVector<LogEntry>& lines) {
  assertGuiThread("logged() off the GUI thread");
  if (!writer_ || recorded_.empty()) return;
  const int64_t nowNs = monotonicNowNs();
  for (const LogEntry& line : lines) {
    // The app's own lines (session 0) go with the first recorded session.
    const int session = line.session ? line.session : *recorded_.begin();
    if (!recorded_.count(session)) continue;
    worker_->push({RecorderItem::Kind::Log, session, nowNs, {}, {}, {}, static_cast<int>(line.level),
                   line.text.toStdString(), {}});
  }
}

void AppRecorder::figured(int session, const SessionFigures& figures) {
  assertGuiThread("figured() off the GUI thread");
  if (figures.intervals.empty() || !writer_ || !recorded_.count(session)) return;
  double& last = lastIntervalEndSec_.try_emplace(session, -1.0).first->second;
  const int64_t nowNs = monotonicNowNs();
  for (const IntervalStats& iv : figures.intervals) {
    if (iv.endSec <= last) continue;
    worker_->push({RecorderItem::Kind::Interval, session, nowNs, {}, {}, {}, 0, recording::intervalJson(iv), {}});
    last = iv.endSec;
  }
}

void AppRecorder::resynced(int session, const std::vector<EventSnapshot>& snapshot, qint64 takenNs) {
  assertGuiThread("resynced() off the GUI thread");
  if (!record(session)) return;
  // Never dropped (at most one per session per SessionController's snapshot interval):
  // it repairs the states that lost records broke.
  RecorderItem resync{RecorderItem::Kind::Resync, session, takenNs, {}, {}, {}, 0, {}, snapshotEvents(snapshot)};
  std::unordered_set<uint64_t>& seen = seen_[session];
  for (const EventSnapshot& s : snapshot)
    if (seen.insert(s.id).second && !s.label.empty()) resync.labels.emplace(s.id, s.label);
  worker_->push(std::move(resync));
  worker_->push({RecorderItem::Kind::Log, session, takenNs, {}, {}, {}, static_cast<int>(LogLevel::Warning),
                 resyncLine(snapshot), {}});
}

void AppRecorder::labelled(int session, quint64 eventId, const QString& label) {
  assertGuiThread("labelled() off the GUI thread");
  if (!writer_ || !recorded_.count(session) || ended_.count(session)) return;
  // Never dropped (one per label come late): after the batches that described the event.
  RecorderItem item{RecorderItem::Kind::Label, session, 0, {}, {}, {}, 0, {}, {}};
  item.labels.emplace(eventId, label.toStdString());
  worker_->push(std::move(item));
}

void AppRecorder::sessionEnded(int session, qint64 nowNs) {
  assertGuiThread("sessionEnded() off the GUI thread");
  if (!writer_ || !recorded_.count(session) || !ended_.insert(session).second) return;
  worker_->push({RecorderItem::Kind::End, session, nowNs, {}, {}, {}, 0, {}, {}});
}

}  // namespace rs::gui
