#include "live/Handoff.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "compat/LiveProtocol.h"

namespace rs::live {

namespace {

constexpr size_t kFdRoom = 4;  // room for a peer that sends more than one: they are closed

std::string errnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

bool sendHandoff(int appFd, int streamFd, std::string* error) {
  const std::string frame = encodeHandoff();
  iovec part{const_cast<char*>(frame.data()), frame.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &part;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &streamFd, sizeof(int));
  ssize_t sent;
  do sent = ::sendmsg(appFd, &msg, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  if (sent == static_cast<ssize_t>(frame.size())) return true;
  // (A short send of an 8-byte frame on a fresh connection does not happen; say so if it does.)
  *error = sent < 0 ? errnoText("sendmsg") : "the app took part of the handoff frame";
  return false;
}

long receiveOpening(int connectionFd, ConnectionOpening* opening) {
  char bytes[4096];
  iovec part{bytes, sizeof bytes};
  alignas(cmsghdr) char control[CMSG_SPACE(kFdRoom * sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &part;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do n = ::recvmsg(connectionFd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  if (msg.msg_flags & MSG_CTRUNC) opening->descriptors += 2;  // (the kernel closed what did not fit)
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (opening->fd < 0)
        opening->fd = fd;
      else
        ::close(fd);
      ++opening->descriptors;
    }
  }
  opening->bytes.append(bytes, static_cast<size_t>(n));
  return static_cast<long>(n);
}

OpeningKind classifyOpening(const ConnectionOpening& opening, std::string* error) {
  if (opening.bytes.size() < kFrameHeaderBytes) return OpeningKind::Incomplete;
  const char* header = opening.bytes.data();
  if (frameType(header) != kHandoffType) return OpeningKind::Relayed;  // (the decoder checks it as a stream)
  if (frameBodyBytes(header) != 0 || frameReserved(header) != 0) {
    *error = "a handoff frame with a body or a non-zero reserved field";
    return OpeningKind::Refused;
  }
  if (opening.descriptors != 1) {
    *error = opening.descriptors == 0 ? "a handoff frame without the stream's descriptor"
                                      : "a handoff frame with more than one descriptor";
    return OpeningKind::Refused;
  }
  return OpeningKind::HandedOff;
}

bool checkHandedOffStream(int fd, std::string* error) {
  struct stat st {};
  int domain = 0;
  int type = 0;
  socklen_t len = sizeof domain;
  if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode) ||
      ::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 || domain != AF_UNIX ||
      (len = sizeof type, ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) || type != SOCK_STREAM) {
    *error = "the handed-off descriptor is not a Unix stream socket";
    return false;
  }
  ucred peer{};
  len = sizeof peer;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 || peer.uid != ::getuid()) {
    *error = "the handed-off stream's peer is not a process of this user";
    return false;
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    *error = errnoText("fcntl");
    return false;
  }
  return true;
}

}  // namespace rs::live
