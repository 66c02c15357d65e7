/* event_base_get_num_events as a monitoring program reads it: ACTIVE, ADDED
 * (one per inserted, timeout, active flag: an I/O event with a timeout counts
 * twice, an added and activated timer twice), VIRTUAL, and ACTIVE|ADDED, on an
 * empty base, while events are added, activated and deleted, and from inside
 * callbacks (the running event has left the active queue; a non-persistent
 * event is no longer inserted, a persistent one still is). Only plain C events:
 * no event_base_once or loopexit (libevent counts their internal events). */
#include "scenario.h"

static struct event_base *base;

static void counts(const char *when) {
  LOG("%s: active=%d added=%d virtual=%d active|added=%d", when,
      event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE),
      event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED),
      event_base_get_num_events(base, EVENT_BASE_COUNT_VIRTUAL),
      event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE | EVENT_BASE_COUNT_ADDED));
}

static void cb(evutil_socket_t fd, short what, void *arg) {
  char label[96];
  if (what & EV_READ) read_one(fd);
  snprintf(label, sizeof label, "in %s what=%s", (const char *)arg, flags_str(what));
  counts(label);
}

int main(void) {
  int pair[2];
  struct timeval one_s = ms(1000), two_s = ms(2000);
  base = new_base();
  make_pair(pair);
  counts("empty");

  struct event *timer = evtimer_new(base, cb, "timer");
  struct event *reader = event_new(base, pair[0], EV_READ, cb, "reader");
  struct event *watcher = event_new(base, pair[0], EV_READ | EV_PERSIST, cb, "watcher");
  struct event *flag = event_new(base, -1, 0, cb, "flag");
  struct event *sig = evsignal_new(base, SIGUSR2, cb, "signal");
  counts("created");
  CHECK(event_add(timer, &one_s) == 0);
  counts("timer added");
  CHECK(event_add(reader, &two_s) == 0);
  counts("reader added with a timeout");
  CHECK(event_add(watcher, NULL) == 0);
  counts("watcher added");
  CHECK(event_add(sig, NULL) == 0);
  counts("signal added");
  event_active(flag, EV_READ, 1);
  counts("flag activated");
  event_active(timer, EV_TIMEOUT, 1);
  counts("timer activated");
  event_active(timer, EV_TIMEOUT, 1);
  counts("timer activated twice");
  CHECK(event_base_loop(base, EVLOOP_NONBLOCK) == 0);
  counts("after the active ones ran");

  send_bytes(pair[1], "xy");
  CHECK(event_base_loop(base, EVLOOP_ONCE) == 0);
  counts("after the reads ran");
  CHECK(event_add(reader, NULL) == 0);
  counts("reader re-added without a timeout");

  CHECK(event_del(timer) == 0);
  counts("timer deleted");
  CHECK(event_del(sig) == 0);
  counts("signal deleted");
  event_free(watcher);
  counts("watcher freed");
  event_free(reader);
  counts("reader freed");
  event_free(timer);
  event_free(flag);
  event_free(sig);
  counts("all freed");
  event_base_free(base);
  close(pair[0]);
  close(pair[1]);
  return 0;
}
