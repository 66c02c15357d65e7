// The load client's core: the connection state machine (LoadConnection.h) and
// what each mode and fault sends and when it stops. It delegates the rest, one
// concern a file:
//   RunDeadlines       when sending stops, when the run ends, overdue connections
//   OpenLoopPacer,     how fast open loop queues, and how much discard mode and
//   FloodGate          the slow reader queue per loop pass (LoadPacing.h)
//   EchoVerifier       what comes back, checked byte for byte
//   LoadClientReport   counters, histograms, intervals, errors, the verdicts' words
// Thread contract: loop thread only, like LoadClient (LoadClient.h).
#include "workload/LoadClient.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <optional>
#include <utility>

#include "net/BufferEvent.h"
#include "net/InetAddress.h"
#include "net/Socket.h"
#include "workload/EchoVerifier.h"
#include "workload/LoadClientReport.h"
#include "workload/LoadConnection.h"
#include "workload/LoadPacing.h"
#include "workload/Payload.h"
#include "workload/RunDeadlines.h"
#include "workload/WorkloadSpec.h"

namespace rs {

namespace {
constexpr Nanos kHousekeepingInterval = 50 * kNsPerMs;
// Discard mode / slow reader: a connection's output is refilled up to this.
constexpr size_t kFloodQueued = 256 * 1024;
// Closed loop: unsent bytes past which the server is taken not to read
// (onMessageBack), in messages, and at least kFloodQueued.
constexpr size_t kMaxQueuedMessages = 64;
using State = LoadConnection::State;
using ErrorKind = LoadClientReport::ErrorKind;
}  // namespace

struct LoadClient::Impl final : LoadConnectionOwner {
  EventBase* base;
  LoadClientConfig cfg;
  std::optional<Payload> payload;
  uint32_t tag = allocateOwnerTag();
  InetAddress target;
  std::vector<std::unique_ptr<LoadConnection>> conns;
  size_t nextToConnect = 0;
  // Where the run is: started by start(), sending stops once, finished once.
  bool started = false, sendingStopped = false, finished = false;
  const char* sendingEndedBy = "";  // why sending stopped ("the duration ended", ...)
  std::function<void()> finishedCb;
  // The concerns the core delegates (see the top of this file).
  LoadClientReport report;
  std::optional<EchoVerifier> verifier;  // from begin()
  EchoVerifier::MessageBack messageBack = [this](LoadConnection* c, Nanos now) { return onMessageBack(c, now); };
  RunDeadlines deadlines;
  OpenLoopPacer pacer;
  FloodGate floodGate;

  Event housekeeping;
  Event intervalTimer;
  Event connector;
  Event finishEvent;
  Event resetTimer;        // the rst fault during the run (cfg.rstIntervalSec)
  size_t resetCursor = 0;  // where the round robin of resets goes on

  Impl(EventBase* b, LoadClientConfig c) : base(b), cfg(std::move(c)) {}

  LoadClientStats& st() { return report.stats(); }
  bool halfClose() const { return cfg.fault == LoadClientConfig::Fault::HalfClose; }
  bool slowReader() const { return cfg.fault == LoadClientConfig::Fault::SlowReader; }
  bool abortRst() const { return cfg.fault == LoadClientConfig::Fault::AbortRst; }
  bool discardMode() const { return cfg.serverMode == LoadClientConfig::ServerMode::Discard; }
  bool sourceMode() const { return cfg.serverMode == LoadClientConfig::ServerMode::Source; }
  bool expectsEcho() const { return cfg.serverMode == LoadClientConfig::ServerMode::Echo; }
  bool openLoop() const { return cfg.loopMode == LoadClientConfig::LoopMode::Open; }
  void connError(ErrorKind kind, const std::string& reason, const std::string& detail) {
    report.connectionError(kind, reason, detail);
  }

  // ---- setup ---------------------------------------------------------------

