#include "core/TraceRing.h"

#include <algorithm>
#include <bit>

#include "core/TraceClock.h"

namespace rs {

namespace {
// A CallbackEnd's stamp: its begin stamp plus the duration, wrapping instead of
// overflowing (a stamp is raw TSC ticks or ns; only a corrupt slot gets near
// the limit, and it must not be undefined behaviour in the reader).
int64_t endStamp(int64_t begin, int64_t duration) {
  return static_cast<int64_t>(static_cast<uint64_t>(begin) + static_cast<uint64_t>(duration));
}
}  // namespace

TraceRing::TraceRing(size_t capacityPow2)
    : capacity_(std::bit_ceil(std::max<size_t>(capacityPow2, 16))),
      mask_(capacity_ - 1),
      slots_(new TraceRecord[capacity_]),
      limit_(capacity_) {}

// The records a pair or triple slot stands for, into dst (2 or 3 of them);
// remembers the CallbackBegin as the open callback.
inline void TraceRing::expandGroup(const TraceRecord& slot, TraceRecord* dst) {
  if (slot.type == kEndDispatchBegin) {
    TraceRecord& end = *dst++;
    end = open_;
    end.type = TraceType::CallbackEnd;
    end.tsNs = endStamp(open_.tsNs, slot.value);
    end.value = slot.value;
  }
  TraceRecord& dispatch = dst[0];
  dispatch = slot;
  dispatch.type = TraceType::Transition;
  dispatch.value = 0;
  TraceRecord& begin = dst[1];
  begin = dispatch;
  begin.type = TraceType::CallbackBegin;
  begin.from = begin.to = EventState::Active;
  begin.cause = TraceCause::None;
  open_ = begin;
}

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
      out[k].tsNs = endStamp(open_.tsNs, slot.value);  // raw stamps: TSC ticks or ns, like the duration
      out[k++].value = slot.value;
      continue;
    }
    // A pair or a triple: [CallbackEnd of the open callback,] the Dispatch
    // transition, then the CallbackBegin record. Written straight into `out`
    // when they fit; otherwise what does not fit is first out of the next drain.
    const unsigned n = type == kEndDispatchBegin ? 3 : 2;
    if (k + n <= max) [[likely]] {
      expandGroup(slot, out + k);
      k += n;
      continue;
    }
    TraceRecord group[3];
    expandGroup(slot, group);
    unsigned j = 0;
    for (; j < n && k < max; ++j) out[k++] = group[j];
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
