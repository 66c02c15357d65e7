/* Signals: three deliveries before the loop runs -> three callbacks; two events
 * on one signal (newest first); signals activate in signal-number order; del
 * inside the callback drops the remaining calls; loopbreak inside stops them;
 * a non-persistent signal event still gets every call of its activation. */
#include "scenario.h"

static struct event_base *base;
static struct event *first, *second, *other, *once_only;
static int deleting, breaking;

static void cb(evutil_socket_t sig, short what, void *arg) {
  const char *name = arg;
  struct event *self = strcmp(name, "usr1-first") == 0    ? first
                       : strcmp(name, "usr1-second") == 0 ? second
                       : strcmp(name, "usr2") == 0        ? other
                                                          : once_only;
  LOG("%s sig=%s what=%s pending=%s", name, sig == SIGUSR1 ? "USR1" : sig == SIGUSR2 ? "USR2" : "?",
      flags_str(what), pending_str(self));
  if (deleting && self == first) {
    int rc = event_del(first);
    LOG("%s deleted itself: %d", name, rc);
  }
  if (breaking && self == second) LOG("%s loopbreak=%d", name, event_base_loopbreak(base));
}

int main(void) {
  int rc, i;
  base = new_base();
  first = evsignal_new(base, SIGUSR1, cb, "usr1-first");
  second = evsignal_new(base, SIGUSR1, cb, "usr1-second");
  other = evsignal_new(base, SIGUSR2, cb, "usr2");
  CHECK(evsignal_add(first, NULL) == 0);
  CHECK(evsignal_add(second, NULL) == 0);
  CHECK(evsignal_add(other, NULL) == 0);
  LOG("pending: first=%s other=%s", pending_str(first), pending_str(other));

  raise(SIGUSR2);
  for (i = 0; i < 3; ++i) raise(SIGUSR1);
  rc = event_base_loop(base, EVLOOP_ONCE);
  LOG("ONCE returned %d", rc);

  deleting = 1;
  for (i = 0; i < 3; ++i) raise(SIGUSR1);
  rc = event_base_loop(base, EVLOOP_ONCE);
  LOG("ONCE returned %d; first pending=%s", rc, pending_str(first));
  deleting = 0;

  breaking = 1;
  for (i = 0; i < 3; ++i) raise(SIGUSR1);
  rc = event_base_loop(base, EVLOOP_ONCE);
  LOG("ONCE with loopbreak returned %d got_break=%d", rc, event_base_got_break(base));
  breaking = 0;
  CHECK(evsignal_del(second) == 0);
  CHECK(evsignal_del(other) == 0);

  once_only = event_new(base, SIGUSR1, EV_SIGNAL, cb, "usr1-not-persistent");
  CHECK(event_add(once_only, NULL) == 0);
  for (i = 0; i < 2; ++i) raise(SIGUSR1);
  rc = event_base_dispatch(base);
  LOG("dispatch returned %d; not-persistent pending=%s", rc, pending_str(once_only));

  event_free(first);
  event_free(second);
  event_free(other);
  event_free(once_only);
  event_base_free(base);
  return 0;
}
