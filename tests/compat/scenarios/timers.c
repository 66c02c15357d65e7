/* Timeline (ms): ties 60, t100, moved 150, persist 170/340/510, t200, t300,
 * t400, t550; at least 20 ms apart because libevent reads a coarse clock.
 *
 * Timer order: distinct deadlines from main, equal deadlines added inside a
 * callback (one cached time: the heap's tie order), re-adding a pending timer,
 * deleting one, a PERSIST timer, event_pending inside callbacks. */
#include "scenario.h"

struct named {
  const char *name;
  struct event *ev;
};

static struct event_base *base;
static struct named ties[5];
static int persist_count;

static void timer_cb(evutil_socket_t fd, short what, void *arg) {
  struct named *n = arg;
  LOG("timer %s what=%s fd=%d pending=%s", n->name, flags_str(what), (int)fd, pending_str(n->ev));
}

static void spawn_cb(evutil_socket_t fd, short what, void *arg) {
  static const char *names[5] = {"tieA", "tieB", "tieC", "tieD", "tieE"};
  struct timeval tv = ms(40);
  int i;
  (void)fd;
  (void)arg;
  LOG("spawn what=%s: adding 5 timers with equal deadlines", flags_str(what));
  for (i = 0; i < 5; ++i) {
    ties[i].name = names[i];
    ties[i].ev = evtimer_new(base, timer_cb, &ties[i]);
    CHECK(evtimer_add(ties[i].ev, &tv) == 0);
  }
}

static void persist_cb(evutil_socket_t fd, short what, void *arg) {
  struct named *n = arg;
  (void)fd;
  ++persist_count;
  LOG("persist #%d what=%s pending=%s", persist_count, flags_str(what), pending_str(n->ev));
  if (persist_count == 3) {
    CHECK(event_del(n->ev) == 0);
    LOG("persist deleted itself, pending=%s", pending_str(n->ev));
  }
}

static struct named timers[5], spawner, moved, deleted, persist;

/* Every timer is added here, inside a callback, so all deadlines count from the
 * loop's one cached time: added from main() instead, each deadline counted from
 * its own add, and a scheduler stall between two adds (seen under ASan on a
 * loaded machine) could reorder timers only 30 ms apart. */
static void setup_cb(evutil_socket_t fd, short what, void *arg) {
  static const long delays[] = {300, 100, 550, 200, 400};
  static const char *names[] = {"t300", "t100", "t550", "t200", "t400"};
  struct timeval tv;
  int i, rc;
  (void)fd;
  (void)arg;
  LOG("setup what=%s", flags_str(what));
  for (i = 0; i < 5; ++i) {
    timers[i].name = names[i];
    timers[i].ev = evtimer_new(base, timer_cb, &timers[i]);
    tv = ms(delays[i]);
    CHECK(evtimer_add(timers[i].ev, &tv) == 0);
    LOG("added %s pending=%s", names[i], pending_str(timers[i].ev));
  }
  spawner.name = "spawner";
  spawner.ev = evtimer_new(base, spawn_cb, &spawner);
  tv = ms(20);
  CHECK(evtimer_add(spawner.ev, &tv) == 0);

  /* Re-adding a pending timer replaces its timeout. */
  moved.name = "moved-from-700-to-150";
  moved.ev = evtimer_new(base, timer_cb, &moved);
  tv = ms(700);
  CHECK(evtimer_add(moved.ev, &tv) == 0);
  tv = ms(150);
  CHECK(evtimer_add(moved.ev, &tv) == 0);

  deleted.name = "deleted";
  deleted.ev = evtimer_new(base, timer_cb, &deleted);
  tv = ms(50);
  CHECK(evtimer_add(deleted.ev, &tv) == 0);
  rc = evtimer_del(deleted.ev);
  LOG("evtimer_del=%d pending=%s initialized=%d", rc, pending_str(deleted.ev), evtimer_initialized(deleted.ev));

  persist.name = "persist";
  persist.ev = event_new(base, -1, EV_PERSIST, persist_cb, &persist);
  tv = ms(170);
  CHECK(event_add(persist.ev, &tv) == 0);
}

int main(void) {
  struct event *setup;
  struct timeval tv = ms(0);
  int i, rc;

  base = new_base();
  setup = evtimer_new(base, setup_cb, NULL);
  CHECK(evtimer_add(setup, &tv) == 0);

  rc = event_base_dispatch(base);
  LOG("dispatch returned %d", rc);

  for (i = 0; i < 5; ++i) event_free(timers[i].ev);
  for (i = 0; i < 5; ++i) event_free(ties[i].ev);
  event_free(spawner.ev);
  event_free(moved.ev);
  event_free(deleted.ev);
  event_free(persist.ev);
  event_free(setup);
  event_base_free(base);
  return 0;
}
