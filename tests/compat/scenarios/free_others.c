/* event_free of OTHER events from inside a callback, as a connection object's
 * destructor does when one of its events fires: the freed events were active
 * (waiting in the same round), pending on I/O, pending on a timer, and the
 * freeing callback finally frees itself. Nothing freed may run afterwards;
 * under AddressSanitizer any late touch fails the run. A second round frees a
 * whole per-connection struct (events embedded with event_assign) from one of
 * its own callbacks. */
#include "scenario.h"

static struct event_base *base;
static struct event *group[5];
static const char *names[5] = {"owner", "active-peer", "io-peer", "timer-peer", "bystander"};
static int pair[2];

static void cb(evutil_socket_t fd, short what, void *arg) {
  int i = (int)(intptr_t)arg;
  (void)fd;
  LOG("%s what=%s", names[i], flags_str(what));
  if (i == 0) {
    int k;
    for (k = 1; k < 4; ++k) {
      event_free(group[k]);
      group[k] = NULL;
      LOG("  owner freed %s", names[k]);
    }
    event_free(group[0]);
    group[0] = NULL;
    LOG("  owner freed itself");
  }
}

struct conn {
  int id;
  struct event read_ev;
  struct event timeout_ev;
  struct event spare_ev;
};

static void conn_cb(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  (void)fd;
  LOG("conn %d what=%s: tearing down", c->id, flags_str(what));
  event_del(&c->read_ev);
  event_del(&c->timeout_ev);
  event_del(&c->spare_ev);
  free(c);
}

static void spare_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  LOG("spare ran what=%s (must not happen)", flags_str(what));
}

int main(void) {
  struct timeval tv = ms(20);
  struct conn *c;
  int i, rc;
  base = new_base();
  make_pair(pair);
  for (i = 0; i < 5; ++i)
    group[i] = event_new(base, i == 2 ? pair[0] : -1, i == 2 ? EV_READ : 0, cb, (void *)(intptr_t)i);
  CHECK(event_add(group[2], NULL) == 0);
  CHECK(event_add(group[3], &tv) == 0);
  event_active(group[0], EV_TIMEOUT, 1);
  event_active(group[1], EV_TIMEOUT, 1);
  event_active(group[4], EV_TIMEOUT, 1);
  send_bytes(pair[1], "x");
  rc = event_base_dispatch(base);
  LOG("dispatch=%d", rc);
  event_free(group[4]);
  read_one(pair[0]);

  for (i = 1; i <= 2; ++i) {
    c = malloc(sizeof *c);
    CHECK(c != NULL);
    c->id = i;
    CHECK(event_assign(&c->read_ev, base, pair[0], EV_READ | EV_PERSIST, conn_cb, c) == 0);
    CHECK(event_assign(&c->timeout_ev, base, -1, 0, conn_cb, c) == 0);
    CHECK(event_assign(&c->spare_ev, base, -1, 0, spare_cb, c) == 0);
    tv = ms(i == 1 ? 500 : 10);
    CHECK(event_add(&c->timeout_ev, &tv) == 0);
    CHECK(event_add(&c->read_ev, NULL) == 0);
    tv = ms(200);
    CHECK(event_add(&c->spare_ev, &tv) == 0);
    /* conn 1 is torn down by its read event, conn 2 by its 10 ms timeout; the
     * spare timer of neither may run */
    if (i == 1) send_bytes(pair[1], "y");
    rc = event_base_dispatch(base);
    LOG("conn %d round: dispatch=%d", i, rc);
    if (i == 1) read_one(pair[0]);
  }
  event_base_free(base);
  close(pair[0]);
  close(pair[1]);
  return 0;
}
