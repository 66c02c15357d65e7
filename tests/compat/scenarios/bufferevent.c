/* Socket bufferevents against a raw socketpair peer (and loopback TCP for
 * connects and the listener): the enabled set, write callbacks as the output
 * drains, an echo round trip, read low/high watermarks, a write low
 * watermark under a full socket, read and write timeouts, EOF with data
 * before it, connect refused on a closed 127.0.0.1 port and connected on an
 * open one, connect_hostname, a listener (disable/enable), deferred
 * callbacks, evbuffer callbacks on a bufferevent's output, and freeing a
 * bufferevent inside its own callback. Each phase runs the loop for a fixed
 * span and prints what its callbacks saw; nothing here depends on how the
 * two libraries split the work into loop iterations. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_compat.h>
#include <event2/listener.h>
#include <netinet/in.h>

#include "scenario.h"
#include "bev_common.h"

static struct event_base *base;

static void drain_peer(int fd, const char *who) {
  char buf[256];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  if (n < 0) n = 0;
  buf[n] = '\0';
  LOG("%s got %d [%s]", who, (int)n, buf);
}

static size_t discard_all(int fd) {
  char buf[65536];
  size_t total = 0;
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) total += (size_t)n;
  return total;
}

/* The callbacks log; reading is up to each phase (ctx says how). */
enum { KEEP = 0, DRAIN = 1, ECHO = 2, FREE_ON_EVENT = 4, TAKE_ONE_EVERY_OTHER = 8 };

static int read_calls;

static void read_cb(struct bufferevent *bev, void *ctx) {
  long mode = (long)ctx;
  struct evbuffer *in = bufferevent_get_input(bev);
  ++read_calls;
  LOG("  read cb: input=%zu", evbuffer_get_length(in));
  if (mode & TAKE_ONE_EVERY_OTHER) {
    /* Leaves the input at the high watermark on odd calls: libevent calls
     * again (deferred) rather than stall with reading suspended. */
    if (read_calls % 2 == 0) evbuffer_drain(in, 1);
  } else if (mode & ECHO) {
    CHECK(bufferevent_write_buffer(bev, in) == 0);
  } else if (mode & DRAIN) {
    char buf[64] = {0};
    size_t n = bufferevent_read(bev, buf, sizeof buf - 1);
    LOG("  read %zu [%s]", n, buf);
  }
}

static void write_cb(struct bufferevent *bev, void *ctx) {
  (void)ctx;
  LOG("  write cb: output=%zu", evbuffer_get_length(bufferevent_get_output(bev)));
}

static void event_cb(struct bufferevent *bev, short what, void *ctx) {
  int err = errno;
  LOG("  event cb: %s%s enabled=%s", bev_what(what),
      !(what & BEV_EVENT_ERROR) ? ""
      : err == ECONNREFUSED   ? " (ECONNREFUSED)"
      : err == ECONNRESET     ? " (ECONNRESET)"
                              : " (other errno)",
      flags_str(bufferevent_get_enabled(bev)));
  if ((long)ctx & FREE_ON_EVENT) {
    bufferevent_free(bev);
    LOG("  freed inside its event callback");
  }
}

static struct bufferevent *new_bev(int fd, int options, long mode) {
  struct bufferevent *bev = bufferevent_socket_new(base, fd, options);
  CHECK(bev != NULL);
  bufferevent_setcb(bev, read_cb, write_cb, event_cb, (void *)mode);
  return bev;
}

