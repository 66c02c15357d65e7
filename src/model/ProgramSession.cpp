#include "model/ProgramSession.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <utility>

#include "core/Clock.h"
#include "live/Handoff.h"
#include "live/PeerAddress.h"

namespace rs::gui {

namespace {

// libevent's EVENT_LOG_* severity as the log's level.
LogLevel levelOf(int severity) {
  return severity >= 3 ? LogLevel::Error : severity == 2 ? LogLevel::Warning : LogLevel::Info;
}
constexpr const char* kSeverities[] = {"debug", "msg", "warn", "err"};

}  // namespace

ProgramSession::ProgramSession(int fd, SessionController* controller, QObject* parent)
    : QObject(parent), controller_(controller), fd_(fd) {
  notifier_ = std::make_unique<QSocketNotifier>(static_cast<qintptr>(fd), QSocketNotifier::Read);
  connect(notifier_.get(), &QSocketNotifier::activated, this, &ProgramSession::readReady);
  killTimer_.setSingleShot(true);
  connect(&killTimer_, &QTimer::timeout, this, [this] {
    if (!streamOpen() || exit_) return;
    log(LogLevel::Warning, lastSession_, QStringLiteral("%1 still runs after %2 ms: SIGKILL").arg(who(), QString::number(stopGraceMs_)));
    signalProgram(SIGKILL);
    flushLog();
  });
}

// Its bases' label directories go with it: the aggregator, which outlives it
// (the app quitting, a test), must not look labels up in them afterwards.
ProgramSession::~ProgramSession() {
  closeAll();
  if (controller_)
    for (const auto& [id, b] : bases_) controller_->aggregator().forgetDirectory(b.session);
}

void ProgramSession::closeAll() {
  notifier_.reset();
  streamNotifier_.reset();
  if (fd_ >= 0) ::close(fd_);
  if (streamFd_ >= 0) ::close(streamFd_);
  fd_ = -1;
  streamFd_ = -1;
  closeOpening();
}

std::vector<int> ProgramSession::sessionIds() const {
  std::vector<int> ids;
  for (const auto& [id, b] : bases_) ids.push_back(b.session);
  return ids;
}

bool ProgramSession::owns(int session) const {
  for (const auto& [id, b] : bases_)
    if (b.session == session) return true;
  return false;
}

QString ProgramSession::who() const {
  return hello_.pid ? QStringLiteral("%1[%2]").arg(processName(), QString::number(hello_.pid)) : QStringLiteral("a traced program");
}

template <typename Change>
void ProgramSession::changeRow(const Base& b, Change change) {
  const SessionRow* current = controller_->sessionModel()->session(b.session);
  if (!current) return;  // removed from the list
  SessionRow row = *current;
  change(row);
  controller_->sessionModel()->updateSession(row);
}

void ProgramSession::stop() {
  if (!streamOpen() || exit_ || stopRequested_) return;
  stopRequested_ = true;
  for (auto& [id, b] : bases_) {
    if (b.ended) continue;
    changeRow(b, [](SessionRow& row) { row.status = EngineSession::Status::Stopping; });
  }
  log(LogLevel::Info, lastSession_, QStringLiteral("stopping %1: SIGTERM").arg(who()));
  signalProgram(SIGTERM);
  killTimer_.start(stopGraceMs_);
  flushLog();
}

// Only the process the hello named, only while its stream is open and before
// its exit was reported, and only when it is this user's.
void ProgramSession::signalProgram(int sig) {
  const auto pid = static_cast<pid_t>(hello_.pid);
  struct stat st {};
  const QByteArray proc = QByteArray("/proc/") + QByteArray::number(pid);
  QString problem;
  if (pid <= 1 || pid == ::getpid())
    problem = QStringLiteral("its pid %1 cannot be signalled").arg(pid);
  else if (::stat(proc.constData(), &st) != 0)
    problem = QStringLiteral("process %1 is gone").arg(pid);
  else if (st.st_uid != ::getuid())
    problem = QStringLiteral("process %1 belongs to uid %2, not ours").arg(pid).arg(st.st_uid);
  else if (::kill(pid, sig) != 0)
    problem = QString::fromLocal8Bit(std::strerror(errno));
  if (!problem.isEmpty()) log(LogLevel::Warning, lastSession_, QStringLiteral("cannot stop %1: %2").arg(who(), problem));
}

EngineSession::Status ProgramSession::exitStatus() const {
  if (!exit_) return stopRequested_ ? EngineSession::Status::Stopped : EngineSession::Status::Finished;
  if (!exit_->signaled) return exit_->code == 0 ? EngineSession::Status::Finished : EngineSession::Status::Failed;
  // Ended on request (the app's Stop, kill, Ctrl-C), not by a crash.
  const bool requested = stopRequested_ || exit_->code == SIGTERM || exit_->code == SIGINT ||
                         exit_->code == SIGKILL || exit_->code == SIGHUP;
  return requested ? EngineSession::Status::Stopped : EngineSession::Status::Failed;
}

// The connection's first bytes say what it carries: the process's stream
// relayed, or a handoff of the process's own stream socket (live/Handoff.h).
void ProgramSession::readReady() {
  switch (source_) {
    case Source::Opening: readOpening(); break;
    case Source::Relayed: readStream(fd_); break;
    case Source::HandedOff: readAfterStream(); break;
  }
  flushLog();
}

void ProgramSession::readOpening() {
  const long n = live::receiveOpening(fd_, &opening_);
  const int readErrno = errno;
  if (n < 0 && (readErrno == EAGAIN || readErrno == EWOULDBLOCK)) return;
  std::string error;
  const live::OpeningKind kind = n <= 0 ? live::OpeningKind::Relayed : live::classifyOpening(opening_, &error);
  if (kind == live::OpeningKind::Incomplete) return;
  if (kind == live::OpeningKind::HandedOff) {
    streamFd_ = std::exchange(opening_.fd, -1);
    if (!live::checkHandedOffStream(streamFd_, &error)) {
      endStream(LogLevel::Error, QString::fromStdString(error));
      return;
    }
    source_ = Source::HandedOff;
    afterStream_ = opening_.bytes.substr(live::kFrameHeaderBytes);
    opening_ = {};
    streamNotifier_ = std::make_unique<QSocketNotifier>(static_cast<qintptr>(streamFd_), QSocketNotifier::Read);
    connect(streamNotifier_.get(), &QSocketNotifier::activated, this, [this] {
      readStream(streamFd_);
      flushLog();
    });
    return;
  }
  if (kind == live::OpeningKind::Refused) {
    endStream(LogLevel::Error, QString::fromStdString(error));
    return;
  }
  source_ = Source::Relayed;
  std::string bytes = std::move(opening_.bytes);  // (not const: see records())
  closeOpening();  // (a relayed stream carries no descriptors)
  if (!decoder_.feed(bytes.data(), bytes.size(), *this)) {
    endStream(LogLevel::Error, QString::fromStdString(decoder_.error()));
    return;
  }
  if (n <= 0) finishDecoding(n, readErrno);
}

// Reads the process's stream from `fd` (the connection, or the handed-off socket).
void ProgramSession::readStream(int fd) {
  // As large as a wakeup's budget, so a records frame (up to 160 KiB) is almost
  // always read whole and decoded where it lies: a frame cut by the end of a read
  // is copied once more (into the decoder). One buffer for every program session
  // (GUI thread only; the decoder keeps nothing pointing into it). Each read
  // lands where the decoder's records frames lie aligned (readShift(): their
  // records are then ingested where they lie, not copied).
  static std::vector<char> buf(kMaxBytesPerWakeup + 8);  // (operator new: 16-byte aligned)
  size_t total = 0;
  while (!ended() && total < kMaxBytesPerWakeup) {
    char* const at = buf.data() + decoder_.readShift();
    const ssize_t n = ::read(fd, at, kMaxBytesPerWakeup - total);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) {
      if (source_ == Source::HandedOff && n == 0) {
        handedOffStreamEnded();
      } else {
        finishDecoding(n, errno);
      }
      break;
    }
    total += static_cast<size_t>(n);
    if (!decoder_.feed(at, static_cast<size_t>(n), *this)) {
      endStream(LogLevel::Error, QString::fromStdString(decoder_.error()));
      break;
    }
  }
}

