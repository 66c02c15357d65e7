/* ReactorScope extension to the libevent-compatible C API: the engine's trace
 * ring, for C programs (the dispatch benchmark's reader thread).
 *
 * Thread contract: reactorscope_set_tracing, reactorscope_trace_dropped and
 * reactorscope_trace_pushed are safe from any thread; reactorscope_trace_drain
 * must be called from one consumer thread at a time. */
#ifndef REACTORSCOPE_TRACE_H_INCLUDED_
#define REACTORSCOPE_TRACE_H_INCLUDED_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;

/* One fixed-size record; the same layout as the engine's rs::TraceRecord. */
struct reactorscope_trace_record {
  int64_t ts_ns;     /* CLOCK_MONOTONIC */
  uint64_t event_id; /* 0 for loop-level records */
  int64_t value;     /* type-dependent: lateness, duration, timeout, ready count, bytes */
  uint32_t owner;
  int32_t fd;
  uint8_t type;  /* 0 transition, 1 callback begin, 2 callback end, 3 wait begin, 4 wait end, 5 buffer level */
  uint8_t kind;  /* 0 io, 1 timer, 2 signal, 3 internal */
  uint8_t from;  /* 0 invalid, 1 non-pending, 2 pending, 3 active */
  uint8_t to;
  uint8_t cause; /* see rs::TraceCause */
  uint8_t buffer;
  int16_t flags; /* EV_* */
};

/* Switches tracing on (non-zero) or off. Returns 0, or -1 without a base. */
int reactorscope_set_tracing(struct event_base *base, int on);
/* Copies up to max records into out (out may be NULL: they are discarded) and
 * returns how many were taken off the ring. */
size_t reactorscope_trace_drain(struct event_base *base, struct reactorscope_trace_record *out,
                                size_t max);
/* Records lost because the ring was full (never silent). */
uint64_t reactorscope_trace_dropped(const struct event_base *base);
/* Records successfully written to the ring so far. */
uint64_t reactorscope_trace_pushed(const struct event_base *base);
/* The ring's capacity in records. */
size_t reactorscope_trace_capacity(const struct event_base *base);

#ifdef __cplusplus
}
#endif

#endif /* REACTORSCOPE_TRACE_H_INCLUDED_ */
