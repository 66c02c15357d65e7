// Reads a recording file (docs/recording-format.md). open() checks, in order, that
// the file is an SQLite database of the right length, a ReactorScope recording
// (application_id), of a format version it knows (RecordingSchema: 1 to
// kFormatVersion), with every table and column the reader uses for that version;
// each failure names what is wrong. Trace records
// are read per time range through the (session, first_ts) block index: only the
// blocks that overlap the range are read and decoded, never the whole file; the
// latest decoded blocks (up to kCachedRecords records) are kept, so a seek near
// the last one (a slider drag, the keyframe then the window) decodes nothing twice.
// Thread contract: one thread at a time (the owner's); open two readers for two threads.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "RecordingWriter.h"  // EventInfo, SessionInfo

namespace rs::recording {

class Statement;

struct RecordingMeta {
  int formatVersion = 0;
  std::string appVersion, engineVersion, createdUtc;
  uint64_t droppedRecords = 0;
};

struct SessionSummary {
  int64_t id = 0;
  SessionInfo info;
  std::optional<int64_t> endNs;
  uint64_t recordCount = 0, droppedRecords = 0;
  int64_t maxBlockSpanNs = 0;
};

struct TimeSpan {
  int64_t firstNs = 0, lastNs = 0;  // valid when !empty
  bool empty = true;
};

struct LogEntry {
  int64_t tsNs = 0;
  int level = 0;
  std::string text;
};

struct ClientInterval {
  int64_t tsNs = 0;
  std::string json;
};

class RecordingReader {
 public:
  // Longest texts returned (longer ones are cut and end in "…"): an event's
  // label, a log line, a session's name.
  static constexpr int kMaxLabelChars = 512;
  static constexpr int kMaxLogLineChars = 4096;
  static constexpr int kMaxNameChars = 256;

  RecordingReader();
  ~RecordingReader();
  RecordingReader(const RecordingReader&) = delete;
  RecordingReader& operator=(const RecordingReader&) = delete;

  bool open(const std::string& path, std::string* error);
  void close();
  // From now until close(), every read sees the file as it is at this call (one
  // read transaction; sessions() is read again inside it): a whole pass over a
  // file another process may still be writing (an export of a recording in
  // progress, whose keep-last mode deletes old blocks) reads one consistent file.
  // A writer's final checkpoint waits for it (SqliteDb's busy timeout).
  bool holdSnapshot(std::string* error);

  const RecordingMeta& meta() const { return meta_; }
  const std::vector<SessionSummary>& sessions() const { return sessions_; }
  // The earliest and latest record timestamp of a session's stored blocks.
  bool span(int64_t session, TimeSpan& out, std::string* error);
  // The session's records with fromNs <= tsNs <= toNs, block by block in block
  // order (within a block, in append order). False with *error on a bad block.
  bool records(int64_t session, int64_t fromNs, int64_t toNs, std::vector<TraceRecord>& out, std::string* error);
  // The records stored in the blocks that overlap [fromNs, toNs] (an index query, no
  // block read): at least records() of that range returns, at most a block more either side.
  bool blockRecordCount(int64_t session, int64_t fromNs, int64_t toNs, uint64_t& count, std::string* error);
  // How many blocks records() used for its last call, and how many of them it had
  // to decode (the others came from the cache); for tests and the benchmark.
  size_t lastBlocksRead() const { return lastBlocksRead_; }
  size_t lastBlocksDecoded() const { return lastBlocksDecoded_; }
  static constexpr size_t kCachedRecords = size_t{1} << 20;  // 40 MiB of decoded records at most
  bool events(int64_t session, std::vector<EventInfo>& out, std::string* error);
  bool log(int64_t session, int64_t fromNs, int64_t toNs, std::vector<LogEntry>& out, std::string* error);
  bool clientIntervals(int64_t session, int64_t fromNs, int64_t toNs, std::vector<ClientInterval>& out,
                       std::string* error);
  // The latest keyframe at or before tsNs: false with error empty when there is none.
  bool keyframeAtOrBefore(int64_t session, int64_t tsNs, int64_t& keyframeTsNs, std::vector<uint8_t>& state,
                          std::string* error);
  // The times of the session's keyframes from a resync (KeyframeSource::Snapshot)
  // with fromNs <= ts <= toNs, ascending (a version 1 file has none).
  bool snapshotKeyframes(int64_t session, int64_t fromNs, int64_t toNs, std::vector<int64_t>& tsNs,
                         std::string* error);

 private:
  struct Impl;
  bool fail(std::string* error, const std::string& message);
  // open()'s steps, in order: each returns what is wrong, or "".
  std::string openDatabase();
  std::string checkIdentity();
  std::string checkTables();
  std::string loadMeta();
  std::string checkAddedColumns();  // those meta_.formatVersion has
  std::string loadSessions();
  std::string prepareStatements();
  // Binds params to the statement in order, calls row(q) per result row; false with *error on failure.
  template <typename Row>
  bool query(Statement Impl::*statement, std::initializer_list<int64_t> params, Row&& row, std::string* error);
  std::unique_ptr<Impl> impl_;
  std::string path_;
  RecordingMeta meta_;
  std::vector<SessionSummary> sessions_;
  size_t lastBlocksRead_ = 0;
  size_t lastBlocksDecoded_ = 0;
};

}  // namespace rs::recording
