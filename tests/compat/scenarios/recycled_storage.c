/* event_assign treats its memory as uninitialized: malloc'd memory that glibc
 * hands back with a freed event's bytes still in it, stack memory reused by the
 * next call, memory full of garbage, and a copy of a pending event's bytes.
 * Per-connection structs holding a struct event, assigned, fired and released
 * with plain free() (also inside the event's own callback), many times over;
 * then event_base_free. Run under AddressSanitizer by the sanitizer build. */
#include "scenario.h"

static struct event_base *base;
static int fds[2];
static int fired;

static void count_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)arg;
  ++fired;
  (void)what;
}

/* The loop: assign, never add, release with free(). */
static void assign_and_free(int rounds) {
  for (int i = 0; i < rounds; ++i) {
    struct event *ev = malloc(sizeof *ev);
    CHECK(ev != NULL);
    CHECK(event_assign(ev, base, fds[0], EV_READ, count_cb, NULL) == 0);
    free(ev);
  }
}

struct conn {
  int id;
  struct event ev;
  char tail[24];
};

/* A one-shot timer per connection; its callback frees the connection with
 * plain free() (the event is not pending any more while its callback runs). */
static void conn_cb(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  (void)fd;
  if (c->id % 50 == 0) LOG("conn %d: %s, pending %s", c->id, flags_str(what), pending_str(&c->ev));
  ++fired;
  free(c);
}

static void run_connections(int n) {
  for (int i = 0; i < n; ++i) {
    struct conn *c = malloc(sizeof *c);
    CHECK(c != NULL);
    c->id = i;
    CHECK(event_assign(&c->ev, base, -1, 0, conn_cb, c) == 0);
    struct timeval tv = ms(0);
    CHECK(event_add(&c->ev, &tv) == 0);
    if (i % 10 == 9) event_base_loop(base, EVLOOP_NONBLOCK);
  }
  while (event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK) == 0 && fired < n) {
  }
}

/* A struct event on the stack, as a function's local: added, fired, deleted. */
static void stack_event(int round) {
  struct event ev;
  CHECK(event_assign(&ev, base, fds[0], EV_READ, count_cb, NULL) == 0);
  CHECK(event_add(&ev, NULL) == 0);
  send_bytes(fds[1], "x");
  CHECK(event_base_loop(base, EVLOOP_ONCE) == 0);
  CHECK(read_one(fds[0]) == 1);
  if (round == 0) LOG("stack event: pending after it fired %s", pending_str(&ev));
  CHECK(event_add(&ev, NULL) == 0);
  CHECK(event_del(&ev) == 0);
}

int main(void) {
  base = new_base();
  make_pair(fds);

  assign_and_free(2);
  assign_and_free(500);
  LOG("assign + free: ok");

  /* Garbage bytes. */
  struct event *junk = malloc(sizeof *junk);
  CHECK(junk != NULL);
  memset(junk, 0xa5, sizeof *junk);
  CHECK(event_assign(junk, base, -1, 0, count_cb, NULL) == 0);
  LOG("garbage storage: initialized %d pending %s", event_initialized(junk), pending_str(junk));
  struct timeval zero = ms(0);
  CHECK(event_add(junk, &zero) == 0);
  CHECK(event_base_loop(base, EVLOOP_ONCE) == 0);
  LOG("garbage storage fired: %d", fired);
  free(junk);

  /* A copy of a pending event's bytes: the copy is new memory, the original
   * stays pending and fires alone. */
  struct event *orig = event_new(base, -1, 0, count_cb, NULL);
  struct timeval soon = ms(5);
  CHECK(event_add(orig, &soon) == 0);
  struct event *copy = malloc(sizeof *copy);
  CHECK(copy != NULL);
  memcpy(copy, orig, sizeof *copy);
  CHECK(event_assign(copy, base, -1, 0, count_cb, NULL) == 0);
  LOG("copy: pending %s; original: pending %s", pending_str(copy), pending_str(orig));
  free(copy);
  fired = 0;
  CHECK(event_base_dispatch(base) == 1);
  LOG("original fired %d time(s), pending %s", fired, pending_str(orig));
  event_free(orig);

  for (int round = 0; round < 50; ++round) stack_event(round);
  LOG("stack events: ok");

  fired = 0;
  run_connections(300);
  LOG("connections: %d callbacks", fired);
  fired = 0;
  run_connections(300);
  LOG("connections again: %d callbacks", fired);

  /* The base goes with storage it never saw again: assigned, freed, reused. */
  assign_and_free(2);
  event_base_free(base);
  close(fds[0]);
  close(fds[1]);
  LOG("done");
  return 0;
}