// The end of the stream (read gave `n` <= 0, errno `err`): the session's end.
void ProgramSession::finishDecoding(ssize_t n, int err) {
  if (!decoder_.finish())
    endStream(LogLevel::Error, QString::fromStdString(decoder_.error()));
  else if (n < 0)
    endStream(LogLevel::Error, QStringLiteral("the stream broke: %1").arg(QString::fromLocal8Bit(std::strerror(err))));
  else
    endStream(LogLevel::Info, QStringLiteral("the program ended"));
}

// A handed-off stream reached its end: what the relay said after it follows
// once the relay is done too.
void ProgramSession::handedOffStreamEnded() {
  streamNotifier_.reset();
  streamDone_ = true;
  if (connectionDone_) finishAfterStream();
}

// After a handoff the connection carries only what follows the stream: kept
// until the stream ended, bounded (the exit message is 16 bytes).
void ProgramSession::readAfterStream() {
  char bytes[4096];
  const ssize_t n = ::read(fd_, bytes, sizeof bytes);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n > 0) {
    afterStream_.append(bytes, static_cast<size_t>(n));
    if (afterStream_.size() > live::kMaxBytesAfterStream)
      endStream(LogLevel::Error, QStringLiteral("reactorscope-run sent more than %1 bytes after the handed-off stream")
                                     .arg(live::kMaxBytesAfterStream));
    return;
  }
  notifier_.reset();  // (the relay is done, or gone: the stream goes on)
  connectionDone_ = true;
  if (streamDone_) finishAfterStream();
}

