// Misbehaving loopback servers for the load client's tests: each is a raw-socket
// poll() loop in its own thread, independent of the engine under test, so a bug
// in EventBase or BufferEvent cannot make the fixture behave.
//
//   Echo          echoes everything, closes after the peer's EOF (the reference)
//   EchoNoClose   echoes everything, never closes after the peer's EOF
//   Trickle       echoes one byte every `trickleEvery` (default 1 s)
//   Blackhole     accepts, never reads, never replies, never closes
//   Garbage       echoes with every 7th byte of the stream flipped (XOR 0x5a)
//   Discard       reads and drops everything, never replies, closes after EOF
//   AcceptClose   accepts and closes at once (FIN)
//   AcceptReset   accepts and resets at once (SO_LINGER 0: RST)
//
// Bounded: at most kMaxPeers connections are held (further ones are closed at
// once), at most kMaxPendingBytes are buffered per connection (reading pauses
// above it), and the thread ends after `lifetime` or at destruction, whichever
// comes first, closing every socket.
// Thread contract: construct and destroy on one thread; the counters are
// atomics, safe to read from any thread while the server runs.
#pragma once
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "core/EventBase.h"
#include "net/InetAddress.h"
#include "net/Socket.h"

namespace rs::testutil {

class HostileServer {
 public:
  // Flood: sends kFloodBytes per connection on its own and never reads.
  enum class Behaviour { Echo, EchoNoClose, Trickle, Blackhole, Garbage, Discard, AcceptClose, AcceptReset, Flood };
  static constexpr size_t kFloodBytes = size_t{64} << 20;
  static constexpr size_t kMaxPeers = 2048;
  static constexpr size_t kMaxPendingBytes = size_t{16} << 20;
  static constexpr size_t kGarbageEvery = 7;  // every 7th byte of a stream is flipped

  explicit HostileServer(Behaviour behaviour, Nanos trickleEvery = kNsPerSec, Nanos lifetime = 120 * kNsPerSec)
      : behaviour_(behaviour), trickleEvery_(trickleEvery), lifetime_(lifetime) {
    auto addr = InetAddress::resolve("127.0.0.1", 0, nullptr);
    std::string err;
    listen_.reset(sockets::listenOn(*addr, 1024, &err));
    if (!listen_.valid() || ::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) return;
    sockets::setNonblocking(listen_.fd(), true);
    port_ = sockets::localAddress(listen_.fd()).port();
    thread_ = std::thread([this] { run(); });
  }
  ~HostileServer() {
    if (thread_.joinable()) {
      const char c = 'x';
      (void)!::write(wake_[1], &c, 1);
      thread_.join();
    }
    for (int fd : wake_)
      if (fd >= 0) ::close(fd);
  }
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;

  bool ok() const { return port_ != 0; }
  uint16_t port() const { return port_; }
  uint64_t accepted() const { return accepted_.load(); }
  uint64_t bytesIn() const { return bytesIn_.load(); }
  uint64_t bytesOut() const { return bytesOut_.load(); }
  uint64_t bytesCorrupted() const { return bytesCorrupted_.load(); }

 private:
  struct Peer {
    int fd = -1;
    std::string pending;  // to send back, from `sent` on
    size_t sent = 0;
    uint64_t streamOffset = 0;  // bytes received so far (Garbage: which to flip)
    bool eof = false;
    Nanos nextTrickle = 0;
  };

  bool echoes() const {
    return behaviour_ == Behaviour::Echo || behaviour_ == Behaviour::EchoNoClose ||
           behaviour_ == Behaviour::Trickle || behaviour_ == Behaviour::Garbage;
  }
  // Whether a peer is finished with: everything sent back after its EOF.
  bool closesAfterEof() const { return behaviour_ != Behaviour::EchoNoClose && behaviour_ != Behaviour::Blackhole; }
  bool neverReads() const { return behaviour_ == Behaviour::Blackhole || behaviour_ == Behaviour::Flood; }