static void accessors(void) {
  int pair[2];
  struct bufferevent *bev;
  bufferevent_data_cb r, w;
  bufferevent_event_cb e;
  void *arg;
  int rc;
  LOG("== accessors");
  make_pair(pair);
  bev = bufferevent_socket_new(base, pair[0], BEV_OPT_CLOSE_ON_FREE);
  CHECK(bev != NULL);
  LOG("new: enabled=%s fd matches=%d base matches=%d", flags_str(bufferevent_get_enabled(bev)),
      bufferevent_getfd(bev) == pair[0], bufferevent_get_base(bev) == base);
  LOG("input/output distinct=%d empty=%zu/%zu", bufferevent_get_input(bev) != bufferevent_get_output(bev),
      evbuffer_get_length(bufferevent_get_input(bev)), evbuffer_get_length(bufferevent_get_output(bev)));
  /* The input refuses additions and the output removals (frozen ends). */
  LOG("add to input=%d", evbuffer_add(bufferevent_get_input(bev), "x", 1));
  LOG("prepend to input=%d", evbuffer_prepend(bufferevent_get_input(bev), "x", 1));
  LOG("drain input=%d", evbuffer_drain(bufferevent_get_input(bev), 1));
  LOG("add to output=%d", evbuffer_add(bufferevent_get_output(bev), "yz", 2));
  LOG("drain output=%d", evbuffer_drain(bufferevent_get_output(bev), 1));
  LOG("prepend to output=%d", evbuffer_prepend(bufferevent_get_output(bev), "y", 1));
  LOG("lengths %zu/%zu", evbuffer_get_length(bufferevent_get_input(bev)),
      evbuffer_get_length(bufferevent_get_output(bev)));
  bufferevent_setcb(bev, read_cb, NULL, event_cb, (void *)7);
  bufferevent_getcb(bev, &r, &w, &e, &arg);
  LOG("getcb: read=%d write=%d event=%d arg=%ld", r == read_cb, w == NULL, e == event_cb, (long)arg);
  rc = bufferevent_enable(bev, EV_READ | EV_PERSIST);
  LOG("enable READ|PERSIST=%d enabled=%s", rc, flags_str(bufferevent_get_enabled(bev)));
  rc = bufferevent_disable(bev, EV_WRITE);
  LOG("disable WRITE=%d enabled=%s", rc, flags_str(bufferevent_get_enabled(bev)));
  rc = bufferevent_disable(bev, EV_PERSIST);
  LOG("disable PERSIST=%d enabled=%s", rc, flags_str(bufferevent_get_enabled(bev)));
  rc = bufferevent_priority_set(bev, 1);
  LOG("priority_set 1=%d get=%d", rc, bufferevent_get_priority(bev));
  LOG("flush NORMAL=%d FINISHED=%d", bufferevent_flush(bev, EV_WRITE, BEV_NORMAL),
      bufferevent_flush(bev, EV_WRITE, BEV_FINISHED));
  LOG("dns error=%d", bufferevent_socket_get_dns_error(bev));
  {
    size_t lo = 1, hi = 1;
    bufferevent_setwatermark(bev, EV_READ | EV_WRITE, 3, 9);
    LOG("getwatermark READ=%d", bufferevent_getwatermark(bev, EV_READ, &lo, &hi));
    LOG("  %zu/%zu", lo, hi);
    LOG("getwatermark WRITE=%d", bufferevent_getwatermark(bev, EV_WRITE, &lo, &hi));
    LOG("  %zu/%zu", lo, hi);
    LOG("getwatermark both=%d", bufferevent_getwatermark(bev, EV_READ | EV_WRITE, &lo, &hi));
  }
  bufferevent_free(bev);
  /* CLOSE_ON_FREE closes pair[0] (libevent only once its loop runs the
   * finalizers): the peer sees EOF. */
  run_for(base, 10);
  LOG("peer read after free=%d", read_one(pair[1]));
  close(pair[1]);
}

static void echo_and_write_cb(void) {
  int pair[2];
  struct bufferevent *bev;
  char buf[16] = {0};
  LOG("== write callback and echo");
  make_pair(pair);
  bev = new_bev(pair[0], BEV_OPT_CLOSE_ON_FREE, ECHO);
  LOG("enable WRITE with nothing queued");
  CHECK(bufferevent_enable(bev, EV_WRITE) == 0);
  run_for(base, 30);
  LOG("write 4=%d", bufferevent_write(bev, "ping", 4));
  run_for(base, 30);
  drain_peer(pair[1], "peer");
  LOG("enable READ: echo what the peer sends");
  CHECK(bufferevent_enable(bev, EV_READ) == 0);
  send_bytes(pair[1], "echo me");
  run_for(base, 30);
  drain_peer(pair[1], "peer");
  bufferevent_setcb(bev, read_cb, write_cb, event_cb, (void *)DRAIN);
  send_bytes(pair[1], "for bufferevent_read");
  run_for(base, 30);
  send_bytes(pair[1], "left in input");
  run_for(base, 30);
  {
    struct evbuffer *tmp = evbuffer_new();
    int r = bufferevent_read_buffer(bev, tmp);
    LOG("read_buffer=%d moved=%zu input=%zu", r, evbuffer_get_length(tmp),
        evbuffer_get_length(bufferevent_get_input(bev)));
    evbuffer_free(tmp);
  }
  LOG("bufferevent_read on empty=%zu", bufferevent_read(bev, buf, sizeof buf));
  bufferevent_free(bev);
  close(pair[1]);
}

