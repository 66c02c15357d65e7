#include "core/TraceRing.h"

#include <algorithm>
#include <bit>

#include "core/TraceClock.h"

namespace rs {

namespace {
// A CallbackEnd's stamp: its begin stamp plus the duration, wrapping instead of
// overflowing (a stamp is raw TSC ticks or ns; only a corrupt slot gets near
// the limit, and it must not be undefined behaviour in the reader).
TraceStamp wrappingAdd(TraceStamp begin, StampTicks duration) {
  return static_cast<int64_t>(static_cast<uint64_t>(begin) + static_cast<uint64_t>(duration));
}
}  // namespace

TraceRing::TraceRing(size_t capacityPow2)
    : capacity_(std::bit_ceil(std::max<size_t>(capacityPow2, 16))),
      mask_(capacity_ - 1),
      slots_(new TraceSlot[capacity_]),
      limit_(capacity_) {}

// A raw stamp in ns, with `conv` sampled after it was taken. One thread stamped
// the slots in ring order: TSC stamps stay non-decreasing across drains (each
// drain's pair is within tens of ns of the truth).
inline int64_t TraceRing::nsOf(TraceStamp stamp, const traceclock::Converter& conv) {
  if (!traceclock::isTsc(stamp)) [[unlikely]] return stamp;
  int64_t ns = conv.toNs(stamp);
  if (ns < lastTscNs_) ns = lastTscNs_;
  lastTscNs_ = ns;
  return ns;
}

// A slot as the record it stands for: its stamp (and a CallbackEnd's duration) in ns.
inline TraceRecord TraceRing::convert(const TraceSlot& slot, const traceclock::Converter& conv) {
  TraceRecord r = recordOf(slot, nsOf(slot.stamp, conv));
  if (r.type == TraceType::CallbackEnd && traceclock::isTsc(slot.stamp)) r.value = conv.ticksToNs(r.value);
  return r;
}

// The CallbackEnd of the open callback, which ran for `duration` stamp units
// (its stamp: the begin stamp plus the duration).
inline TraceRecord TraceRing::openEnd(StampTicks duration, const traceclock::Converter& conv) {
  const TraceStamp endStamp = wrappingAdd(openStamp_, duration);
  TraceRecord end = open_;
  end.type = TraceType::CallbackEnd;
  end.tsNs = nsOf(endStamp, conv);
  end.value = traceclock::isTsc(endStamp) ? conv.ticksToNs(duration) : duration;
  return end;
}

// The records a pair or triple slot stands for, into dst (2 or 3 of them,
// returned); remembers the CallbackBegin as the open callback.
inline unsigned TraceRing::expandGroup(const TraceSlot& slot, TraceRecord* dst, const traceclock::Converter& conv) {
  unsigned n = 0;
  if (slot.type() == kEndDispatchBegin) dst[n++] = openEnd(slot.value, conv);
  TraceRecord& dispatch = dst[n++];
  dispatch = recordOf(slot, nsOf(slot.stamp, conv));
  dispatch.type = TraceType::Transition;
  dispatch.value = 0;
  TraceRecord& begin = dst[n++];
  begin = dispatch;
  begin.type = TraceType::CallbackBegin;
  begin.from = begin.to = EventState::Active;
  begin.cause = TraceCause::None;
  open_ = begin;
  openStamp_ = slot.stamp;
  return n;
}

size_t TraceRing::drain(TraceRecord* out, size_t max) {
  size_t k = 0;
  for (; pendingCount_ > 0 && k < max; --pendingCount_) out[k++] = pending_[pendingFirst_++];
  const uint64_t tail = tail_.load(std::memory_order_relaxed);
  const uint64_t head = head_.load(std::memory_order_acquire);
  // Every slot to read was stamped before the head load above, hence before
  // this (tsc, ns) pair: ages are never negative.
  traceclock::Converter conv;
  if (tail != head) conv = traceclock::Converter::sample();
  uint64_t t = tail;
  for (; k < max && pendingCount_ == 0 && t != head; ++t) {
    const TraceSlot& slot = slots_[t & mask_];
    const TraceType type = slot.type();
    if (static_cast<uint8_t>(type) < static_cast<uint8_t>(kDispatchBeginPair)) [[likely]] {
      out[k++] = convert(slot, conv);
      continue;
    }
    if (type == kEndOfOpen) {
      out[k++] = openEnd(slot.value, conv);
      continue;
    }
    // A pair or a triple: [CallbackEnd of the open callback,] the Dispatch
    // transition, then the CallbackBegin record. Written straight into `out`
    // when they fit; otherwise what does not fit is first out of the next drain.
    const unsigned n = type == kEndDispatchBegin ? 3 : 2;
    if (k + n <= max) [[likely]] {
      k += expandGroup(slot, out + k, conv);
      continue;
    }
    TraceRecord group[3];
    expandGroup(slot, group, conv);
    unsigned j = 0;
    for (; j < n && k < max; ++j) out[k++] = group[j];
    pendingFirst_ = 0;
    for (; j < n; ++j) pending_[pendingCount_++] = group[j];
  }
  tail_.store(t, std::memory_order_release);
  return k;
}

}  // namespace rs
