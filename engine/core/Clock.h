// Monotonic time in nanoseconds: the single time base of timers and traces.
#pragma once
#include <sys/time.h>

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

// The longest timeout kept (about 100 years): the clock plus it never overflows.
constexpr Nanos kMaxTimeoutNs = Nanos{100} * 365 * 24 * 3600 * kNsPerSec;

// A timeval as libevent adds it to the clock: its fields as given (a tv_usec of
// a second or more counts whole, a negative field subtracts); a timeout already
// past (negative in total) is 0: it fires in the next loop round. The one rule
// for every timeval the API takes (event_add, event_base_loopexit).
inline Nanos timeoutNsOf(const timeval& tv) {
  constexpr int64_t kMaxSec = kMaxTimeoutNs / kNsPerSec;
  const int64_t sec = tv.tv_sec > kMaxSec ? kMaxSec : (tv.tv_sec < -kMaxSec ? -kMaxSec : tv.tv_sec);
  const int64_t usec = tv.tv_usec > kMaxSec * 1'000'000 ? kMaxSec * 1'000'000
                                                          : (tv.tv_usec < -kMaxSec * 1'000'000 ? -kMaxSec * 1'000'000 : tv.tv_usec);
  const Nanos total = sec * kNsPerSec + usec * kNsPerUs;
  return total < 0 ? 0 : (total > kMaxTimeoutNs ? kMaxTimeoutNs : total);
}

// A relative timeout for ppoll()/epoll_pwait2(): `ts` filled and returned, or
// nullptr (wait without limit) when timeoutNs < 0.
inline const timespec* relativeTimespec(Nanos timeoutNs, timespec& ts) {
  if (timeoutNs < 0) return nullptr;
  ts.tv_sec = static_cast<time_t>(timeoutNs / kNsPerSec);
  ts.tv_nsec = static_cast<long>(timeoutNs % kNsPerSec);
  return &ts;
}

}  // namespace rs
