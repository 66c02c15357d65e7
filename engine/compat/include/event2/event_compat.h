/* ReactorScope's libevent-compatible C API: the libevent 1.x calls that 2.1 still
 * offers (libevent's <event2/event_compat.h>), acting on a process-wide current
 * base created by event_init(). */
#ifndef REACTORSCOPE_EVENT2_EVENT_COMPAT_H_INCLUDED_
#define REACTORSCOPE_EVENT2_EVENT_COMPAT_H_INCLUDED_

#include <event2/event.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base *event_init(void);
int event_dispatch(void);
int event_loop(int flags);
int event_loopexit(const struct timeval *tv);
int event_loopbreak(void);
int event_once(evutil_socket_t fd, short events, event_callback_fn cb, void *arg, const struct timeval *tv);
const char *event_get_method(void);
int event_priority_init(int npriorities);
void event_set(struct event *ev, evutil_socket_t fd, short events, event_callback_fn cb, void *arg);
int event_base_set(struct event_base *base, struct event *ev);

#define evtimer_set(ev, cb, arg) event_set((ev), -1, 0, (cb), (arg))
#define evsignal_set(ev, x, cb, arg) event_set((ev), (x), EV_SIGNAL | EV_PERSIST, (cb), (arg))
#define timeout_add(ev, tv) event_add((ev), (tv))
#define timeout_set(ev, cb, arg) event_set((ev), -1, 0, (cb), (arg))
#define timeout_del(ev) event_del(ev)
#define timeout_pending(ev, tv) event_pending((ev), EV_TIMEOUT, (tv))
#define timeout_initialized(ev) event_initialized(ev)
#define signal_add(ev, tv) event_add((ev), (tv))
#define signal_set(ev, x, cb, arg) event_set((ev), (x), EV_SIGNAL | EV_PERSIST, (cb), (arg))
#define signal_del(ev) event_del(ev)
#define signal_pending(ev, tv) event_pending((ev), EV_SIGNAL, (tv))
#define signal_initialized(ev) event_initialized(ev)
#define EVENT_FD(ev) ((int)event_get_fd(ev))
#define EVENT_SIGNAL(ev) ((int)event_get_fd(ev))

#ifdef __cplusplus
}
#endif

#endif /* REACTORSCOPE_EVENT2_EVENT_COMPAT_H_INCLUDED_ */
