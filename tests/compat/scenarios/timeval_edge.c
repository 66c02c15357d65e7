/* Timeout values at their edges, as programs compute them: a zero timeout
 * (fires in the next loop round, after events already active), a zero timeout
 * on a non-PERSIST fd event whose fd is also readable (one callback, TIMEOUT
 * only: expiring deletes the event, READ activation included, then activates
 * it for the timeout), a timer re-added with the same timeval while pending (one
 * callback), evtimer_add(NULL) on a timer (accepted, never pending), and
 * fields out of range, as a program computes them (tv_usec = ms * 1000, a
 * deadline already past): accepted, a negative one fires at once, in deadline
 * order, a tv_usec of exactly 1000000 after a second. (A tv_usec above that is
 * left out: libevent adds it to the clock normalizing once, so when such a
 * timer fires depends on the clock's sub-second part.) */
#include "scenario.h"

static struct event_base *base;

static void cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  LOG("  %s what=%s", (const char *)arg, flags_str(what));
}

int main(void) {
  struct event *active, *zero_timer, *zero_io, *same, *nulltv;
  struct timeval tv;
  int pair[2];
  base = new_base();
  make_pair(pair);

  LOG("== zero timeouts");
  active = evtimer_new(base, cb, "already-active");
  zero_timer = evtimer_new(base, cb, "zero-timer");
  zero_io = event_new(base, pair[0], EV_READ, cb, "zero-io-readable");
  tv = ms(0);
  CHECK(evtimer_add(zero_timer, &tv) == 0);
  send_bytes(pair[1], "r");
  CHECK(event_add(zero_io, &tv) == 0);
  event_active(active, EV_TIMEOUT, 1);
  LOG("zero-timer pending=%s zero-io pending=%s", pending_str(zero_timer), pending_str(zero_io));
  LOG("dispatch=%d", event_base_dispatch(base));

  LOG("== re-added with the same timeval, and with NULL");
  same = evtimer_new(base, cb, "same");
  nulltv = evtimer_new(base, cb, "null-tv");
  tv = ms(40);
  CHECK(evtimer_add(same, &tv) == 0);
  CHECK(evtimer_add(same, &tv) == 0);
  LOG("evtimer_add(NULL)=%d", evtimer_add(nulltv, NULL));
  LOG("null-tv pending=%s", pending_str(nulltv));
  LOG("dispatch=%d", event_base_dispatch(base));
  LOG("null-tv pending=%s", pending_str(nulltv));

  LOG("== fields out of range");
  {
    static const struct timeval odd[4] = {{-1, 0}, {0, -200000}, {0, 0}, {0, 1000000}};
    static const char *names[4] = {"minus-1s", "minus-200ms", "zero", "usec-1000000"};
    struct event *timers[4];
    int i;
    for (i = 0; i < 4; ++i) {
      int rc;
      timers[i] = evtimer_new(base, cb, (void *)names[i]);
      rc = evtimer_add(timers[i], &odd[i]);
      LOG("%s: evtimer_add=%d pending=%s", names[i], rc, pending_str(timers[i]));
    }
    LOG("dispatch=%d", event_base_dispatch(base));
    for (i = 0; i < 4; ++i) event_free(timers[i]);
  }

  event_free(active);
  event_free(zero_timer);
  event_free(zero_io);
  event_free(same);
  event_free(nulltv);
  close(pair[0]);
  close(pair[1]);
  event_base_free(base);
  return 0;
}
