#include "workload/EchoServer.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <list>
#include <unordered_map>

#include "net/BufferEvent.h"
#include "net/InetAddress.h"
#include "net/Listener.h"
#include "net/Socket.h"

namespace rs {

namespace {
// Source mode keeps this much queued and refills below half of it.
constexpr size_t kSourceChunk = 64 * 1024;
constexpr size_t kSourceQueued = 256 * 1024;

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
  }
  return "?";
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
  struct Conn {
    Impl* server = nullptr;
    BufferEvent* bev = nullptr;
    uint32_t id = 0;
    int fd = -1;
    std::string peer;
    uint64_t bytesIn = 0;
    bool closing = false;       // EOF seen or draining: close once the output has drained
    ConnectionNote::CloseReason closeReason = ConnectionNote::CloseReason::PeerClosed;  // when closing
    bool readPaused = false;    // backpressure: output above the read high watermark
    size_t sourceOffset = 0;
    // Delayed echo (only with a response delay): chunks with their due time,
    // and the timer that releases them. Allocated on demand: idle connections
    // stay small.
    std::list<std::pair<Nanos, Buffer>> delayed;  // std::deque would allocate up front
    std::unique_ptr<Event> delayTimer;
  };

  EventBase* base;
  EchoServerConfig config;
  Listener* listener = nullptr;
  uint32_t tag = allocateOwnerTag();
  uint16_t port = 0;
  LogSink sink;
  ConnectionNoteSink noteSink;
  EchoServerStats totals;
  uint64_t closedBytesOut = 0;
  std::unordered_map<uint32_t, std::unique_ptr<Conn>> conns;

  Impl(EventBase* b, EchoServerConfig c) : base(b), config(std::move(c)) {}

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
    c->bev = BufferEvent::create(base, fd, BufferEvent::kOptCloseOnFree);
    c->id = c->bev->ownerTag();
    c->bev->setLabelPrefix("echo conn");
    c->bev->setKernelSampleInterval(config.kernelSampleInterval);
    c->bev->setCallbacks(&Impl::onRead, &Impl::onWrite, &Impl::onEvent, c);
    if (config.readHighWatermark > 0) {
      c->bev->setWatermark(kEvRead, 0, config.readHighWatermark);
      c->bev->setMaxSingleRead(std::min(c->bev->maxSingleRead(), config.readHighWatermark));
    }
    if (config.responseDelayMs > 0) {
      c->delayTimer = std::make_unique<Event>(base, -1, 0, &Impl::onDelayTimer, c);
      c->delayTimer->setLabel("echo conn " + std::to_string(c->id) + " delay", c->id);
    }
    conns.emplace(c->id, std::move(conn));
    if (noteSink) noteSink(makeNote(ConnectionNote::Kind::Accepted, acceptedNs, c->id, c->fd, c->peer));
    c->bev->enable(kEvRead | kEvWrite);
    if (config.mode == EchoServerConfig::Mode::Source) {
      c->bev->setWatermark(kEvWrite, kSourceQueued / 2, 0);
      refillSource(c);
    }
  }

  void refillSource(Conn* c) {
    const std::string& block = chargenPattern();
    Buffer& out = c->bev->output();
    while (out.length() < kSourceQueued) {
      size_t n = std::min(kSourceChunk, block.size() - c->sourceOffset);
      out.add(block.data() + c->sourceOffset, n);
      c->sourceOffset = (c->sourceOffset + n) % block.size();
    }
  }

  // Backpressure against slow readers: with a read high watermark set, stop
  // reading while the output holds that much, resume below half of it.
  void applyBackpressure(Conn* c) {
    const size_t wm = config.readHighWatermark;
    if (wm == 0 || c->readPaused) return;
    size_t queued = c->bev->output().length();
    for (const auto& d : c->delayed) queued += d.second.length();
    if (queued >= wm) {
      c->readPaused = true;
      c->bev->disable(kEvRead);
      c->bev->setWatermark(kEvWrite, wm / 2, 0);
    }
  }

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
          c->delayed.back().second.addBuffer(in);
          if (c->delayTimer->state() == EventState::NonPending)
            c->delayTimer->addTimeoutNs(s->config.responseDelayMs * kNsPerMs);
        } else {
          bev->writeBuffer(in);  // moves the blocks: no copy
        }
        s->applyBackpressure(c);
        break;
      case EchoServerConfig::Mode::Discard:
      case EchoServerConfig::Mode::Source:
        in.drain(n);
        break;
    }
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
    if (c->readPaused && bev->output().length() <= s->config.readHighWatermark / 2) {
      c->readPaused = false;
      bev->setWatermark(kEvWrite, 0, 0);
      bev->enable(kEvRead);
    }
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
        c->closing = true;
        bev->setWatermark(kEvWrite, 0, 0);
        bev->enable(kEvWrite);
      }
      return;
    }
    if (what & (BufferEvent::kError | BufferEvent::kTimeout)) {
      ++s->totals.connectionErrors;
      const int err = bev->socketError();
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
    c->bev->free();  // safe inside its callbacks
  }

  void close(Conn* c, ConnectionNote::CloseReason reason, std::string error = {}) {
    retire(c, reason, std::move(error));
    conns.erase(c->id);
  }

  // Stop reading; close once the output and any delayed echoes are sent.
  void beginClosing(Conn* c) {
    c->bev->disable(kEvRead);
    c->readPaused = false;
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
  std::string err;
  auto addr = InetAddress::resolve(impl_->config.bindAddress, impl_->config.port, &err);
  if (!addr) {
    if (error) *error = err;
    return false;
  }
  if (!addr->isLoopback()) {
    if (error)
      *error = "bind " + addr->toString() + ": refused, the echo server only binds loopback addresses (127.0.0.0/8, ::1, localhost)";
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
    for (const auto& d : c->delayed) cs.outputBuffered += d.second.length();
    out.push_back(std::move(cs));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

}  // namespace rs
