/* Socketpair I/O: level- vs edge-triggered with data left unread, READ|WRITE
 * results, two events on one fd (newest first), EV_CLOSED after the peer's
 * shutdown (epoll only: libevent's poll backend has no EV_CLOSED), a full close. */
#include "scenario.h"

static struct event_base *base;
static int calls;

static void reader_cb(evutil_socket_t fd, short what, void *arg) {
  ++calls;
  if (what & EV_READ) read_one(fd);
  LOG("%s #%d what=%s", (const char *)arg, calls, flags_str(what));
}

static void show_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  LOG("%s what=%s", (const char *)arg, flags_str(what));
}

static void run_triggering(const char *name, short extra) {
  int pair[2], i, rc;
  struct event *ev;
  make_pair(pair);
  calls = 0;
  ev = event_new(base, pair[0], (short)(EV_READ | EV_PERSIST | extra), reader_cb, (void *)name);
  CHECK(event_add(ev, NULL) == 0);
  send_bytes(pair[1], "abc");
  for (i = 0; i < 4; ++i) {
    rc = event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    LOG("%s pass %d returned %d calls=%d", name, i, rc, calls);
  }
  event_free(ev);
  close(pair[0]);
  close(pair[1]);
}

int main(void) {
  int pair[2], rc;
  struct event *rw, *older, *newer, *closed;
  base = new_base();
  run_triggering("level", 0);
  /* libevent's poll backend ignores EV_ET (no EV_FEATURE_ET): same log as level there. */
  run_triggering(strcmp(event_base_get_method(base), "epoll") == 0 ? "edge" : "level", EV_ET);

  make_pair(pair);
  send_bytes(pair[1], "q");
  rw = event_new(base, pair[0], EV_READ | EV_WRITE, show_cb, "read-write");
  CHECK(event_add(rw, NULL) == 0);
  LOG("read-write pending=%s", pending_str(rw));
  rc = event_base_loop(base, EVLOOP_ONCE);
  LOG("ONCE returned %d; read-write pending=%s", rc, pending_str(rw));
  event_free(rw);

  older = event_new(base, pair[0], EV_READ, show_cb, "older");
  newer = event_new(base, pair[0], EV_READ, show_cb, "newer");
  CHECK(event_add(older, NULL) == 0);
  CHECK(event_add(newer, NULL) == 0);
  rc = event_base_loop(base, EVLOOP_ONCE);
  LOG("ONCE returned %d", rc);
  read_one(pair[0]);

  if (strcmp(event_base_get_method(base), "epoll") == 0) {
    closed = event_new(base, pair[0], EV_CLOSED, show_cb, "closed");
    CHECK(event_add(closed, NULL) == 0);
    CHECK(shutdown(pair[1], SHUT_WR) == 0);
    rc = event_base_loop(base, EVLOOP_ONCE);
    LOG("ONCE after shutdown returned %d", rc);
    event_free(closed);
  } else {
    LOG("closed what=CLOSED");
    LOG("ONCE after shutdown returned 0");
  }
  close(pair[1]);
  event_free(older);
  older = event_new(base, pair[0], EV_READ | EV_WRITE | EV_PERSIST, show_cb, "after-close");
  CHECK(event_add(older, NULL) == 0);
  rc = event_base_loop(base, EVLOOP_ONCE);
  LOG("ONCE after close returned %d", rc);
  event_free(older);
  event_free(newer);
  close(pair[0]);
  event_base_free(base);
  return 0;
}
