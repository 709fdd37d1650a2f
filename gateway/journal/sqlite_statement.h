#ifndef STOPFRAME_GATEWAY_JOURNAL_SQLITE_STATEMENT_H_
#define STOPFRAME_GATEWAY_JOURNAL_SQLITE_STATEMENT_H_

// The journal's thin layer over SQLite's C API: errors as statuses,
// prepared statements that are owned (and cached per connection),
// transactions that roll back unless committed. Internal to the journal
// library; nothing here knows the schema.

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gateway/journal/status_macros.h"

namespace stopframe::journal {

// Maps a failed SQLite call to a status. BUSY/LOCKED mean another connection
// holds the write lock past the busy timeout: retryable, hence UNAVAILABLE.
// READONLY (a read-only file, file system or mode=ro URI) and CANTOPEN (a
// file or folder we may not open or create files in) need the user to act,
// hence FAILED_PRECONDITION, with a message that says what to do.
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what);

// The prepared statements of one connection, kept for reuse: for a point
// read, preparing the SQL costs more than running it. Keyed by the SQL text,
// which is always constant (user values are bound), so the set is small;
// kMaxStatements bounds it anyway. Owned by JournalStore (for its write
// connection) or a ReadConnection, and used only by whoever holds that
// connection (JournalStore::mu_, or a read's loan). Finalizes its statements on
// destruction, which must come before the connection is closed.
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache() {
    for (auto& [sql, slot] : slots_) sqlite3_finalize(slot.stmt);
  }
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

 private:
  friend class Statement;
  friend class Transaction;

  static constexpr size_t kMaxStatements = 64;
  struct Slot {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;  // lent to a live Statement
  };
  sqlite3* const db_;
  // Node-based: a Statement points at its slot's in_use while it lives.
  absl::node_hash_map<std::string, Slot> slots_;
};

// Owns one prepared statement; finalizes it on destruction, or, for one lent
// by a StatementCache, resets it, clears its bindings and gives it back.
// Parameters are bound by name (":name") so one binder can serve several
// statements. Not thread-safe: used only by whoever holds its connection.
class Statement {
 public:
  // Takes ownership of `stmt` (may be null).
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept
      : db_(other.db_),
        stmt_(std::exchange(other.stmt_, nullptr)),
        lent_(std::exchange(other.lent_, nullptr)) {}
  Statement& operator=(Statement&&) = delete;
  ~Statement() {
    if (lent_ != nullptr) {
      // Reset also ends the statement's read of the database.
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
      *lent_ = false;
    } else {
      sqlite3_finalize(stmt_);  // No-op for null.
    }
  }

  static absl::StatusOr<Statement> Prepare(sqlite3* db, absl::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v2(
        db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    Statement result(db, stmt);
    if (rc != SQLITE_OK) return SqliteError(db, rc, "preparing a statement");
    return result;
  }

  // Like Prepare, but reuses the cache's statement for `sql` when it is idle
  // (else prepares one, kept in the cache if there is room). `sql` must be
  // one constant statement.
  static absl::StatusOr<Statement> Prepare(StatementCache& cache,
                                           absl::string_view sql) {
    auto it = cache.slots_.find(sql);
    if (it != cache.slots_.end() && !it->second.in_use) {
      return Statement(cache.db_, it->second.stmt, &it->second.in_use);
    }
    if (it != cache.slots_.end() ||
        cache.slots_.size() >= StatementCache::kMaxStatements) {
      return Prepare(cache.db_, sql);  // not cached: finalized after use
    }
    sqlite3_stmt* stmt = nullptr;
    const int rc =
        sqlite3_prepare_v3(cache.db_, sql.data(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return SqliteError(cache.db_, rc, "preparing a statement");
    }
    if (stmt == nullptr) return Statement(cache.db_, nullptr);  // no SQL
    StatementCache::Slot& slot = cache.slots_[std::string(sql)];
    slot.stmt = stmt;
    slot.in_use = true;
    return Statement(cache.db_, stmt, &slot.in_use);
  }

  absl::Status BindInt(const char* name, int64_t value) {
    JOURNAL_ASSIGN_OR_RETURN(const int index, Index(name));
    return Check(sqlite3_bind_int64(stmt_, index, value));
  }

  absl::Status BindText(const char* name, absl::string_view value) {
    JOURNAL_ASSIGN_OR_RETURN(const int index, Index(name));
    // A null data pointer would bind SQL NULL rather than ''.
    const char* data = value.data() != nullptr ? value.data() : "";
    return Check(sqlite3_bind_text64(stmt_, index, data, value.size(),
                                     SQLITE_TRANSIENT, SQLITE_UTF8));
  }

  absl::Status BindDouble(const char* name, double value) {
    JOURNAL_ASSIGN_OR_RETURN(const int index, Index(name));
    return Check(sqlite3_bind_double(stmt_, index, value));
  }

  absl::Status BindOptionalText(const char* name,
                                const std::optional<std::string>& value) {
    if (value.has_value()) return BindText(name, *value);
    JOURNAL_ASSIGN_OR_RETURN(const int index, Index(name));
    return Check(sqlite3_bind_null(stmt_, index));
  }

  // True when a row is available, false when the statement is done.
  absl::StatusOr<bool> Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqliteError(db_, rc, "running a statement");
  }

  // Steps until done, discarding rows.
  absl::Status Run() {
    bool row = true;
    while (row) {
      JOURNAL_ASSIGN_OR_RETURN(row, Step());
    }
    return absl::OkStatus();
  }

  // Makes the statement reusable with new bindings.
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }

