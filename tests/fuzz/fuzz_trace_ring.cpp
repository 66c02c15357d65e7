// The trace ring's reader side (TraceRing::drain: ring-internal pair/triple
// slots expanded into records, TSC stamps converted to ns) fed hostile slots:
// every slot is 40 arbitrary bytes, pushed into a small ring (so it wraps and
// drops) and drained in chunks of arbitrary size. The reader must not crash or
// hit undefined behaviour, never return more than asked, never hand out a
// ring-internal record type, and account for every slot (drained or dropped).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstring>
#include <vector>

#include "FuzzCheck.h"
#include "core/TraceRing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  rs::TraceRing ring(size_t{16} << in.ConsumeIntegralInRange<int>(0, 3));
  std::vector<rs::TraceRecord> out(64);
  uint64_t slotsPushed = 0, recordsOut = 0;
  while (in.remaining_bytes() > 0) {
    if (in.ConsumeIntegralInRange<int>(0, 3) != 0) {
      // A hostile slot: raw bytes, often with one of the ring-internal types.
      rs::TraceSlot r;
      const std::vector<uint8_t> raw = in.ConsumeBytes<uint8_t>(sizeof r);
      std::memset(&r, 0, sizeof r);
      if (!raw.empty()) std::memcpy(&r, raw.data(), raw.size());
      switch (in.ConsumeIntegralInRange<int>(0, 4)) {
        case 0: r.setType(rs::TraceRing::kDispatchBeginPair); break;
        case 1: r.setType(rs::TraceRing::kEndDispatchBegin); break;
        case 2: r.setType(rs::TraceRing::kEndOfOpen); break;
        default: break;
      }
      if (ring.push(r)) ++slotsPushed;
    } else {
      const size_t max = in.ConsumeIntegralInRange<size_t>(0, out.size());
      const size_t n = ring.drain(out.data(), max);
      FUZZ_CHECK(n <= max);
      for (size_t i = 0; i < n; ++i)
        FUZZ_CHECK(static_cast<uint8_t>(out[i].type) < static_cast<uint8_t>(rs::TraceRing::kDispatchBeginPair));
      recordsOut += n;
    }
  }
  // Drain the rest: every pushed slot comes out as one to three records.
  for (size_t n; (n = ring.drain(out.data(), out.size())) > 0;) recordsOut += n;
  FUZZ_CHECK(recordsOut >= slotsPushed && recordsOut <= 3 * slotsPushed);
  return 0;
}
