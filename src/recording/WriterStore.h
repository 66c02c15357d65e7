// The recording writer's database side (RecordingWriter's private helper): the
// file's creation, per-session pending blocks, block sealing (encode, size cap /
// ring mode), metadata rows and the per-cycle transaction. Used by one thread at a
// time: the owner for create() and finish(), the writer thread in between (adopt();
// checked in every build).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "BlockCodec.h"
#include "RecordingWriter.h"
#include "SqliteDb.h"

namespace rs::recording {

// The thread contract's checks: always on (a thread-id compare), fatal when broken.
void checkContract(bool holds, const char* what);

// One unit of work in the writer's queue.
struct WriterItem {
  enum class Kind { Records, SessionStart, SessionEnd, Event, Log, Interval, Keyframe, Flush };
  explicit WriterItem(Kind k) : kind(k) {}
  Kind kind;
  int64_t session = 0;
  int64_t tsNs = 0;
  int64_t number = 0;  // log level, keyframe source
  std::string text;    // log text, interval json
  std::vector<TraceRecord> records;
  std::vector<uint8_t> bytes;  // keyframe state
  SessionInfo sessionInfo;
  EventInfo event;
};

using SteadyClock = std::chrono::steady_clock;
// Counts records that will not reach the file (session, count).
using DropCounter = std::function<void(int64_t, uint64_t)>;

class WriterStore {
 public:
  struct Pending {
    std::vector<TraceRecord> records;
    SteadyClock::time_point firstAt{};
    uint64_t recordCount = 0, droppedRecords = 0;
    int64_t maxBlockSpanNs = 0;
    bool dirty = false;
  };

  WriterStore(const RecordingWriterOptions& options, DropCounter countDropped)
      : options_(options), countDropped_(std::move(countDropped)), codec_(options.zstdLevel) {}

  bool create(const std::string& path, std::string* error);

  // The thread that may use the database from now on (the writer's, then the owner's for finish()).
  void adopt() { user_ = std::this_thread::get_id(); }
  void assertUser() const { checkContract(std::this_thread::get_id() == user_, "database used off the writer thread"); }

  // Writer thread: one cycle's items, then the blocks that are due, then COMMIT.
  void apply(WriterItem& item);

  // Seals the pending blocks that are full (done in addRecords), aged, or all when forced.
  void sealDue(bool all) {
    assertUser();
    const auto now = SteadyClock::now();
    for (auto& [session, pending] : sessions_) {
      if (pending.records.empty()) continue;
      if (all || now - pending.firstAt >= std::chrono::milliseconds(options_.blockMaxAgeMs)) seal(session, pending);
    }
  }

  // When the oldest partial block is due (SteadyClock::time_point::max() when none).
  SteadyClock::time_point nextDeadline() const {
    auto next = SteadyClock::time_point::max();
    for (const auto& [session, pending] : sessions_)
      if (!pending.records.empty())
        next = std::min(next, pending.firstAt + std::chrono::milliseconds(options_.blockMaxAgeMs));
    return next;
  }

  // Writes the per-session counts and commits. Returns the records and blocks committed.
  bool commit(const std::map<int64_t, uint64_t>& droppedBySession, uint64_t droppedTotal);

  // Owner thread after the writer thread ended: final counts, checkpoint, one file.
  void finish(const std::map<int64_t, uint64_t>& droppedBySession, uint64_t droppedTotal);

  uint64_t takeCommittedRecords() { return std::exchange(uncommittedRecords_, 0); }
  uint64_t takeCommittedBlocks() { return std::exchange(uncommittedBlocks_, 0); }
  int64_t storedBlockBytes() const { return storedBlockBytes_; }
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  // Records that will never reach the file (pending when the writer failed).
  uint64_t discardPending() {
    uint64_t n = 0;
    for (auto& [session, pending] : sessions_) n += std::exchange(pending.records, {}).size();
    return n;
  }

 private:
  void addRecords(int64_t session, const std::vector<TraceRecord>& records);

  void seal(int64_t session, Pending& pending);

  // Ring mode: deletes the oldest blocks until `bytes` more fit under the cap.
  bool makeRoom(int64_t bytes);
  // Time ring (keepLastNs): deletes what of `session` is older than newestNs - keepLastNs.
  void forgetBefore(int64_t session, Pending& pending, int64_t newestNs);

  bool writeMeta(std::string* why);

  bool prepareAll(std::string* why);

  void finalizeStatements() {
    for (Statement* s : {&insertSession_, &endSession_, &updateSession_, &insertEvent_, &insertLog_, &insertInterval_,
                         &insertKeyframe_, &insertBlock_, &oldestBlock_, &deleteBlock_, &setMeta_, &staleBlocks_,
                         &forgetRows_})
      s->finalize();
  }

  // Binds integers first, then texts, in parameter order, and runs the statement.
  void write(Statement& s, std::initializer_list<int64_t> numbers, std::initializer_list<std::string_view> texts) {
    if (failed() || !ensureTransaction()) return;
    int index = 1;
    for (int64_t n : numbers) s.bind(index++, n);
    for (std::string_view t : texts) s.bind(index++, t);
    check(s.run(&error_));
  }

  bool ensureTransaction() {
    if (!inTransaction_ && !failed()) inTransaction_ = check(db_.exec("BEGIN", &error_));
    return inTransaction_;
  }
  bool check(bool ok) {
    if (!ok && error_.empty()) error_ = "write error";
    return ok;
  }

  const RecordingWriterOptions& options_;
  DropCounter countDropped_;
  Db db_;
  BlockCodec codec_;
  std::vector<uint8_t> encoded_;
  std::map<int64_t, Pending> sessions_;
  Statement insertSession_, endSession_, updateSession_, insertEvent_, insertLog_, insertInterval_, insertKeyframe_,
      insertBlock_, oldestBlock_, deleteBlock_, setMeta_, staleBlocks_, forgetRows_;
  bool inTransaction_ = false;
  int64_t storedBlockBytes_ = 0;
  uint64_t uncommittedRecords_ = 0, uncommittedBlocks_ = 0;
  std::string error_;
  std::thread::id user_ = std::this_thread::get_id();
};

}  // namespace rs::recording