  // validate() (WorkloadSpec.h) judges the config; then the target is
  // resolved, the payload built and, for closed-port, a dead port found.
  bool prepare(std::string* error) {
    if (std::string problem = validate(cfg); !problem.empty()) {
      *error = std::move(problem);
      return false;
    }
    std::string err;
    auto addr = InetAddress::resolve(cfg.host, cfg.port, &err);
    if (!addr) {  // validate() resolved it already
      *error = err;
      return false;
    }
    payload = Payload::create(cfg.payload, cfg.payloadSpec, cfg.seed, cfg.messageSize, &err);
    if (!payload) {
      *error = err;
      return false;
    }
    if (cfg.fault == LoadClientConfig::Fault::ClosedPort) {
      // A port nobody listens on: bound (never listening) and released.
      Socket probe(sockets::createNonblocking(addr->family()));
      InetAddress any = *addr;
      any.setPort(0);
      if (!probe.valid() || ::bind(probe.fd(), any.sockAddr(), any.length()) < 0) {
        *error = sockets::describeError("bind", any, errno);
        return false;
      }
      addr->setPort(sockets::localAddress(probe.fd()).port());
    }
    target = *addr;
    return true;
  }

  void begin() {
    started = true;
    const Nanos startNs = monotonicNowNs();
    report.startIntervals(startNs);
    verifier.emplace(&*payload, cfg.messageSize, &report);
    st().connectionsAsked = static_cast<uint64_t>(cfg.connections);
    conns.reserve(static_cast<size_t>(cfg.connections));
    for (int i = 0; i < cfg.connections; ++i) {
      auto c = std::make_unique<LoadConnection>();
      c->owner = this;
      c->index = static_cast<uint32_t>(i);
      conns.push_back(std::move(c));
    }
    housekeeping.assign(base, -1, kEvPersist, &Impl::onHousekeeping, this);
    housekeeping.setLabel("load client housekeeping", tag);
    housekeeping.addTimeoutNs(kHousekeepingInterval);
    intervalTimer.assign(base, -1, kEvPersist, &Impl::onInterval, this);
    intervalTimer.setLabel("load client interval", tag);
    intervalTimer.addTimeoutNs(kNsPerSec);
    finishEvent.assign(base, -1, 0, &Impl::onFinish, this);
    finishEvent.setLabel("load client finish", tag);
    deadlines.start(base, tag, cfg, startNs, &Impl::onSendEnd, &Impl::onRunEnd, this);
    floodGate.start(base, tag, [this](LoadConnection* c) {
      if (c->open() && !c->sendingDone) flood(c);
    });
    if (openLoop() && !slowReader()) {
      pacer.start(base, tag, cfg.rate, &conns,
                  [this](LoadConnection* c, Nanos now, size_t budget) { return pace(c, now, budget); });
    }
    if (abortRst() && cfg.rstIntervalSec > 0) {
      resetTimer.assign(base, -1, kEvPersist, &Impl::onResetTick, this);
      resetTimer.setLabel("load client rst fault", tag);
      resetTimer.addTimeoutNs(static_cast<Nanos>(cfg.rstIntervalSec * 1e9));
    }
    if (cfg.connectRate > 0) {
      connector.assign(base, -1, kEvPersist, &Impl::onConnector, this);
      connector.setLabel("load client connector", tag);
      connector.addTimeoutNs(std::max<Nanos>(kNsPerMs, static_cast<Nanos>(1e9 / cfg.connectRate)));
      connectSome(1);
    } else {
      connectSome(conns.size());
    }
  }

  // ---- the connection state machine ------------------------------------------

  void connectSome(size_t n) {
    for (; n > 0 && nextToConnect < conns.size() && !sendingStopped; --n) startConnect(conns[nextToConnect++].get());
    if (nextToConnect >= conns.size() && connector.initialized()) connector.del();
    finishIfDone();
  }

