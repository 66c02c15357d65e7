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
  for (; pendingCount_ > 0 && k < max; --pendingCount_) out[k++] = pending_[pendingFirst_++];
  const uint64_t tail = tail_.load(std::memory_order_relaxed);
  const uint64_t head = head_.load(std::memory_order_acquire);
  uint64_t t = tail;
  for (; k < max && pendingCount_ == 0 && t != head; ++t) {
    const TraceRecord& slot = slots_[t & mask_];
    const TraceType type = slot.type;
    if (static_cast<uint8_t>(type) < static_cast<uint8_t>(kDispatchBeginPair)) [[likely]] {
      out[k++] = slot;
      continue;
    }
    if (type == kEndOfOpen) {
      out[k] = open_;
      out[k].type = TraceType::CallbackEnd;
      out[k].tsNs = slot.tsNs;
      out[k++].value = slot.value;
      continue;
    }
    // A pair or a triple: [CallbackEnd of the open callback,] the Dispatch
    // transition, then the CallbackBegin record. Written straight into `out`
    // when they fit, else through `group` (what does not fit is pending).
    const unsigned n = type == kEndDispatchBegin ? 3 : 2;
    TraceRecord group[3];
    TraceRecord* const dst = k + n <= max ? out + k : group;
    unsigned i = 0;
    if (type == kEndDispatchBegin) {
      TraceRecord& end = dst[i++];
      end = open_;
      end.type = TraceType::CallbackEnd;
      end.tsNs = slot.tsNs;
      end.value = slot.value;
    }
    TraceRecord& dispatch = dst[i++];
    dispatch = slot;
    dispatch.type = TraceType::Transition;
    dispatch.value = 0;
    TraceRecord& begin = dst[i];
    begin = dispatch;
    begin.type = TraceType::CallbackBegin;
    begin.from = begin.to = EventState::Active;
    begin.cause = TraceCause::None;
    open_ = begin;
    if (dst != group) {
      k += n;
      continue;
    }
    unsigned j = 0;
    for (; j < n && k < max; ++j) out[k++] = group[j];
    // The rest is first out of the next drain.
    pendingFirst_ = 0;
    for (; j < n; ++j) pending_[pendingCount_++] = group[j];
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
