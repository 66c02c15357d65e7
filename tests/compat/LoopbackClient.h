// A blocking TCP client to 127.0.0.1:port for tests that drive a server
// program (the tutorial's, a traced one). Every wait is bounded (10 s).
#pragma once
#include <QByteArray>
#include <QDeadlineTimer>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace rs::test {

class LoopbackClient {
 public:
  explicit LoopbackClient(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)), port_(port) {}
  ~LoopbackClient() { close(); }
  LoopbackClient(const LoopbackClient&) = delete;
  LoopbackClient& operator=(const LoopbackClient&) = delete;
  bool connect() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  bool send(const QByteArray& bytes) {
    return ::send(fd_, bytes.constData(), static_cast<size_t>(bytes.size()), MSG_NOSIGNAL) == bytes.size();
  }
  // Reads until at least n bytes arrived, the peer closed, or 10 s passed (a
  // hang guard, not a timing assertion).
  QByteArray receive(qsizetype n) {
    QByteArray got;
    QDeadlineTimer guard(10000);
    while (got.size() < n && !guard.hasExpired()) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      const ssize_t r = ::recv(fd_, buf, sizeof buf, 0);
      if (r <= 0) break;
      got.append(buf, static_cast<qsizetype>(r));
    }
    return got;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  uint16_t port_;
};

}  // namespace rs::test
