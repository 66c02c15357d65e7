/* ReactorScope's libevent-compatible C API: socket bufferevents (libevent's
 * <event2/bufferevent.h>). A struct bufferevent is a handle on the engine's
 * rs::BufferEvent (engine/net/BufferEvent.h): two evbuffers, three callbacks,
 * watermarks and timeouts with libevent 2.1's semantics and constant values.
 * Its internal read and write events are engine events and show up in traces.
 *
 * Differences from libevent, by design: connects go to loopback addresses only
 * (127.0.0.0/8, ::1; anything else fails with -1 and errno ENETUNREACH), and
 * bufferevent_socket_connect_hostname resolves numeric addresses and
 * "localhost" only (no DNS; other names fail at once with -1 and EINVAL).
 *
 * Thread contract: loop thread only (BEV_OPT_THREADSAFE is accepted and has no
 * effect; bufferevent_lock/unlock do nothing). bufferevent_free is safe inside
 * the bufferevent's own callbacks. */
#ifndef REACTORSCOPE_EVENT2_BUFFEREVENT_H_INCLUDED_
#define REACTORSCOPE_EVENT2_BUFFEREVENT_H_INCLUDED_

#include <sys/time.h>
#include <sys/types.h>

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The "what" of an event callback: a direction and what happened. */
#define BEV_EVENT_READING 0x01   /* while reading */
#define BEV_EVENT_WRITING 0x02   /* while writing */
#define BEV_EVENT_EOF 0x10       /* the peer closed */
#define BEV_EVENT_ERROR 0x20     /* unrecoverable error; errno tells which */
#define BEV_EVENT_TIMEOUT 0x40   /* bufferevent_set_timeouts timeout */
#define BEV_EVENT_CONNECTED 0x80 /* bufferevent_socket_connect finished */

struct bufferevent;
struct event_base;
struct evbuffer;
struct sockaddr;
struct evdns_base;

typedef void (*bufferevent_data_cb)(struct bufferevent *bev, void *ctx);
typedef void (*bufferevent_event_cb)(struct bufferevent *bev, short what, void *ctx);

enum bufferevent_options {
  BEV_OPT_CLOSE_ON_FREE = (1 << 0),
  BEV_OPT_THREADSAFE = (1 << 1),
  BEV_OPT_DEFER_CALLBACKS = (1 << 2),
  BEV_OPT_UNLOCK_CALLBACKS = (1 << 3)
};

enum bufferevent_flush_mode { BEV_NORMAL = 0, BEV_FLUSH = 1, BEV_FINISHED = 2 };

enum bufferevent_trigger_options {
  BEV_TRIG_IGNORE_WATERMARKS = (1 << 16),
  BEV_TRIG_DEFER_CALLBACKS = BEV_OPT_DEFER_CALLBACKS
};

struct bufferevent *bufferevent_socket_new(struct event_base *base, evutil_socket_t fd, int options);
int bufferevent_socket_connect(struct bufferevent *bev, const struct sockaddr *sa, int socklen);
int bufferevent_socket_connect_hostname(struct bufferevent *bev, struct evdns_base *evdns_base, int family,
                                        const char *hostname, int port);
int bufferevent_socket_get_dns_error(struct bufferevent *bev);
int bufferevent_base_set(struct event_base *base, struct bufferevent *bufev);
struct event_base *bufferevent_get_base(struct bufferevent *bev);
int bufferevent_priority_set(struct bufferevent *bufev, int pri);
int bufferevent_get_priority(const struct bufferevent *bufev);
void bufferevent_free(struct bufferevent *bufev);

void bufferevent_setcb(struct bufferevent *bufev, bufferevent_data_cb readcb, bufferevent_data_cb writecb,
                       bufferevent_event_cb eventcb, void *cbarg);
void bufferevent_getcb(struct bufferevent *bufev, bufferevent_data_cb *readcb_ptr,
                       bufferevent_data_cb *writecb_ptr, bufferevent_event_cb *eventcb_ptr, void **cbarg_ptr);

int bufferevent_setfd(struct bufferevent *bufev, evutil_socket_t fd);
evutil_socket_t bufferevent_getfd(struct bufferevent *bufev);
struct bufferevent *bufferevent_get_underlying(struct bufferevent *bufev);

int bufferevent_write(struct bufferevent *bufev, const void *data, size_t size);
int bufferevent_write_buffer(struct bufferevent *bufev, struct evbuffer *buf);
size_t bufferevent_read(struct bufferevent *bufev, void *data, size_t size);
int bufferevent_read_buffer(struct bufferevent *bufev, struct evbuffer *buf);
struct evbuffer *bufferevent_get_input(struct bufferevent *bufev);
struct evbuffer *bufferevent_get_output(struct bufferevent *bufev);

int bufferevent_enable(struct bufferevent *bufev, short event);
int bufferevent_disable(struct bufferevent *bufev, short event);
short bufferevent_get_enabled(struct bufferevent *bufev);

int bufferevent_set_timeouts(struct bufferevent *bufev, const struct timeval *timeout_read,
                             const struct timeval *timeout_write);
void bufferevent_setwatermark(struct bufferevent *bufev, short events, size_t lowmark, size_t highmark);
int bufferevent_getwatermark(struct bufferevent *bufev, short events, size_t *lowmark, size_t *highmark);

void bufferevent_lock(struct bufferevent *bufev);
void bufferevent_unlock(struct bufferevent *bufev);
void bufferevent_incref(struct bufferevent *bufev);
int bufferevent_decref(struct bufferevent *bufev);

/* Socket bufferevents have nothing to flush: 0 for every mode, as in libevent.
 * A pair (BEV_FLUSH, BEV_FINISHED) moves everything both ways past the
 * watermarks; BEV_FINISHED also reports EOF to the partner. -1 once its
 * partner is freed. */
int bufferevent_flush(struct bufferevent *bufev, short iotype, enum bufferevent_flush_mode mode);

/* Two connected bufferevents without a socket: what one writes, the other
 * reads (libevent's bufferevent_pair.c). Callbacks are always deferred; EV_WRITE
 * starts enabled on both, EV_READ disabled. Freeing one sends nothing to the
 * other. 0, or -1 (pair untouched). */
int bufferevent_pair_new(struct event_base *base, int options, struct bufferevent *pair[2]);
/* The other half of a pair; NULL once it is freed, or if bev is no pair. */
struct bufferevent *bufferevent_pair_get_partner(struct bufferevent *bev);

int bufferevent_set_max_single_read(struct bufferevent *bev, size_t size);
int bufferevent_set_max_single_write(struct bufferevent *bev, size_t size);
ev_ssize_t bufferevent_get_max_single_read(struct bufferevent *bev);
ev_ssize_t bufferevent_get_max_single_write(struct bufferevent *bev);

#ifdef __cplusplus
}
#endif

#endif /* REACTORSCOPE_EVENT2_BUFFEREVENT_H_INCLUDED_ */
