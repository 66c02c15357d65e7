#include "model/SessionController.h"

#include <QStringList>

#include <unordered_map>

#include "core/Clock.h"

namespace rs::gui {

namespace {
constexpr size_t kDrainChunk = 16384;
// A tick never ingests more than this per session; the rest waits (the ring
// keeps it, or counts drops) so one frame stays bounded.
constexpr size_t kMaxRecordsPerTick = size_t{1} << 19;
constexpr qint64 kSnapshotMinIntervalNs = 500'000'000;
// The engines are asked for their stats about ten times a second.
constexpr int kStatsEveryTicks = framesIn(100);
// Per server and tick, at most this many accepted and this many closed lines;
// the rest are counted, exactly, into one "… and N more" line per kind: about
// 240 lines/s per kind at 30 ticks/s.
constexpr int kMaxNoteLinesPerKind = 8;

QDateTime wallTime(const ConnectionNote& n) { return QDateTime::fromMSecsSinceEpoch(n.wallTimeNs / 1'000'000); }

// "echo conn 3, owner 17, fd 12" (the number is the server's own count, as in its
// events' labels); refusals never became a connection: "fd 12".
QString noteConnection(const ConnectionNote& n) {
  return n.id ? QStringLiteral("echo conn %1, owner %2, fd %3").arg(n.number).arg(n.id).arg(n.fd)
              : QStringLiteral("fd %1").arg(n.fd);
}

QString acceptedLine(const ConnectionNote& n) {
  return QStringLiteral("accepted %1 (%2)").arg(QString::fromStdString(n.peer), noteConnection(n));
}

QString closedLine(const ConnectionNote& n) {
  using R = ConnectionNote::CloseReason;
  const QString head = QStringLiteral("closed %1 (%2): ").arg(QString::fromStdString(n.peer), noteConnection(n));
  if (n.reason == R::MaxConnections)
    return head + QStringLiteral("refused, %1 (max connections)").arg(QString::fromStdString(n.error));
  const QString reason = n.reason == R::Error ? QStringLiteral("error: %1").arg(QString::fromStdString(n.error))
                                              : QString::fromLatin1(toString(n.reason));
  return head + QStringLiteral("%1, %2 in, %3 out")
                    .arg(reason, formatBytes(static_cast<double>(n.bytesIn)),
                         formatBytes(static_cast<double>(n.bytesOut)));
}
}  // namespace

SessionController::SessionController(QObject* parent)
    : QObject(parent), eventModel_(&agg_), sessionModel_() {
  buffer_.resize(kDrainChunk);
  timer_.setInterval(kFrameIntervalMs);
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
  agg_.appendLog(logs);
  return id;
}

int SessionController::startServer(const EchoServerConfig& config) {
  auto s = std::make_unique<EngineSession>(nextId_++, config, traceCapacity_);
  s->setConnectionNoteCapacity(connectionNoteCapacity_);
  return addSession(std::move(s));
}

int SessionController::startClient(const LoadClientConfig& config) {
  return addSession(std::make_unique<EngineSession>(nextId_++, config, traceCapacity_));
}

int SessionController::startCustom(EngineSession::CustomWorkload workload) {
  return addSession(std::make_unique<EngineSession>(nextId_++, std::move(workload), traceCapacity_));
}

int SessionController::addExternalSession(SessionRow row, const QString& name) {
  row.id = nextId_++;
  eventModel_.setSessionName(row.id, QStringLiteral("#%1 %2").arg(row.id).arg(name));
  sessionModel_.addSession(row);
  return row.id;
}

void SessionController::stopSession(int id) {
  auto it = slots_.find(id);
  if (it != slots_.end()) it->second.session->stop();
  else if (sessionModel_.session(id)) emit externalStopRequested(id);
}

void SessionController::removeSession(int id) {
  auto it = slots_.find(id);
  const SessionRow* row = sessionModel_.session(id);
  if (!row || !isOver(row->status)) return;
  if (it == slots_.end()) {  // an external session (a traced program's base), once it ended
    if (row->kind != EngineSession::Kind::Program) return;
    sessionModel_.removeSession(id);
    agg_.forgetSession(id);
    return;
  }
  Slot& slot = it->second;
  slot.removed = true;
  slot.session->stop();  // a finished client's loop still runs: end it
  sessionModel_.removeSession(id);
  dropRemovedSlots();
}

int SessionController::clearFinished() {
  std::vector<int> over;
  for (const SessionRow& r : sessionModel_.rows())
    if (isOver(r.status)) over.push_back(r.id);
  for (int id : over) removeSession(id);
  return static_cast<int>(over.size());
}

bool SessionController::anyOver() const {
  for (const SessionRow& r : sessionModel_.rows())
    if (isOver(r.status)) return true;
  return false;
}

// Removed rows whose threads have ended leave with their stats.
void SessionController::dropRemovedSlots() {
  for (auto it = slots_.begin(); it != slots_.end();) {
    if (it->second.removed && it->second.ended) {
      agg_.forgetSession(it->first);
      it = slots_.erase(it);
    } else {
      ++it;
    }
  }
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

// A traced program's bases (external sessions) say what their trace says: live
// connections (a bufferevent's events alive), transitions per second, records
// and drops. (The engine's own sessions: refreshRow().)
void SessionController::refreshProgramRows() {
  std::unordered_map<int, quint64> connections;
  for (const ConnectionSeries& c : agg_.connections())
    if (agg_.ownerAlive(c.owner)) ++connections[c.session];
  const QVector<SessionRow> rows = sessionModel_.rows();  // (updateSession() changes the model's)
  for (SessionRow row : rows) {
    if (row.kind != EngineSession::Kind::Program) continue;
    const SessionTraceStats* st = agg_.sessionStats(row.id);
    const bool running = row.status == EngineSession::Status::Running;
    row.connections = running ? connections[row.id] : 0;
    row.transitionsPerSec = running && st ? st->transitionsPerSec : 0;
    row.traceRecords = st ? st->records : 0;
    row.traceDropped = st ? st->dropped : 0;
    liveConnections_ += row.connections;
    sessionModel_.updateSession(row);
  }
}

void SessionController::refreshRow(Slot& slot, QVector<LogEntry>* logs) {
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
    row.resets = sh.server.peerResets;
  } else {
    row.connections = sh.client.connected;
    row.messages = messages = sh.client.messagesReceived;
    row.bytes = bytes = sh.client.bytesWritten + sh.client.bytesReceived;
    row.errors = sh.client.errors();
    if (sh.histogram) {
      slot.histogram = sh.histogram;
      row.p50Ns = sh.histogram->percentile(50);
      row.p99Ns = sh.histogram->percentile(99);
    }
  }
  if (sh.statsSeq != slot.lastStatsSeq && s.kind() == EngineSession::Kind::Client) logClientChanges(slot, sh, logs);
  if (sh.statsSeq != slot.lastStatsSeq) eventModel_.addEnds(sh.ends);
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

  SessionFigures figures;
  figures.kind = row.kind;
  figures.status = row.status;
  figures.messagesPerSec = row.messagesPerSec;
  figures.bytesPerSec = row.bytesPerSec;
  if (s.kind() == EngineSession::Kind::Server) {
    figures.server = sh.server;
  } else {  // clients (and custom workloads, which report none)
    figures.latency = slot.histogram;
    figures.intervals = sh.lastIntervals;  // a few, newest last
  }
  agg_.setFigures(s.id(), std::move(figures));

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
    emit sessionStatusChanged(s.id(), sh.status);
  }
}

