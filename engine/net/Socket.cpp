#include "net/Socket.h"

#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rs {

void Socket::reset(int fd) {
  if (fd_ >= 0 && fd_ != fd) ::close(fd_);
  fd_ = fd;
}

namespace sockets {

namespace {
int setIntOpt(int fd, int level, int name, int value) {
  return ::setsockopt(fd, level, name, &value, sizeof value) == 0 ? 0 : -errno;
}
}  // namespace

int createNonblocking(int family) {
  return ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);  // (TCP for AF_INET/AF_INET6)
}

int setNonblocking(int fd, bool on) {
  const int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0) return -errno;
  const int next = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
  return ::fcntl(fd, F_SETFL, next) == 0 ? 0 : -errno;
}

int setReuseAddr(int fd, bool on) { return setIntOpt(fd, SOL_SOCKET, SO_REUSEADDR, on ? 1 : 0); }
int setReusePort(int fd, bool on) { return setIntOpt(fd, SOL_SOCKET, SO_REUSEPORT, on ? 1 : 0); }
int setNoDelay(int fd, bool on) { return setIntOpt(fd, IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0); }
int setKeepAlive(int fd, bool on) { return setIntOpt(fd, SOL_SOCKET, SO_KEEPALIVE, on ? 1 : 0); }

int setLingerZero(int fd) {
  linger l{};
  l.l_onoff = 1;
  l.l_linger = 0;
  return ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l) == 0 ? 0 : -errno;
}

int socketError(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return -errno;
  return err;
}

InetAddress localAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0) return InetAddress();
  return InetAddress(reinterpret_cast<sockaddr*>(&ss), len);
}

InetAddress peerAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0) return InetAddress();
  return InetAddress(reinterpret_cast<sockaddr*>(&ss), len);
}

int kernelRecvQueued(int fd) {
  int n = 0;
  return ::ioctl(fd, SIOCINQ, &n) == 0 ? n : -1;
}

int kernelSendQueued(int fd) {
  int n = 0;
  return ::ioctl(fd, SIOCOUTQ, &n) == 0 ? n : -1;
}

std::string describeError(const char* what, const InetAddress& addr, int err) {
  return std::string(what) + " " + addr.toString() + ": " + std::strerror(err);
}

int listenOn(const InetAddress& addr, int backlog, std::string* error) {
  Socket s(createNonblocking(addr.family()));
  if (!s.valid()) {
    if (error) *error = describeError("socket", addr, errno);
    return -1;
  }
  setReuseAddr(s.fd(), true);
  if (::bind(s.fd(), addr.sockAddr(), addr.length()) < 0) {
    if (error) *error = describeError("bind", addr, errno);
    return -1;
  }
  if (::listen(s.fd(), backlog < 0 ? SOMAXCONN : backlog) < 0) {
    if (error) *error = describeError("listen", addr, errno);
    return -1;
  }
  return s.release();
}

bool checkLoopback(const InetAddress& addr, const char* what, std::string* error) {
  if (addr.valid() && addr.isLoopback()) return true;
  if (error)
    *error = std::string(what) + " " + addr.toString() +
             ": refused, only loopback targets (127.0.0.0/8, ::1, localhost) are allowed";
  return false;
}

}  // namespace sockets
}  // namespace rs
