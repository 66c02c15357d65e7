/* ReactorScope's libevent-compatible C API: connection listeners (libevent's
 * <event2/listener.h>). A struct evconnlistener is a handle on the engine's
 * rs::Listener (engine/net/Listener.h): accepts in a batch until EAGAIN, with
 * libevent 2.1's flag values and callback signatures.
 *
 * One difference by design: when the fd table is full (EMFILE/ENFILE) the
 * listener pauses accepting with a backoff and calls the error callback once,
 * instead of libevent's busy loop of error callbacks.
 *
 * Thread contract: loop thread only; evconnlistener_free is safe inside the
 * listener's own callbacks. */
#ifndef REACTORSCOPE_EVENT2_LISTENER_H_INCLUDED_
#define REACTORSCOPE_EVENT2_LISTENER_H_INCLUDED_

#include <event2/event.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sockaddr;
struct evconnlistener;

typedef void (*evconnlistener_cb)(struct evconnlistener *listener, evutil_socket_t fd, struct sockaddr *addr,
                                  int socklen, void *ctx);
typedef void (*evconnlistener_errorcb)(struct evconnlistener *listener, void *ctx);

#define LEV_OPT_LEAVE_SOCKETS_BLOCKING (1u << 0)
#define LEV_OPT_CLOSE_ON_FREE (1u << 1)
#define LEV_OPT_CLOSE_ON_EXEC (1u << 2)
#define LEV_OPT_REUSEABLE (1u << 3)
#define LEV_OPT_THREADSAFE (1u << 4)
#define LEV_OPT_DISABLED (1u << 5)
#define LEV_OPT_DEFERRED_ACCEPT (1u << 6)
#define LEV_OPT_REUSEABLE_PORT (1u << 7)
#define LEV_OPT_BIND_IPV6ONLY (1u << 8)

struct evconnlistener *evconnlistener_new(struct event_base *base, evconnlistener_cb cb, void *ptr,
                                          unsigned flags, int backlog, evutil_socket_t fd);
struct evconnlistener *evconnlistener_new_bind(struct event_base *base, evconnlistener_cb cb, void *ptr,
                                               unsigned flags, int backlog, const struct sockaddr *sa,
                                               int socklen);
void evconnlistener_free(struct evconnlistener *lev);
int evconnlistener_enable(struct evconnlistener *lev);
int evconnlistener_disable(struct evconnlistener *lev);
struct event_base *evconnlistener_get_base(struct evconnlistener *lev);
evutil_socket_t evconnlistener_get_fd(struct evconnlistener *lev);
void evconnlistener_set_cb(struct evconnlistener *lev, evconnlistener_cb cb, void *arg);
void evconnlistener_set_error_cb(struct evconnlistener *lev, evconnlistener_errorcb errorcb);

#ifdef __cplusplus
}
#endif

#endif /* REACTORSCOPE_EVENT2_LISTENER_H_INCLUDED_ */
