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

struct RecordingReader::Impl {
  Db db;
  Statement blocks, span, events, log, intervals, keyframe;
  BlockCodec codec;
  std::vector<TraceRecord> scratch;
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
  if (const std::string problem = checkSqliteFile(path); !problem.empty()) return fail(error, problem);
  impl_ = std::make_unique<Impl>();
  Db& db = impl_->db;
  std::string why;
  // Read-write only so SQLite can recover a killed writer's journal; nothing is written.
  if (!db.open(path, Db::Mode::ReadWrite, &why) && !db.open(path, Db::Mode::ReadOnly, &why))
    return close(), fail(error, "cannot open: " + why);

  Statement q;
  if (!q.prepare(db, "PRAGMA application_id", &why) || !q.step()) {
    close();
    return fail(error, "not a ReactorScope recording (" + (why.empty() ? db.lastMessage() : why) + ")");
  }
  if (q.int64(0) != RecordingSchema::kApplicationId) {
    close();
    return fail(error, "not a ReactorScope recording (SQLite application_id is " + std::to_string(q.int64(0)) + ")");
  }
  for (const auto& table : RecordingSchema::tables()) {
    std::vector<std::string> have;
    if (!q.prepare(db, "PRAGMA table_info(" + std::string(table.name) + ")", &why)) return close(), fail(error, why);
    while (q.step()) have.push_back(q.text(1));
    if (!q.ok()) return close(), fail(error, q.error());
    if (have.empty()) return close(), fail(error, "table '" + std::string(table.name) + "' is missing");
    for (std::string_view column : table.columns)
      if (std::find(have.begin(), have.end(), column) == have.end())
        return close(), fail(error, "table '" + std::string(table.name) + "' has no column '" + std::string(column) + "'");
  }
  if (!q.prepare(db, "SELECT key, value FROM meta", &why)) return close(), fail(error, why);
  bool haveVersion = false;
  while (q.step()) {
    const std::string key = q.text(0), value = q.text(1);
    if (key == "format_version") {
      haveVersion = true;
      meta_.formatVersion = static_cast<int>(std::strtol(value.c_str(), nullptr, 10));
      if (value != std::to_string(RecordingSchema::kFormatVersion))
        return close(), fail(error, "format version '" + value + "' is not supported (this build reads version " +
                                        std::to_string(RecordingSchema::kFormatVersion) + ")");
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
  if (!q.ok()) return close(), fail(error, q.error());
  if (!haveVersion) return close(), fail(error, "meta has no format_version");

  if (!q.prepare(db,
                 "SELECT id, kind, name, pid, start_ns, end_ns, settings, record_count, dropped_records, "
                 "max_block_span_ns FROM sessions ORDER BY id",
                 &why))
    return close(), fail(error, why);
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
  if (!q.ok()) return close(), fail(error, q.error());

  Impl& m = *impl_;
  const bool prepared =
      m.blocks.prepare(db,
                       "SELECT id, codec, record_count, data FROM blocks WHERE session = ?1 AND first_ts >= ?2 "
                       "AND first_ts <= ?3 AND last_ts >= ?4 ORDER BY first_ts, id",
                       &why) &&
      m.span.prepare(db,
                     "SELECT min(first_ts), (SELECT max(last_ts) FROM blocks WHERE session = ?1 AND first_ts >= "
                     "(SELECT max(first_ts) FROM blocks WHERE session = ?1) - ?2) FROM blocks WHERE session = ?1",
                     &why) &&
      m.events.prepare(db,
                       "SELECT event_id, label, kind, fd, owner, callback FROM events WHERE session = ? "
                       "ORDER BY event_id",
                       &why) &&
      m.log.prepare(db, "SELECT ts, level, text FROM log WHERE session = ? AND ts BETWEEN ? AND ? ORDER BY ts, rowid",
                    &why) &&
      m.intervals.prepare(db,
                          "SELECT ts, json FROM client_intervals WHERE session = ? AND ts BETWEEN ? AND ? "
                          "ORDER BY ts, rowid",
                          &why) &&
      m.keyframe.prepare(db,
                         "SELECT ts, data FROM keyframes WHERE session = ? AND ts <= ? ORDER BY ts DESC LIMIT 1",
                         &why);
  if (!prepared) return close(), fail(error, why);
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
  lastBlocksRead_ = 0;
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
  while (q.step()) {
    ++lastBlocksRead_;
    const int64_t id = q.int64(0), codec = q.int64(1), recordCount = q.int64(2);
    const std::string where = "block " + std::to_string(id) + " of session " + std::to_string(session);
    if (codec != BlockCodec::kCodecId) {
      q.reset();
      return fail(error, where + " uses unknown codec " + std::to_string(codec));
    }
    const auto* data = static_cast<const uint8_t*>(q.blob(3));
    const bool decoded = impl_->codec.decode(data, q.blobSize(3), impl_->scratch, &why);
    if (decoded && static_cast<uint64_t>(recordCount) != impl_->scratch.size())
      why = "record_count " + std::to_string(recordCount) + " but the block holds " +
            std::to_string(impl_->scratch.size());
    if (!why.empty()) {
      q.reset();
      return fail(error, where + ": " + why);
    }
    for (const TraceRecord& r : impl_->scratch)
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

}  // namespace rs::recording
