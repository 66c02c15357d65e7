#include "SqliteDb.h"

#include <sqlite3.h>

namespace rs::recording {

Db::~Db() { close(); }

bool Db::open(const std::string& path, Mode mode, std::string* error) {
  close();
  int flags = SQLITE_OPEN_NOMUTEX;
  switch (mode) {
    case Mode::CreateNew: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
    case Mode::ReadWrite: flags |= SQLITE_OPEN_READWRITE; break;
    case Mode::ReadOnly: flags |= SQLITE_OPEN_READONLY; break;
  }
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    if (error) *error = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    close();
    return false;
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  return true;
}

void Db::close() {
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
}

bool Db::exec(std::string_view sql, std::string* error) {
  char* message = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) == SQLITE_OK) return true;
  if (error) *error = message ? message : lastMessage();
  sqlite3_free(message);
  return false;
}

std::string Db::lastMessage() const { return db_ ? sqlite3_errmsg(db_) : "no database open"; }

Statement::~Statement() { finalize(); }

void Statement::finalize() {
  sqlite3_finalize(stmt_);
  stmt_ = nullptr;
}

bool Statement::prepare(const Db& db, std::string_view sql, std::string* error) {
  sqlite3_finalize(stmt_);
  stmt_ = nullptr;
  db_ = db.handle();
  sql_ = std::string(sql);
  ok_ = sqlite3_prepare_v2(db_, sql_.c_str(), static_cast<int>(sql_.size()), &stmt_, nullptr) == SQLITE_OK;
  if (!ok_ && error) *error = this->error();
  return ok_;
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  ok_ = true;
}

void Statement::bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
void Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}
void Statement::bindBlob(int index, const void* data, size_t size) {
  sqlite3_bind_blob64(stmt_, index, data, size, SQLITE_STATIC);
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  ok_ = rc == SQLITE_DONE;
  return false;
}

std::string Statement::error() const {
  return "'" + sql_.substr(0, sql_.find_first_of("(\n")) + "' failed: " + sqlite3_errmsg(db_);
}

bool Statement::run(std::string* error) {
  step();
  const bool good = ok_;
  if (!good && error) *error = this->error();
  reset();
  return good;
}

int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }
std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
           : std::string();
}
const void* Statement::blob(int column) const { return sqlite3_column_blob(stmt_, column); }
size_t Statement::blobSize(int column) const { return static_cast<size_t>(sqlite3_column_bytes(stmt_, column)); }
bool Statement::isNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

}  // namespace rs::recording
