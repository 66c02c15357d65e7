#include "core/TraceRing.h"

#include <algorithm>
#include <bit>

#include "core/TraceClock.h"

namespace rs {

TraceRing::TraceRing(size_t capacityPow2)
    : capacity_(std::bit_ceil(std::max<size_t>(capacityPow2, 16))),
      mask_(capacity_ - 1),
      slots_(new TraceRecord[capacity_]) {}

size_t TraceRing::drain(TraceRecord* out, size_t max) {
  const uint64_t tail = tail_.load(std::memory_order_relaxed);
  const uint64_t head = head_.load(std::memory_order_acquire);
  const size_t n = static_cast<size_t>(std::min<uint64_t>(head - tail, max));
  for (size_t i = 0; i < n; ++i) out[i] = slots_[(tail + i) & mask_];
  tail_.store(tail + n, std::memory_order_release);
  // Every record read was stamped before the head load above, hence before the
  // converter's (tsc, ns) pair: ages are never negative.
  bool haveConverter = false;
  traceclock::Converter conv;
  for (size_t i = 0; i < n; ++i) {
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
  return n;
}

}  // namespace rs
