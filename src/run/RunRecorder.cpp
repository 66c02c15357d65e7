#include "run/RunRecorder.h"

#include <cstdio>

#include "core/Clock.h"

namespace rs::run {

namespace {

// The recording's log levels (0 info, 1 warning, 2 error) by libevent's EVENT_LOG_* severity.
int levelOf(int severity) { return severity >= 3 ? 2 : severity == 2 ? 1 : 0; }

}  // namespace

RunRecorder::~RunRecorder() {
  if (writer_) close();
}

bool RunRecorder::open(const recording::RecordOptions& options, std::string* error) {
  auto writer = std::make_unique<recording::RecordingWriter>(recording::writerOptions(options));
  if (!writer->open(options.path, error)) return false;
  writer_ = std::move(writer);
  path_ = options.path;
  return true;
}

live::TraceSink* RunRecorder::forProcess() {
  if (!writer_) return nullptr;
  processes_.push_back(std::make_unique<ProcessRecorder>(*this));
  return processes_.back().get();
}

std::string RunRecorder::close() {
  if (!writer_) return "";
  const int64_t nowNs = monotonicNowNs();
  size_t bases = 0;
  for (auto& process : processes_) bases += process->endAll(nowNs);
  writer_->close();
  reportWriteErrorOnce();
  auto writer = std::move(writer_);
  if (writer->failed()) return "recording " + path_ + " stopped early: " + writer->error();
  return "recorded " + std::to_string(writer->committedRecords()) + " trace records (" +
         std::to_string(writer->dropped()) + " dropped by the writer) of " + std::to_string(bases) +
         " event base(s) to " + path_;
}

void RunRecorder::reportWriteErrorOnce() {
  if (writer_ && writer_->failed() && !errorReported_) {
    errorReported_ = true;
    std::fprintf(stderr, "reactorscope-run: --record %s: %s; the program goes on without recording\n",
                 path_.c_str(), writer_->error().c_str());
  }
}

size_t ProcessRecorder::endAll(int64_t nowNs) {
  for (auto& [id, b] : bases_)
    if (!b.ended) {
      b.ended = true;
      run_.writer_->endSession(b.tee->session(), nowNs);
    }
  return bases_.size();
}

void ProcessRecorder::hello(const live::Hello& h) { hello_ = h; }

void ProcessRecorder::baseCreated(uint64_t base, const std::string& method) {
  if (!run_.writer_ || bases_.count(base)) return;
  recording::SessionInfo info;
  info.kind = "run";
  info.name = hello_.processName + "[" + std::to_string(hello_.pid) + "] base " + std::to_string(base) + " (" +
              method + ")";
  info.pid = hello_.pid;
  info.startNs = hello_.startNs;
  info.settings = hello_.executable;
  const int64_t session = run_.writer_->addSession(std::move(info));
  lastSession_ = session;
  bases_[base].tee = std::make_unique<recording::SessionTee>(*run_.writer_, session);
}

ProcessRecorder::Base* ProcessRecorder::baseFor(uint64_t base) {
  if (!bases_.count(base)) baseCreated(base, "?");  // records of a base never announced: kept all the same
  const auto it = bases_.find(base);
  return it == bases_.end() ? nullptr : &it->second;
}

void ProcessRecorder::baseFreed(uint64_t base) {
  Base* b = baseFor(base);
  if (!b || b->ended) return;
  b->ended = true;
  run_.writer_->endSession(b->tee->session(), monotonicNowNs());
}

void ProcessRecorder::callback(const live::CallbackInfo& info) {
  Base* b = baseFor(info.base);
  if (!b) return;
  labels_.add(info);
  b->tee->redescribe(info.eventId, labels_.label(info.base, info.eventId), labels_.callback(info.base, info.eventId));
}

void ProcessRecorder::records(uint64_t base, const TraceRecord* records, size_t count) {
  Base* b = baseFor(base);
  if (!b) return;
  translated_.assign(records, records + count);  // (the text form, a sink beside this one, shows the process's tags)
  ownerTags_.translate(translated_.data(), count);
  b->tee->add(translated_.data(), count, [&](recording::EventInfo& event) { describe(base, event); });
  run_.reportWriteErrorOnce();
}

void ProcessRecorder::describe(uint64_t base, recording::EventInfo& event) const {
  event.label = labels_.label(base, event.eventId);
  event.callback = labels_.callback(base, event.eventId);
}

void ProcessRecorder::log(int severity, const std::string& text) { addLog(levelOf(severity), text); }

void ProcessRecorder::dropped(const live::DropCounts& counts) {
  addLog(1, "base " + std::to_string(counts.base) + ": the program dropped " + std::to_string(counts.ring) +
                " records (ring full) and " + std::to_string(counts.stream) + " (stream too slow)");
}

void ProcessRecorder::exited(const live::ProgramExit& x) {
  addLog(x.signaled || x.code != 0 ? 1 : 0, hello_.processName + " ended: " + live::exitText(x));
}

void ProcessRecorder::addLog(int level, std::string text) {
  if (run_.writer_ && lastSession_) run_.writer_->addLog(lastSession_, monotonicNowNs(), level, std::move(text));
}

}  // namespace rs::run
