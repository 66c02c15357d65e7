#include "Exporter.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
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

bool exportRecording(const std::string& recordingPath, ExportFormat format, const std::string& outPath,
                     const ExportRange& range, WalkCounts* counts, std::string* error) {
  recording::RecordingReader reader;
  if (!reader.open(recordingPath, error)) return false;
  const std::string partial = outPath + ".partial";
  std::FILE* out = std::fopen(partial.c_str(), "wb");
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
  if (std::fclose(out) != 0 && ok) {
    why = "'" + outPath + "': closing failed: " + std::strerror(errno);
    ok = false;
  }
  if (ok && std::rename(partial.c_str(), outPath.c_str()) != 0) {
    why = "cannot write '" + outPath + "': " + std::strerror(errno);
    ok = false;
  }
  if (!ok) {
    std::remove(partial.c_str());
    *error = why;
    return false;
  }
  if (counts) *counts = walker.counts();
  return true;
}

}  // namespace rs::exporting
