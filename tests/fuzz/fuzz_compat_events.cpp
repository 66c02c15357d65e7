// Sequences of libevent compat calls (event_new, event_assign, event_add,
// event_del, event_active, event_free, event_base_loop with EVLOOP_ONCE |
// EVLOOP_NONBLOCK, and the same calls from inside callbacks) with the debug
// checks on. Each input drives six event slots -- embedded struct event storage
// (event_assign) or heap events (event_new) -- on one base. Only sequences that
// are valid for libevent, plus the misuse libevent's debug mode catches
// (add/del/active on never-initialized storage, freeing twice, assigning a
// pending or active event): each misuse must be reported exactly once, and a
// valid call never. A deleted event's callback must not run.
#include <fuzzer/FuzzedDataProvider.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "CompatBase.h"
#include "FuzzCheck.h"
#include "core/Event.h"

namespace {

constexpr int kSlots = 6;

struct Slot {
  struct event* ev = nullptr;  // storage (embedded) or the event_new result (heap)
  bool heap = false;
  bool live = false;       // initialized and not freed
  bool cancelled = false;  // deleted since its last add/activate/assign: its callback must not run
  int index = 0;
};

struct Run {
  FuzzedDataProvider* in = nullptr;
  struct event_base* base = nullptr;
  Slot slots[kSlots];
  int sockLevel[2] = {-1, -1};  // every event on sockLevel[0] is level-triggered
  int sockEdge[2] = {-1, -1};   // every event on sockEdge[0] has EV_ET (never mixed: no report due)
  int callbackBudget = 0;
};

Run* g_run = nullptr;
uint64_t g_reports = 0;

void countReport(const char* message) {
  FUZZ_CHECK(message != nullptr && message[0] != '\0');
  ++g_reports;
}

// Runs `call` and checks that it produced exactly `expected` debug reports.
template <class F>
void expectReports(uint64_t expected, F&& call) {
  const uint64_t before = g_reports;
  call();
  FUZZ_CHECK(g_reports - before == expected);
}

rs::EventState stateOf(const Slot& s) {
  const rs::Event* e = rs::compat::liveEvent(s.ev);
  return e ? e->state() : rs::EventState::NonPending;  // no record: assigned, idle
}

void onEvent(evutil_socket_t fd, short what, void* arg);

// fd and flags for a new or re-assigned event.
void pickEvent(Run& r, int* fd, short* events) {
  FuzzedDataProvider& in = *r.in;
  switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0:
      *fd = -1;
      *events = in.ConsumeBool() ? EV_PERSIST : 0;
      break;
    case 1:
      *fd = r.sockLevel[0];
      *events = static_cast<short>((in.ConsumeBool() ? EV_READ : 0) | (in.ConsumeBool() ? EV_WRITE : EV_READ) |
                                   (in.ConsumeBool() ? EV_PERSIST : 0) | (in.ConsumeBool() ? EV_CLOSED : 0));
      break;
    default:
      *fd = r.sockEdge[0];
      *events = static_cast<short>(EV_ET | (in.ConsumeBool() ? EV_READ : EV_WRITE) | (in.ConsumeBool() ? EV_PERSIST : 0));
      break;
  }
  if (in.ConsumeBool()) *events = static_cast<short>(*events | EV_TIMEOUT);
}

const struct timeval* pickTimeout(FuzzedDataProvider& in, struct timeval* tv) {
  switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0: return nullptr;
    case 1: *tv = {0, 0}; return tv;  // due at the next loop pass
    default: *tv = {3600, 0}; return tv;  // never due within the input
  }
}

void doNew(Run& r, Slot& s) {
  int fd;
  short events;
  pickEvent(r, &fd, &events);
  expectReports(0, [&] { s.ev = event_new(r.base, fd, events, onEvent, &s); });
  FUZZ_CHECK(s.ev != nullptr);
  s.live = true;
  s.cancelled = false;
}

void doAssign(Run& r, Slot& s) {
  int fd;
  short events;
  pickEvent(r, &fd, &events);
  const bool busy = s.live && stateOf(s) != rs::EventState::NonPending;
  int rc = 0;
  expectReports(busy ? 1 : 0, [&] { rc = event_assign(s.ev, r.base, fd, events, onEvent, &s); });
  FUZZ_CHECK(rc == (busy ? -1 : 0));
  if (rc == 0) {
    s.live = true;
    s.cancelled = false;
  }
}

