// Internal to the C API: what `struct event_base` and `struct event` are on the
// C++ side. A C program only ever holds pointers to them.
#pragma once
#include <event2/event.h>
#include <event2/event_struct.h>

#include <new>

#include "core/Event.h"
#include "core/EventBase.h"

// The C API's base is the engine's base; nothing else is needed per base.
struct event_base final : rs::EventBase {
  using rs::EventBase::EventBase;
};

namespace rs::compat {

static_assert(sizeof(::event) >= sizeof(rs::Event), "struct event storage must hold an rs::Event");
static_assert(alignof(::event) >= alignof(rs::Event), "struct event storage must align an rs::Event");

// The rs::Event living in a struct event's storage (constructed by event_new or
// event_assign).
inline rs::Event* toEvent(::event* ev) { return std::launder(reinterpret_cast<rs::Event*>(ev)); }
inline const rs::Event* toEvent(const ::event* ev) {
  return std::launder(reinterpret_cast<const rs::Event*>(ev));
}
inline ::event_base* toBase(rs::EventBase* base) { return static_cast<::event_base*>(base); }

// event_init()'s base (the "current base" of libevent's 1.4-era API), or null.
::event_base* currentBase();

inline Nanos toNanos(const timeval* tv) {
  return static_cast<Nanos>(tv->tv_sec) * kNsPerSec + static_cast<Nanos>(tv->tv_usec) * kNsPerUs;
}

}  // namespace rs::compat