static void chunking(void) {
  int pair[2];
  struct bufferevent *bev;
  char data[40000];
  LOG("== read and write chunks");
  make_pair(pair);
  bev = new_bev(pair[0], BEV_OPT_CLOSE_ON_FREE, KEEP);
  LOG("max single read=%d write=%d", (int)bufferevent_get_max_single_read(bev),
      (int)bufferevent_get_max_single_write(bev));
  CHECK(bufferevent_enable(bev, EV_READ) == 0);
  memset(data, 'c', sizeof data);
  CHECK(write(pair[1], data, 10000) == 10000);
  run_for(base, 30);
  LOG("input=%zu", evbuffer_get_length(bufferevent_get_input(bev)));
  CHECK(bufferevent_set_max_single_read(bev, 1000) == 0);
  LOG("max single read now=%d", (int)bufferevent_get_max_single_read(bev));
  CHECK(write(pair[1], data, 2500) == 2500);
  run_for(base, 30);
  CHECK(bufferevent_set_max_single_read(bev, 0) == 0);
  LOG("max single read reset=%d", (int)bufferevent_get_max_single_read(bev));
  bufferevent_disable(bev, EV_READ);
  /* Output written in max_single_write pieces; the write callback runs after
   * each one that leaves the output at or below the low watermark. */
  bufferevent_setwatermark(bev, EV_WRITE, 30000, 0);
  CHECK(bufferevent_write(bev, data, sizeof data) == 0);
  CHECK(bufferevent_enable(bev, EV_WRITE) == 0);
  run_for(base, 30);
  LOG("peer got %zu", discard_all(pair[1]));
  bufferevent_free(bev);
  close(pair[1]);
}

static void watermarks(void) {
  int pair[2];
  struct bufferevent *bev;
  char chunk[65536];
  size_t got;
  LOG("== read low watermark");
  make_pair(pair);
  bev = new_bev(pair[0], BEV_OPT_CLOSE_ON_FREE, DRAIN);
  bufferevent_setwatermark(bev, EV_READ, 5, 0);
  CHECK(bufferevent_enable(bev, EV_READ) == 0);
  send_bytes(pair[1], "abc");
  run_for(base, 30);
  LOG("3 bytes: input=%zu", evbuffer_get_length(bufferevent_get_input(bev)));
  send_bytes(pair[1], "de");
  run_for(base, 30);

  LOG("== read high watermark");
  bufferevent_setcb(bev, read_cb, write_cb, event_cb, (void *)TAKE_ONE_EVERY_OTHER);
  bufferevent_setwatermark(bev, EV_READ, 0, 8);
  read_calls = 0;
  send_bytes(pair[1], "0123456789ABCDEFGHIJ");
  run_for(base, 50);
  LOG("read cb ran %d times; input=%zu", read_calls, evbuffer_get_length(bufferevent_get_input(bev)));
  /* (A callback that never drains would be called in a busy loop: libevent
   * 2.1.12 does that, and so does ours, but the count depends on timing.) */
  bufferevent_setcb(bev, read_cb, write_cb, event_cb, (void *)DRAIN);
  send_bytes(pair[1], "0123456789");
  bufferevent_setwatermark(bev, EV_READ, 0, 0);
  run_for(base, 30);
  LOG("no high watermark: input=%zu", evbuffer_get_length(bufferevent_get_input(bev)));

  LOG("== write low watermark with a full socket");
  evbuffer_drain(bufferevent_get_input(bev), 100);
  bufferevent_disable(bev, EV_READ);
  bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
  CHECK(bufferevent_enable(bev, EV_WRITE) == 0);
  run_for(base, 20);
  memset(chunk, 'w', sizeof chunk);
  {
    int i;
    for (i = 0; i < 40; ++i) CHECK(bufferevent_write(bev, chunk, sizeof chunk) == 0);
  }
  run_for(base, 30);
  LOG("peer not reading: output empty=%d", evbuffer_get_length(bufferevent_get_output(bev)) == 0);
  got = 0;
  while (got < 40 * sizeof chunk) {
    got += discard_all(pair[1]);
    run_for(base, 5);
  }
  run_for(base, 30);
  LOG("peer read %zu; output=%zu", got, evbuffer_get_length(bufferevent_get_output(bev)));
  bufferevent_free(bev);
  close(pair[1]);
}

