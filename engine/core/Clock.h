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

// A relative timeout for ppoll()/epoll_pwait2(): `ts` filled and returned, or
// nullptr (wait without limit) when timeoutNs < 0.
inline const timespec* relativeTimespec(Nanos timeoutNs, timespec& ts) {
  if (timeoutNs < 0) return nullptr;
  ts.tv_sec = static_cast<time_t>(timeoutNs / kNsPerSec);
  ts.tv_nsec = static_cast<long>(timeoutNs % kNsPerSec);
  return &ts;
}

}  // namespace rs
