/* event_base_get_running_event inside callbacks: the struct event whose
 * callback it is (event_new'd or event_assign'ed storage; I/O with and without
 * PERSIST, timers, signals, activated events), also after the callback deleted
 * its own event. (Outside callbacks libevent 2.1.12 without threads
 * dereferences NULL; ours returns NULL: not compared.) */
#include "scenario.h"

static struct event_base *base;
static struct event *io_persist, *timer_ev, *signal_ev, *active_ev;
static struct event assigned_io; /* event_assign'ed storage */
static int fds[2];

static void check_running(const char *who, const struct event *expected) {
  struct event *running = event_base_get_running_event(base);
  LOG("%s: running is mine=%d", who, running == expected);
}

static void io_persist_cb(evutil_socket_t fd, short what, void *arg) {
  (void)arg;
  LOG("io_persist_cb %s byte=%d", flags_str(what), read_one(fd));
  check_running("io_persist_cb", io_persist);
  event_del(io_persist);
  check_running("io_persist_cb after event_del", io_persist);
  event_active(active_ev, EV_WRITE, 1);
}

static void active_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  LOG("active_cb %s", flags_str(what));
  check_running("active_cb", active_ev);
  send_bytes(fds[1], "y");
}

static void assigned_cb(evutil_socket_t fd, short what, void *arg) {
  (void)arg;
  LOG("assigned_cb %s byte=%d", flags_str(what), read_one(fd));
  check_running("assigned_cb", &assigned_io);
  CHECK(raise(SIGUSR1) == 0);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg) {
  (void)arg;
  LOG("signal_cb sig=%d %s", sig == SIGUSR1, flags_str(what));
  check_running("signal_cb", signal_ev);
  event_del(signal_ev);
  struct timeval tv = ms(10);
  event_add(timer_ev, &tv);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  LOG("timer_cb %s", flags_str(what));
  check_running("timer_cb", timer_ev);
  check_running("timer_cb (not the I/O event)", io_persist);
}

int main(void) {
  base = new_base();
  make_pair(fds);
  io_persist = event_new(base, fds[0], EV_READ | EV_PERSIST, io_persist_cb, NULL);
  active_ev = event_new(base, -1, 0, active_cb, NULL);
  timer_ev = evtimer_new(base, timer_cb, NULL);
  signal_ev = evsignal_new(base, SIGUSR1, signal_cb, NULL);
  CHECK(event_assign(&assigned_io, base, fds[0], EV_READ, assigned_cb, NULL) == 0);
  CHECK(event_add(io_persist, NULL) == 0);
  CHECK(event_add(signal_ev, NULL) == 0);
  send_bytes(fds[1], "x");
  LOG("loop 1=%d", event_base_loop(base, EVLOOP_ONCE));
  CHECK(event_add(&assigned_io, NULL) == 0);
  LOG("loop 2=%d", event_base_dispatch(base));
  event_free(io_persist);
  event_free(active_ev);
  event_free(timer_ev);
  event_free(signal_ev);
  event_base_free(base);
  close(fds[0]);
  close(fds[1]);
  return 0;
}
