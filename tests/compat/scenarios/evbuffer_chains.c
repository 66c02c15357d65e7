/* evbuffer chain sizes: after many add / drain / prepend / remove_buffer /
 * add_buffer / reserve / expand / pullup / read patterns, prints what a
 * program can see of libevent's chains -- evbuffer_peek's extent count and
 * lengths (empty chains at the end included), evbuffer_get_contiguous_space,
 * and the extents evbuffer_reserve_space hands out -- plus a checksum of the
 * contents. Never pointers. */
#include <event2/buffer.h>
#include <fcntl.h>

#include "scenario.h"

static unsigned checksum(struct evbuffer *buf) {
  struct evbuffer_iovec v[64];
  int n = evbuffer_peek(buf, -1, NULL, v, 64);
  unsigned sum = 0;
  int i;
  size_t j;
  for (i = 0; i < n && i < 64; ++i)
    for (j = 0; j < v[i].iov_len; ++j) sum = sum * 31u + ((unsigned char *)v[i].iov_base)[j];
  return sum;
}

/* One line: length, contiguous space, peek count (n_vec 0), every extent. */
static void dump(const char *what, struct evbuffer *buf) {
  struct evbuffer_iovec v[64];
  char line[1024];
  size_t o = 0;
  int counted = evbuffer_peek(buf, -1, NULL, NULL, 0);
  int n = evbuffer_peek(buf, -1, NULL, v, 64);
  int i;
  for (i = 0; i < n && i < 64 && o + 16 < sizeof line; ++i)
    o += (size_t)snprintf(line + o, sizeof line - o, " %zu", v[i].iov_len);
  line[o] = '\0';
  LOG("%-28s len=%zu contig=%zu peek0=%d peek=%d [%s ] sum=%08x", what, evbuffer_get_length(buf),
      evbuffer_get_contiguous_space(buf), counted, n, line, checksum(buf));
}

static void fill(char *p, size_t n, int seed) {
  size_t i;
  for (i = 0; i < n; ++i) p[i] = (char)('a' + (int)((i * 7 + (size_t)seed) % 26));
}

static void add_n(struct evbuffer *buf, size_t n, int seed) {
  static char data[20000];
  CHECK(n <= sizeof data);
  fill(data, n, seed);
  CHECK(evbuffer_add(buf, data, n) == 0);
}

static void reserve(const char *what, struct evbuffer *buf, ev_ssize_t size, int nvec, size_t commit) {
  struct evbuffer_iovec v[8];
  char line[256];
  size_t o = 0, left = commit;
  int n = evbuffer_reserve_space(buf, size, v, nvec);
  int i;
  for (i = 0; i < n; ++i) {
    size_t k = v[i].iov_len < left ? v[i].iov_len : left;
    o += (size_t)snprintf(line + o, sizeof line - o, " %zu", v[i].iov_len);
    fill(v[i].iov_base, k, i);
    v[i].iov_len = k;
    left -= k;
  }
  line[o] = '\0';
  LOG("%-28s reserve(%zd,%d)=%d [%s ]", what, size, nvec, n, line);
  if (n > 0) CHECK(evbuffer_commit_space(buf, v, n) == 0);
  dump("  after commit", buf);
}

static void pullup(const char *what, struct evbuffer *buf, ev_ssize_t n) {
  unsigned char *p = evbuffer_pullup(buf, n);
  LOG("%-28s pullup(%zd) %s", what, n, p ? "ok" : "NULL");
  dump("  after pullup", buf);
}

static void small_adds(void) {
  struct evbuffer *buf = evbuffer_new();
  int i;
  LOG("== small adds");
  dump("new", buf);
  for (i = 0; i < 40; ++i) {
    char label[32];
    add_n(buf, 97, i);
    snprintf(label, sizeof label, "add 97 #%d", i + 1);
    if (i % 4 == 3) dump(label, buf);
  }
  CHECK(evbuffer_drain(buf, 500) == 0);
  dump("drain 500", buf);
  add_n(buf, 10, 1);
  dump("add 10", buf);
  CHECK(evbuffer_drain(buf, 1500) == 0);
  dump("drain 1500", buf);
  CHECK(evbuffer_drain(buf, 100000) == 0);
  dump("drain all", buf);
  add_n(buf, 5, 2);
  dump("add 5 after drain all", buf);
  evbuffer_free(buf);
}

static void big_adds(void) {
  struct evbuffer *buf = evbuffer_new();
  static const size_t sizes[] = {1, 975, 976, 977, 2000, 4049, 5000, 9000, 17000, 3};
  size_t i;
  LOG("== big adds");
  for (i = 0; i < sizeof sizes / sizeof sizes[0]; ++i) {
    char label[32];
    add_n(buf, sizes[i], (int)i);
    snprintf(label, sizeof label, "add %zu", sizes[i]);
    dump(label, buf);
  }
  evbuffer_free(buf);
  buf = evbuffer_new();
  add_n(buf, 3000, 1);
  dump("fresh add 3000", buf);
  evbuffer_free(buf);
}

static void realign(void) {
  struct evbuffer *buf = evbuffer_new();
  LOG("== realign");
  add_n(buf, 900, 1);
  CHECK(evbuffer_drain(buf, 800) == 0);
  dump("900 drain 800", buf);
  add_n(buf, 300, 2);
  dump("add 300 (realigns)", buf);
  CHECK(evbuffer_drain(buf, 50) == 0);
  add_n(buf, 700, 3);
  dump("drain 50 add 700", buf);
  evbuffer_free(buf);
}

