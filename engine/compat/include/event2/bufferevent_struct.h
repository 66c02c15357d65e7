/* libevent 2.1's event2/bufferevent_struct.h: the layout of struct bufferevent
 * that pre-2.0 code reads directly (bev->input, bev->output, bev->enabled).
 * ReactorScope's bufferevent starts with exactly these fields, at libevent's
 * offsets (input at 272 on x86-64), and keeps them current: ev_base, input,
 * output, the watermarks, the callbacks, the timeouts and `enabled` hold what
 * the bufferevent_* functions set (enabled also what the bufferevent itself
 * changes, e.g. reading disabled at EOF, as of the last callback or call).
 * be_ops is NULL and ev_read/ev_write are kept zero: the
 * bufferevent's I/O runs on engine events, not on these. Writing to any field
 * has no effect on the bufferevent (use the bufferevent_* functions).
 * New code should use bufferevent_get_input()/get_output() instead. */
#ifndef EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_
#define EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_

#include <event2/bufferevent.h>
#include <event2/event_struct.h>
#include <event2/util.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A low and a high watermark, in bytes. */
struct event_watermark {
  size_t low;
  size_t high;
};

struct bufferevent_ops; /* libevent's backend table; never defined here */

struct bufferevent {
  struct event_base *ev_base;
  const struct bufferevent_ops *be_ops;
  struct event ev_read;
  struct event ev_write;
  struct evbuffer *input;
  struct evbuffer *output;
  struct event_watermark wm_read;
  struct event_watermark wm_write;
  bufferevent_data_cb readcb;
  bufferevent_data_cb writecb;
  bufferevent_event_cb errorcb; /* libevent's name for the event callback */
  void *cbarg;
  struct timeval timeout_read;
  struct timeval timeout_write;
  short enabled; /* EV_READ, EV_WRITE and any other bits passed to bufferevent_enable */
};

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_ */
