/* ReactorScope's libevent-compatible C API: the pre-2.0 bufferevent names that
 * libevent 2.1 still offers (libevent's <event2/bufferevent_compat.h>). */
#ifndef REACTORSCOPE_EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_
#define REACTORSCOPE_EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_

#include <event2/bufferevent.h>

#define evbuffercb bufferevent_data_cb
#define everrorcb bufferevent_event_cb

#define EVBUFFER_READ BEV_EVENT_READING
#define EVBUFFER_WRITE BEV_EVENT_WRITING
#define EVBUFFER_EOF BEV_EVENT_EOF
#define EVBUFFER_ERROR BEV_EVENT_ERROR
#define EVBUFFER_TIMEOUT BEV_EVENT_TIMEOUT

#ifdef __cplusplus
extern "C" {
#endif

/* The 1.4-era constructor: a socket bufferevent on event_init()'s base with
 * these callbacks (NULL when event_init() was not called; libevent would make
 * a base-less one for a later bufferevent_base_set). */
struct bufferevent *bufferevent_new(evutil_socket_t fd, evbuffercb readcb, evbuffercb writecb, everrorcb errorcb,
                                    void *cbarg);

/* bufferevent_set_timeouts in whole seconds; 0 clears that direction's timeout. */
void bufferevent_settimeout(struct bufferevent *bufev, int timeout_read, int timeout_write);

#ifdef __cplusplus
}
#endif

#define EVBUFFER_INPUT(x) bufferevent_get_input(x)
#define EVBUFFER_OUTPUT(x) bufferevent_get_output(x)

#endif /* REACTORSCOPE_EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_ */
