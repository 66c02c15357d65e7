#include "workload/EchoServer.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <list>
#include <unordered_map>

#include "net/BufferEvent.h"
#include "net/InetAddress.h"
#include "net/Listener.h"
#include "net/Socket.h"
#include "workload/WorkloadSpec.h"

namespace rs {

namespace {
// Source mode keeps this much queued and refills below half of it.
constexpr size_t kSourceChunk = 64 * 1024;
constexpr size_t kSourceQueued = 256 * 1024;
// The largest single read (BufferEvent's default max single read).
constexpr size_t kMaxReadChunk = 64 * 1024;

// Connection notes are stamped with the system clock when they happen, in the
// loop thread, rather than with the loop's monotonic time converted later: the
// loop's cached time is when it woke, not when accept() returned, and a
// monotonic-to-wall offset taken once drifts as NTP slews the wall clock. The
// wall time is also what tcpdump and the peer's own logs print, so the lines
// line up with them. One vDSO clock read per accept/close, only with a sink.
int64_t wallNowNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

const char* toString(ConnectionNote::CloseReason reason) {
  using R = ConnectionNote::CloseReason;
  switch (reason) {
    case R::None: return "open";
    case R::PeerClosed: return "peer closed";
    case R::Reset: return "reset by peer";
    case R::Error: return "error";
    case R::ServerStop: return "server stop";
    case R::MaxConnections: return "refused (max connections)";
    case R::IdleTimeout: return "idle timeout";
  }
  return "?";
}

size_t EchoServerConfig::readChunkBytes() const {
  size_t chunk = kMaxReadChunk;
  // One byte below the read high watermark: a read that filled the input up to
  // it would make the bufferevent stop and restart reading (an epoll_ctl DEL
  // and ADD per read) although the server empties the input at once.
  if (readHighWatermark > 0) chunk = std::min(chunk, std::max<size_t>(readHighWatermark - 1, 1));
  for (size_t bound : {outputCapBytes, memoryBudgetBytes})
    if (bound > 0) chunk = std::min(chunk, bound);
  return chunk;
}

size_t EchoServerConfig::outputResumeBytes() const {
  if (outputCapBytes == 0) return 0;
  return std::min(outputCapBytes / 2, outputCapBytes - readChunkBytes());
}

size_t EchoServerConfig::budgetResumeBytes() const {
  if (memoryBudgetBytes == 0) return 0;
  return std::min(memoryBudgetBytes - memoryBudgetBytes / 4, memoryBudgetBytes - readChunkBytes());
}

const std::string& chargenPattern() {
  // RFC 864's rotating 72-column lines of printable ASCII, one 95-line cycle.
  static const std::string block = [] {
    std::string s;
    for (int line = 0; line < 95; ++line) {
      for (int col = 0; col < 72; ++col) s.push_back(static_cast<char>(' ' + (line + col) % 95));
      s += "\r\n";
    }
    return s;
  }();
  return block;
}

struct EchoServer::Impl {
  // Why a connection is not reading (bits of Conn::pausedBy).
  enum : uint8_t { kPauseOutputCap = 0x01, kPauseBudget = 0x02 };

  struct Conn {
    Impl* server = nullptr;
    BufferEvent* bev = nullptr;
    uint32_t id = 0;
    uint32_t number = 0;  // 1, 2, ... in this server: "echo conn N"
    int fd = -1;
    std::string peer;
    std::string local;  // the accepted socket's own address
    uint64_t bytesIn = 0;
    bool closing = false;       // EOF seen or draining: close once the output has drained
    ConnectionNote::CloseReason closeReason = ConnectionNote::CloseReason::PeerClosed;  // when closing
    uint8_t pausedBy = 0;       // back-pressure: kPauseOutputCap | kPauseBudget
    size_t sourceOffset = 0;
    Nanos lastActivity = 0;     // last byte read or written (loop time)
    // Delayed echo (only with a response delay): chunks with their due time,
    // and the timer that releases them. Allocated on demand: idle connections
    // stay small.
    std::list<std::pair<Nanos, Buffer>> delayed;  // std::deque would allocate up front
    size_t delayedBytes = 0;
    std::unique_ptr<Event> delayTimer;
    std::unique_ptr<Event> idleTimer;  // only with an idle timeout

