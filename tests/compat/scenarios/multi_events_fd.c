/* Several events on one fd, as a program with separate reader, writer and
 * watchdog objects sharing a socket has them: three READ events and two WRITE
 * events (which run, and in which order), one READ event deleted while the
 * others stay, a READ|WRITE event alongside, a non-persistent one that drops
 * out after firing, and the remaining events after the peer closes. */
#include "scenario.h"

static struct event_base *base;
static int pair[2];

static void cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  LOG("  %s what=%s", (const char *)arg, flags_str(what));
}

static void round_of(const char *title) {
  int rc;
  LOG("%s:", title);
  /* ONCE|NONBLOCK: one round. NONBLOCK alone keeps looping while a level-
   * triggered fd stays readable (libevent's loop ends only when a round found
   * nothing active). */
  rc = event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  LOG("  loop=%d", rc);
}

int main(void) {
  struct event *r1, *r2, *r3, *w1, *w2, *rw, *once;
  char buf[16];
  base = new_base();
  make_pair(pair);
  r1 = event_new(base, pair[0], EV_READ | EV_PERSIST, cb, "r1");
  r2 = event_new(base, pair[0], EV_READ | EV_PERSIST, cb, "r2");
  r3 = event_new(base, pair[0], EV_READ | EV_PERSIST, cb, "r3");
  w1 = event_new(base, pair[0], EV_WRITE | EV_PERSIST, cb, "w1");
  w2 = event_new(base, pair[0], EV_WRITE | EV_PERSIST, cb, "w2");
  rw = event_new(base, pair[0], EV_READ | EV_WRITE | EV_PERSIST, cb, "rw");
  once = event_new(base, pair[0], EV_READ, cb, "once");
  CHECK(event_add(r1, NULL) == 0);
  CHECK(event_add(r2, NULL) == 0);
  CHECK(event_add(r3, NULL) == 0);
  round_of("three readers, nothing to read");
  send_bytes(pair[1], "x");
  round_of("three readers, data waiting");
  CHECK(event_del(r2) == 0);
  round_of("r2 deleted");
  CHECK(event_add(w1, NULL) == 0);
  CHECK(event_add(w2, NULL) == 0);
  round_of("writers added, data still waiting");
  CHECK(read(pair[0], buf, sizeof buf) == 1);
  round_of("data read: writers only");
  CHECK(event_add(rw, NULL) == 0);
  CHECK(event_add(once, NULL) == 0);
  send_bytes(pair[1], "y");
  round_of("rw and once added, data waiting");
  LOG("once pending=%s", pending_str(once));
  CHECK(event_del(w1) == 0);
  CHECK(event_del(w2) == 0);
  CHECK(event_add(r2, NULL) == 0);
  round_of("writers deleted, r2 re-added");
  CHECK(read(pair[0], buf, sizeof buf) == 1);
  CHECK(event_del(rw) == 0);
  close(pair[1]);
  round_of("peer closed");
  CHECK(event_del(r1) == 0);
  CHECK(event_del(r2) == 0);
  CHECK(event_del(r3) == 0);
  round_of("all deleted");
  event_free(r1);
  event_free(r2);
  event_free(r3);
  event_free(w1);
  event_free(w2);
  event_free(rw);
  event_free(once);
  close(pair[0]);
  event_base_free(base);
  return 0;
}
