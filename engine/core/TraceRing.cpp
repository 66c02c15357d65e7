#include "core/TraceRing.h"

#include <algorithm>
#include <bit>

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
  return n;
}

}  // namespace rs
