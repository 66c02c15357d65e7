/* Sweep example (libevent book style): persistent timer, one-shot timer, event_base_once, loopexit. */
#include <event2/event.h>
#include <stdio.h>
static int ticks;
static void tick(evutil_socket_t fd, short what, void *arg)
{
    struct event *self = arg; (void)fd;
    printf("tick %d what=%s\n", ++ticks, (what & EV_TIMEOUT) ? "EV_TIMEOUT" : "?");
    if (ticks == 3) { event_del(self); printf("pending after del: %d\n", event_pending(self, EV_TIMEOUT, NULL)); }
}
static void once(evutil_socket_t fd, short what, void *arg) { (void)fd; printf("once %s what=%d\n", (const char *)arg, what); }
int main(void)
{
    struct event_base *base = event_base_new();
    struct timeval ten_ms = {0, 10000}, fifty_ms = {0, 50000}, hundred_ms = {0, 100000};
    struct event *t = event_new(base, -1, EV_PERSIST, tick, event_self_cbarg());
    event_add(t, &ten_ms);
    event_base_once(base, -1, EV_TIMEOUT, once, "A", &fifty_ms);
    event_base_loopexit(base, &hundred_ms);
    int r = event_base_dispatch(base);
    printf("dispatch=%d got_exit=%d got_break=%d ticks=%d\n", r, event_base_got_exit(base), event_base_got_break(base), ticks);
    printf("second dispatch=%d\n", event_base_loop(base, EVLOOP_NONBLOCK));
    event_free(t);
    event_base_free(base);
    return 0;
}
