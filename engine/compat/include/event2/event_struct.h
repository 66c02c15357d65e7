/* ReactorScope's libevent-compatible C API: the layout of struct event
 * (libevent 2.1's <event2/event_struct.h>).
 *
 * struct event has libevent 2.1's size (128 bytes on x86-64) and the offsets
 * of its public fields, so a binary built against libevent's headers can
 * event_assign() into its own struct event, and code that reads ev->ev_fd,
 * ev->ev_events, ev->ev_base or ev->ev_evcallback.evcb_arg keeps working.
 * The engine's own state for the event lives in a record the base owns; the
 * two list-link words libevent uses internally (ev_evcallback.evcb_active_next)
 * hold the handle of that record (see docs/compat.md, "struct event").
 *
 * What these fields hold here: ev_fd, ev_events, ev_base, evcb_callback,
 * evcb_arg and evcb_pri as set by event_assign / event_priority_set;
 * evcb_flags has EVLIST_INIT from event_assign on. The other fields (ev_res,
 * evcb_closure, ev_timeout_pos,
 * ev_timeout, the list links, the signal counters) are not kept up to date:
 * event_pending() and the callback's arguments say what they would. */
#ifndef REACTORSCOPE_EVENT2_EVENT_STRUCT_H_INCLUDED_
#define REACTORSCOPE_EVENT2_EVENT_STRUCT_H_INCLUDED_

#include <sys/time.h>

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

/* evcb_flags bits (libevent's values). */
#define EVLIST_TIMEOUT 0x01
#define EVLIST_INSERTED 0x02
#define EVLIST_SIGNAL 0x04
#define EVLIST_ACTIVE 0x08
#define EVLIST_INTERNAL 0x10
#define EVLIST_ACTIVE_LATER 0x20
#define EVLIST_FINALIZING 0x40
#define EVLIST_INIT 0x80
#define EVLIST_ALL 0xff

struct event;
struct event_base;

/* The callback part of an event (libevent's field names and order). */
struct event_callback {
  struct { /* libevent: its active-queue link; here: the engine record's handle */
    struct event_callback *tqe_next;
    struct event_callback **tqe_prev;
  } evcb_active_next;
  short evcb_flags;
  ev_uint8_t evcb_pri;
  ev_uint8_t evcb_closure;
  union {
    void (*evcb_callback)(evutil_socket_t, short, void *);
    void (*evcb_selfcb)(struct event_callback *, void *);
    void (*evcb_evfinalize)(struct event *, void *);
    void (*evcb_cbfinalize)(struct event_callback *, void *);
  } evcb_cb_union;
  void *evcb_arg;
};

struct event {
  struct event_callback ev_evcallback;
  union { /* libevent's timeout bookkeeping; unused here */
    struct {
      struct event *tqe_next;
      struct event **tqe_prev;
    } ev_next_with_common_timeout;
    int min_heap_idx;
  } ev_timeout_pos;
  evutil_socket_t ev_fd;
  struct event_base *ev_base;
  union { /* libevent's per-fd / per-signal list links; unused here */
    struct {
      struct {
        struct event *le_next;
        struct event **le_prev;
      } ev_io_next;
      struct timeval ev_timeout;
    } ev_io;
    struct {
      struct {
        struct event *le_next;
        struct event **le_prev;
      } ev_signal_next;
      short ev_ncalls;
      short *ev_pncalls;
    } ev_signal;
  } ev_;
  short ev_events;
  short ev_res;
  struct timeval ev_timeout;
};

#ifdef __cplusplus
}
#endif

#endif /* REACTORSCOPE_EVENT2_EVENT_STRUCT_H_INCLUDED_ */