  // --connect-rate: every connection due since the start (the first at once),
  // so the rate holds however seldom the timer gets to run.
  void connectDue(Nanos now) {
    const double due = 1 + std::floor(cfg.connectRate * static_cast<double>(now - deadlines.startNs()) / 1e9);
    const size_t upTo = due >= static_cast<double>(conns.size()) ? conns.size() : static_cast<size_t>(due);
    if (upTo > nextToConnect) connectSome(upTo - nextToConnect);
  }

  // Idle -> Closed: no connection is opened any more; the ones not started
  // stay unopened (stats: attempted < asked).
  void stopOpening() {
    for (; nextToConnect < conns.size(); ++nextToConnect) conns[nextToConnect]->state = State::Closed;
    if (connector.initialized()) connector.del();
  }

  // Idle -> Connecting.
  void startConnect(LoadConnection* c) {
    c->createBufferEvent(base);
    c->state = State::Connecting;
    c->connectStarted = monotonicNowNs();
    ++st().connecting;
    ++st().connectionsAttempted;
    if (c->bev->connect(target) < 0) {
      const int err = errno;
      // The event callback already ran (and closed the connection) for
      // immediate socket errors; otherwise account for it here.
      if (c->state != State::Closed) {
        const auto [kind, reason] = LoadClientReport::classify(err, true);
        connError(kind, reason,
                  c->bev->lastErrorText().empty() ? sockets::describeError("connect", target, err)
                                                  : c->bev->lastErrorText());
        closeConn(c);
      }
      return;
    }
    c->bev->enable(kEvRead | kEvWrite);
  }

  // The rst fault during the run: the next open connection (round robin) is
  // reset (closeConn() sets SO_LINGER 0 for this fault) and a new connection
  // takes its place, so resets keep coming while the load goes on. Its
  // unanswered messages end with it (the fault expects them lost).
  void resetOne() {
    if (sendingStopped || nextToConnect < conns.size()) return;  // ending, or --connect-rate still opening
    for (size_t tried = 0; tried < conns.size(); ++tried) {
      LoadConnection* c = conns[resetCursor++ % conns.size()].get();
      if (!c->open() || c->sendingDone) continue;
      ++st().resets;
      report.log(LogLevel::Info, "rst fault: " + c->name(target) + " reset (RST) during the run, replaced");
      c->inflight.clear();
      closeConn(c);
      auto fresh = std::make_unique<LoadConnection>();
      fresh->owner = this;
      fresh->index = static_cast<uint32_t>(conns.size());
      conns.push_back(std::move(fresh));
      nextToConnect = conns.size();
      startConnect(conns.back().get());
      return;
    }
  }

  // Connecting or Open -> Closed.
  void closeConn(LoadConnection* c) {
    if (c->state == State::Connecting && st().connecting) --st().connecting;
    if (c->state == State::Open && st().connected) --st().connected;
    if (c->recvMismatched) verifier->countMismatchedMessage(c, "its last, partial message");
    if (c->bev) {
      if (abortRst() && c->state == State::Open && c->bev->fd() >= 0) sockets::setLingerZero(c->bev->fd());
      c->bytesWrittenBefore = c->bev->bytesWritten();
      c->bev->free();
      c->bev = nullptr;
    }
    c->state = State::Closed;
    c->inflight.clear();
    finishIfDone();
  }