    // What the peer has not taken yet: the output cap applies to this.
    size_t queuedBytes() const { return bev->output().length() + delayedBytes; }
    size_t bufferedBytes() const { return bev->input().length() + queuedBytes(); }
  };

  EventBase* base;
  EchoServerConfig config;
  const size_t readChunk;  // config.readChunkBytes(): the most one read adds
  Listener* listener = nullptr;
  uint32_t tag = allocateOwnerTag();
  uint16_t port = 0;
  LogSink sink;
  ConnectionNoteSink noteSink;
  EchoServerStats totals;
  uint32_t connectionsNumbered = 0;  // the last Conn::number given
  uint64_t closedBytesOut = 0;
  std::unordered_map<uint32_t, std::unique_ptr<Conn>> conns;
  // Memory accounting: kept exact by the connections' buffer callbacks.
  size_t buffered = 0;
  bool budgetPaused = false;
  Event budgetResume;  // re-checks the budget once bytes were released
  bool budgetResumeQueued = false;

  Impl(EventBase* b, EchoServerConfig c)
      : base(b), config(std::move(c)), readChunk(config.readChunkBytes()),
        budgetResume(b, -1, 0, &Impl::onBudgetResume, this) {
    budgetResume.setLabel("echo memory budget", tag);
    totals.memoryBudgetBytes = config.memoryBudgetBytes;
  }

  void log(LogLevel level, const std::string& msg) {
    if (sink) sink(level, msg);
  }

  static void onAccept(Listener*, int fd, sockaddr* peer, int socklen, void* ctx) {
    static_cast<Impl*>(ctx)->accept(fd, InetAddress(peer, static_cast<socklen_t>(socklen)));
  }

  static void onAcceptError(Listener* l, void* ctx) {
    auto* self = static_cast<Impl*>(ctx);
    const int err = errno;
    ++self->totals.acceptErrors;
    self->log(LogLevel::Warning, "accept on " + l->localAddress().toString() + ": " + std::strerror(err) +
                                     "; accepting paused, resuming after a backoff");
  }

  static ConnectionNote makeNote(ConnectionNote::Kind kind, int64_t wallNs, uint32_t id, int fd,
                                 const std::string& peer) {
    ConnectionNote n;
    n.kind = kind;
    n.wallTimeNs = wallNs;
    n.id = id;
    n.fd = fd;
    n.peer = peer;
    return n;
  }

  void noteClosed(const Conn& c, ConnectionNote::CloseReason reason, std::string error) {
    ConnectionNote n = makeNote(ConnectionNote::Kind::Closed, wallNowNs(), c.id, c.fd, c.peer);
    n.number = c.number;
    n.reason = reason;
    n.error = std::move(error);
    n.bytesIn = c.bytesIn;
    n.bytesOut = c.bev->bytesWritten();
    noteSink(std::move(n));
  }

