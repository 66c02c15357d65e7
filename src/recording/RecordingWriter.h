// Writes a recording file (docs/recording-format.md) off every caller's thread:
// append() copies records into a bounded queue and returns; the writer's own
// thread drains the queue, cuts per-session blocks of blockRecords records (or
// whatever a session has after blockMaxAgeMs), encodes them (BlockCodec) and
// commits them in SQLite transactions (WAL, synchronous=NORMAL). A kill -9 leaves a
// file that opens with every committed block; close() checkpoints and leaves one
// self-contained file (journal_mode=DELETE).
//
// Thread contract:
//   - open(), close() and the destructor: the owner thread (the one that
//     constructed the writer), asserted.
//   - addSession, endSession, append, addEvent, addLog, addClientInterval,
//     addKeyframe, the counters, failed() and error(): any thread, concurrently.
//   - flush(): any thread except the writer's own (asserted).
//   - Only the writer's thread touches the database between open() and close().
//   Each rule is checked in every build (a thread-id compare); a violation prints
//   what was broken and aborts.
// Loss policy: records that do not fit in the queue (queueCapacityRecords), that go
// over the size cap without ring mode, that name an unknown session or have
// out-of-range enum fields, or that arrive after a write error are dropped and
// counted (dropped(), and sessions.dropped_records / meta.dropped_records in the
// file). Metadata (sessions, events, log lines, intervals, keyframes) is never
// dropped while the writer works.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/Trace.h"

namespace rs::recording {

struct WriterItem;
class WriterStore;

struct RecordingWriterOptions {
  size_t queueCapacityRecords = size_t{1} << 21;  // 80 MiB of queued records at most
  size_t blockRecords = 65536;                     // records per block (<= BlockCodec::kMaxRecordsPerBlock)
  int64_t blockMaxAgeMs = 500;                     // a partial block is committed after this long
  int64_t sizeCapBytes = 0;     // cap on the stored block bytes; 0 = none
  bool ringMode = false;        // at the cap: delete the oldest blocks (true) or drop new ones (false)
  int64_t keepLastNs = 0;       // time ring: keep a session's last keepLastNs of blocks, keyframes, log and
                                // intervals (by record time); older rows are deleted as new blocks arrive. 0 = all
  int64_t maxFileBytes = 0;     // hard file limit (SQLite max_page_count); hitting it is a write error
  bool overwrite = false;       // replace an existing file at the path
  int zstdLevel = 1;
};

// What a keyframe's state was built from (`keyframes.source`, format version 2):
// the session's records, or a resync from an engine snapshot taken at its time
// (the records before it missed some transitions; a replay crossing it takes the
// snapshot's states, as the live view did).
enum class KeyframeSource : uint8_t { Records = 0, Snapshot = 1 };

struct SessionInfo {
  std::string kind;      // "server", "client", "run", ...
  std::string name;
  int64_t pid = 0;
  int64_t startNs = 0;   // CLOCK_MONOTONIC, like the records
  std::string settings;  // free text (the options as given)
};

struct EventInfo {
  uint64_t eventId = 0;
  std::string label;
  EventKind kind = EventKind::Io;
  int32_t fd = -1;
  uint32_t owner = 0;
  std::string callback;
};

class RecordingWriter {
 public:
  explicit RecordingWriter(RecordingWriterOptions options = {});
  ~RecordingWriter();
  RecordingWriter(const RecordingWriter&) = delete;
  RecordingWriter& operator=(const RecordingWriter&) = delete;

  // Creates the file and starts the writer thread. False with *error naming the
  // path and the reason (exists, unwritable, ...).
  bool open(const std::string& path, std::string* error);
  // Commits everything queued, stops the thread, checkpoints and closes. Idempotent.
  void close();
  bool isOpen() const;  // between a successful open() and close()

  // A new session; returns its id (> 0), or 0 when the writer is not open.
  int64_t addSession(SessionInfo session);
  void endSession(int64_t session, int64_t endNs);
  // Queues copies of the records; returns how many were accepted (the rest are counted as dropped).
  size_t append(int64_t session, const TraceRecord* records, size_t count);
  void addEvent(int64_t session, EventInfo event);
  void addLog(int64_t session, int64_t tsNs, int level, std::string text);
  void addClientInterval(int64_t session, int64_t tsNs, std::string json);
  // A keyframe at tsNs (the same time again replaces it); `source` says what built it.
  void addKeyframe(int64_t session, int64_t tsNs, std::vector<uint8_t> state,
                   KeyframeSource source = KeyframeSource::Records);
  // Waits until everything queued before the call is committed (partial blocks
  // included) or the writer failed. Returns !failed().
  bool flush();

  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  uint64_t committedRecords() const { return committedRecords_.load(std::memory_order_relaxed); }
  uint64_t committedBlocks() const { return committedBlocks_.load(std::memory_order_relaxed); }
  int64_t storedBlockBytes() const { return storedBlockBytes_.load(std::memory_order_relaxed); }
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  std::string error() const;  // the first write error, empty while none

 private:
  void writerMain();
  void enqueue(WriterItem item);
  void countDropped(int64_t session, uint64_t count);
  void setFailed(const std::string& message);

  const RecordingWriterOptions options_;
  const std::thread::id ownerThread_;
  std::unique_ptr<WriterStore> store_;  // the database; the writer thread's between open and close
  std::thread thread_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;       // writer: work queued or stop requested
  std::condition_variable committed_;  // flush(): a cycle finished
  std::deque<WriterItem> queue_;
  size_t queuedRecords_ = 0;
  std::map<int64_t, uint64_t> droppedBySession_;
  uint64_t enqueuedSeq_ = 0, committedSeq_ = 0;
  bool stopping_ = false;
  bool accepting_ = false;  // open and not closing: append/add* queue work
  std::atomic<std::thread::id> writerThread_{};
  std::string error_;

  std::atomic<int64_t> nextSessionId_{1};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> committedRecords_{0};
  std::atomic<uint64_t> committedBlocks_{0};
  std::atomic<int64_t> storedBlockBytes_{0};
  std::atomic<bool> failed_{false};
};

}  // namespace rs::recording
