// Exports a recording file to Perfetto's protobuf trace or Chrome trace-event JSON
// (the CLI's `export` and the app's File menu share this): opens the recording,
// walks it (TraceWalker) into the writer for the format, streaming to the output.
// Thread contract: a free function; one call per thread at a time per output.
#pragma once
#include <cstdio>
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

// Where an export writes, and the rule for it. A regular file (or a new one) is
// written as "OUT.partial" and renamed over OUT only by finish(true), so a failed
// export leaves no half file and the old OUT intact; through a symbolic link, the
// file it names is replaced, not the link, and the replacement has the old file's
// permission bits (its owner and hard links are not kept). Anything else that exists (a device,
// a FIFO: /dev/stdout, a pipe) is written in place, and "-" is standard output.
// Never the recording itself (by any name, its temporary name included).
class ExportOutput {
 public:
  ExportOutput() = default;
  ~ExportOutput();  // not finished: as finish(false)
  ExportOutput(const ExportOutput&) = delete;
  ExportOutput& operator=(const ExportOutput&) = delete;

  // False with *error when outPath may not or cannot be written.
  bool open(const std::string& recordingPath, const std::string& outPath, std::string* error);
  std::FILE* file() const { return file_; }
  // Closes the output: with `complete` (the writer saw no write error), the
  // export is put in place (false with *error when closing or renaming failed);
  // without, it is removed.
  bool finish(bool complete, std::string* error);

 private:
  bool chooseTarget(const std::string& recordingPath, std::string* error);
  std::string outPath_;
  std::string renameTo_;   // what finish(true) renames over ("" when written in place)
  std::string writePath_;  // what is opened ("" for stdout)
  bool toStdout_ = false;
  int keepMode_ = -1;  // an existing output's permission bits, given to what replaces it (-1: none)
  std::FILE* file_ = nullptr;
};

// False with *error naming what failed (the recording, the output, a bad block).
// The output goes through an ExportOutput.
bool exportRecording(const std::string& recordingPath, ExportFormat format, const std::string& outPath,
                     const ExportRange& range, WalkCounts* counts, std::string* error);

}  // namespace rs::exporting