  void accept(int fd, const InetAddress& peer) {
    const int64_t acceptedNs = noteSink ? wallNowNs() : 0;
    ++totals.accepted;
    if (config.maxConnections > 0 && conns.size() >= static_cast<size_t>(config.maxConnections)) {
      ++totals.rejected;
      ::close(fd);
      const std::string why = std::to_string(config.maxConnections) +
                              (config.maxConnections == 1 ? " connection" : " connections") + " already open";
      if (!noteSink) {
        log(LogLevel::Warning, "rejected " + peer.toString() + ": " + why);
        return;
      }
      // Never a connection (no events, id 0), but accepted and closed all the same.
      const std::string peerText = peer.toString();
      noteSink(makeNote(ConnectionNote::Kind::Accepted, acceptedNs, 0, fd, peerText));
      ConnectionNote n = makeNote(ConnectionNote::Kind::Closed, wallNowNs(), 0, fd, peerText);
      n.reason = ConnectionNote::CloseReason::MaxConnections;
      n.error = why;
      noteSink(std::move(n));
      return;
    }
    sockets::setNoDelay(fd, true);
    auto conn = std::make_unique<Conn>();
    Conn* c = conn.get();
    c->server = this;
    c->fd = fd;
    c->peer = peer.toString();
    c->local = sockets::localAddress(fd).toString();
    c->bev = BufferEvent::create(base, fd, BufferEvent::kOptCloseOnFree);
    c->id = c->bev->ownerTag();
    c->number = ++connectionsNumbered;
    c->bev->setLabelPrefix("echo conn");
    c->bev->setLabelNumber(c->number);
    c->bev->setKernelSampleInterval(config.kernelSampleInterval);
    c->bev->setCallbacks(&Impl::onRead, &Impl::onWrite, &Impl::onEvent, c);
    c->bev->input().addCallback(&Impl::onInputChanged, c);
    c->bev->output().addCallback(&Impl::onOutputChanged, c);
    c->bev->setMaxSingleRead(readChunk);
    if (config.readHighWatermark > 0) c->bev->setWatermark(kEvRead, 0, config.readHighWatermark);
    if (config.mode == EchoServerConfig::Mode::Echo && config.outputCapBytes > 0) {
      // The write callback runs once the output is down to the resume level;
      // the write high watermark records the cap (for the trace and the
      // Buffers view; a socket bufferevent does not act on it, as in libevent).
      c->bev->setWatermark(kEvWrite, config.outputResumeBytes(), config.outputCapBytes);
    }
    if (config.responseDelayMs > 0) {
      c->delayTimer = std::make_unique<Event>(base, -1, 0, &Impl::onDelayTimer, c);
      c->delayTimer->setLabel("echo conn " + std::to_string(c->number) + " delay", c->id);
    }
    c->lastActivity = base->now();
    if (config.idleTimeoutMs > 0) {
      c->idleTimer = std::make_unique<Event>(base, -1, 0, &Impl::onIdleTimer, c);
      c->idleTimer->setLabel("echo conn " + std::to_string(c->number) + " idle", c->id);
      c->idleTimer->addTimeoutNs(config.idleTimeoutMs * kNsPerMs);
    }
    conns.emplace(c->id, std::move(conn));
    if (noteSink) {
      ConnectionNote n = makeNote(ConnectionNote::Kind::Accepted, acceptedNs, c->id, c->fd, c->peer);
      n.number = c->number;
      noteSink(std::move(n));
    }
    c->bev->enable(kEvWrite);
    if (budgetPaused) setPaused(c, kPauseBudget, true);  // waits with the others
    else c->bev->enable(kEvRead);
    if (config.mode == EchoServerConfig::Mode::Source) {
      c->bev->setWatermark(kEvWrite, sourceTarget() / 2, sourceTarget());
      refillSource(c);
    }
  }

  // ---- memory accounting (buffer callbacks) and back-pressure

  void bufferChanged(const Buffer::ChangeInfo* info) {
    buffered += info->nAdded;
    buffered -= info->nDeleted;
    if (buffered > totals.peakBufferedBytes) totals.peakBufferedBytes = buffered;
    if (info->nDeleted && budgetPaused) queueBudgetResume();
  }
  // Bytes added to the input were read, bytes gone from the output were sent:
  // both are traffic for the idle timeout.
  static void onInputChanged(Buffer*, const Buffer::ChangeInfo* info, void* arg) {
    auto* c = static_cast<Conn*>(arg);
    if (info->nAdded) c->lastActivity = c->server->base->now();
    c->server->bufferChanged(info);
  }
  static void onOutputChanged(Buffer*, const Buffer::ChangeInfo* info, void* arg) {
    auto* c = static_cast<Conn*>(arg);
    if (info->nDeleted) c->lastActivity = c->server->base->now();
    c->server->bufferChanged(info);
  }
  static void onDelayedChanged(Buffer*, const Buffer::ChangeInfo* info, void* arg) {
    auto* c = static_cast<Conn*>(arg);
    c->delayedBytes += info->nAdded;
    c->delayedBytes -= info->nDeleted;
    c->server->bufferChanged(info);
  }

  // One place turns reading off and on: a connection reads while nothing
  // pauses it (and it is not closing, which stops reading for good).
  void setPaused(Conn* c, uint8_t why, bool on) {
    if (c->closing) return;
    const uint8_t before = c->pausedBy;
    c->pausedBy = static_cast<uint8_t>(on ? (before | why) : (before & ~why));
    if (!before && c->pausedBy) {
      ++totals.pausedConnections;
      c->bev->disable(kEvRead);
    } else if (before && !c->pausedBy) {
      --totals.pausedConnections;
      c->bev->enable(kEvRead);
    }
  }
  void clearPauses(Conn* c) {
    if (c->pausedBy) --totals.pausedConnections;
    c->pausedBy = 0;
  }

