// Sockets as RAII objects (muduo style: events never own fds, sockets do), plus
// the few socket calls the net layer needs, each returning -1/-errno or a clear
// message instead of throwing.
// Thread contract: a Socket is owned by one thread; the free functions are
// stateless and safe from any thread.
#pragma once
#include <string>

#include "net/InetAddress.h"

namespace rs {

class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() { reset(); }
  Socket(Socket&& other) noexcept : fd_(other.release()) {}
  Socket& operator=(Socket&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership without closing.
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Closes the current fd (if any) and owns `fd`.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

namespace sockets {

// socket(family, SOCK_STREAM | NONBLOCK | CLOEXEC); -1 with errno on failure.
int createNonblocking(int family);
int setNonblocking(int fd, bool on);
int setReuseAddr(int fd, bool on);
int setReusePort(int fd, bool on);
int setNoDelay(int fd, bool on);
int setKeepAlive(int fd, bool on);
// SO_LINGER {1, 0}: close() then sends RST instead of FIN.
int setLingerZero(int fd);
// Pending SO_ERROR (0 if none); -errno if getsockopt itself fails.
int socketError(int fd);
InetAddress localAddress(int fd);
InetAddress peerAddress(int fd);
// Kernel queue levels: SIOCINQ (unread bytes in the receive queue) and SIOCOUTQ
// (unsent + unacked bytes in the send queue). -1 on error.
int kernelRecvQueued(int fd);
int kernelSendQueued(int fd);

// Creates, binds and listens on `addr` (REUSEADDR). Returns the fd, or -1 with
// *error = "bind 127.0.0.1:9000: Address already in use" style text.
int listenOn(const InetAddress& addr, int backlog, std::string* error);
// Traffic leaves only towards loopback (127.0.0.0/8, ::1): false and a clear
// *error otherwise, naming `what` ("connect", "bind").
bool checkLoopback(const InetAddress& addr, const char* what, std::string* error);
// "connect 127.0.0.1:9: Connection refused".
std::string describeError(const char* what, const InetAddress& addr, int err);

}  // namespace sockets
}  // namespace rs