// Both ended: the relay's bytes go after the stream's last frame, unless the
// stream did not end on one (a crash mid-write) or never began: then, as for a
// relayed stream, there is no exit and the decoder says what was wrong.
void ProgramSession::finishAfterStream() {
  std::string bytes = std::move(afterStream_);  // (not const: see records())
  afterStream_.clear();
  if (decoder_.atWholeFrame() && !decoder_.feed(bytes.data(), bytes.size(), *this)) {
    endStream(LogLevel::Error, QString::fromStdString(decoder_.error()));
    return;
  }
  finishDecoding(0, 0);
}

void ProgramSession::closeOpening() {
  if (opening_.fd >= 0) ::close(opening_.fd);
  opening_ = {};
}

void ProgramSession::endStream(LogLevel level, const QString& why) {
  if (fd_ < 0) return;
  const bool malformed = level == LogLevel::Error;
  for (auto& [id, b] : bases_)
    if (!b.ended) endBase(b, malformed ? EngineSession::Status::Failed : exitStatus(), malformed ? why : QString());
  log(level, lastSession_,
      malformed ? QStringLiteral("%1: trace stopped: %2 (what arrived before stays)").arg(who(), why)
                : QStringLiteral("%1: %2").arg(who(), why));
  killTimer_.stop();
  closeAll();
  emit finished();
}

void ProgramSession::endBase(Base& b, EngineSession::Status status, const QString& error) {
  b.ended = true;
  controller_->aggregator().endSession(b.session, monotonicNowNs());
  changeRow(b, [&](SessionRow& row) {
    row.status = status;
    if (!error.isEmpty()) row.error = error;
  });
  SessionFigures figures;
  figures.kind = EngineSession::Kind::Program;
  figures.status = status;
  controller_->aggregator().setFigures(b.session, std::move(figures));
}

ProgramSession::Base* ProgramSession::baseFor(uint64_t id) {
  auto it = bases_.find(id);
  if (it != bases_.end()) return &it->second;
  baseCreated(id, "?");  // records of a base never announced: shown all the same
  it = bases_.find(id);
  return it == bases_.end() ? nullptr : &it->second;
}

void ProgramSession::log(LogLevel level, int session, const QString& text) {
  const QString prefix = session ? QStringLiteral("#%1 ").arg(session) : QString();
  pendingLog_.push_back({QDateTime::currentDateTime(), level, session, prefix + text});
}

void ProgramSession::flushLog() {
  if (pendingLog_.isEmpty()) return;
  controller_->aggregator().appendLog(pendingLog_);
  pendingLog_.clear();
}

void ProgramSession::hello(const live::Hello& h) {
  hello_ = h;
  peers_.setPid(static_cast<pid_t>(h.pid));
  log(LogLevel::Info, 0,
      QStringLiteral("traced program %1[%2] connected (%3)").arg(processName(), QString::number(h.pid), QString::fromStdString(h.executable)));
}

