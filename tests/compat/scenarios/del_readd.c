/* Deleting and re-adding inside callbacks: a PERSIST event deleting itself, a
 * non-persistent one re-adding itself, one callback deleting another active
 * event (which then never runs), re-adding an event that is active because of a
 * timeout (the activation is cancelled) or because of I/O (it is not), and an
 * event freeing itself in its own callback. */
#include "scenario.h"

static struct event_base *base;
static struct event *self_del, *self_readd, *killer, *victim, *readder, *timeout_active, *read_active, *self_free;
static int p1[2], p2[2];
static int readd_calls;

static void self_del_cb(evutil_socket_t fd, short what, void *arg) {
  (void)arg;
  read_one(fd);
  LOG("self-del what=%s pending-before=%s", flags_str(what), pending_str(self_del));
  {
    int rc = event_del(self_del);
    LOG("self-del del=%d pending-after=%s", rc, pending_str(self_del));
  }
  send_bytes(p2[1], "x"); /* one ready fd per iteration: poll backends scan fds in random order */
}

static void self_readd_cb(evutil_socket_t fd, short what, void *arg) {
  (void)arg;
  read_one(fd);
  ++readd_calls;
  LOG("self-readd #%d what=%s pending=%s", readd_calls, flags_str(what), pending_str(self_readd));
  if (readd_calls == 1) {
    int rc = event_add(self_readd, NULL);
    LOG("self-readd add=%d pending=%s", rc, pending_str(self_readd));
    send_bytes(p2[1], "y");
  }
}

static void killer_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  LOG("killer what=%s victim-pending=%s", flags_str(what), pending_str(victim));
  {
    int rc = event_del(victim);
    LOG("killer del=%d victim-pending=%s", rc, pending_str(victim));
  }
}

static void victim_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  LOG("victim ran (must not happen) what=%s", flags_str(what));
}

static void readder_cb(evutil_socket_t fd, short what, void *arg) {
  struct timeval tv = ms(40);
  int rc;
  (void)fd;
  (void)arg;
  LOG("readder what=%s timeout-active pending=%s read-active pending=%s", flags_str(what),
      pending_str(timeout_active), pending_str(read_active));
  rc = event_add(timeout_active, &tv);
  LOG("readder add(timeout-active)=%d pending=%s", rc, pending_str(timeout_active));
  rc = event_add(read_active, &tv);
  LOG("readder add(read-active)=%d pending=%s", rc, pending_str(read_active));
}

static void generic_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  LOG("%s what=%s pending=%s", (const char *)arg,
      flags_str(what), pending_str(strcmp(arg, "timeout-active") == 0 ? timeout_active : read_active));
}

static void self_free_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  LOG("self-free what=%s pending=%s", flags_str(what), pending_str(self_free));
  event_free(self_free);
  self_free = NULL;
  LOG("self-free freed itself");
}

int main(void) {
  int rc;
  base = new_base();
  make_pair(p1);
  make_pair(p2);

  self_del = event_new(base, p1[0], EV_READ | EV_PERSIST, self_del_cb, NULL);
  CHECK(event_add(self_del, NULL) == 0);
  send_bytes(p1[1], "x");
  self_readd = event_new(base, p2[0], EV_READ, self_readd_cb, NULL);
  CHECK(event_add(self_readd, NULL) == 0);
  rc = event_base_dispatch(base);
  LOG("dispatch 1 returned %d; self-del=%s self-readd=%s", rc, pending_str(self_del), pending_str(self_readd));

  killer = evtimer_new(base, killer_cb, NULL);
  victim = evtimer_new(base, victim_cb, NULL);
  event_active(killer, EV_TIMEOUT, 1);
  event_active(victim, EV_TIMEOUT, 1);
  LOG("killer pending=%s victim pending=%s", pending_str(killer), pending_str(victim));
  rc = event_base_loop(base, EVLOOP_NONBLOCK);
  LOG("loop 2 returned %d", rc);

  readder = evtimer_new(base, readder_cb, NULL);
  timeout_active = evtimer_new(base, generic_cb, "timeout-active");
  read_active = event_new(base, p1[0], EV_READ, generic_cb, "read-active");
  event_active(readder, EV_TIMEOUT, 1);
  event_active(timeout_active, EV_TIMEOUT, 1);
  event_active(read_active, EV_READ, 1);
  rc = event_base_dispatch(base);
  LOG("dispatch 3 returned %d", rc);

  self_free = evtimer_new(base, self_free_cb, NULL);
  event_active(self_free, EV_TIMEOUT, 1);
  rc = event_base_dispatch(base);
  LOG("dispatch 4 returned %d self-free=%s", rc, self_free ? "alive" : "NULL");

  event_free(self_del);
  event_free(self_readd);
  event_free(killer);
  event_free(victim);
  event_free(readder);
  event_free(timeout_active);
  event_free(read_active);
  close(p1[0]);
  close(p1[1]);
  close(p2[0]);
  close(p2[1]);
  event_base_free(base);
  return 0;
}
