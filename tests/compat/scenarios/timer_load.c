/* Many timers, as a server with a timeout per connection has them: 400
 * timers added in one callback (one cached time) with deadlines spread over
 * 40 distinct values in a scrambled order, a quarter deleted before they
 * fire, a quarter re-added once with a later deadline from inside timer
 * callbacks, and PERSIST timers cancelled after their third run. Printed: how
 * many fired per deadline and whether first runs ever fired out of deadline
 * order -- never times. Deadlines are 10 ms apart. */
#include "scenario.h"

#define N 400
#define SLOTS 40
static struct event_base *base;
static struct event *ev[N];
static int was_readded[N], slot_of[N], fired_per_slot[SLOTS + 20], order_ok = 1, last_slot = -1, fired, readds;
static int persist_runs[8];
static struct event *persist[8];

static void timer_cb(evutil_socket_t fd, short what, void *arg) {
  int i = (int)(intptr_t)arg;
  (void)fd;
  (void)what;
  ++fired;
  /* first runs only: a re-added timer counts from its callback's time, which a
   * loaded machine may delay */
  if (!was_readded[i]) {
    if (slot_of[i] < last_slot) order_ok = 0;
    last_slot = slot_of[i];
  }
  ++fired_per_slot[slot_of[i]];
  if (i % 4 == 1 && !was_readded[i]) {
    /* re-arm 15 slots later (relative to now, i.e. to this slot's deadline) */
    struct timeval tv = ms(150);
    slot_of[i] += 15;
    ++readds;
    was_readded[i] = 1;
    CHECK(event_add(ev[i], &tv) == 0);
  }
}

static void persist_cb(evutil_socket_t fd, short what, void *arg) {
  int i = (int)(intptr_t)arg;
  (void)fd;
  (void)what;
  if (++persist_runs[i] == 3) CHECK(event_del(persist[i]) == 0);
}

static void setup_cb(evutil_socket_t fd, short what, void *arg) {
  int i, deleted = 0;
  (void)fd;
  (void)what;
  (void)arg;
  for (i = 0; i < N; ++i) {
    struct timeval tv;
    slot_of[i] = (i * 17) % SLOTS;
    tv = ms(20 + 10L * slot_of[i]);
    slot_of[i] += 2; /* slot = deadline / 10 ms */
    ev[i] = evtimer_new(base, timer_cb, (void *)(intptr_t)i);
    CHECK(evtimer_add(ev[i], &tv) == 0);
  }
  for (i = 0; i < N; i += 4) {
    CHECK(evtimer_del(ev[i]) == 0);
    ++deleted;
  }
  for (i = 0; i < 8; ++i) {
    struct timeval tv = ms(25 + 30L * i);
    persist[i] = event_new(base, -1, EV_PERSIST, persist_cb, (void *)(intptr_t)i);
    CHECK(event_add(persist[i], &tv) == 0);
  }
  LOG("setup: %d timers, %d deleted, 8 persist", N, deleted);
}

int main(void) {
  struct event *setup;
  struct timeval zero = ms(0);
  char line[1024] = "";
  int i, rc, persist_ok = 1;
  base = new_base();
  setup = evtimer_new(base, setup_cb, NULL);
  CHECK(evtimer_add(setup, &zero) == 0);
  rc = event_base_dispatch(base);
  LOG("dispatch=%d fired=%d re-added=%d order kept=%d", rc, fired, readds, order_ok);
  for (i = 0; i < SLOTS + 20; ++i) {
    char one[16];
    if (!fired_per_slot[i]) continue;
    snprintf(one, sizeof one, " %d:%d", i, fired_per_slot[i]);
    strcat(line, one);
    if (strlen(line) > 90) {
      LOG("per slot:%s", line);
      line[0] = '\0';
    }
  }
  if (line[0]) LOG("per slot:%s", line);
  for (i = 0; i < 8; ++i) persist_ok &= persist_runs[i] == 3;
  LOG("every persist timer ran 3 times: %d", persist_ok);
  for (i = 0; i < N; ++i) event_free(ev[i]);
  for (i = 0; i < 8; ++i) event_free(persist[i]);
  event_free(setup);
  event_base_free(base);
  return 0;
}
