/* A synchronous "wait until readable or timed out" helper built on a stack
 * struct event and EVLOOP_ONCE, as programs wrap libevent for blocking-style
 * code: event_assign on stack storage each call, the loop run once, the
 * result read from the callback, event_del before returning (the storage goes
 * away). Called 30 times with data ready, absent, or arriving from a timer,
 * while a PERSIST background timer keeps running on the same base. */
#include "scenario.h"

static struct event_base *base;
static int pair[2], background_runs;

struct wait_result {
  short what;
  int calls;
};

static void wait_cb(evutil_socket_t fd, short what, void *arg) {
  struct wait_result *r = arg;
  (void)fd;
  r->what = what;
  ++r->calls;
}

/* Returns what the wait saw: READ, TIMEOUT. */
static short wait_readable(int fd, long timeout_ms) {
  struct event ev;
  struct wait_result r = {0, 0};
  struct timeval tv = ms(timeout_ms);
  CHECK(event_assign(&ev, base, fd, EV_READ, wait_cb, &r) == 0);
  CHECK(event_add(&ev, &tv) == 0);
  while (r.calls == 0) CHECK(event_base_loop(base, EVLOOP_ONCE) >= 0);
  CHECK(event_del(&ev) == 0);
  CHECK(r.calls == 1);
  return r.what;
}

static void background_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  ++background_runs;
}

static void late_writer_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  send_bytes(pair[1], "L");
}

int main(void) {
  struct event *background, *late;
  struct timeval tv = ms(5);
  int i, reads = 0, timeouts = 0, late_reads = 0;
  base = new_base();
  make_pair(pair);
  background = event_new(base, -1, EV_PERSIST, background_cb, NULL);
  CHECK(event_add(background, &tv) == 0);
  late = evtimer_new(base, late_writer_cb, NULL);
  for (i = 0; i < 30; ++i) {
    short what;
    switch (i % 3) {
      case 0: /* data already there */
        send_bytes(pair[1], "d");
        what = wait_readable(pair[0], 1000);
        if (what == EV_READ && read_one(pair[0]) == 1) ++reads;
        break;
      case 1: /* nothing comes: a 20 ms timeout */
        what = wait_readable(pair[0], 20);
        if (what == EV_TIMEOUT) ++timeouts;
        break;
      default: /* data arrives from a timer 10 ms in, long before the 2 s timeout */
        tv = ms(10);
        CHECK(evtimer_add(late, &tv) == 0);
        what = wait_readable(pair[0], 2000);
        if (what == EV_READ && read_one(pair[0]) == 1) ++late_reads;
        break;
    }
    if (i < 6) LOG("wait %d: %s", i, flags_str(what));
  }
  LOG("ready reads=%d timeouts=%d late reads=%d", reads, timeouts, late_reads);
  LOG("background timer kept running: %d", background_runs > 0);
  LOG("background pending=%s", pending_str(background));
  event_free(background);
  event_free(late);
  close(pair[0]);
  close(pair[1]);
  event_base_free(base);
  return 0;
}