  // Connecting -> Open: what each mode does first.
  void onConnected(LoadConnection* c) {
    --st().connecting;
    ++st().connected;
    ++st().connectionsOpened;
    c->state = State::Open;
    sockets::setNoDelay(c->bev->fd(), true);
    c->local = sockets::localAddress(c->bev->fd()).toString();
    if (sendingStopped) {
      // Connected after the duration/count ended (or drain()): nothing to
      // send, so finish it now -- no mode below would ever get to.
      connSendingDone(c);
      return;
    }
    if (sourceMode()) return;  // only reads, until the duration ends
    if (discardMode()) {
      c->bev->setWatermark(kEvWrite, kFloodQueued / 2, 0);
      flood(c);
      return;
    }
    if (slowReader()) {
      c->bev->disable(kEvRead);  // reads happen in housekeeping ticks, budgeted
      c->bev->setWatermark(kEvWrite, kFloodQueued / 2, 0);
      flood(c);
      return;
    }
    if (openLoop()) {
      const Nanos now = monotonicNowNs();
      c->nextIntended = now;
      pace(c, now);
      pacer.schedule(now, c->nextIntended);
    } else if (canSend()) {
      sendOne(c, monotonicNowNs());
    } else {
      connSendingDone(c);
    }
  }

  // A connection will send no more: finish it according to the fault mode.
  void connSendingDone(LoadConnection* c) {
    if (c->sendingDone || !c->open()) return;
    c->sendingDone = true;
    c->doneAt = monotonicNowNs();
    if (sourceMode()) {
      closeConn(c);
      return;
    }
    if (discardMode()) {
      // Everything queued still goes out; then FIN, and the server closes.
      c->bev->setWatermark(kEvWrite, 0, 0);
      maybeShutdown(c);
      return;
    }
    if (abortRst()) {
      // One last message in flight, then RST (SO_LINGER 0) instead of FIN.
      sendOne(c, monotonicNowNs());
      c->inflight.clear();
      closeConn(c);
      return;
    }
    if (slowReader()) {
      closeConn(c);  // the rest would take forever at the slow rate
      return;
    }
    if (halfClose()) {
      c->bev->setWatermark(kEvWrite, 0, 0);
      maybeShutdown(c);
      return;
    }
    maybeConnDone(c);
  }

  void maybeShutdown(LoadConnection* c) {
    if (c->shutdownSent || c->bev->output().length() > 0) return;  // after the last byte left
    c->shutdownSent = true;
    ::shutdown(c->bev->fd(), SHUT_WR);
  }

  void maybeConnDone(LoadConnection* c) {
    if (c->open() && c->sendingDone && c->inflight.empty() && !halfClose() && !discardMode()) closeConn(c);
  }

  // A connection past its deadline (or the run's): counted as a timeout with
  // its reason, closed.
  void timeOut(LoadConnection* c, bool runEnded = false) {
    const auto [reason, detail] = describeUnfinished(*c, cfg, target, runEnded);
    connError(ErrorKind::Timeout, reason, detail);
    closeConn(c);
  }

  // ---- sending -------------------------------------------------------------

  bool canSend() {
    if (sendingStopped) return false;
    if (cfg.messageCount && st().messagesSent >= cfg.messageCount) {
      stopSending("the message count was reached");
      return false;
    }
    if (deadlines.sendTimeUp(monotonicNowNs())) {
      stopSending(RunDeadlines::sendEndText(cfg));
      return false;
    }
    return true;
  }

  void sendOne(LoadConnection* c, Nanos intended) {
    c->bev->write(payload->message(c->index, c->nextSeq), cfg.messageSize);
    ++c->nextSeq;
    if (expectsEcho()) {
      if (c->inflight.empty()) c->headSince = monotonicNowNs();
      c->inflight.push_back(intended);
    }
    report.messageQueued(cfg.messageSize, discardMode());
  }

  // Open loop: queues the messages due on c by `now`, up to the pacer's output
  // cap unsent and `budgetBytes` queued; returns the bytes queued. Whatever is
  // still due is sent by the pacer in a later loop pass.
  size_t pace(LoadConnection* c, Nanos now, size_t budgetBytes = LoadClientConfig::kFloodBytesPerYield) {
    size_t queued = 0;
    while (c->open() && c->nextIntended <= now && c->bev->output().length() < OpenLoopPacer::kOutputCapBytes &&
           queued < budgetBytes) {
      if (!canSend()) break;
      sendOne(c, c->nextIntended);
      c->nextIntended += pacer.periodPerConnection();
      queued += cfg.messageSize;
    }
    return queued;
  }

