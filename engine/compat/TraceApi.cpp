// ReactorScope's C extension: the trace ring of a base (reactorscope/trace.h).
#include <reactorscope/trace.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <new>

#include "CompatBase.h"

static_assert(sizeof(reactorscope_trace_record) == sizeof(rs::TraceRecord));
static_assert(offsetof(reactorscope_trace_record, owner) == 24 && offsetof(reactorscope_trace_record, flags) == 38,
              "reactorscope_trace_record mirrors rs::TraceRecord");

extern "C" {

int reactorscope_set_tracing(struct event_base* base, int on) {
  if (!base) return -1;
  base->tracer().setEnabled(on != 0);
  return 0;
}

size_t reactorscope_trace_drain(struct event_base* base, struct reactorscope_trace_record* out, size_t max) {
  if (!base) return 0;
  // Raw storage: a TraceRecord array would zero-fill 10 KiB on every call,
  // which costs a reader that polls often more than the records it copies.
  alignas(rs::TraceRecord) unsigned char storage[sizeof(rs::TraceRecord) * 256];
  auto* const chunk = std::launder(reinterpret_cast<rs::TraceRecord*>(storage));
  constexpr size_t kChunk = 256;
  size_t total = 0;
  while (total < max) {
    const size_t n = base->tracer().drain(chunk, std::min(max - total, kChunk));
    if (n == 0) break;
    if (out) std::memcpy(out + total, chunk, n * sizeof(rs::TraceRecord));
    total += n;
  }
  return total;
}

uint64_t reactorscope_trace_dropped(const struct event_base* base) {
  return base ? const_cast<struct event_base*>(base)->tracer().dropped() : 0;
}

uint64_t reactorscope_trace_pushed(const struct event_base* base) {
  return base ? const_cast<struct event_base*>(base)->tracer().ring().pushed() : 0;
}

size_t reactorscope_trace_capacity(const struct event_base* base) {
  return base ? const_cast<struct event_base*>(base)->tracer().ring().capacity() : 0;
}

}  // extern "C"
