#include "WriterStore.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <utility>

#include "RecordingSchema.h"

namespace rs::recording {

void checkContract(bool holds, const char* what) {
  if (holds) return;
  std::fprintf(stderr, "RecordingWriter: thread contract broken: %s\n", what);
  std::abort();
}

bool WriterStore::create(const std::string& path, std::string* error) {
  std::string why;
  const bool ok =
      db_.open(path, Db::Mode::CreateNew, &why) &&
      db_.exec("PRAGMA page_size=65536; PRAGMA application_id=" + std::to_string(RecordingSchema::kApplicationId) +
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

bool WriterStore::writeMeta(std::string* why) {
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

bool WriterStore::prepareAll(std::string* why) {
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
         insertKeyframe_.prepare(db_, "INSERT OR REPLACE INTO keyframes (session, ts, data, source) VALUES (?, ?, ?, ?)", why) &&
         insertBlock_.prepare(db_,
                              "INSERT INTO blocks (session, first_ts, last_ts, record_count, codec, data) "
                              "VALUES (?, ?, ?, ?, ?, ?)",
                              why) &&
         oldestBlock_.prepare(db_, "SELECT id, session, record_count, length(data) FROM blocks ORDER BY id LIMIT 1",
                              why) &&
         deleteBlock_.prepare(db_, "DELETE FROM blocks WHERE id = ?", why) &&
         setMeta_.prepare(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", why) &&
         staleBlocks_.prepare(db_,
                              "SELECT coalesce(sum(record_count), 0), coalesce(sum(length(data)), 0) FROM blocks "
                              "WHERE session = ?1 AND last_ts < ?2",
                              why) &&
         forgetRows_.prepare(db_,
                             "DELETE FROM blocks WHERE session = ?1 AND last_ts < ?2", why);
}

void WriterStore::seal(int64_t session, Pending& pending) {
  if (failed() || !ensureTransaction()) return;
  const auto [minIt, maxIt] =
      std::minmax_element(pending.records.begin(), pending.records.end(),
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
    countDropped_(session, count);
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
  pending.maxBlockSpanNs =
      std::max(pending.maxBlockSpanNs, static_cast<int64_t>(std::min<uint64_t>(
                                           static_cast<uint64_t>(lastTs) - static_cast<uint64_t>(firstTs), INT64_MAX)));
  pending.dirty = true;
  uncommittedRecords_ += count;
  ++uncommittedBlocks_;
  if (options_.keepLastNs > 0) forgetBefore(session, pending, lastTs);
}

void WriterStore::forgetBefore(int64_t session, Pending& pending, int64_t newestNs) {
  if (newestNs < INT64_MIN + options_.keepLastNs) return;  // nothing can be older
  const int64_t cutoffNs = newestNs - options_.keepLastNs;
  staleBlocks_.reset();
  staleBlocks_.bind(1, session);
  staleBlocks_.bind(2, cutoffNs);
  if (!staleBlocks_.step()) {
    if (!staleBlocks_.ok()) error_ = staleBlocks_.error();
    staleBlocks_.reset();
    return;
  }
  const int64_t records = staleBlocks_.int64(0), bytes = staleBlocks_.int64(1);
  staleBlocks_.reset();
  if (records == 0) return;
  for (const char* table : {"keyframes", "log", "client_intervals"})
    if (!check(db_.exec(std::string("DELETE FROM ") + table + " WHERE session = " + std::to_string(session) +
                            " AND ts < " + std::to_string(cutoffNs),
                        &error_)))
      return;
  write(forgetRows_, {session, cutoffNs}, {});
  storedBlockBytes_ -= bytes;
  pending.recordCount -= std::min<uint64_t>(pending.recordCount, static_cast<uint64_t>(records));
}

bool WriterStore::makeRoom(int64_t bytes) {
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

void WriterStore::addRecords(int64_t session, const std::vector<TraceRecord>& records) {
  const auto found = sessions_.find(session);
  if (found == sessions_.end()) {
    countDropped_(session, records.size());
    return;
  }
  Pending& pending = found->second;
  uint64_t invalid = 0;
  for (const TraceRecord& r : records) {
    if (!BlockCodec::isEncodable(r)) {
      ++invalid;
      continue;
    }
    if (pending.records.empty()) pending.firstAt = SteadyClock::now();
    pending.records.push_back(r);
    if (pending.records.size() >= options_.blockRecords) seal(session, pending);
  }
  if (invalid) countDropped_(session, invalid);
}

bool WriterStore::commit(const std::map<int64_t, uint64_t>& droppedBySession, uint64_t droppedTotal) {
  assertUser();
  if (!inTransaction_ || failed()) return !failed();
  for (auto& [session, pending] : sessions_) {
    const auto dropped = droppedBySession.find(session);
    const uint64_t droppedNow = dropped == droppedBySession.end() ? 0 : dropped->second;
    if (!pending.dirty && droppedNow == pending.droppedRecords) continue;
    pending.droppedRecords = droppedNow;
    write(
        updateSession_,
        {static_cast<int64_t>(pending.recordCount), static_cast<int64_t>(droppedNow), pending.maxBlockSpanNs, session},
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

void WriterStore::apply(WriterItem& item) {
  assertUser();
  switch (item.kind) {
    case WriterItem::Kind::Records:
      addRecords(item.session, item.records);
      break;
    case WriterItem::Kind::SessionStart: {
      write(insertSession_, {item.session, item.sessionInfo.pid, item.sessionInfo.startNs},
            {item.sessionInfo.kind, item.sessionInfo.name, item.sessionInfo.settings});
      sessions_[item.session];
      break;
    }
    case WriterItem::Kind::SessionEnd:
      write(endSession_, {item.tsNs, item.session}, {});
      break;
    case WriterItem::Kind::Event:
      write(insertEvent_,
            {item.session, static_cast<int64_t>(item.event.eventId), static_cast<int64_t>(item.event.kind),
             item.event.fd, int64_t{item.event.owner}},
            {item.event.label, item.event.callback});
      break;
    case WriterItem::Kind::Log:
      write(insertLog_, {item.session, item.tsNs, item.number}, {item.text});
      break;
    case WriterItem::Kind::Interval:
      write(insertInterval_, {item.session, item.tsNs}, {item.text});
      break;
    case WriterItem::Kind::Keyframe:
      if (!ensureTransaction()) return;
      insertKeyframe_.bind(1, item.session);
      insertKeyframe_.bind(2, item.tsNs);
      insertKeyframe_.bindBlob(3, item.bytes.data(), item.bytes.size());
      insertKeyframe_.bind(4, item.number);
      check(insertKeyframe_.run(&error_));
      break;
    case WriterItem::Kind::Flush:
      break;
  }
}

void WriterStore::finish(const std::map<int64_t, uint64_t>& droppedBySession, uint64_t droppedTotal) {
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

}  // namespace rs::recording
