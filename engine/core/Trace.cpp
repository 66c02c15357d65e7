#include "core/Trace.h"

#include <atomic>

#include "core/Event.h"

namespace rs {

uint32_t allocateOwnerTag() {
  static std::atomic<uint32_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

const char* toString(EventState s) {
  switch (s) {
    case EventState::Invalid: return "invalid";
    case EventState::NonPending: return "non-pending";
    case EventState::Pending: return "pending";
    case EventState::Active: return "active";
  }
  return "?";
}

const char* toString(EventKind k) {
  switch (k) {
    case EventKind::Io: return "io";
    case EventKind::Timer: return "timer";
    case EventKind::Signal: return "signal";
    case EventKind::Internal: return "internal";
  }
  return "?";
}

const char* toString(TraceCause c) {
  switch (c) {
    case TraceCause::None: return "none";
    case TraceCause::New: return "new";
    case TraceCause::Add: return "add";
    case TraceCause::Del: return "del";
    case TraceCause::Free: return "free";
    case TraceCause::ReadyRead: return "ready-read";
    case TraceCause::ReadyWrite: return "ready-write";
    case TraceCause::ReadyClosed: return "ready-closed";
    case TraceCause::Timeout: return "timeout";
    case TraceCause::Signal: return "signal";
    case TraceCause::ManualActivate: return "manual-activate";
    case TraceCause::Dispatch: return "dispatch";
    case TraceCause::Count: break;
  }
  return "?";
}

const char* toString(TraceType t) {
  switch (t) {
    case TraceType::Transition: return "transition";
    case TraceType::CallbackBegin: return "callback-begin";
    case TraceType::CallbackEnd: return "callback-end";
    case TraceType::WaitBegin: return "wait-begin";
    case TraceType::WaitEnd: return "wait-end";
    case TraceType::BufferLevel: return "buffer-level";
    case TraceType::Count: break;
  }
  return "?";
}

const char* toString(BufferId b) {
  switch (b) {
    case BufferId::None: return "none";
    case BufferId::KernelRecv: return "kernel-recv";
    case BufferId::Input: return "input";
    case BufferId::Output: return "output";
    case BufferId::KernelSend: return "kernel-send";
    case BufferId::ReadLowWater: return "read-low-watermark";
    case BufferId::ReadHighWater: return "read-high-watermark";
    case BufferId::WriteLowWater: return "write-low-watermark";
    case BufferId::WriteHighWater: return "write-high-watermark";
    case BufferId::Count: break;
  }
  return "?";
}

std::string eventFlagsToString(int flags) {
  static const struct { int bit; const char* name; } kNames[] = {
      {kEvTimeout, "TIMEOUT"}, {kEvRead, "READ"}, {kEvWrite, "WRITE"}, {kEvSignal, "SIGNAL"},
      {kEvPersist, "PERSIST"}, {kEvET, "ET"},     {kEvClosed, "CLOSED"}};
  std::string out;
  for (const auto& n : kNames) {
    if (flags & n.bit) {
      if (!out.empty()) out += '|';
      out += n.name;
    }
  }
  return out.empty() ? "0" : out;
}

}  // namespace rs
