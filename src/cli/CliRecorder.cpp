#include "CliRecorder.h"

#include <chrono>
#include <cstdio>

#include "core/EventBase.h"

namespace rs::cli {

namespace {
constexpr size_t kDrainBatch = size_t{1} << 16;
constexpr auto kIdleSleep = std::chrono::milliseconds(5);
}  // namespace

CliRecorder::~CliRecorder() {
  if (active()) finish();
}

bool CliRecorder::start(EventBase& base, const recording::RecordOptions& options, recording::SessionInfo session,
                        std::string* error) {
  auto writer = std::make_unique<recording::RecordingWriter>(recording::writerOptions(options));
  if (!writer->open(options.path, error)) return false;
  const int64_t id = writer->addSession(std::move(session));
  writer_ = std::move(writer);
  tee_ = std::make_unique<recording::SessionTee>(*writer_, id);
  path_ = options.path;
  base_ = &base;
  buffer_.resize(kDrainBatch);
  base.tracer().setEnabled(true);
  drainer_ = std::thread([this] { drainMain(); });
  return true;
}

void CliRecorder::log(int level, std::string text) {
  if (writer_) writer_->addLog(tee_->session(), monotonicNowNs(), level, std::move(text));
}

void CliRecorder::interval(int64_t tsNs, std::string json) {
  if (writer_) writer_->addClientInterval(tee_->session(), tsNs, std::move(json));
}

void CliRecorder::drainMain() {
  while (!stop_.load(std::memory_order_acquire)) {
    if (drainOnce() == 0) std::this_thread::sleep_for(kIdleSleep);
    reportWriteErrorOnce();
  }
}

size_t CliRecorder::drainOnce() {
  Tracer& tracer = base_->tracer();
  const size_t n = tracer.drain(buffer_.data(), buffer_.size());
  tee_->add(buffer_.data(), n, [&tracer](recording::EventInfo& event) {
    if (const auto known = tracer.info(event.eventId)) event.label = known->label;
  });
  return n;
}

void CliRecorder::reportWriteErrorOnce() {
  if (writer_->failed() && !errorReported_.exchange(true))
    std::fprintf(stderr, "reactorscope-cli: --record %s: %s; the run goes on without recording\n", path_.c_str(),
                 writer_->error().c_str());
}

std::string CliRecorder::finish() {
  if (!writer_) return "";
  stop_.store(true, std::memory_order_release);
  drainer_.join();
  while (drainOnce() > 0) {
  }
  const uint64_t ringDropped = base_->tracer().dropped();
  if (ringDropped)
    writer_->addLog(tee_->session(), monotonicNowNs(), 1,
                    "the trace ring dropped " + std::to_string(ringDropped) + " records (the drain fell behind)");
  writer_->endSession(tee_->session(), monotonicNowNs());
  writer_->close();
  reportWriteErrorOnce();
  base_->tracer().setEnabled(false);
  auto writer = std::move(writer_);
  if (writer->failed()) return "recording " + path_ + " stopped early: " + writer->error();
  return "recorded " + std::to_string(writer->committedRecords()) + " trace records (" +
         std::to_string(writer->dropped() + ringDropped) + " dropped) in " +
         std::to_string(writer->committedBlocks()) + " blocks, " + std::to_string(writer->storedBlockBytes()) +
         " B, to " + path_;
}

}  // namespace rs::cli