  // Discard mode / slow reader: queue while the output is below kFloodQueued,
  // within the flood gate's budget for this loop pass.
  void flood(LoadConnection* c) {
    while (c->open() && c->bev->output().length() < kFloodQueued) {
      if (floodGate.spent()) {
        floodGate.wait(c);
        return;
      }
      if (!canSend()) return;
      sendOne(c, monotonicNowNs());
      floodGate.spend(cfg.messageSize);
    }
  }

  // Ctrl-C: nothing new starts; what is in flight is awaited, then the run
  // finishes by itself -- within one timeout at the latest.
  void drain() {
    if (finished || !started) return;
    stopOpening();
    for (auto& c : conns)
      if (c->state == State::Connecting) closeConn(c.get());
    stopSending("the run was interrupted");
    if (!finished) deadlines.endWithin(monotonicNowNs(), cfg.timeout);
  }

  void stopSending(const char* why) {
    if (sendingStopped) return;
    sendingStopped = true;
    pacer.stop();
    sendingEndedBy = why;
    stopOpening();
    deadlines.cancelSendEnd();
    for (auto& c : conns) {
      if (c->open()) connSendingDone(c.get());
    }
    finishIfDone();
  }

  // ---- receiving ------------------------------------------------------------

  void receive(LoadConnection* c) {
    if (sourceMode()) {
      verifier->receiveSource(c);
      return;
    }
    verifier->receiveEchoes(c, discardMode(), messageBack);
    maybeConnDone(c);
  }

  // After each verified (or mismatched) message: closed loop sends the next.
  // An echo server reads each message before its echo comes back, so in a
  // closed loop the output never holds more than one; a server that sends on
  // its own and never reads would have every `size` bytes it sends answered
  // by a new message queued here without end (a 100 MB burst: 420 MB of
  // client memory). Past kMaxQueuedMessages (or kFloodQueued) unsent, the
  // connection fails.
  bool onMessageBack(LoadConnection* c, Nanos now) {
    if (openLoop() || slowReader() || c->sendingDone) return true;
    if (const size_t queued = c->bev->output().length();
        queued >= std::max(kFloodQueued, kMaxQueuedMessages * cfg.messageSize)) {
      connError(ErrorKind::Other, "the server sends without reading",
                c->name(target) + ": the server sent " + std::to_string(c->recvSeq) +
                    " messages' worth of bytes but has not read the last " + std::to_string(queued) +
                    " bytes sent to it");
      closeConn(c);
      return false;
    }
    if (canSend())
      sendOne(c, now);
    else
      connSendingDone(c);
    return c->open();
  }

  // ---- bufferevent callbacks (LoadConnectionOwner) ----------------------------

  void onConnectionReadable(LoadConnection* c) override {
    const size_t before = c->bev->input().length();
    receive(c);
    if (slowReader() && c->open()) {
      // Budgeted reads: maxSingleRead holds what is left of this tick's budget.
      const size_t left = c->bev->maxSingleRead() > before ? c->bev->maxSingleRead() - before : 0;
      if (left == 0)
        c->bev->disable(kEvRead);
      else
        c->bev->setMaxSingleRead(left);
    }
  }

  void onConnectionWritable(LoadConnection* c) override {
    if (!c->open()) return;
    if ((halfClose() || discardMode()) && c->sendingDone) {
      maybeShutdown(c);
    } else if (slowReader() || discardMode()) {
      flood(c);
    } else if (openLoop() && !c->sendingDone) {
      const Nanos now = monotonicNowNs();
      pace(c, now);
      pacer.schedule(now, c->nextIntended);
    }
  }

