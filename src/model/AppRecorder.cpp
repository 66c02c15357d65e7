#include "model/AppRecorder.h"

#include <unistd.h>

#include "IntervalJson.h"
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

AppRecorder::AppRecorder(SessionController* controller) : controller_(controller) {}

AppRecorder::~AppRecorder() {
  if (active()) stop();
}

bool AppRecorder::start(const recording::RecordOptions& options, std::set<int> only, QString* error) {
  if (active()) stop();
  auto writer = std::make_unique<recording::RecordingWriter>(recording::writerOptions(options));
  std::string why;
  if (!writer->open(options.path, &why)) {
    *error = QStringLiteral("cannot record to %1: %2").arg(QString::fromStdString(options.path),
                                                            QString::fromStdString(why));
    return false;
  }
  writer_ = std::move(writer);
  path_ = QString::fromStdString(options.path);
  only_ = std::move(only);
  tees_.clear();
  ended_.clear();
  lastIntervalEndSec_.clear();
  error_.clear();
  controller_->aggregator().setObserver(this);
  return true;
}

QString AppRecorder::stop() {
  if (!writer_) return {};
  if (controller_) controller_->aggregator().setObserver(nullptr);
  const int64_t nowNs = monotonicNowNs();
  for (const auto& [id, tee] : tees_)
    if (!ended_.count(id)) writer_->endSession(tee->session(), nowNs);
  writer_->close();
  const auto writer = std::move(writer_);
  const size_t sessions = tees_.size();
  tees_.clear();  // (they referred to the writer)
  if (writer->failed()) {
    error_ = QString::fromStdString(writer->error());
    return QStringLiteral("recording %1 stopped early: %2").arg(path_, error_);
  }
  return QStringLiteral("recorded %1 trace records of %2 session(s) (%3 dropped), %4 B of blocks, to %5")
      .arg(writer->committedRecords())
      .arg(sessions)
      .arg(writer->dropped())
      .arg(writer->storedBlockBytes())
      .arg(path_);
}

AppRecorder::Status AppRecorder::status() {
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
  s.dropped = writer_->dropped();
  s.storedBytes = writer_->storedBlockBytes();
  s.sessions = static_cast<int>(tees_.size());
  return s;
}

recording::SessionTee* AppRecorder::teeFor(int session) {
  if (!writer_ || !wanted(session) || ended_.count(session)) return nullptr;
  auto& tee = tees_[session];
  if (!tee) {
    recording::SessionInfo info;
    const SessionRow* row = controller_ ? controller_->sessionModel()->session(session) : nullptr;
    info.kind = recordingKind(row ? row->kind : EngineSession::Kind::Custom);
    info.name = (row ? row->title : QStringLiteral("session %1").arg(session)).toStdString();
    info.pid = ::getpid();
    info.startNs = monotonicNowNs();
    info.settings = "app session #" + std::to_string(session);
    tee = std::make_unique<recording::SessionTee>(*writer_, writer_->addSession(std::move(info)));
  }
  return tee.get();
}

void AppRecorder::ingested(int session, const TraceRecord* records, size_t count, const Tracer* infoSource) {
  recording::SessionTee* tee = teeFor(session);
  if (!tee) return;
  tee->add(records, count, [infoSource](recording::EventInfo& event) {
    if (!infoSource) return;
    if (const auto known = infoSource->info(event.eventId)) event.label = known->label;
  });
}

void AppRecorder::logged(const QVector<LogEntry>& lines) {
  if (!writer_) return;
  const int64_t nowNs = monotonicNowNs();
  for (const LogEntry& line : lines) {
    // The app's own lines (session 0) go with the first recorded session.
    const int session = line.session ? line.session : (tees_.empty() ? 0 : tees_.begin()->first);
    const auto it = tees_.find(session);
    if (it == tees_.end()) continue;
    writer_->addLog(it->second->session(), nowNs, static_cast<int>(line.level), line.text.toStdString());
  }
}

void AppRecorder::figured(int session, const SessionFigures& figures) {
  if (figures.intervals.empty() || !writer_) return;
  const auto it = tees_.find(session);
  if (it == tees_.end()) return;
  double& last = lastIntervalEndSec_.try_emplace(session, -1.0).first->second;
  const int64_t nowNs = monotonicNowNs();
  for (const IntervalStats& iv : figures.intervals) {
    if (iv.endSec <= last) continue;
    writer_->addClientInterval(it->second->session(), nowNs, recording::intervalJson(iv));
    last = iv.endSec;
  }
}

void AppRecorder::sessionEnded(int session, qint64 nowNs) {
  const auto it = tees_.find(session);
  if (!writer_ || it == tees_.end() || !ended_.insert(session).second) return;
  writer_->endSession(it->second->session(), nowNs);
}

}  // namespace rs::gui
