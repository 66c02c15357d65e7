/* libevent 2.1's ABI: sizeof(struct event), event_get_struct_event_size() and
 * the offsets of every public field (built against Debian's headers and
 * against ours, so the two logs agree only if the layouts do), the fields
 * event_assign fills (old code reads ev->ev_fd, ev->ev_events, ev->ev_base,
 * the callback and its argument), and the layout of the other public structs
 * (struct evbuffer_ptr, struct evbuffer_iovec). */
#include <event2/buffer.h>
#include <stddef.h>

#include "scenario.h"

#define OFFSET(type, field) LOG("offsetof(" #type ", " #field ") = %zu", offsetof(type, field))

static void cb(evutil_socket_t fd, short what, void *arg) { (void)fd, (void)what, (void)arg; }

int main(void) {
  struct event_base *base = new_base();
  LOG("sizeof(struct event) = %zu", sizeof(struct event));
  LOG("event_get_struct_event_size() = %zu", event_get_struct_event_size());
  OFFSET(struct event, ev_evcallback);
  OFFSET(struct event, ev_evcallback.evcb_flags);
  OFFSET(struct event, ev_evcallback.evcb_pri);
  OFFSET(struct event, ev_evcallback.evcb_closure);
  OFFSET(struct event, ev_evcallback.evcb_cb_union.evcb_callback);
  OFFSET(struct event, ev_evcallback.evcb_arg);
  OFFSET(struct event, ev_timeout_pos.min_heap_idx);
  OFFSET(struct event, ev_fd);
  OFFSET(struct event, ev_base);
  OFFSET(struct event, ev_.ev_io.ev_timeout);
  OFFSET(struct event, ev_.ev_signal.ev_ncalls);
  OFFSET(struct event, ev_.ev_signal.ev_pncalls);
  OFFSET(struct event, ev_events);
  OFFSET(struct event, ev_res);
  OFFSET(struct event, ev_timeout);
  LOG("sizeof(struct event_callback) = %zu", sizeof(struct event_callback));
  LOG("sizeof(struct evbuffer_ptr) = %zu", sizeof(struct evbuffer_ptr));
  OFFSET(struct evbuffer_ptr, pos);
  LOG("sizeof(struct evbuffer_iovec) = %zu", sizeof(struct evbuffer_iovec));
  OFFSET(struct evbuffer_iovec, iov_base);
  OFFSET(struct evbuffer_iovec, iov_len);

  /* The fields event_assign fills, read directly as old code does. */
  int fds[2];
  make_pair(fds);
  struct event ev;
  memset(&ev, 0, sizeof ev);
  LOG("zeroed: initialized %d", event_initialized(&ev));
  int marker;
  CHECK(event_assign(&ev, base, fds[0], EV_READ | EV_PERSIST, cb, &marker) == 0);
  LOG("assigned: initialized %d flags&INIT %d", event_initialized(&ev), (ev.ev_evcallback.evcb_flags & EVLIST_INIT) != 0);
  LOG("ev_fd is the fd %d, ev_events %s, ev_base is the base %d", ev.ev_fd == fds[0], flags_str(ev.ev_events),
      ev.ev_base == base);
  LOG("callback %d, arg %d, pri %d", ev.ev_evcallback.evcb_cb_union.evcb_callback == cb,
      ev.ev_evcallback.evcb_arg == &marker, ev.ev_evcallback.evcb_pri);
  CHECK(event_base_priority_init(base, 5) == 0);
  struct event ev2;
  CHECK(event_assign(&ev2, base, -1, 0, cb, NULL) == 0);
  LOG("with 5 priorities: pri %d, event_get_priority %d", ev2.ev_evcallback.evcb_pri, event_get_priority(&ev2));
  CHECK(event_priority_set(&ev2, 4) == 0);
  LOG("after event_priority_set(4): pri %d", ev2.ev_evcallback.evcb_pri);
  CHECK(event_add(&ev, NULL) == 0);
  LOG("pending %s", pending_str(&ev));
  CHECK(event_del(&ev) == 0);
  LOG("after del: pending %s", pending_str(&ev));
  event_base_free(base);
  close(fds[0]);
  close(fds[1]);
  return 0;
}
