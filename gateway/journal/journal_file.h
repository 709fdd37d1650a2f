#ifndef STOPFRAME_GATEWAY_JOURNAL_JOURNAL_FILE_H_
#define STOPFRAME_GATEWAY_JOURNAL_JOURNAL_FILE_H_

// Creating a new journal's file and folders, private to their owner.
// Internal to the journal library.

#include <string>

#include "absl/status/status.h"

namespace stopframe::journal {

// mkdir -p for the parent of `path`; directories we create get 0700
// regardless of umask. Existing directories are left as they are.
absl::Status CreateParentDirectories(const std::string& path);

// Creates an empty database file readable only by its owner, so that SQLite
// (which would otherwise use 0644) and its -wal/-shm files, which copy the
// database file's mode, stay private. An existing file is left untouched.
absl::Status CreatePrivateFile(const std::string& path);

}  // namespace stopframe::journal

#endif  // STOPFRAME_GATEWAY_JOURNAL_JOURNAL_FILE_H_