void ProgramSession::baseCreated(uint64_t base, const std::string& method) {
  if (bases_.count(base)) return;
  const auto live = std::count_if(bases_.begin(), bases_.end(), [](const auto& idBase) { return !idBase.second.ended; });
  if (static_cast<size_t>(live) >= kMaxLiveBases) {
    if (fd_ >= 0)
      endStream(LogLevel::Error, QStringLiteral("more than %1 event bases at once in one process").arg(kMaxLiveBases));
    return;
  }
  if (bases_.size() >= kMaxBases) {
    if (!tooManyBasesLogged_)
      log(LogLevel::Warning, lastSession_,
          QStringLiteral("%1: base %2 and later ones are not shown (more than %3 event bases over the process's life)")
              .arg(who(), QString::number(base), QString::number(kMaxBases)));
    tooManyBasesLogged_ = true;
    return;
  }
  Base b;
  b.labels = std::make_unique<Tracer>(16);
  b.title = QStringLiteral("%1[%2] base %3 (%4)")
                .arg(processName(), QString::number(hello_.pid), QString::number(base),
                     QString::fromStdString(method));  // (one call: a '%2' in the name stays text)
  SessionRow row;
  row.kind = EngineSession::Kind::Program;
  row.title = b.title;
  row.status = EngineSession::Status::Running;
  b.session = controller_->addExternalSession(row, QStringLiteral("%1[%2]").arg(processName(), QString::number(hello_.pid)));
  lastSession_ = b.session;
  SessionFigures figures;
  figures.kind = EngineSession::Kind::Program;
  figures.status = EngineSession::Status::Running;
  controller_->aggregator().setFigures(b.session, std::move(figures));
  log(LogLevel::Info, b.session, QStringLiteral("%1: running").arg(b.title));
  bases_.emplace(base, std::move(b));
}

void ProgramSession::baseFreed(uint64_t base) {
  Base* b = baseFor(base);
  if (!b || b->ended) return;
  endBase(*b, EngineSession::Status::Finished, QString());
  log(LogLevel::Info, b->session, QStringLiteral("base %1 freed").arg(base));
}

void ProgramSession::callback(const live::CallbackInfo& info) {
  Base* b = baseFor(info.base);
  if (!b) return;
  labels_.add(info);
  std::string label = labels_.label(info.base, info.eventId);
  const std::string peer = peers_.of(info.fd);
  if (!peer.empty()) label += " " + peer;
  EventInfo e;
  e.id = info.eventId;
  e.fd = info.fd;
  e.events = info.events;
  e.label = std::move(label);
  b->labels->publishInfo(e);
}

void ProgramSession::records(uint64_t base, const TraceRecord* records, size_t count) {
  Base* b = baseFor(base);
  if (!b) return;
  // The records lie in this session's own read buffer or its decoder's (the
  // decoder hands them out read-only for its other sinks): their owners take
  // the app's tags there, before anything sees them.
  ownerTags_.translate(const_cast<TraceRecord*>(records), count);
  TraceAggregator& aggregator = controller_->aggregator();
  aggregator.ingest(b->session, records, count, b->labels.get());
  for (const quint64 freed : aggregator.freedByLastIngest()) {  // (no second pass over the records)
    b->labels->retireInfo(freed);
    labels_.forget(base, freed);
  }
}

void ProgramSession::log(int severity, const std::string& text) {
  const auto i = static_cast<size_t>(severity);
  const char* tag = i < std::size(kSeverities) ? kSeverities[i] : "?";
  log(levelOf(severity), lastSession_,
      QStringLiteral("%1[%2] [%3] %4").arg(processName(), QString::number(hello_.pid), QLatin1String(tag), QString::fromStdString(text)));
}

void ProgramSession::exited(const live::ProgramExit& x) {
  exit_ = x;
  const QString how = QString::fromStdString(live::exitText(x));
  // The State column's word after the status: the signal's name, or the exit code.
  const QString detail = x.signaled ? QString::fromStdString(live::signalName(x.code)) : QStringLiteral("exit %1").arg(x.code);
  log(exitStatus() == EngineSession::Status::Failed ? LogLevel::Warning : LogLevel::Info, lastSession_,
      QStringLiteral("%1 exited: %2").arg(who(), how));
  for (auto& [id, b] : bases_) {  // every base's row says how the process ended
    changeRow(b, [&](SessionRow& row) {
      row.statusDetail = detail;
      row.error = row.error.isEmpty() ? QStringLiteral("exited: %1").arg(how) : QStringLiteral("exited: %1; %2").arg(how, row.error);
    });
  }
}

void ProgramSession::dropped(const live::DropCounts& counts) {
  Base* b = baseFor(counts.base);
  if (!b) return;
  const quint64 total = counts.ring + counts.stream;
  controller_->aggregator().setDropped(b->session, total);
  const QString why = QStringLiteral("%1 records dropped (%2 ring full, %3 app too slow)").arg(total).arg(counts.ring).arg(counts.stream);
  changeRow(*b, [&](SessionRow& row) { row.error = why; });
  log(LogLevel::Warning, b->session, why);
}

}  // namespace rs::gui