  void onConnectionEvent(LoadConnection* c, short what) override {
    if (what & BufferEvent::kConnected) {
      onConnected(c);
      return;
    }
    const int err = c->bev->socketError();
    if (what & BufferEvent::kEof) {
      if (c->open()) receive(c);
      if (c->state == State::Closed) return;
      const bool expected =
          c->open() && c->inflight.empty() && (c->sendingDone || halfClose()) && !sourceMode();
      if (expected) {
      } else if (c->state == State::Connecting) {
        // The EOF can be read before the connect is seen to complete.
        connError(ErrorKind::Other, "closed by the server as soon as it accepted",
                  c->name(target) + ": closed by the server before the connect completed");
      } else if (sourceMode()) {
        connError(ErrorKind::Other, "closed by the server before the duration ended",
                  c->name(target) + ": closed by the server before the duration ended");
      } else {
        connError(ErrorKind::Other, "closed by the server with messages unanswered",
                  c->name(target) + ": closed by the server with " + std::to_string(c->inflight.size()) +
                      " message(s) unanswered");
      }
      closeConn(c);
      return;
    }
    if (what & BufferEvent::kTimeout) {
      connError(ErrorKind::Timeout, "timed out", c->name(target) + ": timeout");
    } else if (what & BufferEvent::kError) {
      const bool connecting = c->state == State::Connecting;
      const auto [kind, reason] = LoadClientReport::classify(err, connecting);
      connError(kind, reason,
                connecting ? sockets::describeError("connect", target, err)
                           : c->name(target) + ": " + std::strerror(err));
    }
    closeConn(c);
  }

  // ---- timers --------------------------------------------------------------

  // Every kHousekeepingInterval: overdue connections time out; the slow
  // reader gets this tick's read budget.
  static void onHousekeeping(int, short, void* arg) {
    auto* self = static_cast<Impl*>(arg);
    const Nanos now = monotonicNowNs();
    for (auto& up : self->conns) {
      LoadConnection* c = up.get();
      if (RunDeadlines::connectionOverdue(*c, now, self->cfg.timeout, self->slowReader())) {
        self->timeOut(c);
      } else if (c->open() && self->slowReader()) {
        const uint64_t perTick =
            std::max<uint64_t>(1, self->cfg.slowReaderBytesPerSec * static_cast<uint64_t>(kHousekeepingInterval) /
                                      static_cast<uint64_t>(kNsPerSec));
        c->bev->setMaxSingleRead(static_cast<size_t>(perTick));
        c->bev->enable(kEvRead);
      }
    }
  }

  // Sending and opening end at the duration (or the count-only time limit).
  static void onSendEnd(int, short, void* arg) {
    auto* self = static_cast<Impl*>(arg);
    self->stopSending(RunDeadlines::sendEndText(self->cfg));
  }

  // duration + timeout (or drain + timeout): the run ends now, whatever the
  // server does; every connection still open says why it had not finished.
  static void onRunEnd(int, short, void* arg) {
    auto* self = static_cast<Impl*>(arg);
    self->stopSending(RunDeadlines::sendEndText(self->cfg));
    for (auto& c : self->conns)
      if (c->state == State::Connecting || c->open()) self->timeOut(c.get(), true);
    self->finish(true);
  }

  static void onResetTick(int, short, void* arg) { static_cast<Impl*>(arg)->resetOne(); }
  static void onConnector(int, short, void* arg) { static_cast<Impl*>(arg)->connectDue(monotonicNowNs()); }

  static void onInterval(int, short, void* arg) { static_cast<Impl*>(arg)->report.closeInterval(monotonicNowNs()); }

  // ---- finishing -------------------------------------------------------------

  void finishIfDone() {
    if (finished || !started || nextToConnect < conns.size()) return;
    for (auto& c : conns)
      if (c->state != State::Closed) return;
    if (finishEvent.initialized()) finishEvent.activate(kEvTimeout);
  }

  static void onFinish(int, short, void* arg) { static_cast<Impl*>(arg)->finish(true); }

