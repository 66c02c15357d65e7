/* event2/util.h's address, string and time helpers: libevent parses and prints
 * addresses by its own rules (not the C library's), and programs print what it
 * produces, so every corner here must print the same in both builds. */
#include <arpa/inet.h>
#include <event2/event-config.h>
#include <event2/util.h>
#include <netinet/in.h>

#include "scenario.h"

static void show_bytes(const char *label, const unsigned char *b, int n) {
  char hex[64] = "";
  for (int i = 0; i < n; ++i) sprintf(hex + 2 * i, "%02x", b[i]);
  LOG("%s %s", label, hex);
}

static void pton4(const char *text) {
  unsigned char out[4] = {0};
  const int r = evutil_inet_pton(AF_INET, text, out);
  LOG("pton4 [%s] -> %d", text, r);
  if (r == 1) show_bytes("  bytes", out, 4);
}

static void pton6(const char *text) {
  unsigned char out[16] = {0};
  const int r = evutil_inet_pton(AF_INET6, text, out);
  LOG("pton6 [%s] -> %d", text, r);
  if (r == 1) {
    char back[64];
    show_bytes("  bytes", out, 16);
    LOG("  ntop %s", evutil_inet_ntop(AF_INET6, out, back, sizeof back));
  }
}

static void ntop6_hex(const char *hex) {
  unsigned char in[16];
  char out[64];
  for (int i = 0; i < 16; ++i) {
    unsigned v;
    CHECK(sscanf(hex + 2 * i, "%2x", &v) == 1);
    in[i] = (unsigned char)v;
  }
  LOG("ntop6 %s -> %s", hex, evutil_inet_ntop(AF_INET6, in, out, sizeof out));
}

static void parse(const char *text, int room) {
  struct sockaddr_storage ss;
  int len = room;
  memset(&ss, 0xab, sizeof ss);
  const int r = evutil_parse_sockaddr_port(text, (struct sockaddr *)&ss, &len);
  if (r != 0) {
    LOG("parse [%s] room %d -> %d", text, room, r);
    return;
  }
  char addr[64];
  if (ss.ss_family == AF_INET) {
    const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
    LOG("parse [%s] room %d -> 0 len %d inet %s port %d", text, room, len,
        evutil_inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof addr), ntohs(sin->sin_port));
  } else {
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
    LOG("parse [%s] room %d -> 0 len %d inet6 %s port %d scope %u", text, room, len,
        evutil_inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof addr), ntohs(sin6->sin6_port),
        (unsigned)sin6->sin6_scope_id);
  }
}

static int sign(int v) { return v < 0 ? -1 : v > 0 ? 1 : 0; }

static void compare(const char *a, const char *b) {
  struct sockaddr_storage sa, sb;
  int la = sizeof sa, lb = sizeof sb;
  CHECK(evutil_parse_sockaddr_port(a, (struct sockaddr *)&sa, &la) == 0);
  CHECK(evutil_parse_sockaddr_port(b, (struct sockaddr *)&sb, &lb) == 0);
  LOG("cmp [%s] [%s] -> %d, with ports %d", a, b,
      sign(evutil_sockaddr_cmp((struct sockaddr *)&sa, (struct sockaddr *)&sb, 0)),
      sign(evutil_sockaddr_cmp((struct sockaddr *)&sa, (struct sockaddr *)&sb, 1)));
}

static void resolve(const char *node, const char *service, int family, int socktype, int flags) {
  struct evutil_addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = family;
  hints.ai_socktype = socktype;
  hints.ai_flags = flags;
  const int r = evutil_getaddrinfo(node, service, &hints, &res);
  LOG("getaddrinfo [%s] [%s] family %d socktype %d flags %#x -> %s", node ? node : "(null)",
      service ? service : "(null)", family, socktype, flags, r == 0 ? "ok" : evutil_gai_strerror(r));
  for (struct evutil_addrinfo *ai = res; ai; ai = ai->ai_next) {
    char addr[64];
    const void *where = ai->ai_family == AF_INET ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
                                                 : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
    const int port = ntohs(ai->ai_family == AF_INET ? ((struct sockaddr_in *)ai->ai_addr)->sin_port
                                                    : ((struct sockaddr_in6 *)ai->ai_addr)->sin6_port);
    LOG("  family %d socktype %d protocol %d addrlen %d %s port %d", ai->ai_family, ai->ai_socktype,
        ai->ai_protocol, (int)ai->ai_addrlen, evutil_inet_ntop(ai->ai_family, where, addr, sizeof addr), port);
  }
  /* Only a result list: libevent's evutil_freeaddrinfo(NULL) crashes. */
  if (r == 0) evutil_freeaddrinfo(res);
}

