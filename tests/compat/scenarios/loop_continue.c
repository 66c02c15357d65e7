/* event_base_loopcontinue (inside a callback: the rest of the active events
 * wait for the next iteration; outside a loop: no effect) and
 * event_base_init_common_timeout (the same pointer for the same duration, and
 * timers added with it expire in order with ordinary ones). */
#include "scenario.h"

static struct event_base *base;

static void named_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  LOG("%s what=%s", (const char *)arg, flags_str(what));
}

static int pair[2];
static int do_continue;

/* Makes the high-priority reader's fd ready, then (if asked) loopcontinue: the
 * loop polls again before running the rest of this priority's queue, so the
 * reader runs before b and c; without it b and c run first. */
static void continuer_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  send_bytes(pair[1], "x");
  if (do_continue) LOG("continuer what=%s loopcontinue=%d", flags_str(what), event_base_loopcontinue(base));
  else LOG("continuer what=%s (no loopcontinue)", flags_str(what));
}

static void reader_cb(evutil_socket_t fd, short what, void *arg) {
  (void)arg;
  read_one(fd);
  LOG("reader (priority 0) what=%s", flags_str(what));
}

int main(void) {
  struct timeval tv;
  base = new_base();
  CHECK(event_base_priority_init(base, 2) == 0);
  make_pair(pair);

  struct event *reader = event_new(base, pair[0], EV_READ | EV_PERSIST, reader_cb, NULL);
  struct event *cont = evtimer_new(base, continuer_cb, NULL);
  struct event *b = evtimer_new(base, named_cb, "b");
  struct event *c = evtimer_new(base, named_cb, "c");
  CHECK(event_priority_set(reader, 0) == 0);
  CHECK(event_priority_set(cont, 1) == 0);
  CHECK(event_priority_set(b, 1) == 0);
  CHECK(event_priority_set(c, 1) == 0);
  CHECK(event_add(reader, NULL) == 0);

  for (do_continue = 0; do_continue <= 1; ++do_continue) {
    event_active(cont, EV_TIMEOUT, 1);
    event_active(b, EV_TIMEOUT, 1);
    event_active(c, EV_TIMEOUT, 1);
    LOG("NONBLOCK (loopcontinue=%d) -> %d", do_continue, event_base_loop(base, EVLOOP_NONBLOCK));
    LOG("b pending=%s c pending=%s", pending_str(b), pending_str(c));
    LOG("NONBLOCK again -> %d", event_base_loop(base, EVLOOP_NONBLOCK));
  }

  event_active(cont, EV_TIMEOUT, 1);
  event_active(b, EV_TIMEOUT, 1);
  LOG("ONCE with loopcontinue -> %d", event_base_loop(base, EVLOOP_ONCE));
  LOG("b pending=%s", pending_str(b));
  LOG("NONBLOCK again -> %d", event_base_loop(base, EVLOOP_NONBLOCK));

  LOG("loopcontinue outside a loop=%d", event_base_loopcontinue(base));
  event_active(b, EV_TIMEOUT, 1);
  event_active(c, EV_TIMEOUT, 1);
  LOG("NONBLOCK after it -> %d", event_base_loop(base, EVLOOP_NONBLOCK));
  LOG("loopcontinue(NULL)=%d", event_base_loopcontinue(NULL));
  CHECK(event_del(reader) == 0);

  tv = ms(50);
  const struct timeval *common50 = event_base_init_common_timeout(base, &tv);
  const struct timeval *again50 = event_base_init_common_timeout(base, &tv);
  tv = ms(80);
  const struct timeval *common80 = event_base_init_common_timeout(base, &tv);
  LOG("common 50ms non-null=%d, same pointer again=%d, 80ms differs=%d", common50 != NULL, common50 == again50,
      common80 != NULL && common80 != common50);
  struct event *t20 = evtimer_new(base, named_cb, "t20 (plain)");
  struct event *t50 = evtimer_new(base, named_cb, "t50 (common)");
  struct event *t80 = evtimer_new(base, named_cb, "t80 (common)");
  struct event *t65 = evtimer_new(base, named_cb, "t65 (plain)");
  CHECK(evtimer_add(t80, common80) == 0);
  CHECK(evtimer_add(t50, common50) == 0);
  tv = ms(20);
  CHECK(evtimer_add(t20, &tv) == 0);
  tv = ms(65);
  CHECK(evtimer_add(t65, &tv) == 0);
  LOG("t50 pending=%s", pending_str(t50));
  LOG("dispatch over four timers -> %d", event_base_dispatch(base));

  event_free(reader);
  event_free(cont);
  event_free(b);
  event_free(c);
  event_free(t20);
  event_free(t50);
  event_free(t80);
  event_free(t65);
  close(pair[0]);
  close(pair[1]);
  event_base_free(base);
  return 0;
}
