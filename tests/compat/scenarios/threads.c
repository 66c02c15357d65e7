/* The "worker thread wakes the loop" pattern, after evthread_use_pthreads():
 * a worker calls event_active, event_add (a timer), event_add + event_del,
 * event_base_loopexit and event_base_loopbreak while the loop blocks on
 * another thread; each wakes the loop. Then a worker makes and frees what a
 * thread pool hands to a running loop: event_new + event_add of a timer, its
 * event_free, and a bufferevent (bufferevent_socket_new, setcb, enable,
 * write; the peer's reply read by the loop) freed from the worker. The worker keeps its results and the
 * main thread prints them after joining it, so the log's order is fixed. Run
 * under ThreadSanitizer by scripts/test's TSan phase. */
#include <event2/bufferevent.h>
#include <event2/thread.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>

#include "scenario.h"

static struct event_base *base;
static struct event wake, timer, victim, keeper, started;
static sem_t woken, timer_fired, loop_running;
static int wakes;
static int rc_add, rc_add_victim, rc_del, rc_exit, rc_break;

static void wake_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)arg;
  LOG("woken %d what=%s", ++wakes, flags_str(what));
  sem_post(&woken);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)arg;
  LOG("timer added by the worker: what=%s", flags_str(what));
  sem_post(&timer_fired);
}

static void never_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)arg;
  LOG("CALLED UNEXPECTEDLY what=%s", flags_str(what));
}

static void started_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  LOG("loop running");
  sem_post(&loop_running);
}

static void *worker(void *arg) {
  (void)arg;
  sem_wait(&loop_running); /* calls while the loop blocks on the main thread */
  for (int i = 0; i < 3; ++i) {
    event_active(&wake, EV_READ, 0);
    sem_wait(&woken);
  }
  struct timeval ten_ms = ms(10);
  rc_add = event_add(&timer, &ten_ms);
  sem_wait(&timer_fired);
  struct timeval hour = ms(3600 * 1000);
  rc_add_victim = event_add(&victim, &hour);
  rc_del = event_del(&victim);
  rc_exit = event_base_loopexit(base, NULL);
  return NULL;
}

static sem_t made_fired, bev_read;
static int rc_made_add, rc_bev_enable, rc_bev_write, peer_got;

static void made_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)arg;
  LOG("timer made by the worker: what=%s", flags_str(what));
  sem_post(&made_fired);
}

static void bev_read_cb(struct bufferevent *bev, void *arg) {
  char line[16] = {0};
  (void)arg;
  bufferevent_read(bev, line, sizeof line - 1);
  LOG("bufferevent made by the worker read: %s", line);
  sem_post(&bev_read);
}

/* Makes and frees events of the running base from this thread. */
static void *maker(void *arg) {
  int *fds = arg;
  struct timeval ten_ms = ms(10);
  struct event *made;
  struct bufferevent *bev;
  char got[16] = {0};
  struct pollfd readable = {fds[1], POLLIN, 0};
  sem_wait(&loop_running);
  made = evtimer_new(base, made_cb, NULL);
  rc_made_add = evtimer_add(made, &ten_ms);
  sem_wait(&made_fired);
  event_free(made);
  bev = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, bev_read_cb, NULL, NULL, NULL);
  rc_bev_enable = bufferevent_enable(bev, EV_READ | EV_WRITE);
  rc_bev_write = bufferevent_write(bev, "hello", 5);
  if (poll(&readable, 1, 5000) == 1) peer_got = (int)read(fds[1], got, sizeof got);
  send_bytes(fds[1], "pong");
  sem_wait(&bev_read);
  bufferevent_free(bev);
  event_base_loopexit(base, NULL);
  return NULL;
}

static void *breaker(void *arg) {
  (void)arg;
  sem_wait(&loop_running);
  rc_break = event_base_loopbreak(base);
  return NULL;
}

int main(void) {
  LOG("evthread_use_pthreads -> %d", evthread_use_pthreads());
  base = new_base();
  LOG("evthread_make_base_notifiable -> %d", evthread_make_base_notifiable(base));
  sem_init(&woken, 0, 0);
  sem_init(&timer_fired, 0, 0);
  sem_init(&loop_running, 0, 0);
  CHECK(event_assign(&wake, base, -1, 0, wake_cb, NULL) == 0);
  CHECK(event_assign(&timer, base, -1, 0, timer_cb, NULL) == 0);
  CHECK(event_assign(&victim, base, -1, 0, never_cb, NULL) == 0);
  CHECK(event_assign(&keeper, base, -1, 0, never_cb, NULL) == 0);
  CHECK(event_assign(&started, base, -1, 0, started_cb, NULL) == 0);
  struct timeval hour = ms(3600 * 1000);
  CHECK(event_add(&keeper, &hour) == 0); /* keeps the loop blocking */

  struct timeval zero = ms(0);
  CHECK(event_add(&started, &zero) == 0);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
  const int rc1 = event_base_dispatch(base);
  CHECK(pthread_join(t, NULL) == 0);
  LOG("dispatch -> %d, got_exit %d, got_break %d", rc1, event_base_got_exit(base), event_base_got_break(base));
  LOG("worker: event_add(timer) %d, event_add(victim) %d, event_del(victim) %d, loopexit %d", rc_add, rc_add_victim,
      rc_del, rc_exit);
  LOG("victim pending %s, keeper pending %s", pending_str(&victim), pending_str(&keeper));

  CHECK(event_add(&started, &zero) == 0);
  CHECK(pthread_create(&t, NULL, breaker, NULL) == 0);
  const int rc2 = event_base_dispatch(base);
  CHECK(pthread_join(t, NULL) == 0);
  LOG("dispatch -> %d, got_exit %d, got_break %d, loopbreak %d", rc2, event_base_got_exit(base),
      event_base_got_break(base), rc_break);

  {
    int fds[2];
    make_pair(fds);
    sem_init(&made_fired, 0, 0);
    sem_init(&bev_read, 0, 0);
    CHECK(event_add(&started, &zero) == 0);
    CHECK(pthread_create(&t, NULL, maker, fds) == 0);
    const int rc3 = event_base_dispatch(base);
    CHECK(pthread_join(t, NULL) == 0);
    LOG("dispatch -> %d; worker: evtimer_add %d, bufferevent_enable %d, bufferevent_write %d, peer got %d bytes", rc3,
        rc_made_add, rc_bev_enable, rc_bev_write, peer_got);
    close(fds[1]);
    sem_destroy(&made_fired);
    sem_destroy(&bev_read);
  }

  CHECK(event_del(&keeper) == 0);
  event_base_free(base);
  sem_destroy(&woken);
  sem_destroy(&timer_fired);
  sem_destroy(&loop_running);
  LOG("done");
  return 0;
}