  bool budgetHasRoomForRead() const {
    return config.memoryBudgetBytes == 0 || buffered + readChunk <= config.memoryBudgetBytes;
  }

  // After a read: stop this connection if its output has no room for another
  // full read (echo mode; source mode bounds its own output), and every
  // connection if the server has none.
  void applyBackpressure(Conn* c) {
    if (config.mode == EchoServerConfig::Mode::Echo && config.outputCapBytes > 0 &&
        c->queuedBytes() + readChunk > config.outputCapBytes)
      setPaused(c, kPauseOutputCap, true);
    if (!budgetHasRoomForRead()) pauseAllForBudget();
  }

  void pauseAllForBudget() {
    if (budgetPaused) return;
    budgetPaused = true;
    ++totals.budgetPauses;
    for (auto& [id, c] : conns) setPaused(c.get(), kPauseBudget, true);
  }

  void queueBudgetResume() {
    if (budgetResumeQueued || buffered > config.budgetResumeBytes()) return;
    budgetResumeQueued = true;
    budgetResume.activate(kEvTimeout);
  }

  // Runs in its own loop pass, so a buffer callback never re-enters the
  // connections' events; re-checks the level (a move between two buffers
  // briefly shows a dip).
  static void onBudgetResume(int, short, void* arg) {
    auto* s = static_cast<Impl*>(arg);
    s->budgetResumeQueued = false;
    if (!s->budgetPaused || s->buffered > s->config.budgetResumeBytes()) return;
    s->budgetPaused = false;
    for (auto& [id, c] : s->conns) s->setPaused(c.get(), kPauseBudget, false);
    if (s->config.mode != EchoServerConfig::Mode::Source) return;
    std::vector<Conn*> open;
    open.reserve(s->conns.size());
    for (auto& [id, c] : s->conns) open.push_back(c.get());
    for (Conn* c : open) s->refillSource(c);
  }

  // Source mode keeps this much queued per connection (never above the cap).
  size_t sourceTarget() const {
    return config.outputCapBytes > 0 ? std::min(kSourceQueued, config.outputCapBytes) : kSourceQueued;
  }

  void refillSource(Conn* c) {
    if (c->closing) return;
    const std::string& block = chargenPattern();
    Buffer& out = c->bev->output();
    const size_t target = sourceTarget();
    while (out.length() < target && !budgetPaused) {
      size_t n = std::min({kSourceChunk, block.size() - c->sourceOffset, target - out.length()});
      if (config.memoryBudgetBytes > 0) {
        // Keep room for one read: the budget holds reads too.
        const size_t used = buffered + readChunk;
        const size_t room = used < config.memoryBudgetBytes ? config.memoryBudgetBytes - used : 0;
        if (room == 0) {
          pauseAllForBudget();
          break;
        }
        n = std::min(n, room);
      }
      out.add(block.data() + c->sourceOffset, n);
      c->sourceOffset = (c->sourceOffset + n) % block.size();
    }
  }

  // ---- connection callbacks

  static void onRead(BufferEvent* bev, void* ctx) {
    auto* c = static_cast<Conn*>(ctx);
    Impl* s = c->server;
    Buffer& in = bev->input();
    const size_t n = in.length();
    c->bytesIn += n;
    s->totals.bytesIn += n;
    switch (s->config.mode) {
      case EchoServerConfig::Mode::Echo:
        if (s->config.responseDelayMs > 0) {
          const Nanos due = s->base->now() + s->config.responseDelayMs * kNsPerMs;
          c->delayed.emplace_back(due, Buffer());
          Buffer& chunk = c->delayed.back().second;
          chunk.addCallback(&Impl::onDelayedChanged, c);
          chunk.addBuffer(in);
          if (c->delayTimer->state() == EventState::NonPending)
            c->delayTimer->addTimeoutNs(s->config.responseDelayMs * kNsPerMs);
        } else {
          bev->writeBuffer(in);  // moves the blocks: no copy
        }
        break;
      case EchoServerConfig::Mode::Discard:
      case EchoServerConfig::Mode::Source:
        in.drain(n);
        break;
    }
    s->applyBackpressure(c);
  }

