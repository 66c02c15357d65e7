// A minimal RAII layer over SQLite's C API for the recording writer and reader:
// one connection (Db) and prepared statements (Statement). Every failure comes back
// as false plus a message naming the statement and SQLite's reason.
// Thread contract: like an sqlite3* opened with SQLITE_OPEN_NOMUTEX: a Db and its
// Statements are used by one thread at a time (the owner's).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace rs::recording {

class Db {
 public:
  enum class Mode { CreateNew, ReadWrite, ReadOnly };
  // How long a statement waits for another connection's lock (a reader opening the
  // file while the writer creates it, a writer's commit while a reader checkpoints)
  // before it fails with "database is locked". Such locks last milliseconds.
  static constexpr int kBusyTimeoutMs = 2000;
  Db() = default;
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  bool open(const std::string& path, Mode mode, std::string* error);
  void close();
  bool isOpen() const { return db_ != nullptr; }
  // Runs one or more statements without results.
  bool exec(std::string_view sql, std::string* error);
  sqlite3* handle() const { return db_; }
  std::string lastMessage() const;

 private:
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement() = default;
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool prepare(const Db& db, std::string_view sql, std::string* error);
  void finalize();  // releases the statement (before its Db closes)
  void reset();  // ready to bind and step again
  void bind(int index, int64_t value);
  void bind(int index, std::string_view text);
  void bindBlob(int index, const void* data, size_t size);
  // step(): true with a row; false at the end or on an error (then ok() is false).
  bool step();
  bool ok() const { return ok_; }
  std::string error() const;  // what failed, when !ok()
  // Runs a statement without results (reset, step, check) in one call.
  bool run(std::string* error);

  int64_t int64(int column) const;
  std::string text(int column) const;
  const void* blob(int column) const;
  size_t blobSize(int column) const;
  bool isNull(int column) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
  std::string sql_;
  bool ok_ = true;
};

}  // namespace rs::recording