  void finish(bool notify) {
    if (finished || !started) return;
    sendingStopped = true;
    pacer.stop();
    if (!*sendingEndedBy) sendingEndedBy = "the run was stopped";
    for (auto& c : conns)
      if (c->state != State::Closed) closeConn(c.get());
    nextToConnect = conns.size();
    for (Event* ev : {&housekeeping, &intervalTimer, &resetTimer})
      if (ev->initialized()) ev->del();
    pacer.cancel();
    if (connector.initialized()) connector.del();
    deadlines.cancel();
    floodGate.cancel();
    if (finishEvent.initialized()) finishEvent.del();
    const Nanos now = monotonicNowNs();
    report.closeLastInterval(now);
    finished = true;
    LoadClientStats& s = st();
    s.finished = true;
    s.elapsedSec = static_cast<double>(now - deadlines.startNs()) / 1e9;
    s.connecting = s.connected = 0;
    if (notify && finishedCb) {
      auto cb = finishedCb;  // the callback may destroy the client
      cb();
    }
  }
};

LoadClient::LoadClient(EventBase* base, LoadClientConfig config)
    : impl_(std::make_unique<Impl>(base, std::move(config))) {}

LoadClient::~LoadClient() { impl_->finish(false); }

bool LoadClient::start(std::string* error) {
  if (impl_->started) {
    if (error) *error = "load client already started";
    return false;
  }
  std::string err;
  if (!impl_->prepare(&err)) {
    if (error) *error = err;
    return false;
  }
  impl_->begin();
  return true;
}

void LoadClient::stop() { impl_->finish(true); }
void LoadClient::drain() { impl_->drain(); }
bool LoadClient::finished() const { return impl_->finished; }

std::vector<ConnectionEnds> LoadClient::ends(size_t max) const {
  std::vector<ConnectionEnds> out;
  const std::string peer = impl_->target.toString();
  for (const auto& c : impl_->conns) {
    if (out.size() >= max) break;
    if (c->open() && c->bev) out.push_back({c->bev->ownerTag(), c->local, peer});
  }
  return out;
}
const LoadClientConfig& LoadClient::config() const { return impl_->cfg; }

LoadClientStats LoadClient::stats() const {
  LoadClientStats s = impl_->report.stats();
  if (!impl_->finished && impl_->started)
    s.elapsedSec = static_cast<double>(monotonicNowNs() - impl_->deadlines.startNs()) / 1e9;
  for (const auto& c : impl_->conns) s.bytesWritten += c->bev ? c->bev->bytesWritten() : c->bytesWrittenBefore;
  return s;
}

const LatencyHistogram& LoadClient::histogram() const { return impl_->report.histogram(); }
std::vector<IntervalStats> LoadClient::intervals() const { return impl_->report.intervals(); }
void LoadClient::setLogSink(LogSink sink) { impl_->report.setLogSink(std::move(sink)); }
void LoadClient::setFinishedCallback(std::function<void()> cb) { impl_->finishedCb = std::move(cb); }
void LoadClient::setIntervalCallback(std::function<void(const IntervalStats&)> cb) {
  impl_->report.setIntervalCallback(std::move(cb));
}
void LoadClient::setIntervalHistogramCallback(
    std::function<void(const IntervalStats&, const LatencyHistogram&)> cb) {
  impl_->report.setIntervalHistogramCallback(std::move(cb));
}
uint32_t LoadClient::ownerTag() const { return impl_->tag; }
std::string LoadClient::firstError() const { return impl_->report.firstError(); }
uint16_t LoadClient::targetPort() const { return impl_->target.valid() ? impl_->target.port() : impl_->cfg.port; }

bool LoadClient::passed(std::string* why) const {
  if (!impl_->finished) {
    if (why) *why = "the run has not finished";
    return false;
  }
  return impl_->report.passed(impl_->cfg, impl_->target, impl_->sendingEndedBy, why);
}

}  // namespace rs