static void timeouts_and_eof(void) {
  int pair[2];
  struct bufferevent *bev;
  struct timeval t = ms(40);
  char chunk[65536];
  int i;
  LOG("== read timeout");
  make_pair(pair);
  bev = new_bev(pair[0], BEV_OPT_CLOSE_ON_FREE, DRAIN);
  CHECK(bufferevent_set_timeouts(bev, &t, NULL) == 0);
  CHECK(bufferevent_enable(bev, EV_READ) == 0);
  run_for(base, 100);
  LOG("re-enable READ, data before the timeout");
  CHECK(bufferevent_enable(bev, EV_READ) == 0);
  send_bytes(pair[1], "in time");
  run_for(base, 20);
  LOG("clear timeouts=%d", bufferevent_set_timeouts(bev, NULL, NULL));
  run_for(base, 100);

  LOG("== bufferevent_settimeout (seconds)");
  bufferevent_settimeout(bev, 1, 0);
  CHECK(bufferevent_enable(bev, EV_READ) == 0);
  run_for(base, 1200);
  bufferevent_settimeout(bev, 0, 0);

  LOG("== write timeout");
  memset(chunk, 'x', sizeof chunk);
  CHECK(bufferevent_set_timeouts(bev, NULL, &t) == 0);
  for (i = 0; i < 40; ++i) CHECK(bufferevent_write(bev, chunk, sizeof chunk) == 0);
  run_for(base, 150);
  LOG("output still queued=%d", evbuffer_get_length(bufferevent_get_output(bev)) > 0);
  bufferevent_free(bev);
  close(pair[1]);

  LOG("== EOF after data");
  make_pair(pair);
  bev = new_bev(pair[0], BEV_OPT_CLOSE_ON_FREE, DRAIN | FREE_ON_EVENT);
  CHECK(bufferevent_enable(bev, EV_READ | EV_WRITE) == 0);
  run_for(base, 20);
  send_bytes(pair[1], "last words");
  close(pair[1]);
  run_for(base, 50);
}

static int closed_port(void) {
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
  CHECK(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
  close(fd);
  return ntohs(sin.sin_port);
}

static int accepted;
static int accepted_fd = -1;
/* The listener's and the connecting bufferevent's callbacks may run in the
 * same loop iteration, in an order that depends on the backend's fd order:
 * accept notes are kept and printed after each phase. */
static char accept_notes[1024];
static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg) {
  char note[160];
  ++accepted;
  snprintf(note, sizeof note, "  accept cb #%d: family=%s socklen ok=%d arg=%s same listener=%d\n", accepted,
           sa->sa_family == AF_INET ? "inet" : "?", socklen == (int)sizeof(struct sockaddr_in), (const char *)arg,
           evconnlistener_get_base(l) == base);
  strncat(accept_notes, note, sizeof accept_notes - strlen(accept_notes) - 1);
  if (accepted_fd >= 0) close(accepted_fd);
  accepted_fd = fd;
}

static void flush_accepts(void) {
  fputs(accept_notes, stdout);
  fflush(stdout);
  accept_notes[0] = '\0';
}