void doAdd(Run& r, Slot& s) {
  struct timeval tv;
  const struct timeval* t = pickTimeout(*r.in, &tv);
  int rc = 0;
  expectReports(s.live ? 0 : 1, [&] { rc = event_add(s.ev, t); });
  if (!s.live) {
    FUZZ_CHECK(rc == -1);
    return;
  }
  FUZZ_CHECK(rc == 0);
  s.cancelled = false;
  if (t) FUZZ_CHECK(event_pending(s.ev, EV_TIMEOUT, nullptr) || stateOf(s) == rs::EventState::Active);
}

void doDel(Run&, Slot& s) {
  int rc = 0;
  expectReports(s.live ? 0 : 1, [&] { rc = event_del(s.ev); });
  if (!s.live) {
    FUZZ_CHECK(rc == -1);
    return;
  }
  FUZZ_CHECK(rc == 0);
  FUZZ_CHECK(stateOf(s) == rs::EventState::NonPending);
  FUZZ_CHECK(event_pending(s.ev, EV_TIMEOUT | EV_READ | EV_WRITE | EV_SIGNAL | EV_CLOSED, nullptr) == 0);
  s.cancelled = true;
}

void doActive(Run& r, Slot& s) {
  const int res = r.in->ConsumeIntegralInRange<int>(0, EV_TIMEOUT | EV_READ | EV_WRITE);
  const auto ncalls = static_cast<short>(r.in->ConsumeIntegralInRange<int>(0, 3));
  expectReports(s.live ? 0 : 1, [&] { event_active(s.ev, res, ncalls); });
  if (!s.live) return;
  s.cancelled = false;
  FUZZ_CHECK(stateOf(s) == rs::EventState::Active);
}

void doFree(Run& r, Slot& s) {
  expectReports(0, [&] { event_free(s.ev); });
  s.live = false;
  if (r.in->ConsumeBool()) {
    // Freeing twice (nothing allocated in between): reported, memory untouched.
    expectReports(1, [&] { event_free(s.ev); });
  }
  s.ev = nullptr;
}