  std::string Text(int column) const {
    const auto* text =
        reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (text == nullptr) return std::string();
    return std::string(text, sqlite3_column_bytes(stmt_, column));
  }

  double Double(int column) const {
    return sqlite3_column_double(stmt_, column);
  }

  std::optional<std::string> OptionalText(int column) const {
    if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
    return Text(column);
  }

  bool Null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }

  bool Empty() const { return stmt_ == nullptr; }

 private:
  absl::StatusOr<int> Index(const char* name) const {
    const int index = sqlite3_bind_parameter_index(stmt_, name);
    if (index == 0) {
      return absl::InternalError(
          absl::StrCat("journal statement has no parameter ", name));
    }
    return index;
  }

  absl::Status Check(int rc) const {
    if (rc == SQLITE_OK) return absl::OkStatus();
    return SqliteError(db_, rc, "binding a parameter");
  }

  Statement(sqlite3* db, sqlite3_stmt* stmt, bool* lent)
      : db_(db), stmt_(stmt), lent_(lent) {
    *lent_ = true;
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool* lent_ = nullptr;  // the cache slot's in_use, for a lent statement
};

// Runs constant SQL (pragmas, DDL, transaction control), one statement after
// another. Never pass user text here; user values go through Bind*().
absl::Status ExecConstant(sqlite3* db, absl::string_view sql);

// A transaction on one connection; rolls back on destruction unless
// committed. Writers use BEGIN IMMEDIATE so that they wait for the write lock
// up front (busy timeout) instead of failing to upgrade a read lock later.
// Not thread-safe: used only by whoever holds its connection.
class Transaction {
 public:
  static absl::StatusOr<Transaction> BeginRead(sqlite3* db) {
    JOURNAL_RETURN_IF_ERROR(ExecConstant(db, "BEGIN"));
    return Transaction(db, nullptr);
  }
  static absl::StatusOr<Transaction> BeginWrite(sqlite3* db) {
    JOURNAL_RETURN_IF_ERROR(ExecConstant(db, "BEGIN IMMEDIATE"));
    return Transaction(db, nullptr);
  }
  // The same, with BEGIN, COMMIT and ROLLBACK from `cache`.
  static absl::StatusOr<Transaction> BeginRead(StatementCache& cache) {
    Transaction tx(cache.db_, &cache);
    JOURNAL_RETURN_IF_ERROR(tx.Exec("BEGIN"));
    return tx;
  }
  static absl::StatusOr<Transaction> BeginWrite(StatementCache& cache) {
    Transaction tx(cache.db_, &cache);
    JOURNAL_RETURN_IF_ERROR(tx.Exec("BEGIN IMMEDIATE"));
    return tx;
  }

  Transaction(Transaction&& other) noexcept
      : db_(std::exchange(other.db_, nullptr)), cache_(other.cache_) {}
  Transaction& operator=(Transaction&&) = delete;

  ~Transaction() {
    // SQLite may already have rolled back on its own after some errors.
    if (db_ != nullptr && !sqlite3_get_autocommit(db_)) {
      Exec("ROLLBACK").IgnoreError();
    }
  }

  absl::Status Commit() {
    JOURNAL_RETURN_IF_ERROR(Exec("COMMIT"));
    db_ = nullptr;
    return absl::OkStatus();
  }

 private:
  Transaction(sqlite3* db, StatementCache* cache) : db_(db), cache_(cache) {}

  // One constant statement.
  absl::Status Exec(absl::string_view sql) {
    if (cache_ == nullptr) return ExecConstant(db_, sql);
    JOURNAL_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(*cache_, sql));
    return stmt.Run();
  }

  sqlite3* db_;
  StatementCache* cache_;  // may be null
};

// Runs `sql` (constant), bound by `bind`, and hands each row to `row`.
template <typename BindFn, typename RowFn>
absl::Status ForEachRow(StatementCache& db, absl::string_view sql, BindFn bind,
                        RowFn row) {
  JOURNAL_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(db, sql));
  JOURNAL_RETURN_IF_ERROR(bind(stmt));
  while (true) {
    JOURNAL_ASSIGN_OR_RETURN(const bool more, stmt.Step());
    if (!more) return absl::OkStatus();
    row(stmt);
  }
}

}  // namespace stopframe::journal

#endif  // STOPFRAME_GATEWAY_JOURNAL_SQLITE_STATEMENT_H_
