#include "core/TraceClock.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace rs::traceclock {

namespace {

struct Pair {
  uint64_t tsc = 0;
  int64_t ns = 0;
};

#if defined(__x86_64__)
// The tightest of a few (rdtsc, clock_gettime, rdtsc) brackets: an interrupt
// between the reads would skew a single sample.
Pair samplePair() {
  Pair best;
  uint64_t bestWidth = UINT64_MAX;
  for (int i = 0; i < 4; ++i) {
    const uint64_t t1 = __rdtsc();
    const int64_t ns = monotonicNowNs();
    const uint64_t t2 = __rdtsc();
    if (t2 - t1 < bestWidth) {
      bestWidth = t2 - t1;
      best = {t1 + (t2 - t1) / 2, ns};
    }
  }
  return best;
}

bool cpuHasInvariantTsc() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    const auto has = [&](const char* flag) { return (line + ' ').find(std::string(" ") + flag + ' ') != std::string::npos; };
    return has("constant_tsc") && has("nonstop_tsc");
  }
  return false;
}
#endif

struct Calibration {
  bool tsc = false;
  Pair base;
  double initialNsPerTick = 1.0;  // from a short spin: used until the baseline is long
};

const Calibration& calibration() {
  static const Calibration c = [] {
    Calibration cal;
#if defined(__x86_64__)
    const char* env = std::getenv("REACTORSCOPE_TRACE_TSC");
    if (env && env[0] == '0') return cal;
    if (!cpuHasInvariantTsc()) return cal;
    cal.base = samplePair();
    // ~200 us spin, once per process, for a first tick length.
    Pair p;
    do p = samplePair(); while (p.ns - cal.base.ns < 200'000);
    if (p.tsc <= cal.base.tsc) return cal;
    cal.initialNsPerTick = static_cast<double>(p.ns - cal.base.ns) / static_cast<double>(p.tsc - cal.base.tsc);
    cal.tsc = true;
#endif
    return cal;
  }();
  return c;
}

}  // namespace

bool useTsc() { return calibration().tsc; }

int64_t monotonicStamp() { return monotonicNowNs(); }

Converter Converter::sample() {
  Converter c;
#if defined(__x86_64__)
  const Calibration& cal = calibration();
  if (!cal.tsc) return c;
  const Pair p = samplePair();
  c.tsc_ = true;
  c.tscNow_ = p.tsc;
  c.nsNow_ = p.ns;
  // Tick length over the whole baseline (at least the calibration spin): every
  // record is younger than the baseline, so its error stays within about the
  // pairs' jitter (tens of ns), and shrinks as the baseline grows.
  if (p.tsc > cal.base.tsc + 1000)
    c.nsPerTick_ = static_cast<double>(p.ns - cal.base.ns) / static_cast<double>(p.tsc - cal.base.tsc);
  else
    c.nsPerTick_ = cal.initialNsPerTick;
#endif
  return c;
}

int64_t durationToNs(int64_t units) {
  if (!useTsc()) return units;
  return Converter::sample().ticksToNs(units);
}

}  // namespace rs::traceclock
