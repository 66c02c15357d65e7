#include "workload/LoadClient.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <optional>
#include <utility>

#include "net/BufferEvent.h"
#include "net/InetAddress.h"
#include "net/Socket.h"
#include "workload/Payload.h"
#include "workload/WorkloadSpec.h"

namespace rs {

namespace {
constexpr Nanos kHousekeepingInterval = 50 * kNsPerMs;
// Open loop: the pacer wakes at the earliest intended send time (so the
// client's own lag stays out of the latency it reports), but not more often
// than this, so very high rates are sent in small batches.
constexpr Nanos kPacerMinGap = 20 * kNsPerUs;
// Open loop / slow reader: stop queueing while this much is unsent (the
// intended send times are kept, so the wait still counts as latency).
constexpr size_t kOutputCap = 4u << 20;
constexpr size_t kFloodQueued = 256 * 1024;
constexpr Nanos kNever = std::numeric_limits<Nanos>::max();

std::string msText(Nanos ns) { return std::to_string(ns / kNsPerMs) + " ms"; }
std::string plural(uint64_t n, const char* noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}
}  // namespace

struct LoadClient::Impl {
  enum class ConnState { Idle, Connecting, Open, Closed };
  struct Conn {
    Impl* client = nullptr;
    uint32_t index = 0;
    BufferEvent* bev = nullptr;
    ConnState state = ConnState::Idle;
    Nanos connectStarted = 0;
    uint64_t nextSeq = 0;   // next message to send
    uint64_t recvSeq = 0;   // message being received
    size_t recvOffset = 0;  // bytes of it received so far
    uint64_t recvMismatched = 0;
    std::deque<Nanos> inflight;  // intended send time of each unanswered message
    Nanos nextIntended = 0;      // open loop schedule
    // When the oldest unanswered message became the oldest: its echo is due
    // one timeout later, however many of its bytes trickle in meanwhile.
    Nanos headSince = 0;
    Nanos doneAt = 0;          // when sending ended: the connection has one timeout to finish
    size_t sourceOffset = 0;   // source mode: position in the chargen pattern
    uint64_t bytesWrittenBefore = 0;  // closed: what its bufferevent handed to the kernel
    bool sendingDone = false;
    bool shutdownSent = false;
    bool waitingForFloodTurn = false;
  };
  enum class ErrKind { Refused, Reset, Timeout, Other };

  EventBase* base;
  LoadClientConfig cfg;
  std::optional<Payload> payload;
  uint32_t tag = allocateOwnerTag();
  InetAddress target;
  std::vector<std::unique_ptr<Conn>> conns;
  size_t nextToConnect = 0;
  LoadClientStats st;
  LatencyHistogram hist;
  LatencyHistogram intervalHist;
  std::vector<IntervalStats> intervals;
  IntervalStats cur;
  uint64_t errorsAtIntervalStart = 0;
  Nanos startNs = 0;
  Nanos intervalStartNs = 0;
  Nanos sendDeadline = kNever;
  Nanos runDeadline = kNever;  // duration (or count limit) + timeout; drain() brings it closer
  Nanos periodPerConn = 0;  // open loop
  Nanos pacerDue = 0;       // when the armed pacer fires
  Nanos lastPacerRun = 0;
  size_t pacerNext = 0;     // the connection the next pacer run starts with
  bool started = false;
  bool finished = false;
  bool sendingStopped = false;
  const char* sendingEndedBy = "";  // why sending stopped ("the duration ended", ...)
  size_t floodBudget = LoadClientConfig::kFloodBytesPerYield;  // bytes left before the next yield
  std::vector<Conn*> floodTurns;  // connections waiting for the flood to resume
  // Connection errors by short reason, in first-seen order ("reset by the server" -> 2).
  std::vector<std::pair<std::string, uint64_t>> errorTally;
  std::string firstError;
  LogSink sink;
  std::function<void()> finishedCb;
  std::function<void(const IntervalStats&)> intervalCb;

  Event housekeeping;
  Event intervalTimer;
  Event pacer;
  Event connector;
  Event sendEnd;      // at sendDeadline: sending and opening stop
  Event runEnd;       // at runDeadline: whatever is still open is timed out
  Event floodResume;  // zero-delay timer: the flood goes on after a yield
  Event finishEvent;

  Impl(EventBase* b, LoadClientConfig c) : base(b), cfg(std::move(c)) {}