  static void onDelayTimer(int, short, void* ctx) {
    auto* c = static_cast<Conn*>(ctx);
    Impl* s = c->server;
    const Nanos now = s->base->now();
    while (!c->delayed.empty() && c->delayed.front().first <= now) {
      c->bev->writeBuffer(c->delayed.front().second);
      c->delayed.pop_front();
    }
    if (!c->delayed.empty()) c->delayTimer->addTimeoutNs(std::max<Nanos>(c->delayed.front().first - now, 0));
    if (c->closing && c->delayed.empty() && c->bev->output().length() == 0) s->close(c, c->closeReason);
  }

  static void onIdleTimer(int, short, void* ctx) {
    auto* c = static_cast<Conn*>(ctx);
    Impl* s = c->server;
    const Nanos timeout = s->config.idleTimeoutMs * kNsPerMs;
    const Nanos idleFor = s->base->now() - c->lastActivity;
    if (idleFor < timeout) {
      c->idleTimer->addTimeoutNs(timeout - idleFor);  // traffic since: wait out the rest
      return;
    }
    ++s->totals.idleClosed;
    s->close(c, ConnectionNote::CloseReason::IdleTimeout, "no traffic for " + formatSeconds(timeout));
  }

  static std::string formatSeconds(Nanos ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g s", static_cast<double>(ns) / 1e9);
    return buf;
  }

  static void onWrite(BufferEvent* bev, void* ctx) {
    auto* c = static_cast<Conn*>(ctx);
    Impl* s = c->server;
    if (c->closing) {
      if (bev->output().length() == 0 && c->delayed.empty()) s->close(c, c->closeReason);
      return;
    }
    if (s->config.mode == EchoServerConfig::Mode::Source) {
      s->refillSource(c);
      return;
    }
    if ((c->pausedBy & kPauseOutputCap) && c->queuedBytes() <= s->config.outputResumeBytes())
      s->setPaused(c, kPauseOutputCap, false);
  }

  static void onEvent(BufferEvent* bev, short what, void* ctx) {
    auto* c = static_cast<Conn*>(ctx);
    Impl* s = c->server;
    if (what & BufferEvent::kEof) {
      // Half-close: echo what is still queued, then close.
      c->closeReason = ConnectionNote::CloseReason::PeerClosed;
      if (bev->output().length() == 0 && c->delayed.empty()) {
        s->close(c, c->closeReason);
      } else {
        s->clearPauses(c);
        c->closing = true;
        bev->setWatermark(kEvWrite, 0, 0);
        bev->enable(kEvWrite);
      }
      return;
    }
    if (what & (BufferEvent::kError | BufferEvent::kTimeout)) {
      const int err = bev->socketError();
      ++(err == ECONNRESET ? s->totals.peerResets : s->totals.connectionErrors);
      const std::string text = err ? std::string(std::strerror(err)) : std::string("timeout");
      if (!s->noteSink) s->log(LogLevel::Info, "connection " + c->peer + ": " + text);
      s->close(c, err == ECONNRESET ? ConnectionNote::CloseReason::Reset : ConnectionNote::CloseReason::Error,
               text);
    }
  }

  // Notes, counts and frees a connection; the caller drops it from conns.
  void retire(Conn* c, ConnectionNote::CloseReason reason, std::string error = {}) {
    if (noteSink) noteClosed(*c, reason, std::move(error));
    closedBytesOut += c->bev->bytesWritten();
    ++totals.closed;
    clearPauses(c);
    // What it held is released with it (the buffers do not report a free).
    c->bev->input().removeCallback(&Impl::onInputChanged, c);
    c->bev->output().removeCallback(&Impl::onOutputChanged, c);
    const size_t held = c->bufferedBytes();
    buffered -= held;
    if (held && budgetPaused) queueBudgetResume();
    c->bev->free();  // safe inside its callbacks
  }

  void close(Conn* c, ConnectionNote::CloseReason reason, std::string error = {}) {
    retire(c, reason, std::move(error));
    conns.erase(c->id);
  }

