#include "RecordingWriter.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <utility>

#include "WriterStore.h"

namespace rs::recording {

using Clock = SteadyClock;

RecordingWriter::RecordingWriter(RecordingWriterOptions options)
    : options_(options), ownerThread_(std::this_thread::get_id()) {
  checkContract(options_.blockRecords > 0 && options_.blockRecords <= BlockCodec::kMaxRecordsPerBlock,
                "blockRecords must be 1..BlockCodec::kMaxRecordsPerBlock");
}

RecordingWriter::~RecordingWriter() { close(); }

bool RecordingWriter::open(const std::string& path, std::string* error) {
  checkContract(std::this_thread::get_id() == ownerThread_, "open/close off the owner thread");
  if (thread_.joinable()) {
    if (error) *error = "the writer already has a recording open";
    return false;
  }
  if (access(path.c_str(), F_OK) == 0) {
    if (!options_.overwrite) {
      if (error) *error = "cannot create recording '" + path + "': the file exists";
      return false;
    }
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::remove((path + suffix).c_str());
  }
  store_ = std::make_unique<WriterStore>(
      options_, [this](int64_t session, uint64_t count) { countDropped(session, count); });
  if (!store_->create(path, error)) {
    store_.reset();
    return false;
  }
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
    accepting_ = true;
  }
  thread_ = std::thread([this] { writerMain(); });
  return true;
}

void RecordingWriter::close() {
  checkContract(std::this_thread::get_id() == ownerThread_, "open/close off the owner thread");
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    accepting_ = false;
  }
  wake_.notify_one();
  thread_.join();
  std::lock_guard lock(mutex_);
  store_->finish(droppedBySession_, dropped());
  store_.reset();
}

bool RecordingWriter::isOpen() const {
  std::lock_guard lock(mutex_);
  return accepting_;
}

void RecordingWriter::writerMain() {
  writerThread_.store(std::this_thread::get_id());
  store_->adopt();
  std::deque<WriterItem> batch;
  for (;;) {
    uint64_t seq = 0;
    bool stop = false;
    std::map<int64_t, uint64_t> droppedBySession;
    {
      std::unique_lock lock(mutex_);
      const auto due = [this] { return !queue_.empty() || stopping_; };
      const auto deadline = store_->nextDeadline();
      if (deadline == Clock::time_point::max())
        wake_.wait(lock, due);
      else
        wake_.wait_until(lock, deadline, due);
      batch.swap(queue_);
      queuedRecords_ = 0;
      seq = enqueuedSeq_;
      stop = stopping_;
      droppedBySession = droppedBySession_;
    }
    bool sealAll = stop;
    for (WriterItem& item : batch) {
      if (item.kind == WriterItem::Kind::Flush) sealAll = true;
      if (store_->failed()) {
        if (item.kind == WriterItem::Kind::Records) countDropped(item.session, item.records.size());
        continue;
      }
      store_->apply(item);
    }
    batch.clear();
    store_->sealDue(sealAll);
    if (store_->commit(droppedBySession, dropped())) {
      committedRecords_.fetch_add(store_->takeCommittedRecords(), std::memory_order_relaxed);
      committedBlocks_.fetch_add(store_->takeCommittedBlocks(), std::memory_order_relaxed);
      storedBlockBytes_.store(store_->storedBlockBytes(), std::memory_order_relaxed);
    } else {
      setFailed(store_->error());
      countDropped(0, store_->discardPending() + store_->takeCommittedRecords());
    }
    {
      std::lock_guard lock(mutex_);
      committedSeq_ = seq;
    }
    committed_.notify_all();
    if (stop) return;
  }
}

void RecordingWriter::enqueue(WriterItem item) {
  bool wasEmpty = false;
  {
    std::lock_guard lock(mutex_);
    if (!accepting_) return;
    wasEmpty = queue_.empty();
    queue_.push_back(std::move(item));
    ++enqueuedSeq_;
  }
  if (wasEmpty) wake_.notify_one();
}

int64_t RecordingWriter::addSession(SessionInfo session) {
  if (!isOpen()) return 0;
  const int64_t id = nextSessionId_.fetch_add(1);
  WriterItem item{WriterItem::Kind::SessionStart};
  item.session = id;
  item.sessionInfo = std::move(session);
  enqueue(std::move(item));
  return id;
}

void RecordingWriter::endSession(int64_t session, int64_t endNs) {
  WriterItem item{WriterItem::Kind::SessionEnd};
  item.session = session;
  item.tsNs = endNs;
  enqueue(std::move(item));
}

size_t RecordingWriter::append(int64_t session, const TraceRecord* records, size_t count) {
  if (count == 0) return 0;
  size_t accepted = 0;
  bool wasEmpty = false;
  {
    std::lock_guard lock(mutex_);
    if (accepting_ && !failed()) {
      accepted = std::min(count, options_.queueCapacityRecords - queuedRecords_);
      if (accepted > 0) {
        WriterItem item{WriterItem::Kind::Records};
        item.session = session;
        item.records.assign(records, records + accepted);
        wasEmpty = queue_.empty();
        queue_.push_back(std::move(item));
        queuedRecords_ += accepted;
        ++enqueuedSeq_;
      }
    }
    if (accepted < count) {
      droppedBySession_[session] += count - accepted;
      dropped_.fetch_add(count - accepted, std::memory_order_relaxed);
    }
  }
  if (wasEmpty) wake_.notify_one();
  return accepted;
}

void RecordingWriter::addEvent(int64_t session, EventInfo event) {
  WriterItem item{WriterItem::Kind::Event};
  item.session = session;
  item.event = std::move(event);
  enqueue(std::move(item));
}

void RecordingWriter::addLog(int64_t session, int64_t tsNs, int level, std::string text) {
  WriterItem item{WriterItem::Kind::Log};
  item.session = session;
  item.tsNs = tsNs;
  item.number = level;
  item.text = std::move(text);
  enqueue(std::move(item));
}

void RecordingWriter::addClientInterval(int64_t session, int64_t tsNs, std::string json) {
  WriterItem item{WriterItem::Kind::Interval};
  item.session = session;
  item.tsNs = tsNs;
  item.text = std::move(json);
  enqueue(std::move(item));
}

void RecordingWriter::addKeyframe(int64_t session, int64_t tsNs, std::vector<uint8_t> state,
                                  KeyframeSource source) {
  WriterItem item{WriterItem::Kind::Keyframe};
  item.session = session;
  item.tsNs = tsNs;
  item.number = static_cast<int64_t>(source);
  item.bytes = std::move(state);
  enqueue(std::move(item));
}

bool RecordingWriter::flush() {
  checkContract(std::this_thread::get_id() != writerThread_.load(), "flush() on the writer thread");
  std::unique_lock lock(mutex_);
  if (!accepting_) return !failed();
  queue_.push_back(WriterItem(WriterItem::Kind::Flush));
  const uint64_t seq = ++enqueuedSeq_;
  wake_.notify_one();
  committed_.wait(lock, [&] { return committedSeq_ >= seq || failed(); });
  return !failed();
}

void RecordingWriter::countDropped(int64_t session, uint64_t count) {
  if (count == 0) return;
  std::lock_guard lock(mutex_);
  droppedBySession_[session] += count;
  dropped_.fetch_add(count, std::memory_order_relaxed);
}

void RecordingWriter::setFailed(const std::string& message) {
  std::lock_guard lock(mutex_);
  if (error_.empty()) error_ = "writing the recording failed: " + message;
  failed_.store(true, std::memory_order_release);
}

std::string RecordingWriter::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

}  // namespace rs::recording
