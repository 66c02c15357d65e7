#include "RecordingSchema.h"

namespace rs::recording {

std::string_view RecordingSchema::createSql() {
  return R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, pid INTEGER NOT NULL,
  start_ns INTEGER NOT NULL, end_ns INTEGER, settings TEXT NOT NULL,
  record_count INTEGER NOT NULL DEFAULT 0, dropped_records INTEGER NOT NULL DEFAULT 0,
  max_block_span_ns INTEGER NOT NULL DEFAULT 0);
CREATE TABLE blocks (
  id INTEGER PRIMARY KEY, session INTEGER NOT NULL REFERENCES sessions(id),
  first_ts INTEGER NOT NULL, last_ts INTEGER NOT NULL, record_count INTEGER NOT NULL,
  codec INTEGER NOT NULL, data BLOB NOT NULL);
CREATE INDEX blocks_by_time ON blocks (session, first_ts);
CREATE TABLE events (
  session INTEGER NOT NULL, event_id INTEGER NOT NULL, label TEXT NOT NULL, kind INTEGER NOT NULL,
  fd INTEGER NOT NULL, owner INTEGER NOT NULL, callback TEXT NOT NULL,
  PRIMARY KEY (session, event_id));
CREATE TABLE log (session INTEGER NOT NULL, ts INTEGER NOT NULL, level INTEGER NOT NULL, text TEXT NOT NULL);
CREATE INDEX log_by_time ON log (session, ts);
CREATE TABLE client_intervals (session INTEGER NOT NULL, ts INTEGER NOT NULL, json TEXT NOT NULL);
CREATE INDEX client_intervals_by_time ON client_intervals (session, ts);
CREATE TABLE keyframes (session INTEGER NOT NULL, ts INTEGER NOT NULL, data BLOB NOT NULL,
  source INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (session, ts));
)sql";
}

const std::vector<RecordingSchema::Table>& RecordingSchema::tables() {
  static const std::vector<Table> kTables = {
      {"meta", {"key", "value"}},
      {"sessions",
       {"id", "kind", "name", "pid", "start_ns", "end_ns", "settings", "record_count", "dropped_records",
        "max_block_span_ns"}},
      {"blocks", {"id", "session", "first_ts", "last_ts", "record_count", "codec", "data"}},
      {"events", {"session", "event_id", "label", "kind", "fd", "owner", "callback"}},
      {"log", {"session", "ts", "level", "text"}},
      {"client_intervals", {"session", "ts", "json"}},
      {"keyframes", {"session", "ts", "data"}},
  };
  return kTables;
}

const std::vector<RecordingSchema::AddedColumn>& RecordingSchema::addedColumns() {
  static const std::vector<AddedColumn> kAdded = {
      {2, "keyframes", "source"},
  };
  return kAdded;
}

std::string_view RecordingSchema::appVersion() { return REACTORSCOPE_VERSION; }

}  // namespace rs::recording
