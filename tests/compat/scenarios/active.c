/* event_active: on a non-pending event, twice before dispatch (flags merge, one
 * callback), on a pending PERSIST fd event, on a signal event with ncalls, with
 * no flags (evuser_trigger style), and from inside its own callback. */
#include "scenario.h"

static struct event_base *base;
static struct event *timer, *merged, *io, *sig, *user, *again;
static int again_calls;

static void show_cb(evutil_socket_t fd, short what, void *arg) {
  struct event **self = arg;
  (void)fd;
  LOG("%s what=%s pending=%s",
      *self == timer ? "timer" : *self == merged ? "merged" : *self == io ? "io" : *self == sig ? "signal" : "user",
      flags_str(what), pending_str(*self));
}

static void again_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  ++again_calls;
  LOG("again #%d what=%s pending=%s", again_calls, flags_str(what), pending_str(again));
  if (again_calls < 3) {
    event_active(again, EV_WRITE, 1);
    LOG("again re-activated itself, pending=%s", pending_str(again));
  }
}

int main(void) {
  int pair[2];
  int rc;
  base = new_base();
  make_pair(pair);

  timer = evtimer_new(base, show_cb, &timer);
  LOG("timer before: pending=%s", pending_str(timer));
  event_active(timer, EV_TIMEOUT, 1);
  LOG("timer activated: pending=%s", pending_str(timer));

  merged = event_new(base, pair[0], EV_READ | EV_WRITE, show_cb, &merged);
  event_active(merged, EV_READ, 1);
  event_active(merged, EV_WRITE, 1);
  LOG("merged activated twice: pending=%s", pending_str(merged));

  io = event_new(base, pair[0], EV_READ | EV_PERSIST, show_cb, &io);
  CHECK(event_add(io, NULL) == 0);
  event_active(io, EV_WRITE, 1);
  LOG("io pending+active: pending=%s", pending_str(io));

  sig = evsignal_new(base, SIGUSR2, show_cb, &sig);
  event_active(sig, EV_SIGNAL, 3);
  LOG("signal activated with ncalls 3 (never added): pending=%s", pending_str(sig));

  user = evuser_new(base, show_cb, &user);
  evuser_trigger(user);
  LOG("user triggered: pending=%s", pending_str(user));

  rc = event_base_loop(base, EVLOOP_NONBLOCK);
  LOG("loop returned %d; io pending=%s", rc, pending_str(io));
  CHECK(event_del(io) == 0);

  again = evtimer_new(base, again_cb, NULL);
  event_active(again, EV_TIMEOUT, 1);
  rc = event_base_loop(base, EVLOOP_ONCE);
  LOG("ONCE loop returned %d after %d calls", rc, again_calls);
  rc = event_base_dispatch(base);
  LOG("dispatch returned %d after %d calls", rc, again_calls);

  event_free(timer);
  event_free(merged);
  event_free(io);
  event_free(sig);
  event_free(user);
  event_free(again);
  close(pair[0]);
  close(pair[1]);
  event_base_free(base);
  return 0;
}
