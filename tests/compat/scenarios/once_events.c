/* event_base_once as programs use it for fire-and-forget work: a deferred
 * call (timeout 0) scheduled from main and from inside a once callback, a
 * delayed call ordered among ordinary timers, a read-or-timeout wait on a
 * socket that the data wins and one the timeout wins, a write wait on a
 * writable socket, and a once event that never fires, released by
 * event_base_free (ASan would report a leak). */
#include "scenario.h"

static struct event_base *base;
static int pair[2], quiet[2];
static int chain_left = 3;

static void plain_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  LOG("timer %s what=%s", (const char *)arg, flags_str(what));
}

static void once_cb(evutil_socket_t fd, short what, void *arg) {
  LOG("once %s what=%s fd-is-pair=%d fd-is-quiet=%d", (const char *)arg, flags_str(what), fd == pair[0],
      fd == quiet[0]);
  if (what & EV_READ) read_one(fd);
}

static void chain_cb(evutil_socket_t fd, short what, void *arg) {
  struct timeval zero = ms(0);
  (void)fd;
  (void)arg;
  LOG("chain what=%s left=%d", flags_str(what), chain_left);
  if (--chain_left > 0) CHECK(event_base_once(base, -1, EV_TIMEOUT, chain_cb, NULL, &zero) == 0);
}

static void writer_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  LOG("writer what=%s: sending to the pair", flags_str(what));
  send_bytes(pair[1], "d");
}

int main(void) {
  struct timeval tv;
  struct event *t40, *t120, *writer;
  int rc;
  base = new_base();
  make_pair(pair);
  make_pair(quiet);

  t40 = evtimer_new(base, plain_cb, "t50");
  t120 = evtimer_new(base, plain_cb, "t350");
  writer = evtimer_new(base, writer_cb, NULL);
  tv = ms(50);
  CHECK(evtimer_add(t40, &tv) == 0);
  tv = ms(350);
  CHECK(evtimer_add(t120, &tv) == 0);
  tv = ms(150);
  CHECK(evtimer_add(writer, &tv) == 0);
  tv = ms(0);
  CHECK(event_base_once(base, -1, EV_TIMEOUT, chain_cb, NULL, &tv) == 0);
  tv = ms(250);
  CHECK(event_base_once(base, -1, EV_TIMEOUT, once_cb, "delayed-250", &tv) == 0);
  /* data arrives at 150 ms, before the 450 ms timeout */
  tv = ms(450);
  CHECK(event_base_once(base, pair[0], EV_READ, once_cb, "read-wins", &tv) == 0);
  /* nothing ever arrives on quiet: the 100 ms timeout wins */
  tv = ms(100);
  CHECK(event_base_once(base, quiet[0], EV_READ, once_cb, "timeout-wins", &tv) == 0);
  CHECK(event_base_once(base, pair[0], EV_WRITE, once_cb, "writable", NULL) == 0);
  rc = event_base_dispatch(base);
  LOG("dispatch=%d", rc);

  /* never fires: freed with the base */
  CHECK(event_base_once(base, quiet[0], EV_READ, once_cb, "never", NULL) == 0);
  tv = ms(10000);
  CHECK(event_base_once(base, -1, EV_TIMEOUT, once_cb, "never-timer", &tv) == 0);
  rc = event_base_loop(base, EVLOOP_NONBLOCK);
  LOG("nonblock with unfired once events=%d", rc);
  event_free(t40);
  event_free(t120);
  event_free(writer);
  event_base_free(base);
  close(pair[0]);
  close(pair[1]);
  close(quiet[0]);
  close(quiet[1]);
  LOG("done");
  return 0;
}