static void connects(void) {
  struct sockaddr_in sin;
  struct bufferevent *bev;
  struct evconnlistener *lev;
  socklen_t len = sizeof sin;
  int rc;
  LOG("== connect to a closed 127.0.0.1 port");
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = htons((unsigned short)closed_port());
  bev = new_bev(-1, BEV_OPT_CLOSE_ON_FREE, DRAIN);
  LOG("getfd before=%d", bufferevent_getfd(bev));
  rc = bufferevent_socket_connect(bev, (struct sockaddr *)&sin, sizeof sin);
  LOG("connect=%d", rc);
  run_for(base, 50);
  flush_accepts();
  bufferevent_free(bev);

  LOG("== listener and connect");
  sin.sin_port = 0;
  lev = evconnlistener_new_bind(base, accept_cb, "ctx", LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
                                (struct sockaddr *)&sin, sizeof sin);
  CHECK(lev != NULL);
  CHECK(getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&sin, &len) == 0);
  bev = new_bev(-1, BEV_OPT_CLOSE_ON_FREE, DRAIN);
  LOG("connect=%d", bufferevent_socket_connect(bev, (struct sockaddr *)&sin, sizeof sin));
  /* Setting the fd thawed both buffers until the first read/write. */
  LOG("add to input after connect=%d", evbuffer_add(bufferevent_get_input(bev), "!", 1));
  LOG("drain it=%d", evbuffer_drain(bufferevent_get_input(bev), 1));
  LOG("write before connected=%d", bufferevent_write(bev, "early", 5));
  CHECK(bufferevent_enable(bev, EV_READ | EV_WRITE) == 0);
  run_for(base, 50);
  flush_accepts();
  LOG("accepted=%d", accepted);
  CHECK(accepted_fd >= 0);
  drain_peer(accepted_fd, "server side");
  send_bytes(accepted_fd, "welcome");
  run_for(base, 30);
  flush_accepts();
  bufferevent_free(bev);

  LOG("listener disabled=%d", evconnlistener_disable(lev));
  bev = new_bev(-1, BEV_OPT_CLOSE_ON_FREE, DRAIN);
  LOG("connect_hostname localhost=%d",
      bufferevent_socket_connect_hostname(bev, NULL, AF_INET, "localhost", ntohs(sin.sin_port)));
  run_for(base, 50);
  flush_accepts();
  LOG("accepted while disabled=%d", accepted);
  LOG("listener enabled=%d", evconnlistener_enable(lev));
  run_for(base, 50);
  flush_accepts();
  LOG("accepted=%d", accepted);
  bufferevent_free(bev);

  bev = new_bev(-1, BEV_OPT_CLOSE_ON_FREE, DRAIN);
  LOG("connect_hostname 127.0.0.1=%d",
      bufferevent_socket_connect_hostname(bev, NULL, AF_UNSPEC, "127.0.0.1", ntohs(sin.sin_port)));
  run_for(base, 50);
  flush_accepts();
  LOG("connect_hostname port 0=%d", bufferevent_socket_connect_hostname(bev, NULL, AF_INET, "127.0.0.1", 0));
  LOG("connect_hostname bad family=%d", bufferevent_socket_connect_hostname(bev, NULL, 12345, "127.0.0.1", 80));
  bufferevent_free(bev);
  evconnlistener_set_cb(lev, NULL, NULL);
  evconnlistener_free(lev);
  if (accepted_fd >= 0) close(accepted_fd);
  accepted_fd = -1;
}

/* A connected TCP pair over loopback: *client from connect(), *server accepted. */
static void tcp_pair(int lfd, int *client, int *server) {
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  CHECK(getsockname(lfd, (struct sockaddr *)&sin, &len) == 0);
  *client = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(*client >= 0);
  CHECK(connect(*client, (struct sockaddr *)&sin, sizeof sin) == 0);
  *server = accept(lfd, NULL, NULL);
  CHECK(*server >= 0);
  CHECK(evutil_make_socket_nonblocking(*server) == 0);
}

