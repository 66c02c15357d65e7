#include "core/TraceRing.h"

#include <algorithm>
#include <bit>

#include "core/TraceClock.h"

namespace rs {

TraceRing::TraceRing(size_t capacityPow2)
    : capacity_(std::bit_ceil(std::max<size_t>(capacityPow2, 16))),
      mask_(capacity_ - 1),
      slots_(new TraceRecord[capacity_]),
      limit_(capacity_) {}

size_t TraceRing::drain(TraceRecord* out, size_t max) {
  size_t k = 0;
  if (havePending_ && max > 0) {
    out[k++] = pending_;
    havePending_ = false;
  }
  const uint64_t tail = tail_.load(std::memory_order_relaxed);
  const uint64_t head = head_.load(std::memory_order_acquire);
  uint64_t t = tail;
  for (; k < max && t != head; ++t) {
    const TraceRecord& slot = slots_[t & mask_];
    out[k] = slot;
    if (slot.type != kDispatchBeginPair) {
      ++k;
      continue;
    }
    // A pair: the Dispatch transition, then the CallbackBegin record.
    out[k++].type = TraceType::Transition;
    TraceRecord begin = slot;
    begin.type = TraceType::CallbackBegin;
    begin.from = begin.to = EventState::Active;
    begin.cause = TraceCause::None;
    if (k < max) {
      out[k++] = begin;
    } else {
      pending_ = begin;  // first out of the next drain
      havePending_ = true;
    }
  }
  tail_.store(t, std::memory_order_release);
  // Every record read was stamped before the head load above, hence before the
  // converter's (tsc, ns) pair: ages are never negative.
  bool haveConverter = false;
  traceclock::Converter conv;
  for (size_t i = 0; i < k; ++i) {
    TraceRecord& r = out[i];
    if (!traceclock::isTsc(r.tsNs)) continue;
    if (!haveConverter) {
      conv = traceclock::Converter::sample();
      haveConverter = true;
    }
    if (r.type == TraceType::CallbackEnd) r.value = conv.ticksToNs(r.value);
    int64_t ns = conv.toNs(r.tsNs);
    // One thread stamped these in ring order: keep them non-decreasing across
    // drains (each drain's pair is within tens of ns of the truth).
    if (ns < lastTscNs_) ns = lastTscNs_;
    lastTscNs_ = ns;
    r.tsNs = ns;
  }
  return k;
}

}  // namespace rs