int main(void) {
  struct event_base *base = new_base(); /* the backend line the runner checks */

  static const char *v4[] = {"127.0.0.1", "0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3",
                             "1.2.3.4.5", "01.002.3.4", " 1.2.3.4", "1.2.3.4 ", "1. 2.3.4",
                             "+1.2.3.4", "a.b.c.d", "", "1.2.3.04x"};
  for (size_t i = 0; i < sizeof v4 / sizeof v4[0]; ++i) pton4(v4[i]);

  static const char *v6[] = {"::", "::1", "1::", "1::2", "fe80::1:2:3:4", "2001:db8::ff00:42:8329",
                             "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "::ffff:1.2.3.4",
                             "::1.2.3.4", "1::2::3", ":1::2", "12345::1", "0x1::2", "ABCD::EF01",
                             "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", ".1.2.3.4", "::1.2.3",
                             "::1.2.3.256", "1:::2", "", ":", "g::1", "1:2:3:4:5:6:7:8:", "::0:0:1"};
  for (size_t i = 0; i < sizeof v6 / sizeof v6[0]; ++i) pton6(v6[i]);

  /* Printing corners: zero runs, ties, the two dotted-quad forms. */
  static const char *hex6[] = {"00000000000000000000000000000002", "00000000000000000000000001020304",
                               "00000000000000000000ffff7f000001", "00000000000000000000fffe7f000001",
                               "00010000000100000000000000000001", "00010000000000010000000000000001",
                               "00010002000300040005000600070008", "00000001000000000000000000000000",
                               "00000000000000000000000000010000", "20010db8000000000000000000000000"};
  for (size_t i = 0; i < sizeof hex6 / sizeof hex6[0]; ++i) ntop6_hex(hex6[i]);

  {
    unsigned char lo[4] = {127, 0, 0, 1};
    char small[16];
    LOG("ntop4 into 9 bytes -> %s", evutil_inet_ntop(AF_INET, lo, small, 9) ? small : "(null)");
    LOG("ntop4 into 10 bytes -> %s", evutil_inet_ntop(AF_INET, lo, small, 10) ? "ok" : "(null)");
    LOG("ntop of family 99 -> %s", evutil_inet_ntop(99, lo, small, sizeof small) ? "text" : "(null)");
    LOG("pton of family 99 -> %d", evutil_inet_pton(99, "1.2.3.4", lo));
  }
  {
    unsigned char out[16];
    unsigned zone = 77;
    int r = evutil_inet_pton_scope(AF_INET6, "::1%1", out, &zone);
    LOG("pton_scope [::1%%1] -> %d zone %u", r, zone);
    r = evutil_inet_pton_scope(AF_INET6, "::1%lo", out, &zone);
    LOG("pton_scope [::1%%lo] -> %d zone %u", r, zone);
    r = evutil_inet_pton_scope(AF_INET6, "::1%7x", out, &zone);
    LOG("pton_scope [::1%%7x] -> %d", r);
    zone = 77;
    r = evutil_inet_pton_scope(AF_INET, "1.2.3.4", out, &zone);
    LOG("pton_scope [1.2.3.4] -> %d zone %u", r, zone);
  }

  static const char *addrs[] = {"127.0.0.1:8080", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65535",
                                "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:80x", "127.0.0.1:",
                                "[::1]:443", "[::1]", "::1", "[::1]:", "[::1", "[1.2.3.4]:80",
                                "[fe80::1%1]:80", "localhost:80", "::ffff:10.0.0.1", ":80", "1.2.3.4:5:6"};
  for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; ++i) parse(addrs[i], (int)sizeof(struct sockaddr_storage));
  parse("127.0.0.1:80", (int)sizeof(struct sockaddr_in));
  parse("127.0.0.1:80", (int)sizeof(struct sockaddr_in) - 1);
  parse("[::1]:80", (int)sizeof(struct sockaddr_in));

  compare("127.0.0.1:80", "127.0.0.1:80");
  compare("127.0.0.1:80", "127.0.0.1:81");
  compare("127.0.0.1:80", "127.0.0.2:79");
  compare("10.0.0.1:1", "9.0.0.1:1");
  compare("[::1]:80", "[::2]:80");
  compare("[::1]:80", "[::1]:8080");
  compare("127.0.0.1:80", "[::1]:80");

  resolve("127.0.0.1", "80", AF_UNSPEC, SOCK_STREAM, 0);
  resolve("::1", "8080", AF_INET6, SOCK_STREAM, EVUTIL_AI_NUMERICHOST);
  resolve("127.0.0.1", NULL, AF_INET, SOCK_DGRAM, 0);
  resolve(NULL, "9000", AF_INET, SOCK_STREAM, EVUTIL_AI_PASSIVE);
  resolve("localhost", "7", AF_INET, SOCK_STREAM, 0);
  resolve("not an address", "80", AF_UNSPEC, SOCK_STREAM, EVUTIL_AI_NUMERICHOST);
  resolve("127.0.0.1", "not-a-port", AF_UNSPEC, SOCK_STREAM, EVUTIL_AI_NUMERICSERV);
  {
    const int codes[] = {0, EVUTIL_EAI_AGAIN, EVUTIL_EAI_BADFLAGS, EVUTIL_EAI_FAIL, EVUTIL_EAI_FAMILY,
                         EVUTIL_EAI_MEMORY, EVUTIL_EAI_NONAME, EVUTIL_EAI_SERVICE, EVUTIL_EAI_SOCKTYPE,
                         EVUTIL_EAI_SYSTEM, EVUTIL_EAI_CANCEL};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; ++i) LOG("gai_strerror(%d) = %s", codes[i], evutil_gai_strerror(codes[i]));
  }

  LOG("strcasecmp abc ABC %d, abc abd %d, abd ABC %d, ab abc %d", evutil_ascii_strcasecmp("abc", "ABC"),
      evutil_ascii_strcasecmp("abc", "abd"), evutil_ascii_strcasecmp("abd", "ABC"), evutil_ascii_strcasecmp("ab", "abc"));
  LOG("strncasecmp HTTP/1.1 http/1.0 n=6 %d, n=8 %d, [@] [`] %d", evutil_ascii_strncasecmp("HTTP/1.1", "http/1.0", 6),
      evutil_ascii_strncasecmp("HTTP/1.1", "http/1.0", 8), evutil_ascii_strncasecmp("@", "`", 1));
  {
    struct tm tm;
    char date[64];
    memset(&tm, 0, sizeof tm);
    tm.tm_year = 126, tm.tm_mon = 11, tm.tm_mday = 6, tm.tm_wday = 0, tm.tm_hour = 5, tm.tm_min = 4, tm.tm_sec = 3;
    const int n = evutil_date_rfc1123(date, sizeof date, &tm);
    LOG("date_rfc1123 -> %d [%s]", n, date);
    LOG("date_rfc1123 into 10 bytes -> %d [%s]", evutil_date_rfc1123(date, 10, &tm), date);
    LOG("date_rfc1123 now -> %d", evutil_date_rfc1123(date, sizeof date, NULL));
  }
  {
    struct evutil_monotonic_timer *timer = evutil_monotonic_timer_new();
    struct timeval a, b;
    CHECK(timer != NULL);
    LOG("configure_monotonic_time -> %d", evutil_configure_monotonic_time(timer, EV_MONOT_PRECISE));
    LOG("gettime_monotonic -> %d", evutil_gettime_monotonic(timer, &a));
    LOG("gettime_monotonic -> %d", evutil_gettime_monotonic(timer, &b));
    LOG("monotonic never goes back: %d", evutil_timercmp(&a, &b, <=));
    evutil_monotonic_timer_free(timer);
  }
  {
    unsigned char bytes[64];
    int nonzero = 0;
    LOG("secure_rng_init -> %d", evutil_secure_rng_init());
    evutil_secure_rng_add_bytes("seed", 4);
    memset(bytes, 0, sizeof bytes);
    evutil_secure_rng_get_bytes(bytes, sizeof bytes);
    for (size_t i = 0; i < sizeof bytes; ++i) nonzero += bytes[i] != 0;
    LOG("secure_rng_get_bytes filled the buffer: %d", nonzero > 32);
  }
  {
    evutil_socket_t fd = socket(AF_INET6, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    LOG("make_listen_socket_ipv6only -> %d", evutil_make_listen_socket_ipv6only(fd));
    LOG("make_tcp_listen_socket_deferred -> %d", evutil_make_tcp_listen_socket_deferred(fd));
    evutil_closesocket(fd);
  }
  LOG("offsetof(struct sockaddr_in, sin_port) = %d", (int)evutil_offsetof(struct sockaddr_in, sin_port));

  LOG("event-config.h: %#x %s, sizes %d %d %d %d, epoll %d", EVENT__NUMERIC_VERSION, EVENT__VERSION,
      EVENT__SIZEOF_INT, EVENT__SIZEOF_LONG, EVENT__SIZEOF_SIZE_T, EVENT__SIZEOF_VOID_P, EVENT__HAVE_EPOLL);

  event_base_free(base);
  return 0;
}
