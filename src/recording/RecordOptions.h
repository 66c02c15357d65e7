// The recording options (--record FILE, --record-cap B, --record-last MIN,
// --record-overwrite) of `reactorscope-cli server|client` and `reactorscope-run`,
// and the app's Record dialog, plus the CLI client's latency log (--hdr-log FILE:
// HdrHistogram interval log, one line a second). They are taken out of the
// argument list before the workload's own parser sees it, so
// engine/workload/Options stays free of recording.
// Thread contract: pure functions; safe from any thread.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "RecordingWriter.h"

namespace rs::recording {

struct RecordOptions {
  std::string path;           // --record FILE; empty = no recording
  int64_t capBytes = 0;       // --record-cap B: stored trace bytes at most (0 = unlimited)
  double keepLastMinutes = 0; // --record-last MIN: keep only the last MIN minutes (time ring; 0 = all)
  bool overwrite = false;     // --record-overwrite: replace an existing FILE
  std::string hdrLogPath;     // --hdr-log FILE: the client's per-second latency histograms; empty = none
};

// Removes the recording options (both "--opt V" and "--opt=V") from args and
// returns them; nullopt with one clear *error on a bad value or a missing one.
std::optional<RecordOptions> takeRecordOptions(std::vector<std::string>& args, std::string* error);

// The writer's options for them (the one place a cap and a ring become writer settings).
RecordingWriterOptions writerOptions(const RecordOptions& options);

// The usage lines for these options.
std::string recordUsage();

}  // namespace rs::recording
