#include "model/SessionController.h"

#include "core/Clock.h"

namespace rs::gui {

namespace {
constexpr size_t kDrainChunk = 16384;
// A tick never ingests more than this per session; the rest waits (the ring
// keeps it, or counts drops) so one frame stays bounded.
constexpr size_t kMaxRecordsPerTick = size_t{1} << 19;
constexpr qint64 kSnapshotMinIntervalNs = 500'000'000;
constexpr int kStatsEveryTicks = 3;
}  // namespace

SessionController::SessionController(QObject* parent)
    : QObject(parent), eventModel_(&agg_), sessionModel_() {
  qRegisterMetaType<rs::gui::LogEntry>();
  buffer_.resize(kDrainChunk);
  timer_.setInterval(33);  // 30 Hz
  timer_.setTimerType(Qt::PreciseTimer);
  connect(&timer_, &QTimer::timeout, this, &SessionController::tick);
  timer_.start();
}

SessionController::~SessionController() {
  timer_.stop();
  stopAll();
  // Give the loops a moment to wind down on their own; ~EngineSession joins.
  QElapsedTimer t;
  t.start();
  while (t.elapsed() < 2000) {
    bool all = true;
    for (auto& [id, slot] : slots_) all = all && slot.session->threadDone();
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  slots_.clear();
}

void SessionController::setAutoTick(bool on) {
  if (on) timer_.start();
  else timer_.stop();
}

void SessionController::setRetentionSec(double sec) {
  agg_.setRetentionNs(static_cast<qint64>(sec * 1e9));
}

int SessionController::addSession(std::unique_ptr<EngineSession> s) {
  const int id = s->id();
  SessionRow row;
  row.id = id;
  row.kind = s->kind();
  row.title = s->title();
  const QString kindName = s->kind() == EngineSession::Kind::Server   ? QStringLiteral("server")
                           : s->kind() == EngineSession::Kind::Client ? QStringLiteral("client")
                                                                       : QStringLiteral("custom");
  eventModel_.setSessionName(id, QStringLiteral("#%1 %2").arg(id).arg(kindName));
  Slot slot;
  slot.session = std::move(s);
  EngineSession* raw = slot.session.get();
  slots_.emplace(id, std::move(slot));
  sessionModel_.addSession(row);
  raw->start();
  QVector<LogEntry> logs;
  logs.push_back({QDateTime::currentDateTime(), LogLevel::Info, id,
                  QStringLiteral("#%1 %2: starting").arg(id).arg(raw->title())});
  emit logBatch(logs);
  return id;
}

int SessionController::startServer(const EchoServerConfig& config) {
  return addSession(std::make_unique<EngineSession>(nextId_++, config, traceCapacity_));
}

int SessionController::startClient(const LoadClientConfig& config) {
  return addSession(std::make_unique<EngineSession>(nextId_++, config, traceCapacity_));
}

int SessionController::startCustom(EngineSession::CustomWorkload workload) {
  return addSession(std::make_unique<EngineSession>(nextId_++, std::move(workload), traceCapacity_));
}

void SessionController::stopSession(int id) {
  auto it = slots_.find(id);
  if (it != slots_.end()) it->second.session->stop();
}

void SessionController::removeSession(int id) {
  auto it = slots_.find(id);
  if (it == slots_.end() || !it->second.ended) return;
  slots_.erase(it);
  sessionModel_.removeSession(id);
  agg_.forgetSession(id);
}

void SessionController::stopAll() {
  for (auto& [id, slot] : slots_) slot.session->stop();
}

bool SessionController::anyRunning() const {
  for (const auto& [id, slot] : slots_)
    if (!slot.ended) return true;
  return false;
}

EngineSession* SessionController::session(int id) {
  auto it = slots_.find(id);
  return it == slots_.end() ? nullptr : it->second.session.get();
}

std::vector<int> SessionController::sessionIds() const {
  std::vector<int> out;
  for (const auto& [id, slot] : slots_) out.push_back(id);
  return out;
}

std::shared_ptr<const LatencyHistogram> SessionController::latencyHistogram(int id) const {
  auto it = slots_.find(id);
  return it == slots_.end() ? nullptr : it->second.histogram;
}

size_t SessionController::drainSession(Slot& slot) {
  EngineSession& s = *slot.session;
  size_t total = 0;
  while (total < kMaxRecordsPerTick) {
    const size_t n = s.drain(buffer_.data(), buffer_.size());
    if (n == 0) break;
    agg_.ingest(s.id(), buffer_.data(), n, &s.tracer());
    total += n;
    if (n < buffer_.size()) break;
  }
  return total;
}

void SessionController::refreshRow(Slot& slot, qint64 nowNs, QVector<LogEntry>* logs) {
  EngineSession& s = *slot.session;
  const EngineSession::Shared sh = s.shared();
  SessionRow row;
  row.id = s.id();
  row.kind = s.kind();
  row.title = s.title();
  row.status = sh.status;
  row.error = QString::fromStdString(sh.error);
  if (row.error.isEmpty()) row.error = slot.firstProblem;
  row.port = s.kind() == EngineSession::Kind::Server ? sh.port : s.clientConfig().port;
  quint64 messages = 0;
  quint64 bytes = 0;
  if (s.kind() == EngineSession::Kind::Server) {
    row.connections = sh.server.active;
    row.bytes = bytes = sh.server.bytesIn + sh.server.bytesOut;
    row.errors = sh.server.acceptErrors + sh.server.connectionErrors + sh.server.rejected;
  } else {
    row.connections = sh.client.connected;
    row.messages = messages = sh.client.messagesReceived;
    row.bytes = bytes = sh.client.bytesSent + sh.client.bytesReceived;
    row.errors = sh.client.errRefused + sh.client.errReset + sh.client.errTimeout +
                 sh.client.errMismatch + sh.client.errOther;
    if (sh.histogram) {
      slot.histogram = sh.histogram;
      row.p50Ns = sh.histogram->percentile(50);
      row.p99Ns = sh.histogram->percentile(99);
    }
  }
  if (sh.statsSeq != slot.lastStatsSeq) logConnectionChanges(slot, sh, logs);
  if (sh.statsSeq != slot.lastStatsSeq && sh.statsNs > slot.prevStatsNs) {
    if (slot.prevStatsNs > 0) {
      const double dt = static_cast<double>(sh.statsNs - slot.prevStatsNs) / 1e9;
      if (dt > 0.05) {
        slot.msgsPerSec = static_cast<double>(messages - std::min(messages, slot.prevMessages)) / dt;
        slot.bytesPerSec = static_cast<double>(bytes - std::min(bytes, slot.prevBytes)) / dt;
        slot.prevStatsNs = sh.statsNs;
        slot.prevMessages = messages;
        slot.prevBytes = bytes;
      }
    } else {
      slot.prevStatsNs = sh.statsNs;
      slot.prevMessages = messages;
      slot.prevBytes = bytes;
    }
    slot.lastStatsSeq = sh.statsSeq;
  }
  const bool live = sh.status == EngineSession::Status::Running || sh.status == EngineSession::Status::Finished;
  row.messagesPerSec = live ? slot.msgsPerSec : 0;
  row.bytesPerSec = live ? slot.bytesPerSec : 0;
  if (!live) row.connections = 0;
  liveConnections_ += row.connections;
  sessionModel_.updateSession(row);

  if (sh.status != slot.lastStatus) {
    slot.lastStatus = sh.status;
    QString text;
    LogLevel level = LogLevel::Info;
    switch (sh.status) {
      case EngineSession::Status::Running:
        text = s.kind() == EngineSession::Kind::Server ? QStringLiteral("running on port %1").arg(sh.port)
                                                       : QStringLiteral("running");
        break;
      case EngineSession::Status::Failed:
        level = LogLevel::Error;
        text = QStringLiteral("failed: %1").arg(row.error);
        break;
      default:
        text = QString::fromLatin1(toString(sh.status));
        break;
    }
    logs->push_back({QDateTime::currentDateTime(), level, s.id(), QStringLiteral("#%1 %2").arg(s.id()).arg(text)});
    emit sessionStatusChanged(s.id(), static_cast<int>(sh.status));
  }
  (void)nowNs;
}

void SessionController::logConnectionChanges(Slot& slot, const EngineSession::Shared& sh,
                                             QVector<LogEntry>* logs) {
  constexpr int kMaxLinesPerKind = 20;  // per stats round; the rest is summarized
  const EngineSession& s = *slot.session;
  const QDateTime now = QDateTime::currentDateTime();
  const QString prefix = QStringLiteral("#%1 ").arg(s.id());
  if (s.kind() == EngineSession::Kind::Server) {
    if (sh.statsNs == 0) return;
    const std::vector<ConnectionStats> connections = s.connections();
    std::unordered_map<uint32_t, ConnectionStats> current;
    current.reserve(connections.size());
    int accepted = 0;
    for (const ConnectionStats& c : connections) {
      current.emplace(c.id, c);
      if (slot.knownConnections.count(c.id)) continue;
      if (++accepted <= kMaxLinesPerKind)
        logs->push_back({now, LogLevel::Info, s.id(),
                         prefix + QStringLiteral("accepted %1 (connection %2, fd %3)")
                                      .arg(QString::fromStdString(c.peer)).arg(c.id).arg(c.fd)});
    }
    if (accepted > kMaxLinesPerKind)
      logs->push_back({now, LogLevel::Info, s.id(), prefix + QStringLiteral("… and %1 more accepted").arg(accepted - kMaxLinesPerKind)});
    int closed = 0;
    for (const auto& [id, c] : slot.knownConnections) {
      if (current.count(id)) continue;
      if (++closed <= kMaxLinesPerKind)
        logs->push_back({now, LogLevel::Info, s.id(),
                         prefix + QStringLiteral("closed %1 (connection %2, %3 in, %4 out)")
                                      .arg(QString::fromStdString(c.peer)).arg(id)
                                      .arg(formatBytes(static_cast<double>(c.bytesIn)), formatBytes(static_cast<double>(c.bytesOut)))});
    }
    if (closed > kMaxLinesPerKind)
      logs->push_back({now, LogLevel::Info, s.id(), prefix + QStringLiteral("… and %1 more closed").arg(closed - kMaxLinesPerKind)});
    slot.knownConnections.swap(current);
    return;
  }
  if (s.kind() != EngineSession::Kind::Client) return;
  if (sh.client.connected != slot.lastConnected) {
    logs->push_back({now, LogLevel::Info, s.id(),
                     prefix + QStringLiteral("%1 of %2 connections open").arg(sh.client.connected).arg(s.clientConfig().connections)});
    slot.lastConnected = sh.client.connected;
  }
  const quint64 errors = sh.client.errRefused + sh.client.errReset + sh.client.errTimeout + sh.client.errMismatch + sh.client.errOther;
  if (errors != slot.lastErrors) {
    logs->push_back({now, LogLevel::Warning, s.id(),
                     prefix + QStringLiteral("errors: %1 refused, %2 reset, %3 timeout, %4 mismatch, %5 other")
                                  .arg(sh.client.errRefused).arg(sh.client.errReset).arg(sh.client.errTimeout)
                                  .arg(sh.client.errMismatch).arg(sh.client.errOther)});
    slot.lastErrors = errors;
  }
}

void SessionController::tick() {
  QElapsedTimer t;
  t.start();
  ++tickCount_;
  frame_.records = 0;
  QVector<LogEntry> logs;
  const QDateTime wallNow = QDateTime::currentDateTime();
  const qint64 monoNow = monotonicNowNs();

  for (auto& [id, slot] : slots_) {
    if (slot.ended) continue;
    EngineSession& s = *slot.session;
    // Drops (read before draining, so what follows a gap isn't paired with what
    // preceded it): count them, and resync from a snapshot (rate limited).
    const quint64 dropped = s.dropped();
    if (dropped != slot.lastDropped) {
      agg_.setDropped(id, dropped);
      if (monoNow - slot.lastSnapshotRequestNs > kSnapshotMinIntervalNs) {
        s.requestSnapshot();
        slot.lastSnapshotRequestNs = monoNow;
      }
      slot.lastDropped = dropped;
    }
    frame_.records += drainSession(slot);
    if (auto snap = s.takeSnapshot()) {
      frame_.records += drainSession(slot);  // records up to the snapshot first
      agg_.applySnapshot(id, snap->first, snap->second);
    }

    for (SessionLogLine& line : s.takeLogs()) {
      if (line.level != LogLevel::Info && slot.firstProblem.isEmpty())
        slot.firstProblem = QString::fromStdString(line.text);
      const qint64 agoMs = (monoNow - line.tsNs) / 1'000'000;
      logs.push_back({wallNow.addMSecs(-agoMs), line.level, id,
                      QStringLiteral("#%1 %2").arg(id).arg(QString::fromStdString(line.text))});
    }
    if (tickCount_ % kStatsEveryTicks == 0) s.requestStats();

    if (s.pollFinished()) {
      // The thread has returned: take its last records, then whatever is still
      // alive (the base's own wakeup event) ends with the base.
      frame_.records += drainSession(slot);
      agg_.setDropped(id, s.dropped());
      agg_.endSession(id, monotonicNowNs());
      slot.ended = true;
      for (SessionLogLine& line : s.takeLogs())
        logs.push_back({wallNow, line.level, id, QStringLiteral("#%1 %2").arg(id).arg(QString::fromStdString(line.text))});
    }
  }
  agg_.finishTick(monoNow);
  frame_.drainNs = t.nsecsElapsed();

  t.restart();
  liveConnections_ = 0;
  for (auto& [id, slot] : slots_) refreshRow(slot, monoNow, &logs);
  eventModel_.sync(monoNow, keepFreedNs_);
  frame_.modelNs = t.nsecsElapsed();

  if (!logs.isEmpty()) emit logBatch(logs);
  emit ticked();
}

}  // namespace rs::gui
