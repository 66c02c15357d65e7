/* fd numbers: unlike the other scenarios this one prints fds, because a
 * program that prints them (or sizes a table by them) must see libevent's.
 * libevent 2.1.12 opens, per base, the backend's fd (epoll only), then the
 * signal pipe (every backend's init runs evsig_init_), and the thread wakeup
 * eventfd only when threads are enabled before the base is made
 * (evthread_use_pthreads) or the program calls evthread_make_base_notifiable.
 * Adding a signal event, running the loop, event_base_once, timers: no fd.
 * event_reinit closes the pipe, the eventfd and the backend, then opens them
 * again in the same order. event_base_free closes them all.
 * Each step prints the fds that a pipe() and a socket() get next. */
#include <event2/thread.h>

#include "scenario.h"

static void show(const char *when) {
  int p[2], s;
  CHECK(pipe(p) == 0);
  s = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(s >= 0);
  LOG("%-44s pipe %d %d, socket %d", when, p[0], p[1], s);
  close(s);
  close(p[0]);
  close(p[1]);
}

static void noop_cb(evutil_socket_t fd, short what, void *arg) { (void)fd, (void)what, (void)arg; }

static struct event_base *base_avoiding(const char *first, const char *second, int flags) {
  struct event_config *cfg = event_config_new();
  struct event_base *b;
  CHECK(cfg != NULL);
  if (first) CHECK(event_config_avoid_method(cfg, first) == 0);
  if (second) CHECK(event_config_avoid_method(cfg, second) == 0);
  if (flags) CHECK(event_config_set_flag(cfg, flags) == 0);
  b = event_base_new_with_config(cfg);
  event_config_free(cfg);
  CHECK(b != NULL);
  return b;
}

int main(void) {
  struct event_base *base, *other;
  struct event *sig, *timer, *io;
  struct timeval tv = ms(1);
  int pair[2];

  show("before any base");
  base = new_base();
  show("after event_base_new");

  sig = evsignal_new(base, SIGUSR1, noop_cb, NULL);
  CHECK(event_add(sig, NULL) == 0);
  show("after adding a signal event");
  timer = evtimer_new(base, noop_cb, NULL);
  CHECK(event_add(timer, &tv) == 0);
  make_pair(pair);
  io = event_new(base, pair[0], EV_READ | EV_PERSIST, noop_cb, NULL);
  CHECK(event_add(io, NULL) == 0);
  CHECK(event_base_once(base, -1, EV_TIMEOUT, noop_cb, NULL, &tv) == 0);
  CHECK(event_base_loop(base, EVLOOP_ONCE) >= 0);
  show("after a timer, an fd event and a loop");

  CHECK(evthread_make_base_notifiable(base) == 0);
  show("after evthread_make_base_notifiable");
  CHECK(evthread_make_base_notifiable(base) == 0);
  show("after evthread_make_base_notifiable again");

  /* A second base: its own backend fd and signal pipe; the first base keeps its. */
  other = event_base_new();
  CHECK(other != NULL);
  show("after a second event_base_new");
  event_base_free(other);
  show("after freeing it");
  other = base_avoiding("epoll", NULL, 0);
  LOG("avoiding epoll: %s", event_base_get_method(other));
  show("after a base avoiding epoll");
  event_base_free(other);
  other = base_avoiding("epoll", "poll", 0);
  LOG("avoiding epoll and poll: %s", event_base_get_method(other));
  show("after a base avoiding epoll and poll");
  event_base_free(other);

  /* A hole below the base's fds: event_reinit reopens into the lowest ones. */
  close(pair[1]);
  show("after closing one end of a socketpair");
  LOG("event_reinit=%d", event_reinit(base));
  show("after event_reinit");

  event_free(io);
  event_free(timer);
  event_free(sig);
  close(pair[0]);
  event_base_free(base);
  show("after event_base_free");

  /* Threads enabled first: the base is notifiable from the start. */
  CHECK(evthread_use_pthreads() == 0);
  base = new_base();
  show("threads: after event_base_new");
  other = base_avoiding(NULL, NULL, EVENT_BASE_FLAG_NOLOCK);
  show("threads: after a second base with NOLOCK");
  event_base_free(other);
  event_base_free(base);
  show("threads: after freeing both");
  return 0;
}
