// libevent's base inspection: event_base_foreach_event,
// event_base_dump_events, event_base_get_num_events and event_base_get_running_event over the records of
// a base's C events.
//
// Order, as libevent's event_base_foreach_event visits: I/O events by fd, then
// signal events by signal number, then timer-only events by expiry (libevent's
// heap order when timers were added with increasing expiries), then events that
// are only active, by priority. Events of bufferevents and listeners are the
// engine's own, not C records, and are not listed (libevent lists them).
// Thread contract: the base's loop thread, as the base's events.
#include <algorithm>
#include <cstdio>
#include <vector>

#include "CompatBase.h"

namespace {

enum class Group { Io, Signal, Timer, ActiveOnly };

struct Listed {
  const rs::compat::EventRecord* record;
  Group group;
  long long order;  // fd, signal number, expiry in microseconds, or priority
};

Group groupOf(const rs::Event& e) {
  if (e.isInserted()) return (e.events() & EV_SIGNAL) ? Group::Signal : Group::Io;
  return e.hasTimeout() ? Group::Timer : Group::ActiveOnly;
}

long long orderOf(const rs::Event& e, Group group) {
  if (group == Group::Io || group == Group::Signal) return e.fd();
  if (group == Group::ActiveOnly) return e.priority();
  timeval expiry{};
  e.pending(EV_TIMEOUT, &expiry);
  return static_cast<long long>(expiry.tv_sec) * 1000000 + expiry.tv_usec;
}

// The base's added or active C events, in libevent's visiting order.
std::vector<Listed> listedEvents(const event_base* base) {
  std::vector<Listed> listed;
  for (size_t i = 0; i < base->records.size(); ++i) {
    const rs::compat::EventRecord* r = base->records.at(i);
    if (!r->owner) continue;
    const rs::Event& e = r->event;
    if (!e.isInserted() && !e.hasTimeout() && !e.isActiveNow() && !e.isActiveLater()) continue;
    const Group group = groupOf(e);
    listed.push_back({r, group, orderOf(e, group)});
  }
  std::stable_sort(listed.begin(), listed.end(), [](const Listed& a, const Listed& b) {
    if (a.group != b.group) return a.group < b.group;
    return a.order < b.order;
  });
  return listed;
}

// The storage's evcb_flags and ev_res as libevent would have them now, so a
// foreach callback reading them sees libevent's values.
void refreshListFields(const rs::compat::EventRecord* r) {
  auto* ev = const_cast<::event*>(r->owner);
  const rs::Event& e = r->event;
  short flags = EVLIST_INIT;
  if (e.isInserted()) flags = static_cast<short>(flags | EVLIST_INSERTED);
  if (e.hasTimeout()) flags = static_cast<short>(flags | EVLIST_TIMEOUT);
  if (e.isActiveNow()) flags = static_cast<short>(flags | EVLIST_ACTIVE);
  if (e.isActiveLater()) flags = static_cast<short>(flags | EVLIST_ACTIVE_LATER);
  ev->ev_evcallback.evcb_flags = flags;
  ev->ev_res = e.activeResult();
}

const char* gloss(const rs::Event& e) { return (e.events() & EV_SIGNAL) ? "sig" : "fd "; }

const char* bit(short value, short flag, const char* word) { return (value & flag) ? word : ""; }

void dumpInserted(const rs::compat::EventRecord* r, FILE* out) {
  const rs::Event& e = r->event;
  if (!e.isInserted() && !e.hasTimeout()) return;
  const short ev = e.events();
  std::fprintf(out, "  %p [%s %d]%s%s%s%s%s", static_cast<const void*>(r->owner), gloss(e), e.fd(),
               bit(ev, EV_READ, " Read"), bit(ev, EV_WRITE, " Write"), bit(ev, EV_CLOSED, " EOF"),
               bit(ev, EV_SIGNAL, " Signal"), bit(ev, EV_PERSIST, " Persist"));
  if (e.hasTimeout()) {
    timeval expiry{};
    e.pending(EV_TIMEOUT, &expiry);
    std::fprintf(out, " Timeout=%ld.%06d", static_cast<long>(expiry.tv_sec), static_cast<int>(expiry.tv_usec));
  }
  std::fputc('\n', out);
}

void dumpActive(const rs::compat::EventRecord* r, FILE* out) {
  const rs::Event& e = r->event;
  if (!e.isActiveNow() && !e.isActiveLater()) return;
  const short res = e.activeResult();
  std::fprintf(out, "  %p [%s %d, priority=%d]%s%s%s%s%s active%s\n", static_cast<const void*>(r->owner), gloss(e),
               e.fd(), e.priority(), bit(res, EV_READ, " Read"), bit(res, EV_WRITE, " Write"),
               bit(res, EV_CLOSED, " EOF"), bit(res, EV_SIGNAL, " Signal"), bit(res, EV_TIMEOUT, " Timeout"),
               e.isActiveLater() ? " [NextTime]" : "");
}

}  // namespace

extern "C" {

int event_base_foreach_event(struct event_base* base, event_base_foreach_event_cb fn, void* arg) {
  if (!base || !fn) return -1;
  for (const Listed& l : listedEvents(base)) {
    refreshListFields(l.record);
    if (const int r = fn(base, l.record->owner, arg)) return r;
  }
  return 0;
}

// libevent: the event whose callback runs now, on the loop's own thread;
// NULL elsewhere, between callbacks, and for the events of bufferevents and
// listeners (the engine's, not C events). The engine notes the running event at
// each dispatch anyway (trace counters, record reclaiming): asking costs the
// loop nothing.
struct event* event_base_get_running_event(struct event_base* base) {
  if (!base || !base->loopRunning() || !base->isInLoopThread()) return nullptr;
  const rs::Event* running = base->runningEvent();
  if (!running) return nullptr;
  const rs::compat::EventRecord* r = base->records.recordOf(running);
  return r ? const_cast<struct event*>(r->owner) : nullptr;
}

// libevent's event_count and event_count_active, counted from the records
// when asked (libevent keeps counters; the dispatch path stays untouched here).
int event_base_get_num_events(struct event_base* base, unsigned int type) {
  if (!base) return 0;
  int active = 0;
  int added = 0;
  for (size_t i = 0; i < base->records.size(); ++i) {
    const rs::compat::EventRecord* r = base->records.at(i);
    if (!r->owner) continue;
    const rs::Event& e = r->event;
    const int activeFlags = int{e.isActiveNow()} + int{e.isActiveLater()};
    active += activeFlags;
    added += int{e.isInserted()} + int{e.hasTimeout()} + activeFlags;
  }
  int count = 0;
  if (type & EVENT_BASE_COUNT_ACTIVE) count += active;
  if (type & EVENT_BASE_COUNT_ADDED) count += added;
  return count;  // EVENT_BASE_COUNT_VIRTUAL: no virtual events here
}

void event_base_dump_events(struct event_base* base, FILE* output) {
  if (!base || !output) return;
  const std::vector<Listed> listed = listedEvents(base);
  std::fprintf(output, "Inserted events:\n");
  for (const Listed& l : listed) dumpInserted(l.record, output);
  std::fprintf(output, "Active events:\n");
  for (const Listed& l : listed) dumpActive(l.record, output);
}

}  // extern "C"
