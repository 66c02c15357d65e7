// libevent's event2/util.h helpers.
#include <event2/util.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" {

int evutil_socketpair(int d, int type, int protocol, evutil_socket_t sv[2]) {
  return ::socketpair(d, type, protocol, sv);
}

int evutil_make_socket_nonblocking(evutil_socket_t sock) {
  const int flags = ::fcntl(sock, F_GETFL, nullptr);
  if (flags < 0) return -1;
  if (!(flags & O_NONBLOCK) && ::fcntl(sock, F_SETFL, flags | O_NONBLOCK) == -1) return -1;
  return 0;
}

int evutil_make_socket_closeonexec(evutil_socket_t sock) {
  const int flags = ::fcntl(sock, F_GETFD, nullptr);
  if (flags < 0) return -1;
  if (!(flags & FD_CLOEXEC) && ::fcntl(sock, F_SETFD, flags | FD_CLOEXEC) == -1) return -1;
  return 0;
}

int evutil_make_listen_socket_reuseable(evutil_socket_t sock) {
  const int one = 1;
  return ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, static_cast<socklen_t>(sizeof one));
}

int evutil_make_listen_socket_reuseable_port(evutil_socket_t sock) {
  const int one = 1;
  return ::setsockopt(sock, SOL_SOCKET, SO_REUSEPORT, &one, static_cast<socklen_t>(sizeof one));
}

int evutil_closesocket(evutil_socket_t sock) { return ::close(sock); }

const char* evutil_socket_error_to_string(int errcode) { return std::strerror(errcode); }

int evutil_gettimeofday(struct timeval* tv, struct timezone* tz) { return ::gettimeofday(tv, tz); }

ev_int64_t evutil_strtoll(const char* s, char** endptr, int base) { return std::strtoll(s, endptr, base); }

int evutil_vsnprintf(char* buf, size_t buflen, const char* format, va_list ap) {
  if (!buflen) return 0;
  const int r = std::vsnprintf(buf, buflen, format, ap);
  buf[buflen - 1] = '\0';
  return r;
}

int evutil_snprintf(char* buf, size_t buflen, const char* format, ...) {
  va_list ap;
  va_start(ap, format);
  const int r = evutil_vsnprintf(buf, buflen, format, ap);
  va_end(ap);
  return r;
}

}  // extern "C"
