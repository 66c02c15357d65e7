// Helpers shared by the net tests: run a loop until a condition holds (bounded),
// and connected loopback TCP pairs.
#pragma once
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>

#include "core/EventBase.h"
#include "net/InetAddress.h"
#include "net/Socket.h"

namespace rs::testutil {

// Runs `base` until cond() holds or `ms` elapse; a 2 ms ticker keeps the loop
// from blocking forever and from exiting on an empty base. True if cond() held.
inline bool runUntil(EventBase& base, const std::function<bool()>& cond, int ms = 5000) {
  Event ticker(&base, -1, kEvPersist, [](int, short) {});
  ticker.addTimeoutNs(2 * kNsPerMs);
  const Nanos deadline = monotonicNowNs() + ms * kNsPerMs;
  while (!cond()) {
    if (monotonicNowNs() > deadline) return false;
    base.loop(kLoopOnce);
  }
  return true;
}

// Runs `base` for `ms` milliseconds.
inline void runFor(EventBase& base, int ms) {
  const Nanos until = monotonicNowNs() + ms * kNsPerMs;
  runUntil(base, [&] { return monotonicNowNs() >= until; }, ms + 1000);
}

// A listening socket on 127.0.0.1:0 (blocking accept) and its address.
struct LoopbackListener {
  Socket sock;
  InetAddress addr;
  LoopbackListener() {
    auto a = InetAddress::resolve("127.0.0.1", 0, nullptr);
    std::string err;
    sock.reset(sockets::listenOn(*a, 64, &err));
    addr = sockets::localAddress(sock.fd());
  }
};

// A connected loopback TCP pair: [0] client, [1] server side, both nonblocking.
struct TcpPair {
  Socket a, b;
  TcpPair() {
    LoopbackListener l;
    a.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::connect(a.fd(), l.addr.sockAddr(), l.addr.length()) != 0) return;
    b.reset(::accept4(l.sock.fd(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    sockets::setNonblocking(a.fd(), true);
  }
  bool ok() const { return a.valid() && b.valid(); }
};

// Blocking-ish helpers for the peer side of a test.
inline size_t drainFd(int fd) {
  char buf[65536];
  size_t total = 0;
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) break;
    total += static_cast<size_t>(n);
  }
  return total;
}

}  // namespace rs::testutil