void doLoop(Run& r) {
  r.callbackBudget = 16;
  if (r.in->ConsumeBool()) {
    const int rc = event_base_loop(r.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    FUZZ_CHECK(rc == 0 || rc == 1);
  } else {
    // EVLOOP_ONCE alone blocks until something is active: a zero loopexit
    // timer makes that immediate.
    const struct timeval zero = {0, 0};
    FUZZ_CHECK(event_base_loopexit(r.base, &zero) == 0);
    FUZZ_CHECK(event_base_loop(r.base, EVLOOP_ONCE) == 0);
  }
}

void drainSocket(int fd) {
  char buf[256];
  while (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
  }
}

// One call on slot s (from the top level or from a callback).
void actOn(Run& r, Slot& s, int op) {
  switch (op) {
    case 0:  // new (heap) or assign (embedded, or a live heap event)
      if (s.heap && !s.live) doNew(r, s);
      else doAssign(r, s);
      break;
    case 1:
      if (s.ev) doAdd(r, s);
      break;
    case 2:
      if (s.ev) doDel(r, s);
      break;
    case 3:
      if (s.ev) doActive(r, s);
      break;
    case 4:
      if (s.heap && s.live) doFree(r, s);
      break;
    default:
      break;
  }
}

void onEvent(evutil_socket_t fd, short, void* arg) {
  Run& r = *g_run;
  Slot& self = *static_cast<Slot*>(arg);
  FUZZ_CHECK(self.live);
  FUZZ_CHECK(!self.cancelled);
  FUZZ_CHECK(event_get_fd(self.ev) == fd);
  if (r.callbackBudget <= 0 || r.in->remaining_bytes() == 0) return;
  --r.callbackBudget;
  FuzzedDataProvider& in = *r.in;
  const int op = in.ConsumeIntegralInRange<int>(0, 7);
  if (op == 5) {
    event_base_loopbreak(r.base);
  } else if (op == 6) {
    drainSocket(fd);
  } else {
    // On itself or on another slot.
    Slot& target = in.ConsumeBool() ? self : r.slots[in.ConsumeIntegralInRange<int>(0, kSlots - 1)];
    actOn(r, target, op == 7 ? 0 : op);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  rs::setDebugChecks(true);
  rs::setDebugCheckHandler(countReport);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  Run r;
  g_run = &r;
  r.in = &in;
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, r.sockLevel) != 0 ||
      ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, r.sockEdge) != 0)
    std::abort();
  // Most inputs share one base; every 8th gets its own, torn down in either
  // order. Made as event_base_new() does, but with a small trace ring (the
  // default 5 MiB one, allocated even with tracing off, would dominate).
  rs::EventBase::Options options;
  options.traceCapacity = 64;
  static struct event_base* const shared = new event_base(options);
  static const size_t sharedBaseline = shared->liveEventCount();
  const bool ownBase = in.ConsumeIntegralInRange<int>(0, 7) == 0;
  r.base = ownBase ? new event_base(options) : shared;
  FUZZ_CHECK(r.base != nullptr);
  // Embedded storage, zeroed like a static or calloc'd struct event.
  auto storage = std::make_unique<struct event[]>(kSlots);
  std::memset(storage.get(), 0, sizeof(struct event) * kSlots);
  for (int i = 0; i < kSlots; ++i) {
    r.slots[i].index = i;
    r.slots[i].heap = i >= kSlots / 2;
    if (!r.slots[i].heap) r.slots[i].ev = storage.get() + i;
  }

  for (int steps = 0; in.remaining_bytes() > 0 && steps < 300; ++steps) {
    const int op = in.ConsumeIntegralInRange<int>(0, 8);
    if (op <= 4) {
      actOn(r, r.slots[in.ConsumeIntegralInRange<int>(0, kSlots - 1)], op);
    } else if (op == 5) {
      doLoop(r);
    } else if (op == 6) {
      const char byte = 'x';
      [[maybe_unused]] ssize_t n = ::send(in.ConsumeBool() ? r.sockLevel[1] : r.sockEdge[1], &byte, 1, MSG_DONTWAIT);
    } else if (op == 7) {
      drainSocket(in.ConsumeBool() ? r.sockLevel[0] : r.sockEdge[0]);
    } else {
      // Close the peer: EV_CLOSED / EOF readiness.
      int& peer = in.ConsumeBool() ? r.sockLevel[1] : r.sockEdge[1];
      if (peer >= 0) {
        ::close(peer);
        peer = -1;
      }
    }
  }

  // Tear down in either order: events before the base, or the base first. The
  // base detaches the events it tracks -- pending or active ones -- so freeing
  // those later is safe; a compat event that is not pending is not tracked (C
  // programs may free() it) and, as in libevent, must not outlive its base:
  // base-first teardown makes every live event pending first.
  const bool baseFirst = ownBase && in.ConsumeBool();
  r.in = nullptr;
  if (baseFirst) {
    const struct timeval hour = {3600, 0};
    for (Slot& s : r.slots)
      if (s.live) FUZZ_CHECK(event_add(s.ev, &hour) == 0);
    event_base_free(r.base);
  }
  for (Slot& s : r.slots) {
    if (!s.live) continue;
    // Embedded: what event_debug_unassign() does; heap: event_free().
    expectReports(0, [&] {
      if (s.heap) event_free(s.ev);
      else event_debug_unassign(s.ev);
    });
  }
  if (ownBase && !baseFirst) event_base_free(r.base);
  if (!ownBase) {
    // A loopexit timer the loop did not reach (a callback broke the loop first)
    // stays scheduled, as in libevent: run it out so the next input starts clean.
    for (int i = 0; i < 4 && event_base_loop(r.base, EVLOOP_NONBLOCK) == 0; ++i) {
    }
    // The shared base must be as new: nothing left in it, the next loop unaffected.
    FUZZ_CHECK(r.base->liveEventCount() == sharedBaseline);
    FUZZ_CHECK(event_base_loop(r.base, EVLOOP_NONBLOCK) == 1);  // no events: returns 1
  }
  for (int fd : {r.sockLevel[0], r.sockLevel[1], r.sockEdge[0], r.sockEdge[1]})
    if (fd >= 0) ::close(fd);
  g_run = nullptr;
  return 0;
}
