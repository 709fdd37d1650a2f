#ifndef STOPFRAME_GATEWAY_JOURNAL_SCHEMA_H_
#define STOPFRAME_GATEWAY_JOURNAL_SCHEMA_H_

// The journal's schema: its migrations, the version this build writes, and
// the switch to write-ahead logging. Internal to the journal library.

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace stopframe::journal {

// The schema version (PRAGMA user_version) this build migrates to.
int64_t LatestSchemaVersion();

// The database's PRAGMA user_version (0 for a new file).
absl::StatusOr<int64_t> UserVersion(sqlite3* db);

// Switches the journal to WAL and returns the mode in effect ("wal", or
// another where WAL is unsupported). The switch needs an exclusive lock,
// which SQLite takes without calling the busy handler: two processes
// opening a new journal at once would see one fail with SQLITE_BUSY. So a
// busy switch is retried, for up to `busy_timeout`; by then the other
// opener has usually switched the file already, and the pragma just
// reports "wal".
absl::StatusOr<std::string> SwitchToWal(sqlite3* db,
                                        absl::Duration busy_timeout);

// Applies pending migrations in one write transaction. The version is read
// inside the transaction so concurrent openers cannot both migrate. Fails
// for a version newer than this build's.
absl::Status Migrate(sqlite3* db);

}  // namespace stopframe::journal

#endif  // STOPFRAME_GATEWAY_JOURNAL_SCHEMA_H_
