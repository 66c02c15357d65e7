#include "RecordingReader.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "BlockCodec.h"
#include "RecordingSchema.h"
#include "SqliteDb.h"

namespace rs::recording {
namespace {

// The SQLite file header (https://sqlite.org/fileformat.html, 1.3): magic, page size
// at 16, change counter at 24, page count at 28, valid-for at 92.
constexpr size_t kSqliteHeaderBytes = 100;
constexpr char kSqliteMagic[] = "SQLite format 3";

uint32_t bigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// The file-level checks SQLite itself defers or skips: a plain reason, or "".
std::string checkSqliteFile(const std::string& path) {
  struct stat st{};
  if (stat(path.c_str(), &st) != 0) return std::string("cannot read it: ") + std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  if (st.st_size == 0) return "the file is empty";
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return std::string("cannot read it: ") + std::strerror(errno);
  unsigned char header[kSqliteHeaderBytes];
  const size_t got = std::fread(header, 1, sizeof header, f);
  std::fclose(f);
  if (got < 16 || std::memcmp(header, kSqliteMagic, sizeof kSqliteMagic) != 0)
    return "not a ReactorScope recording (not an SQLite database)";
  if (got < kSqliteHeaderBytes)
    return "truncated: " + std::to_string(got) + " bytes, shorter than an SQLite header";
  const uint32_t pageSize = header[16] == 0 && header[17] == 1 ? 65536u : (uint32_t{header[16]} << 8) | header[17];
  const bool countValid = std::memcmp(header + 24, header + 92, 4) == 0;
  const uint64_t pages = bigEndian32(header + 28);
  // A WAL left by a killed writer holds pages the main file does not have yet.
  const bool walPresent = access((path + "-wal").c_str(), F_OK) == 0;
  if (countValid && !walPresent && pages * pageSize > static_cast<uint64_t>(st.st_size))
    return "truncated: " + std::to_string(st.st_size) + " bytes, the SQLite header says " +
           std::to_string(pages * pageSize);
  return "";
}

}  // namespace

// Decoded blocks by id, the most recently used last; at most kCachedRecords records.
class DecodedBlockCache {
 public:
  const std::vector<TraceRecord>* find(int64_t id) {
    for (size_t i = 0; i < blocks_.size(); ++i) {
      if (blocks_[i].first != id) continue;
      std::rotate(blocks_.begin() + static_cast<std::ptrdiff_t>(i), blocks_.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                  blocks_.end());
      return &blocks_.back().second;
    }
    return nullptr;
  }
  const std::vector<TraceRecord>& insert(int64_t id, std::vector<TraceRecord> records) {
    records_ += records.size();
    blocks_.emplace_back(id, std::move(records));
    while (records_ > RecordingReader::kCachedRecords && blocks_.size() > 1) {
      records_ -= blocks_.front().second.size();
      blocks_.erase(blocks_.begin());
    }
    return blocks_.back().second;
  }

