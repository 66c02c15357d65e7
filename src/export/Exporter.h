// Exports a recording file to Perfetto's protobuf trace or Chrome trace-event JSON
// (the CLI's `export` and the app's File menu share this): opens the recording,
// walks it (TraceWalker) into the writer for the format, streaming to the output.
// Thread contract: a free function; one call per thread at a time per output.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "TraceWalker.h"

namespace rs::exporting {

enum class ExportFormat { Perfetto, ChromeJson };

// "perfetto" | "chrome-json"; nullopt for anything else.
std::optional<ExportFormat> parseExportFormat(std::string_view text);

// Seconds from the recording's first record (--from/--to, the app's Export dialog)
// -> the recording's clock; an absent bound stays open. False with *error when the
// recording cannot be read.
bool rangeFromOffsets(const std::string& recordingPath, std::optional<double> fromSec, std::optional<double> toSec,
                      ExportRange* range, std::string* error);

// Why an export may not write `path` ("" when it may): it is the recording
// being exported (by any name). Every export format asks this first.
std::string writesOverTheRecording(const std::string& recordingPath, const std::string& path);

// False with *error naming what failed (the recording, the output, a bad block).
// The output is written next to `outPath` and renamed over it only when complete
// (a device or FIFO is written in place; "-" is standard output).
bool exportRecording(const std::string& recordingPath, ExportFormat format, const std::string& outPath,
                     const ExportRange& range, WalkCounts* counts, std::string* error);

}  // namespace rs::exporting
