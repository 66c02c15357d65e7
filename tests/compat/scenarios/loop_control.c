/* Loop control: event_base_loop's return values for ONCE / NONBLOCK /
 * NO_EXIT_ON_EMPTY, loopexit and loopbreak (before and during dispatch) with
 * got_exit / got_break, and event_base_once. */
#include "scenario.h"

static struct event_base *base;
static struct event *a, *b, *tick, *t_short, *t_long, *idle;
static int ticks;

static void report(const char *what, int rc) {
  LOG("%s -> %d got_exit=%d got_break=%d", what, rc, event_base_got_exit(base), event_base_got_break(base));
}

static void named_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  LOG("%s what=%s", (const char *)arg, flags_str(what));
}

static void breaker_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  LOG("breaker what=%s loopbreak=%d", flags_str(what), event_base_loopbreak(base));
}

static void exiter_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  LOG("exiter what=%s loopexit(NULL)=%d", flags_str(what), event_base_loopexit(base, NULL));
}

static void tick_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  ++ticks;
}

static void once_cb(evutil_socket_t fd, short what, void *arg) {
  LOG("once %s fd-valid=%d what=%s", (const char *)arg, fd >= 0, flags_str(what));
  if (fd >= 0) read_one(fd);
}

int main(void) {
  struct timeval tv;
  int pair[2];
  base = new_base();
  make_pair(pair);

  report("empty dispatch", event_base_dispatch(base));
  report("empty ONCE", event_base_loop(base, EVLOOP_ONCE));
  report("empty NONBLOCK", event_base_loop(base, EVLOOP_NONBLOCK));
  report("empty NONBLOCK|NO_EXIT_ON_EMPTY", event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_NO_EXIT_ON_EMPTY));

  idle = event_new(base, pair[0], EV_READ, named_cb, "idle");
  CHECK(event_add(idle, NULL) == 0);
  LOG("loopbreak before loop=%d", event_base_loopbreak(base));
  report("NONBLOCK with an idle fd after an early loopbreak", event_base_loop(base, EVLOOP_NONBLOCK));
  LOG("loopexit(NULL) before loop=%d", event_base_loopexit(base, NULL));
  report("dispatch after an early loopexit(NULL)", event_base_dispatch(base));

  a = evtimer_new(base, breaker_cb, NULL);
  b = evtimer_new(base, named_cb, "after-breaker");
  event_active(a, EV_TIMEOUT, 1);
  event_active(b, EV_TIMEOUT, 1);
  report("dispatch with loopbreak in a callback", event_base_dispatch(base));
  LOG("after-breaker pending=%s", pending_str(b));
  report("NONBLOCK runs the leftover", event_base_loop(base, EVLOOP_NONBLOCK));

  event_free(a);
  event_free(b);
  a = evtimer_new(base, exiter_cb, NULL);
  b = evtimer_new(base, named_cb, "after-exiter");
  event_active(a, EV_TIMEOUT, 1);
  event_active(b, EV_TIMEOUT, 1);
  report("dispatch with loopexit(NULL) in a callback", event_base_dispatch(base));

  tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
  tv = ms(10);
  CHECK(event_add(tick, &tv) == 0);
  tv = ms(60);
  LOG("loopexit(60ms)=%d", event_base_loopexit(base, &tv));
  report("dispatch until loopexit(60ms)", event_base_dispatch(base));
  LOG("ticks>=1: %d", ticks >= 1);
  CHECK(event_del(tick) == 0);

  t_short = evtimer_new(base, named_cb, "t20");
  t_long = evtimer_new(base, named_cb, "t200");
  tv = ms(20);
  CHECK(evtimer_add(t_short, &tv) == 0);
  tv = ms(200);
  CHECK(evtimer_add(t_long, &tv) == 0);
  report("ONCE with timers at 20 and 200 ms", event_base_loop(base, EVLOOP_ONCE));
  LOG("t200 pending=%s", pending_str(t_long));
  CHECK(evtimer_del(t_long) == 0);

  report("NONBLOCK with an idle fd", event_base_loop(base, EVLOOP_NONBLOCK));
  send_bytes(pair[1], "x");
  report("ONCE with a ready fd", event_base_loop(base, EVLOOP_ONCE));
  LOG("idle pending=%s", pending_str(idle));
  report("NONBLOCK, nothing left", event_base_loop(base, EVLOOP_NONBLOCK));

  LOG("event_base_once(SIGNAL)=%d", event_base_once(base, SIGUSR1, EV_SIGNAL, once_cb, "bad", NULL));
  LOG("event_base_once(PERSIST)=%d", event_base_once(base, -1, EV_TIMEOUT | EV_PERSIST, once_cb, "bad", NULL));
  LOG("event_base_once(0 flags)=%d", event_base_once(base, -1, 0, once_cb, "bad", NULL));
  LOG("event_base_once(timer, NULL)=%d", event_base_once(base, -1, EV_TIMEOUT, once_cb, "timer-null", NULL));
  tv = ms(0);
  LOG("event_base_once(timer, 0)=%d", event_base_once(base, -1, EV_TIMEOUT, once_cb, "timer-zero", &tv));
  tv = ms(30);
  LOG("event_base_once(timer, 30ms)=%d", event_base_once(base, -1, EV_TIMEOUT, once_cb, "timer-30ms", &tv));
  LOG("event_base_once(read)=%d", event_base_once(base, pair[0], EV_READ, once_cb, "read", NULL));
  report("NONBLOCK with once events", event_base_loop(base, EVLOOP_NONBLOCK));
  send_bytes(pair[1], "z");
  report("dispatch with once events", event_base_dispatch(base));

  event_free(a);
  event_free(b);
  event_free(tick);
  event_free(t_short);
  event_free(t_long);
  event_free(idle);
  close(pair[0]);
  close(pair[1]);
  event_base_free(base);
  return 0;
}
