/* The event accessors a program uses to look at its events: event_get_fd /
 * events / callback / callback_arg / base / priority, event_get_assignment,
 * event_initialized on zeroed and assigned storage, event_pending with a
 * timeval out (the expiry, checked against the wall clock, never printed),
 * event_self_cbarg, and the evtimer_* / evsignal_* macros. */
#include <sys/time.h>

#include "scenario.h"

static struct event_base *base;
static struct event *self_ref;
static int pair[2];

/* fds by role: their numbers are each library's own. */
static const char *fd_name(evutil_socket_t fd) {
  return fd == pair[0] ? "pair0" : fd == pair[1] ? "pair1" : fd == -1 ? "-1" : fd == SIGUSR2 ? "SIGUSR2" : "?";
}

static void cb_a(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
}
static void cb_b(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
}

static void self_cb(evutil_socket_t fd, short what, void *arg) {
  LOG("self_cb fd=%d what=%s arg-is-self=%d pending=%s", (int)fd, flags_str(what), arg == (void *)self_ref,
      pending_str(self_ref));
}

static void describe(const char *name, struct event *ev, void *arg_a) {
  struct event_base *b;
  evutil_socket_t fd;
  short events;
  event_callback_fn cb;
  void *arg;
  LOG("%s: fd=%s events=%s cb=%s arg=%s base-ok=%d priority=%d", name, fd_name(event_get_fd(ev)),
      flags_str(event_get_events(ev)), event_get_callback(ev) == cb_a ? "a" : event_get_callback(ev) == cb_b ? "b" : event_get_callback(ev) == self_cb ? "self" : "?",
      event_get_callback_arg(ev) == arg_a ? "arg_a" : event_get_callback_arg(ev) == NULL ? "NULL" : event_get_callback_arg(ev) == (void *)ev ? "itself" : "?",
      event_get_base(ev) == base, event_get_priority(ev));
  event_get_assignment(ev, &b, &fd, &events, &cb, &arg);
  LOG("%s: assignment base-ok=%d fd=%s events=%s cb=%s", name, b == base, fd_name(fd), flags_str(events),
      cb == cb_a ? "a" : cb == cb_b ? "b" : cb == self_cb ? "self" : "?");
}

/* event_pending's tv_out is the expiry on the wall clock: within (0, ms+slack] from now. */
static void expiry(const char *name, struct event *ev, long want_ms) {
  struct timeval out = {0, 0}, now, left;
  int r = event_pending(ev, EV_TIMEOUT, &out);
  long left_ms;
  gettimeofday(&now, NULL);
  evutil_timersub(&out, &now, &left);
  left_ms = (long)left.tv_sec * 1000 + (long)left.tv_usec / 1000;
  LOG("%s: pending(TIMEOUT)=%s expiry within %ld ms of now: %d", name, flags_str(r), want_ms,
      r ? (left_ms > -50 && left_ms <= want_ms + 50) : -1);
}

int main(void) {
  struct event zeroed, assigned, *timer, *sig, *io;
  int arg_a = 7;
  struct timeval tv;
  int i;
  base = new_base();
  make_pair(pair);
  CHECK(event_base_priority_init(base, 4) == 0);

  memset(&zeroed, 0, sizeof zeroed);
  LOG("zeroed initialized=%d", event_initialized(&zeroed));
  CHECK(event_assign(&assigned, base, pair[0], EV_READ | EV_PERSIST, cb_a, &arg_a) == 0);
  LOG("assigned initialized=%d", event_initialized(&assigned));
  describe("assigned", &assigned, &arg_a);
  CHECK(event_priority_set(&assigned, 3) == 0);
  CHECK(event_assign(&assigned, base, pair[1], EV_WRITE | EV_ET, cb_b, NULL) == 0);
  describe("re-assigned", &assigned, &arg_a);

  timer = evtimer_new(base, cb_b, NULL);
  describe("evtimer_new", timer, &arg_a);
  LOG("evtimer_initialized=%d evtimer_pending=%d", evtimer_initialized(timer), evtimer_pending(timer, NULL));
  tv = ms(300);
  CHECK(evtimer_add(timer, &tv) == 0);
  expiry("timer 300", timer, 300);
  tv = ms(1500);
  CHECK(evtimer_add(timer, &tv) == 0);
  expiry("timer moved to 1500", timer, 1500);
  LOG("pending(READ) on a timer=%s", flags_str(event_pending(timer, EV_READ, NULL)));
  CHECK(evtimer_del(timer) == 0);
  expiry("timer deleted", timer, 0);

  sig = evsignal_new(base, SIGUSR2, cb_a, &arg_a);
  describe("evsignal_new", sig, &arg_a);
  LOG("evsignal_initialized=%d", evsignal_initialized(sig));
  tv = ms(700);
  CHECK(evsignal_add(sig, &tv) == 0);
  LOG("evsignal_pending=%s", flags_str(evsignal_pending(sig, NULL)));
  expiry("signal with 700", sig, 700);
  LOG("event_get_signal=%d", event_get_signal(sig) == SIGUSR2);
  CHECK(evsignal_del(sig) == 0);
  LOG("evsignal_pending after del=%s", flags_str(evsignal_pending(sig, NULL)));

  io = event_new(base, pair[0], EV_READ, cb_a, NULL);
  tv = ms(900);
  CHECK(event_add(io, &tv) == 0);
  LOG("io pending READ|WRITE=%s", flags_str(event_pending(io, EV_READ | EV_WRITE, NULL)));
  expiry("io with 900", io, 900);
  CHECK(event_add(io, NULL) == 0);
  expiry("io re-added with a NULL timeout (keeps its timeout)", io, 900);
  LOG("io pending all=%s", pending_str(io));

  self_ref = event_new(base, -1, 0, self_cb, event_self_cbarg());
  describe("self", self_ref, &arg_a);
  LOG("cbarg is the event=%d", event_get_callback_arg(self_ref) == (void *)self_ref);
  for (i = 0; i < 2; ++i) event_active(self_ref, EV_WRITE, 1);
  LOG("loop=%d", event_base_loop(base, EVLOOP_NONBLOCK));

  LOG("event_get_struct_event_size matches sizeof=%d", event_get_struct_event_size() == sizeof(struct event));
  event_free(timer);
  event_free(sig);
  event_free(io);
  event_free(self_ref);
  event_base_free(base);
  close(pair[0]);
  close(pair[1]);
  return 0;
}
