// RecordingReader on an arbitrary file (a truncated, corrupted or hostile
// recording): open() and, when it accepts the file, every query over every
// session. Nothing may crash, hit undefined behaviour or hang; a refusal says why.
// Seeds are small real recordings (512-byte pages) so mutations reach the tables.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include "FuzzCheck.h"
#include "RecordingReader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/fuzz_recording_reader-" + std::to_string(getpid()) + ".rsrec";
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::remove((path + suffix).c_str());
  FILE* f = std::fopen(path.c_str(), "wb");
  FUZZ_CHECK(f != nullptr);
  FUZZ_CHECK(std::fwrite(data, 1, size, f) == size);
  std::fclose(f);

  rs::recording::RecordingReader reader;
  std::string error;
  if (!reader.open(path, &error)) {
    FUZZ_CHECK(error.rfind("recording '", 0) == 0);
    return 0;
  }
  std::vector<rs::TraceRecord> records;
  std::vector<rs::recording::EventInfo> events;
  std::vector<rs::recording::LogEntry> log;
  std::vector<rs::recording::ClientInterval> intervals;
  std::vector<uint8_t> state;
  for (const auto& session : reader.sessions()) {
    rs::recording::TimeSpan span;
    reader.span(session.id, span, &error);
    reader.records(session.id, INT64_MIN, INT64_MAX, records, &error);
    if (!span.empty) reader.records(session.id, span.firstNs, std::midpoint(span.firstNs, span.lastNs), records, &error);
    reader.events(session.id, events, &error);
    reader.log(session.id, INT64_MIN, INT64_MAX, log, &error);
    reader.clientIntervals(session.id, INT64_MIN, INT64_MAX, intervals, &error);
    int64_t keyTs = 0;
    reader.keyframeAtOrBefore(session.id, INT64_MAX, keyTs, state, &error);
  }
  return 0;
}
