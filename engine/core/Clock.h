// Monotonic time in nanoseconds: the single time base of timers and traces.
#pragma once
#include <cstdint>
#include <ctime>

namespace rs {

using Nanos = int64_t;

inline Nanos monotonicNowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<Nanos>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

constexpr Nanos kNsPerUs = 1'000;
constexpr Nanos kNsPerMs = 1'000'000;
constexpr Nanos kNsPerSec = 1'000'000'000;

}  // namespace rs