 private:
  std::vector<std::pair<int64_t, std::vector<TraceRecord>>> blocks_;
  size_t records_ = 0;
};

struct RecordingReader::Impl {
  Db db;
  Statement blocks, blockCount, span, events, log, intervals, keyframe, snapshotKeyframes;
  BlockCodec codec;
  DecodedBlockCache cache;
};

RecordingReader::RecordingReader() = default;
RecordingReader::~RecordingReader() = default;

bool RecordingReader::fail(std::string* error, const std::string& message) {
  if (error) *error = "recording '" + path_ + "': " + message;
  return false;
}

bool RecordingReader::open(const std::string& path, std::string* error) {
  close();
  path_ = path;
  impl_ = std::make_unique<Impl>();
  // Each step returns what is wrong, or "" to go on.
  std::string problem = checkSqliteFile(path);
  for (auto step : {&RecordingReader::openDatabase, &RecordingReader::checkIdentity, &RecordingReader::checkTables,
                    &RecordingReader::loadMeta, &RecordingReader::checkAddedColumns, &RecordingReader::loadSessions,
                    &RecordingReader::prepareStatements}) {
    if (!problem.empty()) break;
    problem = (this->*step)();
  }
  if (problem.empty()) return true;
  close();
  return fail(error, problem);
}

std::string RecordingReader::openDatabase() {
  std::string why;
  // Read-write only so SQLite can recover a killed writer's WAL or journal; nothing is written.
  if (impl_->db.open(path_, Db::Mode::ReadWrite, &why) || impl_->db.open(path_, Db::Mode::ReadOnly, &why)) return "";
  return "cannot open: " + why;
}

std::string RecordingReader::checkIdentity() {
  Statement q;
  std::string why;
  if (!q.prepare(impl_->db, "PRAGMA application_id", &why) || !q.step())
    return "not a ReactorScope recording (" + (why.empty() ? impl_->db.lastMessage() : why) + ")";
  if (q.int64(0) != RecordingSchema::kApplicationId)
    return "not a ReactorScope recording (SQLite application_id is " + std::to_string(q.int64(0)) + ")";
  return "";
}

namespace {
// The table's column names (none: no such table); "" or what failed.
std::string columnsOf(Db& db, const std::string& table, std::vector<std::string>& have) {
  Statement q;
  std::string why;
  have.clear();
  if (!q.prepare(db, "PRAGMA table_info(" + table + ")", &why)) return why;
  while (q.step()) have.push_back(q.text(1));
  return q.ok() ? "" : q.error();
}

std::string missingColumn(const std::vector<std::string>& have, std::string_view table, std::string_view column) {
  if (std::find(have.begin(), have.end(), column) != have.end()) return "";
  return "table '" + std::string(table) + "' has no column '" + std::string(column) + "'";
}
}  // namespace

std::string RecordingReader::checkTables() {
  std::vector<std::string> have;
  for (const auto& table : RecordingSchema::tables()) {
    const std::string name(table.name);
    if (std::string why = columnsOf(impl_->db, name, have); !why.empty()) return why;
    if (have.empty()) return "table '" + name + "' is missing";
    for (std::string_view column : table.columns)
      if (std::string why = missingColumn(have, name, column); !why.empty()) return why;
  }
  return "";
}

std::string RecordingReader::checkAddedColumns() {
  std::vector<std::string> have;
  for (const auto& added : RecordingSchema::addedColumns()) {
    if (meta_.formatVersion < added.version) continue;
    if (std::string why = columnsOf(impl_->db, std::string(added.table), have); !why.empty()) return why;
    if (std::string why = missingColumn(have, added.table, added.column); !why.empty()) return why;
  }
  return "";
}

std::string RecordingReader::loadMeta() {
  Statement q;
  std::string why;
  if (!q.prepare(impl_->db, "SELECT key, value FROM meta", &why)) return why;
  std::string version;
  bool haveVersion = false;
  while (q.step()) {
    const std::string key = q.text(0), value = q.text(1);
    if (key == "format_version") {
      haveVersion = true;
      version = value;
    } else if (key == "app_version") {
      meta_.appVersion = value;
    } else if (key == "engine_version") {
      meta_.engineVersion = value;
    } else if (key == "created_utc") {
      meta_.createdUtc = value;
    } else if (key == "dropped_records") {
      meta_.droppedRecords = std::strtoull(value.c_str(), nullptr, 10);
    }
  }
  if (!q.ok()) return q.error();
  if (!haveVersion) return "meta has no format_version";
  for (int known = RecordingSchema::kOldestReadableVersion; known <= RecordingSchema::kFormatVersion; ++known) {
    if (version != std::to_string(known)) continue;
    meta_.formatVersion = known;
    return "";
  }
  return "format version '" + version + "' is not supported (this build reads versions " +
         std::to_string(RecordingSchema::kOldestReadableVersion) + " to " +
         std::to_string(RecordingSchema::kFormatVersion) + ")";
}

namespace {
// A text column as read: at most `chars` characters, then "…". A file made
// by hand may hold a 2-million-character log line or label, which the app's
// views would spend a minute laying out; no recorder writes one that long.
std::string capped(const char* column, int chars) {
  const std::string n = std::to_string(chars);
  return std::string("CASE WHEN length(") + column + ") > " + n + " THEN substr(" + column + ", 1, " + n +
         ") || '…' ELSE " + column + " END";
}
}  // namespace

std::string RecordingReader::loadSessions() {
  Statement q;
  std::string why;
  const std::string sql = "SELECT id, kind, " + capped("name", kMaxNameChars) +
                          ", pid, start_ns, end_ns, settings, record_count, dropped_records, "
                          "max_block_span_ns FROM sessions ORDER BY id";
  if (!q.prepare(impl_->db, sql.c_str(), &why))
    return why;
  while (q.step()) {
    SessionSummary s;
    s.id = q.int64(0);
    s.info = SessionInfo{q.text(1), q.text(2), q.int64(3), q.int64(4), q.text(6)};
    if (!q.isNull(5)) s.endNs = q.int64(5);
    s.recordCount = static_cast<uint64_t>(q.int64(7));
    s.droppedRecords = static_cast<uint64_t>(q.int64(8));
    s.maxBlockSpanNs = std::max<int64_t>(0, q.int64(9));
    sessions_.push_back(std::move(s));
  }
  return q.ok() ? "" : q.error();
}


std::string RecordingReader::prepareStatements() {
  const std::string eventsSql = "SELECT event_id, " + capped("label", kMaxLabelChars) +
                                ", kind, fd, owner, " + capped("callback", kMaxLabelChars) +
                                " FROM events WHERE session = ? ORDER BY event_id";
  const std::string logSql = "SELECT ts, level, " + capped("text", kMaxLogLineChars) +
                             " FROM log WHERE session = ? AND ts BETWEEN ? AND ? ORDER BY ts, rowid";
  const std::pair<Statement Impl::*, const char*> statements[] = {
      // A block overlapping [?4, ?3] starts at or after ?2 = ?4 - max_block_span_ns: an index range.
      {&Impl::blocks,
       "SELECT id, codec, record_count, data FROM blocks WHERE session = ?1 AND first_ts >= ?2 "
       "AND first_ts <= ?3 AND last_ts >= ?4 ORDER BY first_ts, id"},
      {&Impl::blockCount,
       "SELECT total(record_count) FROM blocks WHERE session = ?1 AND first_ts >= ?2 AND first_ts <= ?3 "
       "AND last_ts >= ?4"},
      {&Impl::span,
       "SELECT min(first_ts), (SELECT max(last_ts) FROM blocks WHERE session = ?1 AND first_ts >= "
       "(SELECT max(first_ts) FROM blocks WHERE session = ?1) - ?2) FROM blocks WHERE session = ?1"},
      {&Impl::events, eventsSql.c_str()},
      {&Impl::log, logSql.c_str()},
      {&Impl::intervals,
       "SELECT ts, json FROM client_intervals WHERE session = ? AND ts BETWEEN ? AND ? ORDER BY ts, rowid"},
      {&Impl::keyframe, "SELECT ts, data FROM keyframes WHERE session = ? AND ts <= ? ORDER BY ts DESC LIMIT 1"},
      // Version 1 has no keyframes.source (and no resync keyframes): the query finds none.
      {&Impl::snapshotKeyframes,
       meta_.formatVersion >= 2
           ? "SELECT ts FROM keyframes WHERE session = ? AND ts BETWEEN ? AND ? AND source = 1 ORDER BY ts"
           : "SELECT ts FROM keyframes WHERE session = ? AND ts BETWEEN ? AND ? AND 0"},
  };
  std::string why;
  for (const auto& [member, sql] : statements)
    if (!((*impl_).*member).prepare(impl_->db, sql, &why)) return why;
  return "";
}

bool RecordingReader::holdSnapshot(std::string* error) {
  if (!impl_) return fail(error, "not open");
  std::string why;
  if (!impl_->db.exec("BEGIN", &why)) return fail(error, "cannot read a snapshot: " + why);
  sessions_.clear();
  if (std::string problem = loadSessions(); !problem.empty()) return fail(error, problem);
  return true;
}

void RecordingReader::close() {
  impl_.reset();
  meta_ = {};
  sessions_.clear();
}

namespace {
const SessionSummary* findSession(const std::vector<SessionSummary>& sessions, int64_t id) {
  for (const auto& s : sessions)
    if (s.id == id) return &s;
  return nullptr;
}
}  // namespace

bool RecordingReader::span(int64_t session, TimeSpan& out, std::string* error) {
  out = {};
  const SessionSummary* s = impl_ ? findSession(sessions_, session) : nullptr;
  if (!s) return fail(error, "no session " + std::to_string(session));
  Statement& q = impl_->span;
  q.reset();
  q.bind(1, session);
  q.bind(2, s->maxBlockSpanNs);
  if (!q.step()) return fail(error, q.error());
  if (!q.isNull(0) && !q.isNull(1)) out = TimeSpan{q.int64(0), q.int64(1), false};
  q.reset();
  return true;
}

bool RecordingReader::records(int64_t session, int64_t fromNs, int64_t toNs, std::vector<TraceRecord>& out,
                              std::string* error) {
  out.clear();
  lastBlocksRead_ = lastBlocksDecoded_ = 0;
  const SessionSummary* s = impl_ ? findSession(sessions_, session) : nullptr;
  if (!s) return fail(error, "no session " + std::to_string(session));
  if (fromNs > toNs) return true;
  // A block overlapping [from, to] starts at most maxBlockSpanNs before from.
  const int64_t earliestStart =
      fromNs < INT64_MIN + s->maxBlockSpanNs ? INT64_MIN : fromNs - s->maxBlockSpanNs;
  Statement& q = impl_->blocks;
  q.reset();
  q.bind(1, session);
  q.bind(2, earliestStart);
  q.bind(3, toNs);
  q.bind(4, fromNs);
  std::string why;
  std::vector<TraceRecord> decoded;
  while (q.step()) {
    ++lastBlocksRead_;
    const int64_t id = q.int64(0);
    const std::vector<TraceRecord>* block = impl_->cache.find(id);
    if (!block) {
      ++lastBlocksDecoded_;
      const int64_t codec = q.int64(1), recordCount = q.int64(2);
      const std::string where = "block " + std::to_string(id) + " of session " + std::to_string(session);
      if (codec != BlockCodec::kCodecId) {
        q.reset();
        return fail(error, where + " uses unknown codec " + std::to_string(codec));
      }
      // The blob is only read (from its overflow pages) for a block not in the cache.
      const auto* data = static_cast<const uint8_t*>(q.blob(3));
      const bool ok = impl_->codec.decode(data, q.blobSize(3), decoded, &why);
      if (ok && static_cast<uint64_t>(recordCount) != decoded.size())
        why = "record_count " + std::to_string(recordCount) + " but the block holds " +
              std::to_string(decoded.size());
      if (!why.empty()) {
        q.reset();
        return fail(error, where + ": " + why);
      }
      block = &impl_->cache.insert(id, std::move(decoded));
      decoded = {};
    }
    // Append order is time order only per loop (a session may have several): filter, not search.
    for (const TraceRecord& r : *block)
      if (r.tsNs >= fromNs && r.tsNs <= toNs) out.push_back(r);
  }
  const bool ok = q.ok();
  if (!ok) why = q.error();
  q.reset();
  return ok || fail(error, why);
}

template <typename Row>
bool RecordingReader::query(Statement Impl::*statement, std::initializer_list<int64_t> params, Row&& row,
                            std::string* error) {
  if (!impl_) return fail(error, "not open");
  Statement& q = (*impl_).*statement;
  q.reset();
  int index = 1;
  for (int64_t p : params) q.bind(index++, p);
  while (q.step()) row(q);
  const bool ok = q.ok();
  const std::string why = ok ? "" : q.error();
  q.reset();
  return ok || fail(error, why);
}

bool RecordingReader::blockRecordCount(int64_t session, int64_t fromNs, int64_t toNs, uint64_t& count,
                                       std::string* error) {
  count = 0;
  const SessionSummary* s = impl_ ? findSession(sessions_, session) : nullptr;
  if (!s) return fail(error, "no session " + std::to_string(session));
  if (fromNs > toNs) return true;
  const int64_t earliestStart = fromNs < INT64_MIN + s->maxBlockSpanNs ? INT64_MIN : fromNs - s->maxBlockSpanNs;
  return query(&Impl::blockCount, {session, earliestStart, toNs, fromNs}, [&](const Statement& q) {
    count = static_cast<uint64_t>(q.int64(0));
  }, error);
}

bool RecordingReader::events(int64_t session, std::vector<EventInfo>& out, std::string* error) {
  out.clear();
  return query(&Impl::events, {session}, [&](const Statement& q) {
    out.push_back(EventInfo{static_cast<uint64_t>(q.int64(0)), q.text(1),
                            static_cast<EventKind>(static_cast<uint8_t>(q.int64(2) & 0x3)),
                            static_cast<int32_t>(q.int64(3)), static_cast<uint32_t>(q.int64(4)), q.text(5)});
  }, error);
}

bool RecordingReader::log(int64_t session, int64_t fromNs, int64_t toNs, std::vector<LogEntry>& out,
                          std::string* error) {
  out.clear();
  return query(&Impl::log, {session, fromNs, toNs}, [&](const Statement& q) {
    out.push_back(LogEntry{q.int64(0), static_cast<int>(q.int64(1)), q.text(2)});
  }, error);
}

bool RecordingReader::clientIntervals(int64_t session, int64_t fromNs, int64_t toNs,
                                      std::vector<ClientInterval>& out, std::string* error) {
  out.clear();
  return query(&Impl::intervals, {session, fromNs, toNs}, [&](const Statement& q) {
    out.push_back(ClientInterval{q.int64(0), q.text(1)});
  }, error);
}

bool RecordingReader::keyframeAtOrBefore(int64_t session, int64_t tsNs, int64_t& keyframeTsNs,
                                         std::vector<uint8_t>& state, std::string* error) {
  state.clear();
  if (error) error->clear();
  bool found = false;
  const bool ok = query(&Impl::keyframe, {session, tsNs}, [&](const Statement& q) {
    found = true;
    keyframeTsNs = q.int64(0);
    const auto* data = static_cast<const uint8_t*>(q.blob(1));
    state.assign(data, data + q.blobSize(1));
  }, error);
  return ok && found;
}

bool RecordingReader::snapshotKeyframes(int64_t session, int64_t fromNs, int64_t toNs, std::vector<int64_t>& tsNs,
                                        std::string* error) {
  tsNs.clear();
  return query(&Impl::snapshotKeyframes, {session, fromNs, toNs}, [&](const Statement& q) {
    tsNs.push_back(q.int64(0));
  }, error);
}

}  // namespace rs::recording