void SessionController::logConnectionNotes(Slot& slot, QVector<LogEntry>* logs) {
  using R = ConnectionNote::CloseReason;
  EngineSession& s = *slot.session;
  if (s.kind() != EngineSession::Kind::Server) return;
  const quint64 lost = s.takeConnectionNotes(&slot.notes);
  const int id = s.id();
  const QString prefix = QStringLiteral("#%1 ").arg(id);
  int accepted = 0;
  int closed = 0;
  QDateTime lastMoreAccepted, lastMoreClosed;
  std::map<R, quint64> moreClosedBy;  // ordered as the enum: a stable summary
  for (const ConnectionNote& n : slot.notes) {
    if (n.kind == ConnectionNote::Kind::Accepted) {
      if (++accepted <= kMaxNoteLinesPerKind)
        logs->push_back({wallTime(n), LogLevel::Info, id, prefix + acceptedLine(n)});
      else
        lastMoreAccepted = wallTime(n);
      continue;
    }
    const bool refused = n.reason == R::MaxConnections;
    if (refused && slot.firstProblem.isEmpty()) slot.firstProblem = closedLine(n);
    if (++closed <= kMaxNoteLinesPerKind) {
      logs->push_back({wallTime(n), refused ? LogLevel::Warning : LogLevel::Info, id, prefix + closedLine(n)});
    } else {
      ++moreClosedBy[n.reason];
      lastMoreClosed = wallTime(n);
    }
  }
  if (accepted > kMaxNoteLinesPerKind)
    logs->push_back({lastMoreAccepted, LogLevel::Info, id,
                     prefix + QStringLiteral("… and %1 more accepted").arg(accepted - kMaxNoteLinesPerKind)});
  if (closed > kMaxNoteLinesPerKind) {
    QStringList byReason;
    for (const auto& [reason, count] : moreClosedBy)
      byReason << QStringLiteral("%1 %2").arg(count).arg(QString::fromLatin1(toString(reason)));
    const bool anyRefused = moreClosedBy.count(R::MaxConnections) != 0;
    logs->push_back({lastMoreClosed, anyRefused ? LogLevel::Warning : LogLevel::Info, id,
                     prefix + QStringLiteral("… and %1 more closed: %2")
                                  .arg(closed - kMaxNoteLinesPerKind)
                                  .arg(byReason.join(QStringLiteral(", ")))});
  }
  if (lost > 0)
    logs->push_back({QDateTime::currentDateTime(), LogLevel::Warning, id,
                     prefix + QStringLiteral("%1 accept/close notes lost: more than %2 were waiting for the log, so "
                                             "its accepted/closed lines are incomplete (the session's totals are exact)")
                                  .arg(lost)
                                  .arg(s.connectionNoteCapacity())});
}

