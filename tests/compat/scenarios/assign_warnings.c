/* libevent's [warn] lines for flags event_assign refuses, through the log
 * callback (and the refusals' return values). */
#include "scenario.h"

static void log_cb(int severity, const char *msg) { LOG("log severity=%d: %s", severity, msg); }

static void cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
}

int main(void) {
  struct event ev;
  struct event_base *base = new_base();
  event_set_log_callback(log_cb);
  LOG("event_assign(SIGNAL|READ)=%d", event_assign(&ev, base, SIGUSR1, EV_SIGNAL | EV_READ, cb, NULL));
  LOG("event_assign(SIGNAL|WRITE|PERSIST)=%d",
      event_assign(&ev, base, SIGUSR1, EV_SIGNAL | EV_WRITE | EV_PERSIST, cb, NULL));
  LOG("event_assign(SIGNAL|CLOSED)=%d", event_assign(&ev, base, SIGUSR1, EV_SIGNAL | EV_CLOSED, cb, NULL));
  LOG("event_new(SIGNAL|READ) is NULL=%d", event_new(base, SIGUSR2, EV_SIGNAL | EV_READ, cb, NULL) == NULL);
  LOG("event_assign(SIGNAL|PERSIST)=%d", event_assign(&ev, base, SIGUSR1, EV_SIGNAL | EV_PERSIST, cb, NULL));
  LOG("re-assign it as SIGNAL|READ=%d", event_assign(&ev, base, SIGUSR1, EV_SIGNAL | EV_READ, cb, NULL));
  LOG("event_assign(READ|WRITE)=%d", event_assign(&ev, base, 0, EV_READ | EV_WRITE, cb, NULL));
  event_set_log_callback(NULL);
  event_base_free(base);
  return 0;
}
