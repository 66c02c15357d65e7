// One client interval as a JSON object: the form of `--json`'s "intervals" array and
// of a recording's client_intervals.json column, from the CLI and the app (one place for all).
// Thread contract: a pure function.
#pragma once
#include <cstdio>
#include <string>

#include "workload/LoadClient.h"

namespace rs::recording {

// hdrBase64: the interval's latency histogram (recording/HdrHistogramLog.h), stored
// in recordings as "hdr" so `export --format hdr-log` can write it; empty = left out.
inline std::string intervalJson(const IntervalStats& iv, const std::string& hdrBase64 = "") {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "{\"start_s\":%.3f,\"end_s\":%.3f,\"messages\":%llu,\"bytes\":%llu,\"p50_ns\":%lld,"
                "\"p99_ns\":%lld,\"max_ns\":%lld,\"errors\":%llu}",
                iv.startSec, iv.endSec, static_cast<unsigned long long>(iv.messages),
                static_cast<unsigned long long>(iv.bytes), static_cast<long long>(iv.p50Ns),
                static_cast<long long>(iv.p99Ns), static_cast<long long>(iv.maxNs),
                static_cast<unsigned long long>(iv.errors));
  if (hdrBase64.empty()) return buf;
  std::string out = buf;
  out.insert(out.size() - 1, ",\"hdr\":\"" + hdrBase64 + "\"");  // base64 needs no escaping
  return out;
}

}  // namespace rs::recording