  void log(LogLevel level, const std::string& msg) {
    if (sink) sink(level, msg);
  }
  void noteError(const std::string& text) {
    if (firstError.empty()) {
      firstError = text;
      log(LogLevel::Warning, text);
    }
  }
  // Counts one connection error: its counter, its short reason in the tally
  // passed() reports ("2 connections: reset by the server"), and, if it is the
  // first error, its detailed line.
  void connError(ErrKind kind, const std::string& reason, const std::string& detail) {
    switch (kind) {
      case ErrKind::Refused: ++st.errRefused; break;
      case ErrKind::Reset: ++st.errReset; break;
      case ErrKind::Timeout: ++st.errTimeout; break;
      case ErrKind::Other: ++st.errOther; break;
    }
    auto it = std::find_if(errorTally.begin(), errorTally.end(), [&](const auto& e) { return e.first == reason; });
    if (it == errorTally.end()) errorTally.emplace_back(reason, 1);
    else ++it->second;
    noteError(detail);
  }
  // A socket errno as an error kind and short reason.
  static std::pair<ErrKind, std::string> classify(int err, bool connecting) {
    switch (err) {
      case ECONNREFUSED: return {ErrKind::Refused, "connect refused"};
      case ECONNRESET:
      case EPIPE: return {ErrKind::Reset, "reset by the server"};
      case ETIMEDOUT: return {ErrKind::Timeout, connecting ? "connect timed out" : "timed out"};
      default: return {ErrKind::Other, std::string(connecting ? "connect: " : "") + std::strerror(err)};
    }
  }
  std::string connName(const Conn* c) const {
    return "connection " + std::to_string(c->index) + " to " + target.toString();
  }
  uint64_t totalErrors() const { return st.errors(); }
  bool halfClose() const { return cfg.fault == LoadClientConfig::Fault::HalfClose; }
  bool slowReader() const { return cfg.fault == LoadClientConfig::Fault::SlowReader; }
  bool discardMode() const { return cfg.serverMode == LoadClientConfig::ServerMode::Discard; }
  bool sourceMode() const { return cfg.serverMode == LoadClientConfig::ServerMode::Source; }
  bool expectsEcho() const { return cfg.serverMode == LoadClientConfig::ServerMode::Echo; }
  bool abortRst() const { return cfg.fault == LoadClientConfig::Fault::AbortRst; }

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
    startNs = intervalStartNs = monotonicNowNs();
    if (cfg.durationSec > 0) {
      sendDeadline = startNs + static_cast<Nanos>(cfg.durationSec * 1e9);
    } else if (cfg.messageCount > 0) {
      sendDeadline = startNs + static_cast<Nanos>(LoadClientConfig::kCountOnlyTimeLimitSec * 1e9);
    }
    runDeadline = (sendDeadline == kNever ? startNs : sendDeadline) + cfg.timeout;
    st.connectionsAsked = static_cast<uint64_t>(cfg.connections);
    if (cfg.loopMode == LoadClientConfig::LoopMode::Open) {
      const double perConn = cfg.rate / cfg.connections;
      periodPerConn = std::max<Nanos>(1, static_cast<Nanos>(1e9 / perConn));
    }
    cur.startSec = 0;
    conns.reserve(static_cast<size_t>(cfg.connections));
    for (int i = 0; i < cfg.connections; ++i) {
      auto c = std::make_unique<Conn>();
      c->client = this;
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
    if (sendDeadline != kNever) {
      sendEnd.assign(base, -1, 0, &Impl::onSendEnd, this);
      sendEnd.setLabel("load client send end", tag);
      sendEnd.addTimeoutNs(sendDeadline - startNs);
    }
    runEnd.assign(base, -1, 0, &Impl::onRunEnd, this);
    runEnd.setLabel("load client run end", tag);
    runEnd.addTimeoutNs(runDeadline - startNs);
    floodResume.assign(base, -1, 0, &Impl::onFloodResume, this);
    floodResume.setLabel("load client flood resume", tag);
    if (cfg.loopMode == LoadClientConfig::LoopMode::Open && !slowReader()) {
      pacer.assign(base, -1, 0, &Impl::onPacer, this);
      pacer.setLabel("load client pacer", tag);
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

  // ---- connections ---------------------------------------------------------

  void connectSome(size_t n) {
    for (; n > 0 && nextToConnect < conns.size() && !sendingStopped; --n) startConnect(conns[nextToConnect++].get());
    if (nextToConnect >= conns.size() && connector.initialized()) connector.del();
    finishIfDone();
  }

  // --connect-rate: every connection due since the start (the first at once),
  // so the rate holds however seldom the timer gets to run.
  void connectDue(Nanos now) {
    const double due = 1 + std::floor(cfg.connectRate * static_cast<double>(now - startNs) / 1e9);
    const size_t upTo = due >= static_cast<double>(conns.size()) ? conns.size() : static_cast<size_t>(due);
    if (upTo > nextToConnect) connectSome(upTo - nextToConnect);
  }

  // No connection is opened any more: the ones not started stay unopened
  // (stats: attempted < asked).
  void stopOpening() {
    for (; nextToConnect < conns.size(); ++nextToConnect) conns[nextToConnect]->state = ConnState::Closed;
    if (connector.initialized()) connector.del();
  }

  void startConnect(Conn* c) {
    c->bev = BufferEvent::create(base, -1, BufferEvent::kOptCloseOnFree);
    c->bev->setLabelPrefix("load conn");
    c->bev->setCallbacks(&Impl::onRead, &Impl::onWrite, &Impl::onEvent, c);
    c->state = ConnState::Connecting;
    c->connectStarted = monotonicNowNs();
    ++st.connecting;
    ++st.connectionsAttempted;
    if (c->bev->connect(target) < 0) {
      const int err = errno;
      // The event callback already ran (and closed the connection) for
      // immediate socket errors; otherwise account for it here.
      if (c->state != ConnState::Closed) {
        const auto [kind, reason] = classify(err, true);
        connError(kind, reason,
                  c->bev->lastErrorText().empty() ? sockets::describeError("connect", target, err)
                                                  : c->bev->lastErrorText());
        closeConn(c);
      }
      return;
    }
    c->bev->enable(kEvRead | kEvWrite);
  }

  void closeConn(Conn* c) {
    if (c->state == ConnState::Connecting && st.connecting) --st.connecting;
    if (c->state == ConnState::Open && st.connected) --st.connected;
    if (c->recvMismatched) countMismatchedMessage(c, "its last, partial message");
    if (c->bev) {
      if (abortRst() && c->state == ConnState::Open && c->bev->fd() >= 0) sockets::setLingerZero(c->bev->fd());
      c->bytesWrittenBefore = c->bev->bytesWritten();
      c->bev->free();
      c->bev = nullptr;
    }
    c->state = ConnState::Closed;
    c->inflight.clear();
    finishIfDone();
  }

  void onConnected(Conn* c) {
    --st.connecting;
    ++st.connected;
    ++st.connectionsOpened;
    c->state = ConnState::Open;
    sockets::setNoDelay(c->bev->fd(), true);
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
    if (cfg.loopMode == LoadClientConfig::LoopMode::Open) {
      const Nanos now = monotonicNowNs();
      c->nextIntended = now;
      pace(c, now);
      schedulePacer(now, c->nextIntended);
    } else if (canSend()) {
      sendOne(c, monotonicNowNs());
    } else {
      connSendingDone(c);
    }
  }

  // ---- sending -------------------------------------------------------------

  bool canSend() {
    if (sendingStopped) return false;
    if (cfg.messageCount && st.messagesSent >= cfg.messageCount) {
      stopSending("the message count was reached");
      return false;
    }
    if (sendDeadline != kNever && monotonicNowNs() >= sendDeadline) {
      stopSending(durationEndText());
      return false;
    }
    return true;
  }

  const char* durationEndText() const {
    return cfg.durationSec > 0 ? "the duration ended" : "the time limit of a count-only run ended";
  }

  void sendOne(Conn* c, Nanos intended) {
    c->bev->write(payload->message(c->index, c->nextSeq), cfg.messageSize);
    ++c->nextSeq;
    if (expectsEcho()) {
      if (c->inflight.empty()) c->headSince = monotonicNowNs();
      c->inflight.push_back(intended);
    }
    ++st.messagesSent;
    st.bytesQueued += cfg.messageSize;
    if (discardMode()) {
      cur.messages += 1;
      cur.bytes += cfg.messageSize;
    }
  }

  // Open loop: queues the messages due on c by `now`, up to kOutputCap unsent
  // and `budgetBytes` queued; returns the bytes queued. Whatever is still due
  // is sent by the pacer in a later loop pass.
  size_t pace(Conn* c, Nanos now, size_t budgetBytes = LoadClientConfig::kFloodBytesPerYield) {
    size_t queued = 0;
    while (c->state == ConnState::Open && c->nextIntended <= now && c->bev->output().length() < kOutputCap &&
           queued < budgetBytes) {
      if (!canSend()) break;
      sendOne(c, c->nextIntended);
      c->nextIntended += periodPerConn;
      queued += cfg.messageSize;
    }
    return queued;
  }

  // Discard mode / slow reader: queue while the output is below kFloodQueued,
  // but at most kFloodBytesPerYield (over all connections) before yielding to
  // the loop -- the write callbacks would otherwise chain in one loop pass for
  // as long as the server keeps taking, starving timers and signals.
  void flood(Conn* c) {
    while (c->state == ConnState::Open && c->bev->output().length() < kFloodQueued) {
      if (floodBudget == 0) {
        waitForFloodTurn(c);
        return;
      }
      if (!canSend()) return;
      sendOne(c, monotonicNowNs());
      floodBudget -= std::min(floodBudget, cfg.messageSize);
    }
  }

  void waitForFloodTurn(Conn* c) {
    if (!c->waitingForFloodTurn) {
      c->waitingForFloodTurn = true;
      floodTurns.push_back(c);
    }
    if (!floodResume.pending(kEvTimeout, nullptr)) floodResume.addTimeoutNs(0);
  }

  static void onFloodResume(int, short, void* arg) {
    auto* self = static_cast<Impl*>(arg);
    self->floodBudget = LoadClientConfig::kFloodBytesPerYield;
    std::vector<Conn*> turns;
    turns.swap(self->floodTurns);
    for (Conn* c : turns) {
      c->waitingForFloodTurn = false;
      if (c->state == ConnState::Open && !c->sendingDone) self->flood(c);
    }
  }

  // Ctrl-C: nothing new starts; what is in flight is awaited, then the run
  // finishes by itself -- within one timeout at the latest.
  void drain() {
    if (finished || !started) return;
    stopOpening();
    for (auto& c : conns)
      if (c->state == ConnState::Connecting) closeConn(c.get());
    stopSending("the run was interrupted");
    const Nanos now = monotonicNowNs();
    if (!finished && now + cfg.timeout < runDeadline) {
      runDeadline = now + cfg.timeout;
      runEnd.addTimeoutNs(cfg.timeout);
    }
  }

  void stopSending(const char* why) {
    if (sendingStopped) return;
    sendingStopped = true;
    sendingEndedBy = why;
    stopOpening();
    if (sendEnd.initialized()) sendEnd.del();
    for (auto& c : conns) {
      if (c->state == ConnState::Open) connSendingDone(c.get());
    }
    finishIfDone();
  }

  // A connection will send no more: finish it according to the fault mode.
  void connSendingDone(Conn* c) {
    if (c->sendingDone || c->state != ConnState::Open) return;
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

  void maybeShutdown(Conn* c) {
    if (c->shutdownSent || c->bev->output().length() > 0) return;  // after the last byte left
    c->shutdownSent = true;
    ::shutdown(c->bev->fd(), SHUT_WR);
  }

  void maybeConnDone(Conn* c) {
    if (c->state == ConnState::Open && c->sendingDone && c->inflight.empty() && !halfClose() && !discardMode())
      closeConn(c);
  }

  // ---- receiving and verifying ---------------------------------------------

  // Source mode: every byte must continue the chargen stream.
  void receiveSource(Conn* c) {
    Buffer& in = c->bev->input();
    const std::string& pattern = chargenPattern();
    iovec vec[16];
    const int nvec = std::min(in.peek(-1, vec, 16), 16);
    size_t done = 0;
    uint64_t bad = 0;
    for (int i = 0; i < nvec; ++i) {
      const char* got = static_cast<const char*>(vec[i].iov_base);
      for (size_t k = 0; k < vec[i].iov_len; ++k) {
        bad += got[k] != pattern[c->sourceOffset];
        if (++c->sourceOffset == pattern.size()) c->sourceOffset = 0;
      }
      done += vec[i].iov_len;
    }
    in.drain(done);
    st.bytesReceived += done;
    cur.bytes += done;
    if (bad) {
      st.mismatchedBytes += bad;
      ++st.errMismatch;
      noteError("connection " + std::to_string(c->index) + ": " + std::to_string(bad) +
                " bytes differ from the source server's chargen stream");
    }
  }

  // A message (or, at close, the part of one received) that came back with
  // c->recvMismatched wrong bytes: never counted as received.
  void countMismatchedMessage(Conn* c, const std::string& which) {
    st.mismatchedBytes += c->recvMismatched;
    ++st.errMismatch;
    noteError("connection " + std::to_string(c->index) + ": " + which + " came back with " +
              std::to_string(c->recvMismatched) + " mismatched bytes");
    c->recvMismatched = 0;
  }

  void receive(Conn* c) {
    if (sourceMode()) {
      receiveSource(c);
      return;
    }
    Buffer& in = c->bev->input();
    const size_t size = cfg.messageSize;
    const Nanos now = monotonicNowNs();
    while (in.length() > 0) {
      if (c->recvSeq >= c->nextSeq || discardMode()) {
        const size_t extra = in.length();
        st.mismatchedBytes += extra;
        ++st.errMismatch;
        noteError("connection " + std::to_string(c->index) + ": " + std::to_string(extra) +
                  " unexpected bytes from the server (nothing was in flight" +
                  (discardMode() ? "; a discard server sends nothing)" : ")"));
        in.drain(extra);
        break;
      }
      const size_t take = std::min(size - c->recvOffset, in.length());
      const char* expect = payload->message(c->index, c->recvSeq) + c->recvOffset;
      iovec vec[16];
      const int nvec = std::min(in.peek(static_cast<ssize_t>(take), vec, 16), 16);
      size_t done = 0;
      for (int i = 0; i < nvec && done < take; ++i) {
        const size_t len = std::min(vec[i].iov_len, take - done);
        const char* got = static_cast<const char*>(vec[i].iov_base);
        if (std::memcmp(got, expect + done, len) != 0) {
          for (size_t k = 0; k < len; ++k) c->recvMismatched += got[k] != expect[done + k];
        }
        done += len;
      }
      in.drain(done);
      c->recvOffset += done;
      st.bytesReceived += done;
      cur.bytes += done;
      if (c->recvOffset < size) continue;
      // One whole message back.
      const Nanos intended = c->inflight.empty() ? now : c->inflight.front();
      if (!c->inflight.empty()) c->inflight.pop_front();
      c->headSince = now;  // the next message's echo is due one timeout from now
      ++c->recvSeq;
      c->recvOffset = 0;
      if (c->recvMismatched) {
        countMismatchedMessage(c, "message " + std::to_string(c->recvSeq - 1));
      } else {
        ++st.messagesReceived;
        ++cur.messages;
        hist.record(now - intended);
        intervalHist.record(now - intended);
      }
      if (cfg.loopMode == LoadClientConfig::LoopMode::Closed && !slowReader() && !c->sendingDone) {
        if (canSend())
          sendOne(c, now);
        else
          connSendingDone(c);
        if (c->state != ConnState::Open) return;
      }
    }
    maybeConnDone(c);
  }

  // ---- callbacks -----------------------------------------------------------

  static void onRead(BufferEvent*, void* ctx) {
    auto* c = static_cast<Conn*>(ctx);
    Impl* self = c->client;
    const size_t before = c->bev->input().length();
    self->receive(c);
    if (self->slowReader() && c->state == ConnState::Open) {
      // Budgeted reads: maxSingleRead holds what is left of this tick's budget.
      const size_t left = c->bev->maxSingleRead() > before ? c->bev->maxSingleRead() - before : 0;
      if (left == 0)
        c->bev->disable(kEvRead);
      else
        c->bev->setMaxSingleRead(left);
    }
  }

  static void onWrite(BufferEvent* bev, void* ctx) {
    auto* c = static_cast<Conn*>(ctx);
    Impl* self = c->client;
    if (c->state != ConnState::Open) return;
    if ((self->halfClose() || self->discardMode()) && c->sendingDone) {
      self->maybeShutdown(c);
    } else if (self->slowReader() || self->discardMode()) {
      self->flood(c);
    } else if (self->cfg.loopMode == LoadClientConfig::LoopMode::Open && !c->sendingDone) {
      const Nanos now = monotonicNowNs();
      self->pace(c, now);
      self->schedulePacer(now, c->nextIntended);
    }
    (void)bev;
  }

  static void onEvent(BufferEvent* bev, short what, void* ctx) {
    auto* c = static_cast<Conn*>(ctx);
    Impl* self = c->client;
    if (what & BufferEvent::kConnected) {
      self->onConnected(c);
      return;
    }
    const int err = bev->socketError();
    if (what & BufferEvent::kEof) {
      if (c->state == ConnState::Open) self->receive(c);
      if (c->state == ConnState::Closed) return;
      const bool expected = c->state == ConnState::Open && c->inflight.empty() &&
                            (c->sendingDone || self->halfClose()) && !self->sourceMode();
      if (expected) {
      } else if (c->state == ConnState::Connecting) {
        // The EOF can be read before the connect is seen to complete.
        self->connError(ErrKind::Other, "closed by the server as soon as it accepted",
                        self->connName(c) + ": closed by the server before the connect completed");
      } else if (self->sourceMode()) {
        self->connError(ErrKind::Other, "closed by the server before the duration ended",
                        self->connName(c) + ": closed by the server before the duration ended");
      } else {
        self->connError(ErrKind::Other, "closed by the server with messages unanswered",
                        self->connName(c) + ": closed by the server with " + std::to_string(c->inflight.size()) +
                            " message(s) unanswered");
      }
      self->closeConn(c);
      return;
    }
    if (what & BufferEvent::kTimeout) {
      self->connError(ErrKind::Timeout, "timed out", self->connName(c) + ": timeout");
    } else if (what & BufferEvent::kError) {
      const bool connecting = c->state == ConnState::Connecting;
      const auto [kind, reason] = classify(err, connecting);
      self->connError(kind, reason,
                      connecting ? sockets::describeError("connect", self->target, err)
                                 : self->connName(c) + ": " + std::strerror(err));
    }
    self->closeConn(c);
  }

  static void onHousekeeping(int, short, void* arg) {
    auto* self = static_cast<Impl*>(arg);
    const Nanos now = monotonicNowNs();
    const Nanos timeout = self->cfg.timeout;
    for (auto& up : self->conns) {
      Conn* c = up.get();
      if (c->state == ConnState::Connecting && now - c->connectStarted > timeout) {
        self->timeOut(c);
      } else if (c->state == ConnState::Open && !c->inflight.empty() && !self->slowReader() &&
                 now - c->headSince > timeout) {
        self->timeOut(c);  // the oldest message's echo is overdue
      } else if (c->state == ConnState::Open && c->sendingDone && now - c->doneAt > timeout) {
        self->timeOut(c);  // one timeout after sending ended, it still has not finished
      } else if (c->state == ConnState::Open && self->slowReader()) {
        const uint64_t perTick =
            std::max<uint64_t>(1, self->cfg.slowReaderBytesPerSec * static_cast<uint64_t>(kHousekeepingInterval) /
                                      static_cast<uint64_t>(kNsPerSec));
        c->bev->setMaxSingleRead(static_cast<size_t>(perTick));
        c->bev->enable(kEvRead);
      }
    }
  }

  // Why a connection that is not closed has not finished: the short reason
  // the tally shows and one detailed line. The one place these are worded.
  // `runEnded`: the run's own deadline (duration + timeout) cut it short,
  // rather than the connection's deadline.
  std::pair<std::string, std::string> whyUnfinished(const Conn* c, bool runEnded) const {
    const std::string within = " within " + msText(cfg.timeout);
    const std::string by = runEnded ? " by the end of the run (" + msText(cfg.timeout) + " after sending ended)" : within;
    if (c->state == ConnState::Connecting)
      return {"connect not completed" + by, sockets::describeError("connect", target, ETIMEDOUT)};
    if (!c->inflight.empty())
      return {"message not echoed" + by,
              connName(c) + ": message " + std::to_string(c->recvSeq) + " not echoed" + by + " (" +
                  std::to_string(c->recvOffset) + " of " + std::to_string(cfg.messageSize) + " B back, " +
                  std::to_string(c->inflight.size()) + " message(s) unanswered)"};
    const size_t unsent = c->bev ? c->bev->output().length() : 0;
    if (unsent > 0)
      return {"the server did not take the last bytes" + within,
              connName(c) + ": the server did not take the last " + std::to_string(unsent) + " B" + within};
    if (c->shutdownSent)
      return {"no close from the server after EOF (waited " + msText(cfg.timeout) + ")",
              connName(c) + ": every message answered, but no close from the server" + within + " of our EOF"};
    return {"still open " + msText(cfg.timeout) + " after sending ended",
            connName(c) + ": still open " + msText(cfg.timeout) + " after sending ended"};
  }

  // A connection past its deadline (or the run's): counted as a timeout with
  // its reason, closed.
  void timeOut(Conn* c, bool runEnded = false) {
    const auto [reason, detail] = whyUnfinished(c, runEnded);
    connError(ErrKind::Timeout, reason, detail);
    closeConn(c);
  }

  // Sending and opening end at the duration (or the count-only time limit).
  static void onSendEnd(int, short, void* arg) {
    auto* self = static_cast<Impl*>(arg);
    self->stopSending(self->durationEndText());
  }

  // duration + timeout (or drain + timeout): the run ends now, whatever the
  // server does; every connection still open says why it had not finished.
  static void onRunEnd(int, short, void* arg) {
    auto* self = static_cast<Impl*>(arg);
    self->stopSending(self->durationEndText());
    for (auto& c : self->conns)
      if (c->state == ConnState::Connecting || c->state == ConnState::Open) self->timeOut(c.get(), true);
    self->finish(true);
  }

  // Arms the pacer for `due` unless it is already armed for no later.
  void schedulePacer(Nanos now, Nanos due) {
    if (sendingStopped || !pacer.initialized()) return;
    due = std::max(due, lastPacerRun + kPacerMinGap);
    if (pacer.state() == EventState::Pending && pacerDue <= due) return;
    pacerDue = due;
    pacer.addTimeoutNs(std::max<Nanos>(due - now, 0));
  }

  static void onPacer(int, short, void* arg) {
    auto* self = static_cast<Impl*>(arg);
    const Nanos now = monotonicNowNs();
    self->lastPacerRun = now;
    Nanos earliest = kNever;
    // At most kFloodBytesPerYield per run, round robin from where the last
    // run stopped; a client that lags its schedule yields between runs.
    size_t budget = LoadClientConfig::kFloodBytesPerYield;
    const size_t n = self->conns.size();
    for (size_t k = 0; k < n; ++k) {
      Conn* c = self->conns[(self->pacerNext + k) % n].get();
      if (c->state != ConnState::Open || c->sendingDone) continue;
      budget -= self->pace(c, now, budget);
      if (self->sendingStopped) return;
      if (budget == 0) {
        self->pacerNext = (self->pacerNext + k) % n;
        earliest = now;
        break;
      }
      // A connection whose output is full is paced again from its write callback.
      if (c->state == ConnState::Open && c->bev->output().length() < kOutputCap)
        earliest = std::min(earliest, c->nextIntended);
    }
    if (earliest != kNever) self->schedulePacer(monotonicNowNs(), earliest);
  }

  static void onConnector(int, short, void* arg) { static_cast<Impl*>(arg)->connectDue(monotonicNowNs()); }

  static void onInterval(int, short, void* arg) { static_cast<Impl*>(arg)->closeInterval(monotonicNowNs()); }

  void closeInterval(Nanos now) {
    cur.startSec = static_cast<double>(intervalStartNs - startNs) / 1e9;
    cur.endSec = static_cast<double>(now - startNs) / 1e9;
    cur.p50Ns = intervalHist.percentile(50);
    cur.p99Ns = intervalHist.percentile(99);
    cur.maxNs = intervalHist.max();
    cur.errors = totalErrors() - errorsAtIntervalStart;
    intervals.push_back(cur);
    if (intervalCb) intervalCb(cur);
    cur = IntervalStats();
    intervalHist.reset();
    errorsAtIntervalStart = totalErrors();
    intervalStartNs = now;
  }

  // ---- finishing -------------------------------------------------------------

  void finishIfDone() {
    if (finished || !started || nextToConnect < conns.size()) return;
    for (auto& c : conns)
      if (c->state != ConnState::Closed) return;
    if (finishEvent.initialized()) finishEvent.activate(kEvTimeout);
  }

  static void onFinish(int, short, void* arg) { static_cast<Impl*>(arg)->finish(true); }

  void finish(bool notify) {
    if (finished || !started) return;
    sendingStopped = true;
    if (!*sendingEndedBy) sendingEndedBy = "the run was stopped";
    for (auto& c : conns)
      if (c->state != ConnState::Closed) closeConn(c.get());
    nextToConnect = conns.size();
    for (Event* ev : {&housekeeping, &intervalTimer, &pacer, &connector, &sendEnd, &runEnd, &floodResume, &finishEvent})
      if (ev->initialized()) ev->del();
    const Nanos now = monotonicNowNs();
    if (cur.messages || cur.bytes || totalErrors() != errorsAtIntervalStart || intervals.empty())
      closeInterval(now);
    finished = true;
    st.finished = true;
    st.elapsedSec = static_cast<double>(now - startNs) / 1e9;
    st.connecting = st.connected = 0;
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
const LoadClientConfig& LoadClient::config() const { return impl_->cfg; }

LoadClientStats LoadClient::stats() const {
  LoadClientStats s = impl_->st;
  if (!impl_->finished && impl_->started)
    s.elapsedSec = static_cast<double>(monotonicNowNs() - impl_->startNs) / 1e9;
  for (const auto& c : impl_->conns) s.bytesWritten += c->bev ? c->bev->bytesWritten() : c->bytesWrittenBefore;
  return s;
}

const LatencyHistogram& LoadClient::histogram() const { return impl_->hist; }
std::vector<IntervalStats> LoadClient::intervals() const { return impl_->intervals; }
void LoadClient::setLogSink(LogSink sink) { impl_->sink = std::move(sink); }
void LoadClient::setFinishedCallback(std::function<void()> cb) { impl_->finishedCb = std::move(cb); }
void LoadClient::setIntervalCallback(std::function<void(const IntervalStats&)> cb) {
  impl_->intervalCb = std::move(cb);
}
uint32_t LoadClient::ownerTag() const { return impl_->tag; }
std::string LoadClient::firstError() const { return impl_->firstError; }
uint16_t LoadClient::targetPort() const { return impl_->target.valid() ? impl_->target.port() : impl_->cfg.port; }

bool LoadClient::passed(std::string* why) const {
  const Impl& d = *impl_;
  const LoadClientStats& s = d.st;
  auto fail = [&](const std::string& text) {
    if (why) *why = text;
    return false;
  };
  if (!d.finished) return fail("the run has not finished");
  if (d.cfg.fault == LoadClientConfig::Fault::ClosedPort) {
    const uint64_t n = static_cast<uint64_t>(d.cfg.connections);
    if (s.errRefused == n) return true;
    return fail("closed-port fault: expected " + std::to_string(n) + " refused connects to " + d.target.toString() +
                ", got " + std::to_string(s.errRefused));
  }
  if (s.mismatchedBytes || s.errMismatch)
    return fail(std::to_string(s.mismatchedBytes) + " mismatched bytes in " + std::to_string(s.errMismatch) +
                " message(s); first: " + d.firstError);
  if (!d.errorTally.empty()) {
    std::string text;
    for (const auto& [reason, n] : d.errorTally) text += (text.empty() ? "" : "; ") + plural(n, "connection") + ": " + reason;
    return fail(text + "; first: " + d.firstError);
  }
  if (s.connectionsOpened < s.connectionsAsked)
    return fail("opened " + std::to_string(s.connectionsOpened) + " of " + std::to_string(s.connectionsAsked) +
                " connections asked: " + d.sendingEndedBy + " before " +
                (d.cfg.connectRate > 0 ? "--connect-rate reached the rest" : "the rest were opened"));
  if (d.sourceMode()) {
    if (s.bytesReceived == 0) return fail("nothing was received from the source server");
    return true;
  }
  if (s.messagesSent == 0) return fail("no message was sent");
  if (d.slowReader() && s.bytesReceived == 0)
    return fail("slow reader: nothing came back from the server (" + std::to_string(s.bytesQueued) +
                " B queued); is it an echo server?");
  const bool expectAllAnswered = d.expectsEcho() && (d.cfg.fault == LoadClientConfig::Fault::None ||
                                                     d.cfg.fault == LoadClientConfig::Fault::HalfClose);
  if (expectAllAnswered && s.messagesReceived != s.messagesSent)
    return fail(std::to_string(s.messagesSent - s.messagesReceived) + " of " + std::to_string(s.messagesSent) +
                " messages were not echoed");
  return true;
}

}  // namespace rs
