#include "Exporter.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "ChromeJsonWriter.h"
#include "PerfettoWriter.h"
#include "RecordingReader.h"

namespace rs::exporting {

std::optional<ExportFormat> parseExportFormat(std::string_view text) {
  if (text == "perfetto") return ExportFormat::Perfetto;
  if (text == "chrome-json") return ExportFormat::ChromeJson;
  return std::nullopt;
}

bool rangeFromOffsets(const std::string& recordingPath, std::optional<double> fromSec, std::optional<double> toSec,
                      ExportRange* range, std::string* error) {
  *range = {};
  if (!fromSec && !toSec) return true;
  recording::RecordingReader reader;
  if (!reader.open(recordingPath, error)) return false;
  int64_t originNs = INT64_MAX;
  for (const auto& s : reader.sessions()) {
    recording::TimeSpan span;
    if (!reader.span(s.id, span, error)) return false;
    if (!span.empty) originNs = std::min(originNs, span.firstNs);
  }
  if (originNs == INT64_MAX) return true;  // no records: nothing to cut
  if (fromSec) range->fromNs = originNs + static_cast<int64_t>(*fromSec * 1e9);
  if (toSec) range->toNs = originNs + static_cast<int64_t>(*toSec * 1e9);
  return true;
}

namespace {

// Where an export writes. A regular file (or a new one) is written as
// "OUT.partial" and renamed over OUT once complete, so a failed export leaves
// no half file; through a symbolic link, the file it names is replaced, not the
// link. Anything else that exists (a device, a FIFO: /dev/stdout, a pipe) is
// written in place, and "-" is standard output. Never the recording itself.
struct OutputTarget {
  std::string path;       // what is renamed over at the end ("" when written in place)
  std::string writePath;  // what is opened ("" for stdout)
  bool toStdout = false;
};

bool sameFile(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// The temporary name may be the recording too (exporting X.partial to X).
bool checkPartial(const std::string& recordingPath, const OutputTarget& target, std::string* error) {
  if (!sameFile(recordingPath, target.writePath)) return true;
  *error = "the export would be written to '" + target.writePath + "' first, which is the recording being exported: choose another output file";
  return false;
}

bool chooseTarget(const std::string& recordingPath, const std::string& outPath, OutputTarget* target,
                  std::string* error) {
  if (outPath == "-") {
    target->toStdout = true;
    return true;
  }
  if (std::string why = writesOverTheRecording(recordingPath, outPath); !why.empty()) {
    *error = why;
    return false;
  }
  struct stat st {};
  if (::stat(outPath.c_str(), &st) != 0) {  // new (or a link to nothing yet): written beside it, renamed
    target->path = outPath;
    target->writePath = outPath + ".partial";
    return checkPartial(recordingPath, *target, error);
  }
  if (S_ISDIR(st.st_mode)) {
    *error = "cannot write '" + outPath + "': it is a directory";
    return false;
  }
  if (!S_ISREG(st.st_mode)) {  // a device or a FIFO: written as it is
    target->writePath = outPath;
    return true;
  }
  char resolved[PATH_MAX];
  target->path = ::realpath(outPath.c_str(), resolved) ? std::string(resolved) : outPath;
  target->writePath = target->path + ".partial";
  return checkPartial(recordingPath, *target, error);
}

}  // namespace

std::string writesOverTheRecording(const std::string& recordingPath, const std::string& path) {
  if (!sameFile(recordingPath, path)) return {};
  return "'" + path + "' is the recording being exported: choose another output file";
}

bool exportRecording(const std::string& recordingPath, ExportFormat format, const std::string& outPath,
                     const ExportRange& range, WalkCounts* counts, std::string* error) {
  recording::RecordingReader reader;
  if (!reader.open(recordingPath, error)) return false;
  OutputTarget target;
  if (!chooseTarget(recordingPath, outPath, &target, error)) return false;
  const std::string& partial = target.writePath;
  std::FILE* out = target.toStdout ? stdout : std::fopen(partial.c_str(), "wb");
  if (!out) {
    *error = "cannot write '" + outPath + "': " + std::strerror(errno);
    return false;
  }
  std::unique_ptr<ExportSink> sink;
  if (format == ExportFormat::Perfetto) sink = std::make_unique<PerfettoWriter>(out);
  else sink = std::make_unique<ChromeJsonWriter>(out);
  TraceWalker walker(reader, *sink);
  std::string why;
  bool ok = walker.walk(range, &why);
  if (!ok) why = "reading '" + recordingPath + "': " + why;
  if (ok && !sink->finish(&why)) {
    why = "'" + outPath + "': " + why;
    ok = false;
  }
  if ((target.toStdout ? std::fflush(out) : std::fclose(out)) != 0 && ok) {
    why = "'" + outPath + "': closing failed: " + std::strerror(errno);
    ok = false;
  }
  if (ok && !target.path.empty() && std::rename(partial.c_str(), target.path.c_str()) != 0) {
    why = "cannot write '" + outPath + "': " + std::strerror(errno);
    ok = false;
  }
  if (!ok) {
    if (!target.path.empty()) std::remove(partial.c_str());
    *error = why;
    return false;
  }
  if (counts) *counts = walker.counts();
  return true;
}

}  // namespace rs::exporting
