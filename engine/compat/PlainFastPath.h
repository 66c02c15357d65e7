// Internal to the C API (engine/compat): inline event_assign / event_add(ev,
// NULL) / event_del for the plain case, so a program that re-assigns and
// re-adds its events every round (libevent's bench.c) pays one epoll_ctl and a
// few stores. Each falls back to Event::assign() / the caller's add / del()
// outside its case, with identical results (transitions, trace records, list bits through
// EventBase's markInserted()/markRemoved()).
//
// Thread contract: the event's loop thread, as Event's methods.
#pragma once
#include "core/Event.h"
#include "core/EventBase.h"

namespace rs {

struct PlainFastPath {
  // event_assign() of an initialized, non-pending event of `base` (not null),
  // an event of the C API (no label, no std::function callback).
  static int assign(Event* ev, EventBase* base, int fd, short events, EventCallback cb, void* arg) {
    // Traced or not: one instantiation each, chosen once (same transitions/records).
    if (base && base->trace_.enabled()) [[unlikely]]
      return assignImpl<true>(ev, base, fd, events, cb, arg);
    return assignImpl<false>(ev, base, fd, events, cb, arg);
  }
  // True when event_assign() can re-assign `ev` with reassignUntraced(): the
  // entry test of assign() (below) on an untraced base. Then event_assign
  // needs no call and no stack frame; otherwise it calls assign().
  static bool reassignsUntraced(const Event* ev, const EventBase* base, short events) {
    return reassignable(ev, base, events) && !base->trace_.enabled();
  }
  static void reassignUntraced(Event* ev, EventBase* base, int fd, short events, EventCallback cb, void* arg) {
    // reassignsUntraced() tested it: reassignFields() need not.
    if (!(ev->flags_ & Event::kListDetachIdle)) __builtin_unreachable();
    base->reassignFields(ev, fd, events, cb, arg);
  }
  // event_add(ev, NULL) of a plain I/O event: epoll, no timeout, no other event
  // on its fd, debug checks off. Any other event: `fallback()` (the C API's
  // general add, which also warns as libevent does), its result returned.
  // (By value: a small callable travels in registers, so callers tail-call.)
  template <class Fallback>
  static int addIo(Event* ev, Fallback fallback) {
    if (ev->base_ && ev->base_->trace_.enabled()) return addIoImpl<true>(ev, fallback);
    return addIoImpl<false>(ev, fallback);
  }
  // event_del() of such an event.
  static int delIo(Event* ev) {
    if (ev->base_ && ev->base_->trace_.enabled()) return delIoImpl<true>(ev);
    return delIoImpl<false>(ev);
  }

 private:
  // The part of the plain case add and del share: an I/O event of an epoll base
  // whose list bits are exactly `lists`, debug checks off.
  static bool plainIoIn(const Event* ev, uint16_t lists) {
    const EventBase* const b = ev->base_;
    return (ev->flags_ & (Event::kListInit | Event::kListAny)) == lists && b && b->epoll_ &&
           !(ev->events_ & kEvSignal) && ev->fd_ >= 0 && !debugChecksEnabled();
  }
  // An initialized, non-pending record event of `base` (detach-when-idle: the
  // base lists it only while busy), debug checks off, flags libevent accepts.
  static bool reassignable(const Event* ev, const EventBase* base, short events) {
    return (ev->flags_ & (Event::kListInit | Event::kListAny | Event::kListDetachIdle)) ==
               (Event::kListInit | Event::kListDetachIdle) &&
           base == ev->base_ && !debugChecksEnabled() &&
           !((events & kEvSignal) && (events & (kEvRead | kEvWrite | kEvClosed)));
  }
  template <bool kTraced>
  static int assignImpl(Event* ev, EventBase* base, int fd, short events, EventCallback cb, void* arg);
  template <bool kTraced, class Fallback>
  static int addIoImpl(Event* ev, Fallback fallback);
  template <bool kTraced>
  static int delIoImpl(Event* ev);
};

template <bool kTraced>
inline int PlainFastPath::assignImpl(Event* ev, EventBase* base, int fd, short events, EventCallback cb, void* arg) {
  // (The C API's events -- EventRecords' -- never carry a label or a std::function.)
  if (!reassignable(ev, base, events)) [[unlikely]]
    return ev->assign(base, fd, events, cb, arg);
  if constexpr (kTraced) {
    // The records release() + assign() write: free (old id), then new (fresh id).
    const TraceStamp ts = base->trace_.stamp();
    base->trace_.transition(ev, EventState::NonPending, EventState::Invalid, TraceCause::Free, ev->events_, 0, ts);
    base->reassignFields(ev, fd, events, cb, arg);
    base->trace_.transition(ev, EventState::Invalid, EventState::NonPending, TraceCause::New, events, 0, ts);
    return 0;
  }
  base->reassignFields(ev, fd, events, cb, arg);
  return 0;
}

template <bool kTraced, class Fallback>
inline int PlainFastPath::addIoImpl(Event* ev, Fallback fallback) {
  // Also: READ/WRITE/CLOSED wanted, and no other event on the fd.
  if (!plainIoIn(ev, Event::kListInit) || !(ev->events_ & (kEvRead | kEvWrite | kEvClosed)) ||
      static_cast<size_t>(ev->fd_) >= ev->base_->fds_.size() || ev->base_->fds_[static_cast<size_t>(ev->fd_)].head)
      [[unlikely]]
    return fallback();
  EventBase* const b = ev->base_;
  const short events = ev->events_;
  const int fd = ev->fd_;
  EventBase::FdSlot& slot = b->fds_[static_cast<size_t>(fd)];
  const short want = static_cast<short>(events & (kEvRead | kEvWrite | kEvClosed | kEvET));
  if (want != slot.interest) {
    if (b->epoll_->update(fd, slot.interest, want) < 0) return -1;
    slot.interest = want;
  }
  ev->ioPrev_ = ev->ioNext_ = nullptr;
  slot.head = ev;
  b->markInserted(ev, false);  // the entry test above is its precondition
  if constexpr (kTraced)
    b->trace_.transition(ev, EventState::NonPending, EventState::Pending, TraceCause::Add, events, 0,
                         b->trace_.stamp());
  return 0;
}

template <bool kTraced>
inline int PlainFastPath::delIoImpl(Event* ev) {
  // Also: no other event on the fd (no neighbours in its list).
  if (!plainIoIn(ev, Event::kListInit | Event::kListInserted) || ev->ioNext_ || ev->ioPrev_) [[unlikely]]
    return ev->del();
  EventBase* const b = ev->base_;
  const int fd = ev->fd_;
  // The only event on its fd: the fd leaves epoll.
  EventBase::FdSlot& slot = b->fds_[static_cast<size_t>(fd)];
  slot.head = nullptr;
  const short interest = slot.interest;
  slot.interest = 0;
  slot.writeAssumed = false;  // (never set while a plain event is the fd's only one)
  b->markRemoved(ev, false);  // the entry test above is its precondition
  if constexpr (kTraced)
    b->trace_.transition(ev, EventState::Pending, EventState::NonPending, TraceCause::Del, 0, 0, b->trace_.stamp());
  // Last (its result does not matter: a failed DEL leaves nothing to undo), so
  // nothing of the event or its slot stays live across the call.
  if (interest) b->epoll_->update(fd, interest, 0);
  return 0;
}

}  // namespace rs