static void listener_and_fds(void) {
  struct sockaddr_in sin;
  struct evconnlistener *lev;
  struct bufferevent *bev;
  struct linger lg;
  int lfd, client, server, probe, pair[2];
  socklen_t len = sizeof sin;
  LOG("== evconnlistener_new on a bound socket");
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  lfd = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(bind(lfd, (struct sockaddr *)&sin, sizeof sin) == 0);
  CHECK(listen(lfd, 16) == 0);
  CHECK(getsockname(lfd, (struct sockaddr *)&sin, &len) == 0);
  /* libevent's accept loop needs a nonblocking socket; the caller provides it. */
  CHECK(evutil_make_socket_nonblocking(lfd) == 0);
  lev = evconnlistener_new(base, NULL, NULL, LEV_OPT_DISABLED, 0, lfd);
  CHECK(lev != NULL);
  LOG("get_fd matches=%d", evconnlistener_get_fd(lev) == lfd);
  probe = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(connect(probe, (struct sockaddr *)&sin, sizeof sin) == 0);
  LOG("enable without a callback=%d", evconnlistener_enable(lev));
  run_for(base, 30);
  flush_accepts();
  LOG("accepted=%d", accepted);
  evconnlistener_set_cb(lev, accept_cb, "late");
  run_for(base, 30);
  flush_accepts();
  LOG("after set_cb accepted=%d", accepted);
  evconnlistener_free(lev);
  LOG("listener fd still open (no CLOSE_ON_FREE)=%d", listen(lfd, 16) == 0);
  CHECK(fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) & ~O_NONBLOCK) == 0);
  close(probe);
  if (accepted_fd >= 0) close(accepted_fd);
  accepted_fd = -1;

  LOG("== reset by the peer");
  tcp_pair(lfd, &client, &server);
  bev = new_bev(server, BEV_OPT_CLOSE_ON_FREE, DRAIN);
  CHECK(bufferevent_enable(bev, EV_READ) == 0);
  lg.l_onoff = 1;
  lg.l_linger = 0;
  CHECK(setsockopt(client, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0);
  close(client);
  run_for(base, 30);
  bufferevent_free(bev);

  LOG("== connect on a bufferevent that has its socket already");
  client = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(evutil_make_socket_nonblocking(client) == 0);
  bev = new_bev(client, BEV_OPT_CLOSE_ON_FREE, DRAIN);
  LOG("connect=%d", bufferevent_socket_connect(bev, (struct sockaddr *)&sin, sizeof sin));
  CHECK(bufferevent_enable(bev, EV_READ) == 0);
  run_for(base, 30);
  server = accept(lfd, NULL, NULL);
  CHECK(server >= 0);
  LOG("write=%d", bufferevent_write(bev, "via fd", 6));
  run_for(base, 30);
  drain_peer(server, "server side");
  LOG("free with output queued: write=%d", bufferevent_write(bev, "never sent", 10));
  bufferevent_free(bev);
  run_for(base, 10); /* libevent closes the fd from its loop (finalizers) */
  LOG("server side read=%d (EOF, queued output discarded)", read_one(server));
  close(server);
  close(lfd);

  LOG("== setfd on a bufferevent created without one");
  make_pair(pair);
  bev = new_bev(-1, 0, DRAIN);
  probe = bufferevent_enable(bev, EV_READ);
  LOG("enable READ without fd=%d enabled=%s", probe, flags_str(bufferevent_get_enabled(bev)));
  probe = bufferevent_setfd(bev, pair[0]);
  LOG("setfd=%d getfd matches=%d", probe, bufferevent_getfd(bev) == pair[0]);
  send_bytes(pair[1], "after setfd");
  run_for(base, 30);
  bufferevent_free(bev);
  LOG("no CLOSE_ON_FREE: fd still open=%d", write(pair[0], "k", 1) == 1);
  close(pair[0]);
  close(pair[1]);
}

static void output_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg) {
  (void)arg;
  LOG("  buffer cb: orig=%zu added=%zu deleted=%zu now=%zu", info->orig_size, info->n_added, info->n_deleted,
      evbuffer_get_length(buf));
}

static void deferred_and_buffer_cbs(void) {
  int pair[2];
  struct bufferevent *bev;
  LOG("== deferred callbacks");
  make_pair(pair);
  bev = new_bev(pair[0], BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS, DRAIN);
  CHECK(bufferevent_enable(bev, EV_READ | EV_WRITE) == 0);
  run_for(base, 20);
  send_bytes(pair[1], "deferred");
  run_for(base, 20);
  CHECK(evbuffer_add_cb(bufferevent_get_output(bev), output_cb, NULL) != NULL);
  LOG("write with an output callback=%d", bufferevent_write(bev, "watched", 7));
  run_for(base, 20);
  drain_peer(pair[1], "peer");
  CHECK(evbuffer_add_cb(bufferevent_get_input(bev), output_cb, NULL) != NULL);
  LOG("input callback: the peer sends 5000 bytes");
  {
    char data[5000];
    memset(data, 'i', sizeof data);
    CHECK(write(pair[1], data, sizeof data) == (ssize_t)sizeof data);
  }
  run_for(base, 30);
  close(pair[1]);
  run_for(base, 20);
  bufferevent_free(bev);
}

int main(void) {
  base = new_base();
  CHECK(event_base_priority_init(base, 3) == 0);
  accessors();
  echo_and_write_cb();
  chunking();
  watermarks();
  timeouts_and_eof();
  connects();
  listener_and_fds();
  deferred_and_buffer_cbs();
  event_base_free(base);
  return 0;
}