  void run() {
    std::vector<Peer> peers;
    const Nanos endAt = monotonicNowNs() + lifetime_;
    std::vector<pollfd> fds;
    for (;;) {
      const Nanos now = monotonicNowNs();
      if (now >= endAt) break;
      Nanos wait = endAt - now;
      fds.assign({{wake_[0], POLLIN, 0}, {listen_.fd(), POLLIN, 0}});
      for (Peer& p : peers) {
        short ev = 0;
        const size_t owed = p.pending.size() - p.sent;
        if (!p.eof && !neverReads() && owed < kMaxPendingBytes) ev |= POLLIN;
        if (owed > 0 && behaviour_ != Behaviour::Trickle) ev |= POLLOUT;
        if (owed > 0 && behaviour_ == Behaviour::Trickle) wait = std::min(wait, std::max<Nanos>(0, p.nextTrickle - now));
        fds.push_back({p.fd, ev, 0});
      }
      const int ms = static_cast<int>(std::min<Nanos>((wait + kNsPerMs - 1) / kNsPerMs, 1000));
      if (::poll(fds.data(), fds.size(), ms) < 0 && errno != EINTR) break;
      if (fds[0].revents) break;  // destructor
      if (fds[1].revents & POLLIN) acceptAll(peers);
      const Nanos after = monotonicNowNs();
      for (size_t i = 0; i < peers.size() && i + 2 < fds.size(); ++i) {
        Peer& p = peers[i];
        const short got = fds[i + 2].revents;
        if (neverReads() && (got & (POLLHUP | POLLERR)))
          closePeer(p);  // the peer reset: nothing to hold any more
        else if (got & (POLLIN | POLLHUP | POLLERR))
          readFrom(p);
        if (p.fd >= 0 && behaviour_ == Behaviour::Trickle && p.pending.size() > p.sent && after >= p.nextTrickle) {
          writeTo(p, 1);
          p.nextTrickle = after + trickleEvery_;
        } else if (p.fd >= 0 && behaviour_ != Behaviour::Trickle && (fds[i + 2].revents & POLLOUT)) {
          writeTo(p, p.pending.size() - p.sent);
          if (behaviour_ == Behaviour::Flood) refillFlood(p);
        }
        if (p.fd >= 0 && p.eof && p.pending.size() == p.sent && closesAfterEof()) closePeer(p);
      }
      peers.erase(std::remove_if(peers.begin(), peers.end(), [](const Peer& p) { return p.fd < 0; }), peers.end());
    }
    for (Peer& p : peers) closePeer(p);
  }

  void acceptAll(std::vector<Peer>& peers) {
    for (;;) {
      const int fd = ::accept4(listen_.fd(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) return;
      accepted_.fetch_add(1);
      if (behaviour_ == Behaviour::AcceptReset) sockets::setLingerZero(fd);
      if (behaviour_ == Behaviour::AcceptClose || behaviour_ == Behaviour::AcceptReset || peers.size() >= kMaxPeers) {
        ::close(fd);
        continue;
      }
      Peer p;
      p.fd = fd;
      p.nextTrickle = monotonicNowNs() + trickleEvery_;
      if (behaviour_ == Behaviour::Flood) refillFlood(p);
      peers.push_back(std::move(p));
    }
  }

  void readFrom(Peer& p) {
    char buf[65536];
    const ssize_t n = ::recv(p.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) {
      p.eof = true;
      return;
    }
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) closePeer(p);
      return;
    }
    const size_t len = static_cast<size_t>(n);
    bytesIn_.fetch_add(len);
    if (behaviour_ == Behaviour::Garbage) {
      uint64_t flipped = 0;
      for (size_t k = 0; k < len; ++k) {
        if ((p.streamOffset + k) % kGarbageEvery == kGarbageEvery - 1) {
          buf[k] = static_cast<char>(buf[k] ^ 0x5a);
          ++flipped;
        }
      }
      bytesCorrupted_.fetch_add(flipped);
    }
    p.streamOffset += len;
    if (!echoes()) return;
    if (p.sent > 0 && p.sent == p.pending.size()) {
      p.pending.clear();
      p.sent = 0;
    }
    p.pending.append(buf, len);
  }

  void writeTo(Peer& p, size_t max) {
    const ssize_t n = ::send(p.fd, p.pending.data() + p.sent, std::min(max, p.pending.size() - p.sent),
                             MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) closePeer(p);
      return;
    }
    p.sent += static_cast<size_t>(n);
    bytesOut_.fetch_add(static_cast<uint64_t>(n));
    if (p.sent == p.pending.size() || p.sent >= (size_t{1} << 20)) {  // compact
      p.pending.erase(0, p.sent);
      p.sent = 0;
    }
  }

  // Flood: keeps 64 KiB owed until kFloodBytes went out (streamOffset counts them).
  void refillFlood(Peer& p) {
    const size_t owed = p.pending.size() - p.sent;
    if (owed >= 65536 || p.streamOffset >= kFloodBytes) return;
    p.pending.append(65536, 'f');
    p.streamOffset += 65536;
  }

  void closePeer(Peer& p) {
    if (p.fd >= 0) ::close(p.fd);
    p.fd = -1;
  }

  const Behaviour behaviour_;
  const Nanos trickleEvery_;
  const Nanos lifetime_;
  Socket listen_;
  int wake_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<uint64_t> accepted_{0}, bytesIn_{0}, bytesOut_{0}, bytesCorrupted_{0};
};

}  // namespace rs::testutil
