/* Sweep example (libevent book style): signals and priorities. */
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
static void prio_cb(evutil_socket_t fd, short what, void *arg) { (void)fd; (void)what; printf("prio %s\n", (const char *)arg); }
static void sig_cb(evutil_socket_t sig, short what, void *arg)
{ printf("signal %d what=0x%x\n", (int)sig, what); event_base_loopexit(arg, NULL); }
static void raise_cb(evutil_socket_t fd, short what, void *arg) { (void)fd; (void)what; (void)arg; raise(SIGUSR1); }
int main(void)
{
    struct event_base *base = event_base_new();
    event_base_priority_init(base, 3);
    struct event *lo = event_new(base, -1, 0, prio_cb, "low"), *hi = event_new(base, -1, 0, prio_cb, "high"), *mid = event_new(base, -1, 0, prio_cb, "mid");
    event_priority_set(lo, 2); event_priority_set(hi, 0); event_priority_set(mid, 1);
    event_active(lo, EV_READ, 1); event_active(mid, EV_READ, 1); event_active(hi, EV_READ, 1);
    printf("npriorities=%d\n", event_base_get_npriorities(base));
    event_base_loop(base, EVLOOP_ONCE);
    struct event *s = evsignal_new(base, SIGUSR1, sig_cb, base);
    event_add(s, NULL);
    printf("signal fd=%d\n", (int)event_get_signal(s));
    struct timeval t = {0, 20000};
    event_base_once(base, -1, EV_TIMEOUT, raise_cb, NULL, &t);
    event_base_dispatch(base);
    event_free(s); event_free(lo); event_free(hi); event_free(mid);
    event_base_free(base);
    printf("done\n");
    return 0;
}
