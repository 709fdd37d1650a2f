#include "gateway/journal/sqlite_statement.h"

namespace stopframe::journal {

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(
          absl::StrCat("journal database is locked by another process; try "
                       "again (",
                       what, ": ", detail, ")"));
    case SQLITE_READONLY:
      return absl::FailedPreconditionError(absl::StrCat(
          "the journal database is read-only, so nothing was saved or "
          "changed (reading still works); make the journal file and its "
          "folder writable, then restart stopframe (",
          what, ": ", detail, ")"));
    case SQLITE_CANTOPEN:
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot open the journal database file; check that it exists and "
          "that it and its folder are readable (and writable, to save "
          "changes) (",
          what, ": ", detail, ")"));
    default:
      return absl::InternalError(
          absl::StrCat("journal database error while ", what, ": ", detail));
  }
}

absl::Status ExecConstant(sqlite3* db, absl::string_view sql) {
  const char* next = sql.data();
  const char* const end = sql.data() + sql.size();
  while (next < end) {
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    const int rc =
        sqlite3_prepare_v2(db, next, static_cast<int>(end - next), &raw, &tail);
    Statement stmt(db, raw);
    if (rc != SQLITE_OK) return SqliteError(db, rc, "preparing a statement");
    next = tail;
    if (stmt.Empty()) continue;  // Only whitespace or a comment was left.
    JOURNAL_RETURN_IF_ERROR(stmt.Run());
  }
  return absl::OkStatus();
}

}  // namespace stopframe::journal
