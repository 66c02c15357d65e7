// libevent's event2/util.h helpers: sockets, strings, time, random bytes
// (addresses are in AddressApi.cpp).
#include <event2/util.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <new>

#include "CompatLog.h"

namespace {
// An int socket option set to 1: what libevent's evutil_make_*_socket_* do.
int turnOn(int sock, int level, int option) {
  const int one = 1;
  return ::setsockopt(sock, level, option, &one, static_cast<socklen_t>(sizeof one));
}

// Sets `flag` in the fd's flags (F_GETFL/F_SETFL or F_GETFD/F_SETFD) unless
// set; a failing fcntl warns in libevent's words ("fcntl(9, F_GETFL): Bad
// file descriptor").
int setFcntlFlag(evutil_socket_t sock, int getCmd, const char* getName, int setCmd, const char* setName, int flag) {
  const int flags = ::fcntl(sock, getCmd, nullptr);
  if (flags < 0) {
    rs::compat::logWarnErrno("fcntl(%d, %s)", sock, getName);
    return -1;
  }
  if (!(flags & flag) && ::fcntl(sock, setCmd, flags | flag) == -1) {
    rs::compat::logWarnErrno("fcntl(%d, %s)", sock, setName);
    return -1;
  }
  return 0;
}
}  // namespace

extern "C" {

int evutil_socketpair(int d, int type, int protocol, evutil_socket_t sv[2]) {
  return ::socketpair(d, type, protocol, sv);
}

int evutil_make_socket_nonblocking(evutil_socket_t sock) {
  return setFcntlFlag(sock, F_GETFL, "F_GETFL", F_SETFL, "F_SETFL", O_NONBLOCK);
}

int evutil_make_socket_closeonexec(evutil_socket_t sock) {
  return setFcntlFlag(sock, F_GETFD, "F_GETFD", F_SETFD, "F_SETFD", FD_CLOEXEC);
}

int evutil_make_listen_socket_reuseable(evutil_socket_t sock) { return turnOn(sock, SOL_SOCKET, SO_REUSEADDR); }

int evutil_make_listen_socket_reuseable_port(evutil_socket_t sock) { return turnOn(sock, SOL_SOCKET, SO_REUSEPORT); }

int evutil_closesocket(evutil_socket_t sock) { return ::close(sock); }

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

int evutil_make_listen_socket_ipv6only(evutil_socket_t sock) { return turnOn(sock, IPPROTO_IPV6, IPV6_V6ONLY); }

int evutil_make_tcp_listen_socket_deferred(evutil_socket_t sock) { return turnOn(sock, IPPROTO_TCP, TCP_DEFER_ACCEPT); }

int evutil_ascii_strncasecmp(const char* str1, const char* str2, size_t n) {
  const auto lower = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; };
  for (size_t i = 0; i < n; ++i) {
    const int c1 = lower(static_cast<unsigned char>(str1[i]));
    const int c2 = lower(static_cast<unsigned char>(str2[i]));
    if (c1 != c2) return c1 < c2 ? -1 : 1;
    if (c1 == 0) return 0;
  }
  return 0;
}

int evutil_ascii_strcasecmp(const char* str1, const char* str2) {
  return evutil_ascii_strncasecmp(str1, str2, static_cast<size_t>(-1));
}

int evutil_date_rfc1123(char* date, const size_t datelen, const struct tm* tm) {
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  struct tm now {};
  if (!tm) {
    const time_t t = ::time(nullptr);
    ::gmtime_r(&t, &now);
    tm = &now;
  }
  return evutil_snprintf(date, datelen, "%s, %02d %s %4d %02d:%02d:%02d GMT", kDays[tm->tm_wday % 7], tm->tm_mday,
                         kMonths[tm->tm_mon % 12], 1900 + tm->tm_year, tm->tm_hour, tm->tm_min, tm->tm_sec);
}

}  // extern "C"

// What libevent's monotonic timer holds: here only the flags, since the clock
// is CLOCK_MONOTONIC (precise) either way.
struct evutil_monotonic_timer {
  int flags = 0;
};

extern "C" {

struct evutil_monotonic_timer* evutil_monotonic_timer_new(void) {
  return new (std::nothrow) evutil_monotonic_timer;
}

void evutil_monotonic_timer_free(struct evutil_monotonic_timer* timer) { delete timer; }

int evutil_configure_monotonic_time(struct evutil_monotonic_timer* timer, int flags) {
  if (!timer) return -1;
  timer->flags = flags;
  return 0;
}

int evutil_gettime_monotonic(struct evutil_monotonic_timer* timer, struct timeval* tp) {
  if (!timer || !tp) return -1;
  struct timespec ts {};
  if (::clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return -1;
  tp->tv_sec = ts.tv_sec;
  tp->tv_usec = static_cast<suseconds_t>(ts.tv_nsec / 1000);
  return 0;
}

// The kernel's random bytes: no state to seed, so init and add_bytes have
// nothing to do (libevent seeds its own generator there).
void evutil_secure_rng_get_bytes(void* buf, size_t n) {
  auto* out = static_cast<unsigned char*>(buf);
  while (n > 0) {
    const ssize_t got = ::getrandom(out, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      std::abort();  // libevent too treats a failing random source as fatal
    }
    out += got;
    n -= static_cast<size_t>(got);
  }
}

int evutil_secure_rng_init(void) { return 0; }

int evutil_secure_rng_set_urandom_device_file(char* /*fname*/) { return 0; }

void evutil_secure_rng_add_bytes(const char* /*dat*/, size_t /*datlen*/) {}

}  // extern "C"