static void prepends(void) {
  struct evbuffer *buf = evbuffer_new();
  LOG("== prepend");
  CHECK(evbuffer_prepend(buf, "xyz", 3) == 0);
  dump("prepend 3 into new", buf);
  add_n(buf, 600, 1);
  dump("add 600", buf);
  CHECK(evbuffer_drain(buf, 200) == 0);
  CHECK(evbuffer_prepend(buf, "0123456789", 10) == 0);
  dump("drain 200 prepend 10", buf);
  {
    char big[1500];
    fill(big, sizeof big, 4);
    CHECK(evbuffer_prepend(buf, big, sizeof big) == 0);
    dump("prepend 1500", buf);
  }
  evbuffer_free(buf);
}

static void moves(void) {
  struct evbuffer *a = evbuffer_new(), *b = evbuffer_new(), *c = evbuffer_new();
  LOG("== add_buffer / remove_buffer / prepend_buffer");
  add_n(a, 3000, 1);
  add_n(b, 50, 2);
  dump("a", a);
  CHECK(evbuffer_add_buffer(b, a) == 0);
  dump("b += a", b);
  dump("a after", a);
  CHECK(evbuffer_remove_buffer(b, c, 1000) == 1000);
  dump("c <- 1000 of b", c);
  dump("b after", b);
  CHECK(evbuffer_remove_buffer(b, c, 1026) == 1026);
  dump("c <- 1026 of b", c);
  dump("b after", b);
  CHECK(evbuffer_add_buffer(a, c) == 0);
  dump("empty a += c", a);
  add_n(c, 20, 3);
  CHECK(evbuffer_prepend_buffer(a, c) == 0);
  dump("a prepend_buffer 20", a);
  CHECK(evbuffer_remove_buffer(a, b, 100000) > 0);
  dump("b <- all of a", b);
  evbuffer_free(a);
  evbuffer_free(b);
  evbuffer_free(c);
}

static void reserves(void) {
  struct evbuffer *buf = evbuffer_new();
  LOG("== reserve_space / expand");
  reserve("new 1 vec", buf, 100, 1, 100);
  reserve("1 vec fits", buf, 200, 1, 0);
  reserve("1 vec too big", buf, 2000, 1, 1500);
  reserve("2 vecs", buf, 3000, 2, 2500);
  reserve("4 vecs", buf, 6000, 4, 10);
  reserve("3 vecs small", buf, 10, 3, 10);
  CHECK(evbuffer_expand(buf, 5000) == 0);
  dump("expand 5000", buf);
  reserve("after expand", buf, 4000, 2, 4000);
  CHECK(evbuffer_drain(buf, 100000) == 0);
  CHECK(evbuffer_expand(buf, 10) == 0);
  dump("drain all, expand 10", buf);
  add_n(buf, 500, 7);
  dump("add 500", buf);
  CHECK(evbuffer_expand(buf, 300) == 0);
  dump("expand 300 (resize)", buf);
  add_n(buf, 3000, 8);
  CHECK(evbuffer_expand(buf, 5000) == 0);
  dump("add 3000 expand 5000", buf);
  CHECK(evbuffer_add_printf(buf, "%0900d|%s", 7, "end") > 0);
  dump("add_printf 904", buf);
  evbuffer_free(buf);
}

static void pullups(void) {
  struct evbuffer *buf = evbuffer_new();
  int i;
  LOG("== pullup");
  for (i = 0; i < 12; ++i) add_n(buf, 400, i);
  dump("12 x 400", buf);
  pullup("first chain already", buf, 100);
  pullup("two chains", buf, 1500);
  CHECK(evbuffer_drain(buf, 300) == 0);
  pullup("after drain 300", buf, 1300);
  pullup("too much", buf, 100000);
  pullup("everything", buf, -1);
  evbuffer_free(buf);
}

static void reads(void) {
  struct evbuffer *buf = evbuffer_new();
  int sv[2];
  static char data[10000];
  int i;
  LOG("== evbuffer_read");
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CHECK(fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0); /* an empty socket never blocks the run */
  fill(data, sizeof data, 9);
  CHECK(write(sv[0], data, 300) == 300);
  LOG("read -1: %d", evbuffer_read(buf, sv[1], -1));
  dump("after read 300", buf);
  CHECK(write(sv[0], data, 10000) == 10000);
  for (i = 0; i < 2; ++i) {
    LOG("read -1: %d", evbuffer_read(buf, sv[1], -1));
    dump("after read", buf);
  }
  LOG("read 100: %d", evbuffer_read(buf, sv[1], 100));
  dump("after read 100", buf);
  CHECK(evbuffer_drain(buf, 8000) == 0);
  LOG("read 5000: %d", evbuffer_read(buf, sv[1], 5000));
  dump("after drain 8000, read", buf);
  LOG("read from empty socket: %d", evbuffer_read(buf, sv[1], -1));
  dump("after read nothing", buf);
  close(sv[0]);
  close(sv[1]);
  evbuffer_free(buf);
}

int main(void) {
  /* No base is needed; scenarios still announce a backend for the runner. */
  struct event_base *base = new_base();
  small_adds();
  big_adds();
  realign();
  prepends();
  moves();
  reserves();
  pullups();
  reads();
  event_base_free(base);
  LOG("done");
  return 0;
}
