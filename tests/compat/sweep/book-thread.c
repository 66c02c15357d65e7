/* Sweep example (libevent book style): a worker thread wakes the loop with event_active. */
#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <stdio.h>
static struct event *wake;
static int woken;
static void wake_cb(evutil_socket_t fd, short what, void *arg)
{ (void)fd; (void)what; if (++woken == 3) event_base_loopbreak(arg); }
static void *worker(void *arg)
{ (void)arg; for (int i = 0; i < 3; ++i) { event_active(wake, EV_READ, 0); struct timespec ts = {0, 20000000}; nanosleep(&ts, NULL); } return NULL; }
int main(void)
{
    if (evthread_use_pthreads() != 0) { printf("no threads\n"); return 1; }
    struct event_base *base = event_base_new();
    wake = event_new(base, -1, EV_PERSIST, wake_cb, base);
    struct event *keep = event_new(base, -1, EV_PERSIST, wake_cb, base);
    struct timeval ten_s = {10, 0}; event_add(keep, &ten_s);
    pthread_t th; pthread_create(&th, NULL, worker, NULL);
    event_base_dispatch(base);
    pthread_join(th, NULL);
    printf("woken=%d\n", woken);
    event_free(wake); event_free(keep); event_base_free(base);
    return 0;
}
