#include "Exporter.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

bool sameFile(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

}  // namespace

std::string writesOverTheRecording(const std::string& recordingPath, const std::string& path) {
  if (!sameFile(recordingPath, path)) return {};
  return "'" + path + "' is the recording being exported: choose another output file";
}

ExportOutput::~ExportOutput() {
  if (file_) finish(false, nullptr);
}

bool ExportOutput::chooseTarget(const std::string& recordingPath, std::string* error) {
  if (outPath_ == "-") {
    toStdout_ = true;
    return true;
  }
  if (std::string why = writesOverTheRecording(recordingPath, outPath_); !why.empty()) {
    *error = why;
    return false;
  }
  struct stat st {};
  if (::stat(outPath_.c_str(), &st) != 0) {  // new (or a link to nothing yet): written beside it, renamed
    renameTo_ = outPath_;
  } else if (S_ISDIR(st.st_mode)) {
    *error = "cannot write '" + outPath_ + "': it is a directory";
    return false;
  } else if (!S_ISREG(st.st_mode)) {  // a device or a FIFO: written as it is
    writePath_ = outPath_;
    return true;
  } else {
    char resolved[PATH_MAX];
    renameTo_ = ::realpath(outPath_.c_str(), resolved) ? std::string(resolved) : outPath_;
    keepMode_ = static_cast<int>(st.st_mode & 0777);  // (a private 0600 export stays private; no set-id bits)
  }
  writePath_ = renameTo_ + ".partial";
  // The temporary name may be the recording too (exporting X.partial to X).
  if (!sameFile(recordingPath, writePath_)) return true;
  *error = "the export would be written to '" + writePath_ +
           "' first, which is the recording being exported: choose another output file";
  return false;
}

bool ExportOutput::open(const std::string& recordingPath, const std::string& outPath, std::string* error) {
  outPath_ = outPath;
  if (!chooseTarget(recordingPath, error)) return false;
  if (toStdout_) {
    file_ = stdout;
    return true;
  }
  // Created with the old output's mode (never readable by more than it was,
  // not even while it is written); a leftover OUT.partial is given it below.
  const int fd = ::open(writePath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                        static_cast<mode_t>(keepMode_ >= 0 ? keepMode_ : 0666));
  file_ = fd >= 0 ? ::fdopen(fd, "wb") : nullptr;
  if (!file_) {
    *error = "cannot write '" + outPath + "': " + std::strerror(errno);
    if (fd >= 0) {
      ::close(fd);
      if (!renameTo_.empty()) ::unlink(writePath_.c_str());  // (the partial it created)
    }
    return false;
  }
  if (keepMode_ >= 0 && ::fchmod(fd, static_cast<mode_t>(keepMode_)) != 0) {
    *error = "cannot give '" + writePath_ + "' the mode of '" + outPath + "': " + std::strerror(errno);
    finish(false, nullptr);
    return false;
  }
  return true;
}

bool ExportOutput::finish(bool complete, std::string* error) {
  if (!file_) return false;
  std::string why;  // (the writer reported its own write errors before: `complete` says)
  if ((toStdout_ ? std::fflush(file_) : std::fclose(file_)) != 0 && complete) {
    why = "'" + outPath_ + "': closing failed: " + std::strerror(errno);
    complete = false;
  }
  file_ = nullptr;
  if (complete && !renameTo_.empty() && std::rename(writePath_.c_str(), renameTo_.c_str()) != 0) {
    why = "cannot write '" + outPath_ + "': " + std::strerror(errno);
    complete = false;
  }
  if (!complete && !renameTo_.empty()) std::remove(writePath_.c_str());
  if (!why.empty() && error) *error = why;
  return complete;
}

bool exportRecording(const std::string& recordingPath, ExportFormat format, const std::string& outPath,
                     const ExportRange& range, WalkCounts* counts, std::string* error) {
  recording::RecordingReader reader;
  if (!reader.open(recordingPath, error) || !reader.holdSnapshot(error)) return false;
  ExportOutput output;
  if (!output.open(recordingPath, outPath, error)) return false;
  std::unique_ptr<ExportSink> sink;
  if (format == ExportFormat::Perfetto) sink = std::make_unique<PerfettoWriter>(output.file());
  else sink = std::make_unique<ChromeJsonWriter>(output.file());
  TraceWalker walker(reader, *sink);
  std::string why;
  bool ok = walker.walk(range, &why);
  if (!ok) why = "reading '" + recordingPath + "': " + why;
  if (ok && !sink->finish(&why)) {
    why = "'" + outPath + "': " + why;
    ok = false;
  }
  if (!output.finish(ok, &why) || !ok) {
    *error = why;
    return false;
  }
  if (counts) *counts = walker.counts();
  return true;
}

}  // namespace rs::exporting
