/* Two bases in one thread, as a program with a private "sub-loop" for a
 * blocking-style helper has them: a callback of base A runs base B's loop
 * until B's work is done, B's callback breaks A's loop (A stops after the
 * current callback returns), re-entering A's own loop from its callback is
 * refused (-1; libevent also warns on stderr), and each base keeps its own
 * got_break / got_exit and its own events. */
#include "scenario.h"

static struct event_base *a, *b;
static struct event *a_main, *a_next, *b_work, *b_timer;
static int b_runs;

static void report(const char *who, struct event_base *base) {
  LOG("  %s: got_break=%d got_exit=%d", who, event_base_got_break(base), event_base_got_exit(base));
}

static void b_work_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  ++b_runs;
  LOG("  B work #%d what=%s", b_runs, flags_str(what));
  if (b_runs == 2) LOG("  B breaks A: %d", event_base_loopbreak(a));
}

static void b_timer_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  LOG("  B timer what=%s", flags_str(what));
}

static void a_main_cb(evutil_socket_t fd, short what, void *arg) {
  struct timeval tv = ms(30);
  int rc;
  (void)fd;
  (void)arg;
  LOG("A main what=%s", flags_str(what));
  rc = event_base_dispatch(a);
  LOG("  A re-entering its own loop=%d", rc);
  event_active(b_work, EV_TIMEOUT, 1);
  CHECK(evtimer_add(b_timer, &tv) == 0);
  rc = event_base_dispatch(b);
  LOG("  B's loop inside A's callback=%d", rc);
  report("B", b);
  event_active(b_work, EV_TIMEOUT, 1);
  rc = event_base_loop(b, EVLOOP_NONBLOCK);
  LOG("  B nonblock=%d", rc);
  report("A", a);
}

static void a_next_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  LOG("A next what=%s", flags_str(what));
}

int main(void) {
  int rc;
  a = new_base();
  b = event_base_new();
  CHECK(b != NULL);
  a_main = evtimer_new(a, a_main_cb, NULL);
  a_next = evtimer_new(a, a_next_cb, NULL);
  b_work = evtimer_new(b, b_work_cb, NULL);
  b_timer = evtimer_new(b, b_timer_cb, NULL);
  event_active(a_main, EV_TIMEOUT, 1);
  event_active(a_next, EV_TIMEOUT, 1);
  rc = event_base_dispatch(a);
  LOG("A dispatch=%d", rc);
  report("A", a);
  report("B", b);
  LOG("a_next pending=%s", pending_str(a_next));
  rc = event_base_dispatch(a);
  LOG("A dispatch again=%d", rc);
  report("A", a);
  event_free(a_main);
  event_free(a_next);
  event_free(b_work);
  event_free(b_timer);
  event_base_free(b);
  event_base_free(a);
  return 0;
}
