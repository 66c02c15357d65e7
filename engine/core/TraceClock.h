// Trace timestamps. The loop stamps records with the CPU's time-stamp counter
// (rdtsc: one instruction instead of a ~50 ns clock_gettime) when the TSC is
// invariant (/proc/cpuinfo: constant_tsc and nonstop_tsc), and with
// CLOCK_MONOTONIC nanoseconds otherwise (or with REACTORSCOPE_TRACE_TSC=0).
//
// A raw TSC stamp travels through the ring with bit 63 set (a monotonic ns value
// never has it). The consumer side (TraceRing::drain) converts it to
// CLOCK_MONOTONIC ns: one fresh (tsc, ns) pair per drain, and the tick length
// measured between that pair and one taken when the process first traced. A
// record's error is its age at drain time times the tick-length error, which
// the long baseline keeps far below a microsecond for a live reader; records of
// one drain are converted with the same pair, so their order and spacing hold.
#pragma once
#include <cstdint>

#include "core/Clock.h"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace rs {
// A raw trace stamp: a tagged TSC reading or monotonic ns (traceclock::stamp()).
// Not nanoseconds: traceclock::Converter::toNs() makes it so.
using TraceStamp = int64_t;
// The difference of two stamps of one clock: TSC ticks or ns. Not nanoseconds:
// traceclock::Converter::ticksToNs() / durationToNs() make it so.
using StampTicks = int64_t;
}  // namespace rs

namespace rs::traceclock {

constexpr uint64_t kTscTag = uint64_t{1} << 63;

// Decided once per process (thread-safe); takes the calibration base pair.
bool useTsc();

inline bool isTsc(TraceStamp stamp) { return stamp < 0; }

// monotonicNowNs() out of line: keeps the clock call (and the registers it
// clobbers) off the inline TSC path.
[[gnu::noinline]] TraceStamp monotonicStamp();

// A raw stamp: tagged TSC or monotonic ns (tsc chooses; pass useTsc()).
inline TraceStamp stamp(bool tsc) {
#if defined(__x86_64__)
  if (tsc) [[likely]] return static_cast<TraceStamp>(__rdtsc() | kTscTag);
#endif
  (void)tsc;
  return monotonicStamp();
}

// Converts stamps taken before sample() to monotonic ns.
class Converter {
 public:
  // Takes a fresh (tsc, ns) pair.
  static Converter sample();
  // A stamp (tagged TSC or ns) -> monotonic ns.
  Nanos toNs(TraceStamp stamp) const {
    if (!isTsc(stamp)) return stamp;
    const auto age = static_cast<int64_t>(tscNow_ - (static_cast<uint64_t>(stamp) & ~kTscTag));
    return nsNow_ - static_cast<int64_t>(static_cast<double>(age) * nsPerTick_);
  }
  // A difference of two TSC stamps (ticks) -> ns.
  Nanos ticksToNs(StampTicks ticks) const {
    if (!tsc_) return ticks;
    return static_cast<int64_t>(static_cast<double>(ticks) * nsPerTick_ + 0.5);
  }

 private:
  bool tsc_ = false;
  uint64_t tscNow_ = 0;
  int64_t nsNow_ = 0;
  double nsPerTick_ = 1.0;
};

// A duration measured as the difference of two stamps -> ns.
Nanos durationToNs(StampTicks units);

}  // namespace rs::traceclock
