/* Priorities: lower number first, default is the middle queue, no priority
 * change while active, no event_base_priority_init while events are active, and
 * a callback activating a higher-priority event (it runs before the rest of the
 * current queue). */
#include "scenario.h"

static struct event_base *base;
static struct event *ev[6];
static const char *names[6] = {"p2-first", "p0", "p1-default", "p2-second", "urgent-p0", "p2-third"};

static void cb(evutil_socket_t fd, short what, void *arg) {
  int i = (int)(intptr_t)arg;
  (void)fd;
  LOG("%s what=%s", names[i], flags_str(what));
  if (i == 0) {
    event_active(ev[4], EV_READ, 1);
    LOG("%s activated urgent-p0", names[i]);
  }
}

int main(void) {
  int i, rc;
  base = new_base();
  LOG("npriorities initially %d", event_base_get_npriorities(base));
  LOG("priority_init(0)=%d priority_init(256)=%d priority_init(3)=%d", event_base_priority_init(base, 0),
      event_base_priority_init(base, 256), event_base_priority_init(base, 3));
  for (i = 0; i < 6; ++i) ev[i] = evtimer_new(base, cb, (void *)(intptr_t)i);
  LOG("default priority %d", event_get_priority(ev[2]));
  CHECK(event_priority_set(ev[0], 2) == 0);
  CHECK(event_priority_set(ev[1], 0) == 0);
  CHECK(event_priority_set(ev[3], 2) == 0);
  CHECK(event_priority_set(ev[4], 0) == 0);
  CHECK(event_priority_set(ev[5], 2) == 0);
  LOG("priority_set(-1)=%d priority_set(3)=%d", event_priority_set(ev[2], -1), event_priority_set(ev[2], 3));

  event_active(ev[0], EV_TIMEOUT, 1);
  event_active(ev[3], EV_TIMEOUT, 1);
  event_active(ev[5], EV_TIMEOUT, 1);
  event_active(ev[2], EV_TIMEOUT, 1);
  event_active(ev[1], EV_TIMEOUT, 1);
  LOG("priority_set on active=%d", event_priority_set(ev[0], 1));
  LOG("priority_init while active=%d", event_base_priority_init(base, 2));
  rc = event_base_loop(base, EVLOOP_NONBLOCK);
  LOG("loop returned %d", rc);

  /* ONCE stops after the first pass that ran a callback only when nothing is active. */
  event_active(ev[0], EV_TIMEOUT, 1);
  event_active(ev[1], EV_TIMEOUT, 1);
  rc = event_base_loop(base, EVLOOP_ONCE);
  LOG("ONCE loop returned %d", rc);
  LOG("priority_init(3) again=%d", event_base_priority_init(base, 3));

  for (i = 0; i < 6; ++i) event_free(ev[i]);
  event_base_free(base);
  return 0;
}
