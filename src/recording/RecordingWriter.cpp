#include "RecordingWriter.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <utility>

#include "BlockCodec.h"
#include "RecordingSchema.h"
#include "SqliteDb.h"

namespace rs::recording {

using Clock = std::chrono::steady_clock;

namespace {
// The thread contract's checks: always on (a thread-id compare), fatal when broken.
void checkContract(bool holds, const char* what) {
  if (holds) return;
  std::fprintf(stderr, "RecordingWriter: thread contract broken: %s\n", what);
  std::abort();
}
}  // namespace

struct RecordingWriter::Item {
  enum class Kind { Records, SessionStart, SessionEnd, Event, Log, Interval, Keyframe, Flush };
  explicit Item(Kind k) : kind(k) {}
  Kind kind;
  int64_t session = 0;
  int64_t tsNs = 0;
  int64_t number = 0;  // log level
  std::string text;    // log text, interval json
  std::vector<TraceRecord> records;
  std::vector<uint8_t> bytes;  // keyframe state
  SessionInfo sessionInfo;
  EventInfo event;
};

// The database side: statements, per-session pending blocks and counts. Used by
// open()/close() on the owner thread and by the writer thread in between.
class RecordingWriter::Store {
 public:
  struct Pending {
    std::vector<TraceRecord> records;
    Clock::time_point firstAt{};
    uint64_t recordCount = 0, droppedRecords = 0;
    int64_t maxBlockSpanNs = 0;
    bool dirty = false;
  };

  Store(const RecordingWriterOptions& options) : options_(options), codec_(options.zstdLevel) {}

