/* Priorities under load, as a server that gives control traffic precedence
 * over bulk work: 8 priority queues, 200 events activated in a scrambled order
 * (each queue must run in activation order, lower numbers first), callbacks
 * that activate more work at a higher and a lower priority mid-round, an
 * always-writable PERSIST fd event at the lowest priority (each loop iteration
 * runs only the highest non-empty queue, so with EVLOOP_ONCE it waits its
 * turn and runs once), and event_base_priority_init
 * variants (0, 1, 256, 257, -1; twice; with events active). */
#include "scenario.h"

#define N 200
static struct event_base *base;
static struct event *ev[N];
static struct event *late_hi, *late_lo;
static int ran;
static char trail[N * 16];

static void cb(evutil_socket_t fd, short what, void *arg) {
  int i = (int)(intptr_t)arg;
  char one[16];
  (void)fd;
  (void)what;
  ++ran;
  snprintf(one, sizeof one, " %d:%d", event_get_priority(ev[i]), i);
  strcat(trail, one);
  if (i == 101) {
    event_active(late_hi, EV_TIMEOUT, 1);
    event_active(late_lo, EV_TIMEOUT, 1);
    strcat(trail, " [101 activated late-hi p0, late-lo p7]");
  }
}

static void late_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  strcat(trail, " ");
  strcat(trail, (const char *)arg);
}

static void print_trail(const char *title) {
  /* in lines of at most ~100 characters */
  size_t len = strlen(trail), at = 0;
  LOG("%s:", title);
  while (at < len) {
    size_t end = at + 100 < len ? at + 100 : len;
    while (end < len && trail[end] != ' ') ++end;
    LOG(" %.*s", (int)(end - at), trail + at);
    at = end;
  }
  trail[0] = '\0';
}

static void try_init(int n) {
  struct event_base *b = event_base_new();
  LOG("fresh base priority_init(%d)=%d", n, event_base_priority_init(b, n));
  event_base_free(b);
}

int main(void) {
  int i, rc, pair[2];
  struct event *io;
  base = new_base();
  make_pair(pair);
  try_init(0);
  try_init(1);
  try_init(256);
  try_init(257);
  try_init(-1);
  LOG("priority_init(8)=%d", event_base_priority_init(base, 8));
  LOG("priority_init(8) again=%d", event_base_priority_init(base, 8));
  LOG("base npriorities=%d", event_base_get_npriorities(base));

  for (i = 0; i < N; ++i) {
    ev[i] = evtimer_new(base, cb, (void *)(intptr_t)i);
    CHECK(event_priority_set(ev[i], (i * 7) % 8) == 0);
  }
  LOG("priority_set(8)=%d priority_set(-1)=%d", event_priority_set(ev[0], 8), event_priority_set(ev[0], -1));
  late_hi = evtimer_new(base, late_cb, "late-hi");
  late_lo = evtimer_new(base, late_cb, "late-lo");
  CHECK(event_priority_set(late_hi, 0) == 0);
  CHECK(event_priority_set(late_lo, 7) == 0);
  io = event_new(base, pair[1], EV_WRITE | EV_PERSIST, late_cb, "io-p7");
  CHECK(event_priority_set(io, 7) == 0);
  CHECK(event_add(io, NULL) == 0);

  /* scrambled activation order: i*37 mod N visits every event once */
  for (i = 0; i < N; ++i) event_active(ev[(i * 37) % N], EV_TIMEOUT, 1);
  LOG("priority_init(8) with events active=%d", event_base_priority_init(base, 8));
  rc = event_base_loop(base, EVLOOP_ONCE);
  LOG("once=%d ran=%d", rc, ran);
  print_trail("round 1 (priority:event)");
  rc = event_base_loop(base, EVLOOP_ONCE);
  LOG("second once=%d", rc);
  print_trail("round 2");
  CHECK(event_del(io) == 0);
  rc = event_base_loop(base, EVLOOP_NONBLOCK);
  LOG("nonblock=%d", rc);
  print_trail("round 3");

  for (i = 0; i < N; ++i) event_free(ev[i]);
  event_free(late_hi);
  event_free(late_lo);
  event_free(io);
  event_base_free(base);
  close(pair[0]);
  close(pair[1]);
  return 0;
}