  // Stop reading; close once the output and any delayed echoes are sent.
  void beginClosing(Conn* c) {
    c->bev->disable(kEvRead);
    clearPauses(c);
    if (!c->closing) c->closeReason = ConnectionNote::CloseReason::ServerStop;  // else the peer's FIN came first
    c->closing = true;
    if (c->bev->output().length() == 0 && c->delayed.empty()) {
      close(c, c->closeReason);
      return;
    }
    c->bev->setWatermark(kEvWrite, 0, 0);
    c->bev->enable(kEvWrite);
  }

  void drainAll() {
    std::vector<Conn*> open;
    open.reserve(conns.size());
    for (auto& [id, c] : conns) open.push_back(c.get());
    for (Conn* c : open) beginClosing(c);
  }

  void closeAll() {
    for (auto& [id, c] : conns) retire(c.get(), ConnectionNote::CloseReason::ServerStop);
    conns.clear();
  }
};

EchoServer::EchoServer(EventBase* base, EchoServerConfig config)
    : impl_(std::make_unique<Impl>(base, std::move(config))) {}

EchoServer::~EchoServer() { stop(); }

bool EchoServer::start(std::string* error) {
  if (impl_->listener) return true;
  std::string err = validate(impl_->config);
  if (!err.empty()) {
    if (error) *error = err;
    return false;
  }
  auto addr = InetAddress::resolve(impl_->config.bindAddress, impl_->config.port, &err);
  if (!addr) {
    if (error) *error = err;
    return false;
  }
  Listener* l = Listener::createBind(impl_->base, &Impl::onAccept, impl_.get(),
                                     Listener::kCloseOnFree | Listener::kReuseable, impl_->config.backlog,
                                     addr->sockAddr(), static_cast<int>(addr->length()), &err);
  if (!l) {
    if (error) *error = err;
    return false;
  }
  l->setErrorCallback(&Impl::onAcceptError);
  l->setOwnerTag(impl_->tag, "echo listen");
  impl_->listener = l;
  impl_->port = l->localAddress().port();
  impl_->log(LogLevel::Info, "listening on " + l->localAddress().toString());
  return true;
}

void EchoServer::stop() {
  if (impl_->listener) {
    impl_->listener->free();
    impl_->listener = nullptr;
  }
  impl_->closeAll();
}

void EchoServer::drain() {
  if (impl_->listener) {
    impl_->listener->free();
    impl_->listener = nullptr;
  }
  impl_->drainAll();
}

bool EchoServer::running() const { return impl_->listener != nullptr; }
uint16_t EchoServer::port() const { return impl_->port; }
const EchoServerConfig& EchoServer::config() const { return impl_->config; }
void EchoServer::setLogSink(LogSink sink) { impl_->sink = std::move(sink); }
void EchoServer::setConnectionNoteSink(ConnectionNoteSink sink) { impl_->noteSink = std::move(sink); }
uint32_t EchoServer::ownerTag() const { return impl_->tag; }

EchoServerStats EchoServer::stats() const {
  EchoServerStats s = impl_->totals;
  s.active = impl_->conns.size();
  s.bufferedBytes = impl_->buffered;
  s.bytesOut = impl_->closedBytesOut;
  for (const auto& [id, c] : impl_->conns) s.bytesOut += c->bev->bytesWritten();
  return s;
}

std::vector<ConnectionStats> EchoServer::connections() const {
  std::vector<ConnectionStats> out;
  out.reserve(impl_->conns.size());
  for (const auto& [id, c] : impl_->conns) {
    ConnectionStats cs;
    cs.id = c->id;
    cs.fd = c->fd;
    cs.peer = c->peer;
    cs.bytesIn = c->bytesIn;
    cs.bytesOut = c->bev->bytesWritten();
    cs.inputBuffered = c->bev->input().length();
    cs.outputBuffered = c->bev->output().length();
    cs.outputBuffered += c->delayedBytes;
    cs.readPaused = c->pausedBy != 0;
    out.push_back(std::move(cs));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::vector<ConnectionEnds> EchoServer::ends(size_t max) const {
  std::vector<ConnectionEnds> out;
  for (const auto& [id, c] : impl_->conns) {
    if (out.size() >= max) break;
    out.push_back({c->id, c->local, c->peer});
  }
  return out;
}

}  // namespace rs