  bool create(const std::string& path, std::string* error) {
    std::string why;
    const bool ok = db_.open(path, Db::Mode::CreateNew, &why) &&
                    db_.exec("PRAGMA page_size=65536; PRAGMA application_id=" +
                                 std::to_string(RecordingSchema::kApplicationId) +
                                 "; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                             &why) &&
                    (options_.maxFileBytes <= 0 ||
                     db_.exec("PRAGMA max_page_count=" + std::to_string(std::max<int64_t>(1, options_.maxFileBytes / 65536)),
                              &why)) &&
                    db_.exec("BEGIN", &why) && db_.exec(RecordingSchema::createSql(), &why) && writeMeta(&why) &&
                    db_.exec("COMMIT", &why) && prepareAll(&why);
    if (!ok && error) *error = "cannot create recording '" + path + "': " + why;
    return ok;
  }

  // The thread that may use the database from now on (the writer's, then the owner's for finish()).
  void adopt() { user_ = std::this_thread::get_id(); }
  void assertUser() const { checkContract(std::this_thread::get_id() == user_, "database used off the writer thread"); }

  // Writer thread: one cycle's items, then the blocks that are due, then COMMIT.
  void apply(Item& item, RecordingWriter& writer) {
    assertUser();
    switch (item.kind) {
      case Item::Kind::Records: addRecords(item.session, item.records, writer); break;
      case Item::Kind::SessionStart: {
        write(insertSession_, {item.session, item.sessionInfo.pid, item.sessionInfo.startNs},
              {item.sessionInfo.kind, item.sessionInfo.name, item.sessionInfo.settings});
        sessions_[item.session];
        break;
      }
      case Item::Kind::SessionEnd: write(endSession_, {item.tsNs, item.session}, {}); break;
      case Item::Kind::Event:
        write(insertEvent_,
              {item.session, static_cast<int64_t>(item.event.eventId), static_cast<int64_t>(item.event.kind),
               item.event.fd, int64_t{item.event.owner}},
              {item.event.label, item.event.callback});
        break;
      case Item::Kind::Log: write(insertLog_, {item.session, item.tsNs, item.number}, {item.text}); break;
      case Item::Kind::Interval: write(insertInterval_, {item.session, item.tsNs}, {item.text}); break;
      case Item::Kind::Keyframe:
        if (!ensureTransaction()) return;
        insertKeyframe_.bind(1, item.session);
        insertKeyframe_.bind(2, item.tsNs);
        insertKeyframe_.bindBlob(3, item.bytes.data(), item.bytes.size());
        check(insertKeyframe_.run(&error_));
        break;
      case Item::Kind::Flush: break;
    }
  }

  // Seals the pending blocks that are full (done in addRecords), aged, or all when forced.
  void sealDue(bool all, RecordingWriter& writer) {
    assertUser();
    const auto now = Clock::now();
    for (auto& [session, pending] : sessions_) {
      if (pending.records.empty()) continue;
      if (all || now - pending.firstAt >= std::chrono::milliseconds(options_.blockMaxAgeMs))
        seal(session, pending, writer);
    }
  }

  // When the oldest partial block is due (Clock::time_point::max() when none).
  Clock::time_point nextDeadline() const {
    auto next = Clock::time_point::max();
    for (const auto& [session, pending] : sessions_)
      if (!pending.records.empty())
        next = std::min(next, pending.firstAt + std::chrono::milliseconds(options_.blockMaxAgeMs));
    return next;
  }

  // Writes the per-session counts and commits. Returns the records and blocks committed.
  bool commit(const std::map<int64_t, uint64_t>& droppedBySession, uint64_t droppedTotal) {
    assertUser();
    if (!inTransaction_ || failed()) return !failed();
    for (auto& [session, pending] : sessions_) {
      const auto dropped = droppedBySession.find(session);
      const uint64_t droppedNow = dropped == droppedBySession.end() ? 0 : dropped->second;
      if (!pending.dirty && droppedNow == pending.droppedRecords) continue;
      pending.droppedRecords = droppedNow;
      write(updateSession_,
            {static_cast<int64_t>(pending.recordCount), static_cast<int64_t>(droppedNow), pending.maxBlockSpanNs,
             session},
            {});
      pending.dirty = false;
    }
    write(setMeta_, {}, {"dropped_records", std::to_string(droppedTotal)});
    if (!failed()) check(db_.exec("COMMIT", &error_));
    if (failed()) {
      db_.exec("ROLLBACK", nullptr);
      inTransaction_ = false;
      return false;
    }
    inTransaction_ = false;
    return true;
  }

  // Owner thread after the writer thread ended: final counts, checkpoint, one file.
  void finish(const std::map<int64_t, uint64_t>& droppedBySession, uint64_t droppedTotal) {
    adopt();
    if (!failed()) {
      for (auto& [session, pending] : sessions_) pending.dirty = true;
      ensureTransaction();
      commit(droppedBySession, droppedTotal);
    }
    finalizeStatements();
    db_.exec("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;", nullptr);
    db_.close();
  }

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
  void addRecords(int64_t session, const std::vector<TraceRecord>& records, RecordingWriter& writer) {
    const auto found = sessions_.find(session);
    if (found == sessions_.end()) {
      writer.countDropped(session, records.size());
      return;
    }
    Pending& pending = found->second;
    uint64_t invalid = 0;
    for (const TraceRecord& r : records) {
      if (!BlockCodec::isEncodable(r)) {
        ++invalid;
        continue;
      }
      if (pending.records.empty()) pending.firstAt = Clock::now();
      pending.records.push_back(r);
      if (pending.records.size() >= options_.blockRecords) seal(session, pending, writer);
    }
    if (invalid) writer.countDropped(session, invalid);
  }

  void seal(int64_t session, Pending& pending, RecordingWriter& writer) {
    if (failed() || !ensureTransaction()) return;
    const auto [minIt, maxIt] = std::minmax_element(
        pending.records.begin(), pending.records.end(),
        [](const TraceRecord& a, const TraceRecord& b) { return a.tsNs < b.tsNs; });
    const int64_t firstTs = minIt->tsNs, lastTs = maxIt->tsNs;
    const auto count = pending.records.size();
    const bool encoded = codec_.encode(pending.records.data(), count, encoded_);
    pending.records.clear();
    if (!encoded) {  // addRecords() lets only encodable records in, at most blockRecords
      error_ = "a block could not be encoded";
      return;
    }
    const auto bytes = static_cast<int64_t>(encoded_.size());
    if (options_.sizeCapBytes > 0 && storedBlockBytes_ + bytes > options_.sizeCapBytes &&
        !(options_.ringMode && makeRoom(bytes))) {
      writer.countDropped(session, count);
      return;
    }
    insertBlock_.bind(1, session);
    insertBlock_.bind(2, firstTs);
    insertBlock_.bind(3, lastTs);
    insertBlock_.bind(4, static_cast<int64_t>(count));
    insertBlock_.bind(5, int64_t{BlockCodec::kCodecId});
    insertBlock_.bindBlob(6, encoded_.data(), encoded_.size());
    if (!check(insertBlock_.run(&error_))) return;
    storedBlockBytes_ += bytes;
    pending.recordCount += count;
    // Span arithmetic in unsigned: hostile clocks must not overflow.
    pending.maxBlockSpanNs = std::max(
        pending.maxBlockSpanNs,
        static_cast<int64_t>(std::min<uint64_t>(static_cast<uint64_t>(lastTs) - static_cast<uint64_t>(firstTs),
                                                INT64_MAX)));
    pending.dirty = true;
    uncommittedRecords_ += count;
    ++uncommittedBlocks_;
  }

  // Ring mode: deletes the oldest blocks until `bytes` more fit under the cap.
  bool makeRoom(int64_t bytes) {
    while (storedBlockBytes_ + bytes > options_.sizeCapBytes) {
      oldestBlock_.reset();
      if (!oldestBlock_.step()) {  // no block left to delete, or a read error
        if (!oldestBlock_.ok()) error_ = oldestBlock_.error();
        oldestBlock_.reset();
        return false;
      }
      const int64_t id = oldestBlock_.int64(0), session = oldestBlock_.int64(1), count = oldestBlock_.int64(2),
                    size = oldestBlock_.int64(3);
      oldestBlock_.reset();
      deleteBlock_.bind(1, id);
      if (!check(deleteBlock_.run(&error_))) return false;
      storedBlockBytes_ -= size;
      auto& owner = sessions_[session];
      owner.recordCount -= std::min<uint64_t>(owner.recordCount, static_cast<uint64_t>(count));
      owner.dirty = true;
    }
    return true;
  }

  bool writeMeta(std::string* why) {
    char created[32];
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &utc);
    Statement meta;
    if (!meta.prepare(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", why)) return false;
    const std::pair<const char*, std::string> rows[] = {
        {"format_version", std::to_string(RecordingSchema::kFormatVersion)},
        {"app_version", std::string(RecordingSchema::appVersion())},
        {"engine_version", std::string(RecordingSchema::appVersion())},
        {"created_utc", created},
        {"block_codec", std::to_string(BlockCodec::kCodecId)},
        {"size_cap_bytes", std::to_string(options_.sizeCapBytes)},
        {"ring_mode", options_.ringMode ? "1" : "0"},
        {"dropped_records", "0"},
    };
    for (const auto& [key, value] : rows) {
      meta.bind(1, key);
      meta.bind(2, value);
      if (!meta.run(why)) return false;
    }
    return true;
  }

  bool prepareAll(std::string* why) {
    return insertSession_.prepare(db_,
                                  "INSERT INTO sessions (id, pid, start_ns, kind, name, settings) "
                                  "VALUES (?, ?, ?, ?, ?, ?)",
                                  why) &&
           endSession_.prepare(db_, "UPDATE sessions SET end_ns = ? WHERE id = ?", why) &&
           updateSession_.prepare(db_,
                                  "UPDATE sessions SET record_count = ?, dropped_records = ?, "
                                  "max_block_span_ns = ? WHERE id = ?",
                                  why) &&
           insertEvent_.prepare(db_,
                                "INSERT OR REPLACE INTO events (session, event_id, kind, fd, owner, label, callback) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                                why) &&
           insertLog_.prepare(db_, "INSERT INTO log (session, ts, level, text) VALUES (?, ?, ?, ?)", why) &&
           insertInterval_.prepare(db_, "INSERT INTO client_intervals (session, ts, json) VALUES (?, ?, ?)", why) &&
           insertKeyframe_.prepare(db_, "INSERT OR REPLACE INTO keyframes (session, ts, data) VALUES (?, ?, ?)",
                                   why) &&
           insertBlock_.prepare(db_,
                                "INSERT INTO blocks (session, first_ts, last_ts, record_count, codec, data) "
                                "VALUES (?, ?, ?, ?, ?, ?)",
                                why) &&
           oldestBlock_.prepare(db_, "SELECT id, session, record_count, length(data) FROM blocks ORDER BY id LIMIT 1",
                                why) &&
           deleteBlock_.prepare(db_, "DELETE FROM blocks WHERE id = ?", why) &&
           setMeta_.prepare(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", why);
  }

  void finalizeStatements() {
    for (Statement* s : {&insertSession_, &endSession_, &updateSession_, &insertEvent_, &insertLog_,
                         &insertInterval_, &insertKeyframe_, &insertBlock_, &oldestBlock_, &deleteBlock_, &setMeta_})
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
  Db db_;
  BlockCodec codec_;
  std::vector<uint8_t> encoded_;
  std::map<int64_t, Pending> sessions_;
  Statement insertSession_, endSession_, updateSession_, insertEvent_, insertLog_, insertInterval_,
      insertKeyframe_, insertBlock_, oldestBlock_, deleteBlock_, setMeta_;
  bool inTransaction_ = false;
  int64_t storedBlockBytes_ = 0;
  uint64_t uncommittedRecords_ = 0, uncommittedBlocks_ = 0;
  std::string error_;
  std::thread::id user_ = std::this_thread::get_id();
};

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
  store_ = std::make_unique<Store>(options_);
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
  std::deque<Item> batch;
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
    for (Item& item : batch) {
      if (item.kind == Item::Kind::Flush) sealAll = true;
      if (store_->failed()) {
        if (item.kind == Item::Kind::Records) countDropped(item.session, item.records.size());
        continue;
      }
      store_->apply(item, *this);
    }
    batch.clear();
    store_->sealDue(sealAll, *this);
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

void RecordingWriter::enqueue(Item item) {
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
  Item item{Item::Kind::SessionStart};
  item.session = id;
  item.sessionInfo = std::move(session);
  enqueue(std::move(item));
  return id;
}

void RecordingWriter::endSession(int64_t session, int64_t endNs) {
  Item item{Item::Kind::SessionEnd};
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
        Item item{Item::Kind::Records};
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
  Item item{Item::Kind::Event};
  item.session = session;
  item.event = std::move(event);
  enqueue(std::move(item));
}

void RecordingWriter::addLog(int64_t session, int64_t tsNs, int level, std::string text) {
  Item item{Item::Kind::Log};
  item.session = session;
  item.tsNs = tsNs;
  item.number = level;
  item.text = std::move(text);
  enqueue(std::move(item));
}

void RecordingWriter::addClientInterval(int64_t session, int64_t tsNs, std::string json) {
  Item item{Item::Kind::Interval};
  item.session = session;
  item.tsNs = tsNs;
  item.text = std::move(json);
  enqueue(std::move(item));
}

void RecordingWriter::addKeyframe(int64_t session, int64_t tsNs, std::vector<uint8_t> state) {
  Item item{Item::Kind::Keyframe};
  item.session = session;
  item.tsNs = tsNs;
  item.bytes = std::move(state);
  enqueue(std::move(item));
}

bool RecordingWriter::flush() {
  checkContract(std::this_thread::get_id() != writerThread_.load(), "flush() on the writer thread");
  std::unique_lock lock(mutex_);
  if (!accepting_) return !failed();
  queue_.push_back(Item(Item::Kind::Flush));
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