void SessionController::logClientChanges(Slot& slot, const EngineSession::Shared& sh, QVector<LogEntry>* logs) {
  const EngineSession& s = *slot.session;
  const QDateTime now = QDateTime::currentDateTime();
  const QString prefix = QStringLiteral("#%1 ").arg(s.id());
  if (sh.client.connected != slot.lastConnected) {
    logs->push_back({now, LogLevel::Info, s.id(),
                     prefix + QStringLiteral("%1 of %2 connections open").arg(sh.client.connected).arg(s.clientConfig().connections)});
    slot.lastConnected = sh.client.connected;
  }
  const quint64 errors = sh.client.errors();
  if (errors != slot.lastErrors) {
    logs->push_back({now, LogLevel::Warning, s.id(),
                     prefix + QStringLiteral("errors: %1 refused, %2 reset, %3 timeout, %4 mismatch, %5 other")
                                  .arg(sh.client.errRefused).arg(sh.client.errReset).arg(sh.client.errTimeout)
                                  .arg(sh.client.errMismatch).arg(sh.client.errOther)});
    slot.lastErrors = errors;
  }
}

// The engine's log lines since the last call, at the time they were logged;
// the first warning or error also goes into the session row.
void SessionController::takeEngineLogs(Slot& slot, const QDateTime& wallNow, qint64 monoNow,
                                       QVector<LogEntry>* logs) {
  const int id = slot.session->id();
  for (SessionLogLine& line : slot.session->takeLogs()) {
    if (line.level != LogLevel::Info && slot.firstProblem.isEmpty())
      slot.firstProblem = QString::fromStdString(line.text);
    const qint64 agoMs = (monoNow - line.tsNs) / 1'000'000;
    logs->push_back({wallNow.addMSecs(-agoMs), line.level, id,
                     QStringLiteral("#%1 %2").arg(id).arg(QString::fromStdString(line.text))});
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

    takeEngineLogs(slot, wallNow, monoNow, &logs);
    logConnectionNotes(slot, &logs);
    if (tickCount_ % kStatsEveryTicks == 0) s.requestStats();

    if (s.pollFinished()) {
      // The thread has returned: take its last records, then whatever is still
      // alive (the base's own wakeup event) ends with the base.
      frame_.records += drainSession(slot);
      agg_.setDropped(id, s.dropped());
      agg_.endSession(id, monotonicNowNs());
      slot.ended = true;
      takeEngineLogs(slot, wallNow, monoNow, &logs);
      logConnectionNotes(slot, &logs);  // the closes stop() made
      std::vector<ConnectionNote>().swap(slot.notes);
    }
  }
  agg_.finishTick(monoNow);
  frame_.drainNs = t.nsecsElapsed();

  t.restart();
  liveConnections_ = 0;
  dropRemovedSlots();
  for (auto& [id, slot] : slots_)
    if (!slot.removed) refreshRow(slot, &logs);
  refreshProgramRows();
  eventModel_.sync(monoNow, keepFreedNs_);
  frame_.modelNs = t.nsecsElapsed();

  agg_.appendLog(logs);
  emit ticked();
}

}  // namespace rs::gui
