// The recording file's schema in one place (docs/recording-format.md): the format
// version, the DDL the writer runs, and the tables and columns the reader requires.
#pragma once
#include <string_view>
#include <vector>

namespace rs::recording {

struct RecordingSchema {
  // Bumped on any incompatible change: what the writer writes; the reader accepts
  // kOldestReadableVersion to kFormatVersion (2 added keyframes.source).
  static constexpr int kFormatVersion = 2;
  static constexpr int kOldestReadableVersion = 1;
  // SQLite's application_id (PRAGMA application_id), "RSCP": tells a recording from
  // any other SQLite file before the tables are read.
  static constexpr int kApplicationId = 0x52534350;

  // Every CREATE TABLE / CREATE INDEX statement, in one string for Db::exec.
  static std::string_view createSql();
  // Table name -> the columns the reader relies on (checked at open).
  struct Table {
    std::string_view name;
    std::vector<std::string_view> columns;
  };
  static const std::vector<Table>& tables();  // as in version 1
  // Columns a later version added: required in files of that version or later.
  struct AddedColumn {
    int version;
    std::string_view table, column;
  };
  static const std::vector<AddedColumn>& addedColumns();
  // The engine/app version written to meta.app_version.
  static std::string_view appVersion();
};

}  // namespace rs::recording
