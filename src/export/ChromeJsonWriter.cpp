#include "ChromeJsonWriter.h"

#include <cerrno>
#include <cstring>

namespace rs::exporting {

std::string jsonEscaped(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

ChromeJsonWriter::ChromeJsonWriter(std::FILE* out) : out_(out) {
  std::fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", out_);
}

void ChromeJsonWriter::open(char phase, uint64_t track, int64_t tsNs) {
  const auto found = tracks_.find(track);
  const int64_t pid = found == tracks_.end() ? 0 : found->second.pid;
  const int64_t us = tsNs / 1000, frac = tsNs % 1000;
  std::fprintf(out_, "%s\n{\"ph\":\"%c\",\"pid\":%lld,\"tid\":%llu,\"ts\":%s%lld.%03lld", first_ ? "" : ",", phase,
               static_cast<long long>(pid), static_cast<unsigned long long>(track),
               tsNs < 0 && us == 0 ? "-" : "", static_cast<long long>(us),
               static_cast<long long>(frac < 0 ? -frac : frac));
  first_ = false;
}

void ChromeJsonWriter::flow(char phase, uint64_t track, int64_t tsNs, uint64_t id) {
  open(phase, track, tsNs);
  // A flow's end binds to the slice beginning there ("bp":"e"), its start to the enclosing slice.
  std::fprintf(out_, "%s,\"cat\":\"flow\",\"name\":\"ready\",\"id\":%llu}", phase == 'f' ? ",\"bp\":\"e\"" : "",
               static_cast<unsigned long long>(id));
}

void ChromeJsonWriter::track(const ExportTrack& track) {
  tracks_[track.uuid] = {track.session, track.name};
  if (track.counter) return;  // a counter is named by its "C" events
  const bool process = track.parentUuid == 0;
  std::fprintf(out_, "%s\n{\"ph\":\"M\",\"pid\":%lld,\"tid\":%llu,\"name\":\"%s\",\"args\":{\"name\":\"%s\"}}",
               first_ ? "" : ",", static_cast<long long>(track.session),
               static_cast<unsigned long long>(process ? 0 : track.uuid), process ? "process_name" : "thread_name",
               jsonEscaped(track.name).c_str());
  first_ = false;
}

void ChromeJsonWriter::sliceBegin(uint64_t track, int64_t tsNs, const std::string& name, uint64_t flowEndId) {
  open('B', track, tsNs);
  std::fprintf(out_, ",\"cat\":\"reactorscope\",\"name\":\"%s\"}", jsonEscaped(name).c_str());
  if (flowEndId) flow('f', track, tsNs, flowEndId);
}

void ChromeJsonWriter::sliceEnd(uint64_t track, int64_t tsNs) {
  open('E', track, tsNs);
  std::fputc('}', out_);
}

void ChromeJsonWriter::instant(uint64_t track, int64_t tsNs, const std::string& name, uint64_t flowStartId) {
  open('i', track, tsNs);
  std::fprintf(out_, ",\"s\":\"t\",\"cat\":\"reactorscope\",\"name\":\"%s\"}", jsonEscaped(name).c_str());
  if (flowStartId) flow('s', track, tsNs, flowStartId);
}

void ChromeJsonWriter::counter(uint64_t track, int64_t tsNs, int64_t value) {
  open('C', track, tsNs);
  const auto found = tracks_.find(track);
  std::fprintf(out_, ",\"name\":\"%s\",\"args\":{\"bytes\":%lld}}",
               found == tracks_.end() ? "" : jsonEscaped(found->second.name).c_str(), static_cast<long long>(value));
}

bool ChromeJsonWriter::finish(std::string* error) {
  std::fputs("\n]}\n", out_);
  if (std::fflush(out_) != 0 || std::ferror(out_)) {
    if (error) *error = std::string("writing failed: ") + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace rs::exporting
