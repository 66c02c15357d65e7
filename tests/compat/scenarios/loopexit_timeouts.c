/* event_base_loopexit with timeouts as a server's shutdown path uses it: two
 * loopexits pending at once (the earlier ends this dispatch, the later one is
 * still pending and ends the next dispatch), loopexit from a callback while a
 * PERSIST ticker runs, loopexit(NULL) plus loopbreak in one callback (the
 * break ends this loop; the loopexit, an active once event, ends the next),
 * the flags cleared by the next loop, and a loopexit whose
 * deadline falls after the last event (its timer keeps the loop running). */
#include "scenario.h"

static struct event_base *base;
static int ticks;

static void report(const char *what, int rc) {
  LOG("%s -> %d got_exit=%d got_break=%d", what, rc, event_base_got_exit(base), event_base_got_break(base));
}

static void tick_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  ++ticks;
}

static void marker_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  LOG("marker %s what=%s", (const char *)arg, flags_str(what));
}

static void shutdown_cb(evutil_socket_t fd, short what, void *arg) {
  struct timeval tv = ms(60);
  (void)fd;
  (void)arg;
  LOG("shutdown what=%s: loopexit(60ms)=%d", flags_str(what), event_base_loopexit(base, &tv));
}

static void both_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  LOG("both: loopexit(NULL)=%d loopbreak=%d", event_base_loopexit(base, NULL), event_base_loopbreak(base));
}

int main(void) {
  struct event *tick, *marker_a, *marker_b, *shut, *both;
  struct timeval tv;
  base = new_base();

  tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
  tv = ms(10);
  CHECK(event_add(tick, &tv) == 0);
  marker_a = evtimer_new(base, marker_cb, "a-500");
  tv = ms(500);
  CHECK(evtimer_add(marker_a, &tv) == 0);
  tv = ms(50);
  LOG("loopexit(50ms)=%d", event_base_loopexit(base, &tv));
  tv = ms(150);
  LOG("loopexit(150ms)=%d", event_base_loopexit(base, &tv));
  report("first dispatch", event_base_dispatch(base));
  LOG("ticked=%d a pending=%s", ticks > 0, pending_str(marker_a));
  report("second dispatch (the 150 ms loopexit still pending)", event_base_dispatch(base));
  LOG("a pending=%s", pending_str(marker_a));

  shut = evtimer_new(base, shutdown_cb, NULL);
  tv = ms(20);
  CHECK(evtimer_add(shut, &tv) == 0);
  report("third dispatch (shutdown at 20 ms, exit 60 ms later; a at 500 ms)", event_base_dispatch(base));
  LOG("a pending=%s", pending_str(marker_a));

  CHECK(event_del(tick) == 0);
  both = evtimer_new(base, both_cb, NULL);
  marker_b = evtimer_new(base, marker_cb, "b-active");
  event_active(both, EV_TIMEOUT, 1);
  event_active(marker_b, EV_TIMEOUT, 1);
  report("fourth dispatch (loopexit and loopbreak in one callback)", event_base_dispatch(base));
  report("NONBLOCK runs what is left", event_base_loop(base, EVLOOP_NONBLOCK));

  tv = ms(300);
  LOG("loopexit(300ms)=%d", event_base_loopexit(base, &tv));
  report("fifth dispatch: a fires, then the loopexit ends the loop", event_base_dispatch(base));
  report("NONBLOCK on an empty base", event_base_loop(base, EVLOOP_NONBLOCK));

  event_free(tick);
  event_free(marker_a);
  event_free(marker_b);
  event_free(shut);
  event_free(both);
  event_base_free(base);
  return 0;
}
