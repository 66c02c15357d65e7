// Micro-benchmark of the trace ring: nanoseconds per record for the loop-side
// push, alone and with a reader thread draining concurrently, and with the
// clock read a traced transition pays. Prints figures; asserts nothing.
//
//   bench_ring [records]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "core/Clock.h"
#include "core/TraceClock.h"
#include "core/TraceRing.h"

using namespace rs;

namespace {

double medianOf(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

enum class Stamp { None, Clock, Tsc };

// Push `n` records (no reader: the ring is large enough), ns per record, each
// stamped with nothing, clock_gettime(CLOCK_MONOTONIC) or the engine's trace
// stamp (rdtsc where the TSC is invariant, converted by drain()).
double pushAlone(TraceRing& ring, size_t n, Stamp stamp) {
  TraceSlot r;
  r.eventId = 42;
  const bool tsc = traceclock::useTsc();
  const Nanos start = monotonicNowNs();
  for (size_t i = 0; i < n; ++i) {
    r.stamp = stamp == Stamp::Clock ? monotonicNowNs()
             : stamp == Stamp::Tsc ? traceclock::stamp(tsc)
                                   : static_cast<int64_t>(i);
    r.value = static_cast<int64_t>(i);
    ring.push(r);
  }
  const Nanos elapsed = monotonicNowNs() - start;
  TraceRecord sink[4096];
  while (ring.drain(sink, 4096) > 0) {
  }
  return static_cast<double>(elapsed) / static_cast<double>(n);
}

struct Concurrent {
  double nsPerRecord;
  uint64_t dropped;
};

// Push `n` records while a reader thread drains in batches of 4096.
Concurrent pushWithReader(size_t n) {
  TraceRing ring;
  std::atomic<bool> stop{false};
  uint64_t read = 0;
  std::thread reader([&] {
    std::vector<TraceRecord> batch(4096);
    for (;;) {
      const bool finished = stop.load(std::memory_order_acquire);
      const size_t got = ring.drain(batch.data(), batch.size());
      read += got;
      if (got == 0 && finished) break;
    }
  });
  TraceSlot r;
  const Nanos start = monotonicNowNs();
  for (size_t i = 0; i < n; ++i) {
    r.value = static_cast<int64_t>(i);
    ring.push(r);
  }
  const Nanos elapsed = monotonicNowNs() - start;
  stop.store(true, std::memory_order_release);
  reader.join();
  return {static_cast<double>(elapsed) / static_cast<double>(n), ring.dropped()};
}

}  // namespace

int main(int argc, char** argv) {
  const size_t concurrentRecords = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20'000'000;
  TraceRing ring;  // default capacity
  const size_t n = ring.capacity();
  std::vector<double> alone, clocked, tscStamped, withReader;
  uint64_t dropped = 0;
  for (int rep = 0; rep < 7; ++rep) {
    alone.push_back(pushAlone(ring, n, Stamp::None));
    clocked.push_back(pushAlone(ring, n, Stamp::Clock));
    tscStamped.push_back(pushAlone(ring, n, Stamp::Tsc));
    const Concurrent c = pushWithReader(concurrentRecords);
    withReader.push_back(c.nsPerRecord);
    dropped += c.dropped;
  }
  std::printf("ring_capacity=%zu record_bytes=%zu push_ns=%.2f push_with_clock_ns=%.2f "
              "push_with_trace_stamp_ns=%.2f (%s) push_with_reader_ns=%.2f reader_records=%zu "
              "reader_dropped=%llu (medians of 7)\n",
              ring.capacity(), sizeof(TraceRecord), medianOf(alone), medianOf(clocked), medianOf(tscStamped),
              traceclock::useTsc() ? "rdtsc" : "clock_gettime", medianOf(withReader),
              concurrentRecords, static_cast<unsigned long long>(dropped));
  return 0;
}
