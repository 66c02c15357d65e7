/* event2/util.h beyond addresses, as portable programs call it:
 * evutil_socketpair, make_socket_nonblocking / closeonexec checked with fcntl,
 * make_listen_socket_reuseable(_port) checked with getsockopt, the timeval
 * macros, evutil_strtoll, evutil_snprintf / vsnprintf (truncation returns the
 * full length), evutil_socket_error_to_string / geterror, and
 * evutil_ascii_strcasecmp on bytes above 127. */
#include <errno.h>
#include <event2/util.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>

#include "scenario.h"

static void tv_show(const char *name, struct timeval tv) {
  LOG("%s = %ld.%06ld", name, (long)tv.tv_sec, (long)tv.tv_usec);
}

static int vformat(char *buf, size_t len, const char *fmt, ...) {
  va_list ap;
  int r;
  va_start(ap, fmt);
  r = evutil_vsnprintf(buf, len, fmt, ap);
  va_end(ap);
  return r;
}

static void strtoll_case(const char *text, int base) {
  char *end = NULL;
  ev_int64_t v;
  errno = 0;
  v = evutil_strtoll(text, &end, base);
  LOG("strtoll(\"%s\", %d) = %lld rest=\"%s\" erange=%d", text, base, (long long)v, end ? end : "(null)",
      errno == ERANGE);
}

int main(void) {
  struct event_base *base = new_base();
  evutil_socket_t sv[2];
  int r, flags, opt;
  socklen_t optlen = sizeof opt;
  char buf[16], big[64];
  struct timeval a, b, c;

  r = evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  LOG("socketpair AF_UNIX=%d", r);
  flags = fcntl(sv[0], F_GETFL);
  LOG("nonblocking before=%d", (flags & O_NONBLOCK) != 0);
  LOG("make_socket_nonblocking=%d", evutil_make_socket_nonblocking(sv[0]));
  LOG("nonblocking after=%d", (fcntl(sv[0], F_GETFL) & O_NONBLOCK) != 0);
  LOG("twice=%d still=%d", evutil_make_socket_nonblocking(sv[0]), (fcntl(sv[0], F_GETFL) & O_NONBLOCK) != 0);
  LOG("cloexec before=%d", (fcntl(sv[1], F_GETFD) & FD_CLOEXEC) != 0);
  LOG("make_socket_closeonexec=%d", evutil_make_socket_closeonexec(sv[1]));
  LOG("cloexec after=%d", (fcntl(sv[1], F_GETFD) & FD_CLOEXEC) != 0);
  CHECK(write(sv[1], "hi", 2) == 2);
  LOG("read through the pair=%d", (int)read(sv[0], buf, sizeof buf));
  LOG("closesocket=%d %d", evutil_closesocket(sv[0]), evutil_closesocket(sv[1]));
  LOG("closesocket on a closed fd=%d", evutil_closesocket(sv[0]));
  LOG("make_socket_nonblocking on a closed fd=%d", evutil_make_socket_nonblocking(sv[0]));

  {
    evutil_socket_t s = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(s >= 0);
    LOG("reuseable=%d", evutil_make_listen_socket_reuseable(s));
    CHECK(getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &opt, &optlen) == 0);
    LOG("SO_REUSEADDR set=%d", opt != 0);
    LOG("reuseable_port=%d", evutil_make_listen_socket_reuseable_port(s));
    optlen = sizeof opt;
    CHECK(getsockopt(s, SOL_SOCKET, SO_REUSEPORT, &opt, &optlen) == 0);
    LOG("SO_REUSEPORT set=%d", opt != 0);
    evutil_closesocket(s);
  }

  a.tv_sec = 1;
  a.tv_usec = 700000;
  b.tv_sec = 2;
  b.tv_usec = 600000;
  evutil_timeradd(&a, &b, &c);
  tv_show("1.7 + 2.6", c);
  evutil_timersub(&a, &b, &c);
  tv_show("1.7 - 2.6", c);
  evutil_timersub(&b, &a, &c);
  tv_show("2.6 - 1.7", c);
  LOG("cmp < %d, > %d, == %d, <= %d", evutil_timercmp(&a, &b, <), evutil_timercmp(&a, &b, >),
      evutil_timercmp(&a, &a, ==), evutil_timercmp(&b, &a, <=));
  LOG("isset %d", evutil_timerisset(&a));
  evutil_timerclear(&a);
  LOG("cleared isset %d", evutil_timerisset(&a));
  LOG("gettimeofday=%d", evutil_gettimeofday(&c, NULL));

  strtoll_case("12345", 10);
  strtoll_case("  -42xyz", 10);
  strtoll_case("0x1f", 16);
  strtoll_case("0x1f", 0);
  strtoll_case("017", 0);
  strtoll_case("9223372036854775807", 10);
  strtoll_case("9223372036854775808", 10);
  strtoll_case("", 10);
  strtoll_case("z", 36);

  r = evutil_snprintf(buf, sizeof buf, "%s-%d", "abcdefghijkl", 12345);
  LOG("snprintf truncated=%d [%s] len=%zu", r, buf, strlen(buf));
  r = evutil_snprintf(buf, 0, "%d", 7);
  LOG("snprintf into 0 bytes=%d", r);
  r = vformat(big, sizeof big, "%5s|%-5d|%05.1f|%%", "ab", 42, 3.14159);
  LOG("vsnprintf=%d [%s]", r, big);
  r = vformat(buf, 4, "%s", "long text");
  LOG("vsnprintf truncated=%d [%s]", r, buf);

  LOG("strcasecmp HeLLo/hello=%d", evutil_ascii_strcasecmp("HeLLo", "hello"));
  LOG("strcasecmp a/B sign=%d", evutil_ascii_strcasecmp("a", "B") < 0);
  LOG("strcasecmp high bytes equal=%d", evutil_ascii_strcasecmp("\xc4", "\xe4") == 0);
  LOG("strncasecmp abcX/ABCY 3=%d 4 sign=%d", evutil_ascii_strncasecmp("abcX", "ABCY", 3),
      evutil_ascii_strncasecmp("abcX", "ABCY", 4) < 0);
  LOG("error string ECONNREFUSED=[%s]", evutil_socket_error_to_string(ECONNREFUSED));
  LOG("error string EAGAIN=[%s]", evutil_socket_error_to_string(EAGAIN));
  errno = EPIPE;
  LOG("EVUTIL_SOCKET_ERROR is errno=%d", EVUTIL_SOCKET_ERROR() == EPIPE);
  EVUTIL_SET_SOCKET_ERROR(EINTR);
  LOG("EVUTIL_SET_SOCKET_ERROR sets errno=%d", errno == EINTR);
  event_base_free(base);
  return 0;
}
