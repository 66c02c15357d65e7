// `reactorscope-cli export FILE --format hdr-log -o OUT`: the client intervals a
// recording holds, as an HdrHistogram interval log (recording/HdrHistogramLog.h).
// Each interval's histogram is the "hdr" field `--record` stores with it
// (IntervalJson.h); a recording without any (no client session, or written before
// the field existed) is an error saying so. StartTime/BaseTime: the recording's
// created_utc; interval starts are seconds from the client's start.
// Thread contract: a plain function; the caller's thread.
#pragma once
#include <cstdint>
#include <string>

namespace rs::cli {

// Writes the log to outPath; false with one line in *error. *intervals: lines written.
bool exportHdrLog(const std::string& recordingPath, const std::string& outPath, uint64_t* intervals,
                  std::string* error);

}  // namespace rs::cli
