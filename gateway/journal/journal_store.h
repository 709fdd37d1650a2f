#ifndef STOPFRAME_GATEWAY_JOURNAL_JOURNAL_STORE_H_
#define STOPFRAME_GATEWAY_JOURNAL_JOURNAL_STORE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

struct sqlite3;

namespace stopframe::journal {

class StatementCache;  // sqlite_statement.h

// What a caller supplies to create an entry.
struct NewEntry {
  std::string title;
  std::string content;
  std::optional<std::string> mood;
  std::optional<std::string> location;
  std::optional<std::string> weather;
  bool is_private = false;
  bool is_favorite = false;
  std::vector<std::string> tags;  // tag names; created on first use
  // The day the entry is about, YYYY-MM-DD. Empty means today (UTC).
  std::string entry_date;
};

struct Entry {
  int64_t id = 0;
  std::string title;
  std::string content;
  std::optional<std::string> mood;
  std::optional<std::string> location;
  std::optional<std::string> weather;
  bool is_private = false;
  bool is_favorite = false;
  std::vector<std::string> tags;  // sorted by name
  std::string entry_date;         // YYYY-MM-DD
  int word_count = 0;
  std::string created_at;  // ISO 8601 UTC
  std::string updated_at;  // ISO 8601 UTC
};

// A partial update: fields left unset are kept. For the optional text
// fields, a set outer optional holding nullopt clears the field (JSON null).
struct EntryUpdate {
  std::optional<std::string> title;
  std::optional<std::string> content;
  std::optional<std::optional<std::string>> mood;
  std::optional<std::optional<std::string>> location;
  std::optional<std::optional<std::string>> weather;
  std::optional<bool> is_private;
  std::optional<bool> is_favorite;
  std::optional<std::string> entry_date;
  std::optional<std::vector<std::string>> tags;  // replaces the whole set
};

struct Tag {
  int64_t id = 0;
  std::string name;
  std::optional<std::string> description;
  int64_t entry_count = 0;
  std::string created_at;
  std::string updated_at;
};

struct NewTag {
  std::string name;  // 1..50 bytes, unique ignoring ASCII case
  std::optional<std::string> description;  // <= 1000 bytes
};

struct TagUpdate {
  std::optional<std::string> name;
  std::optional<std::optional<std::string>> description;  // nullopt clears
};

// A finished video, recorded when the gateway publishes it (schema v2).
struct VideoRecord {
  std::string id;  // 32 lowercase hex digits, the file's name without .mp4
  int year = 0;
  std::string quality;  // draft, standard, high
  int64_t bytes = 0;
  int64_t frames = 0;
  double duration_seconds = 0;
  std::string created_at;  // set by RecordVideo
};

struct ListEntriesQuery {
  std::optional<int> year;
  std::optional<int> month;        // 1..12; needs year
  std::optional<std::string> tag;  // tag name, ignoring ASCII case;
                                   // an unknown name matches nothing
  std::optional<bool> favorite;
  int64_t after_id = 0;  // cursor: return entries with id > after_id
  int limit = 50;        // 1..200
};

struct NamedCount {
  std::string name;
  int count = 0;
};

struct Highlight {
  std::string title;  // "A private entry" for private entries
  std::string date;
  int words = 0;
};

// A year of journaling, computed in SQL over aggregates and indexes.
struct YearStats {
  int year = 0;
  int64_t entries = 0;
  int64_t words = 0;
  int64_t tags = 0;                         // distinct tags used that year
  std::array<int, 12> entries_per_month{};  // index 0 = January
  std::vector<NamedCount> top_tags;         // at most 5, most used first
  std::vector<NamedCount> moods;            // at most 6, most used first
  int longest_streak_days = 0;
  std::optional<Highlight> longest_entry;
  std::optional<Highlight> shortest_entry;
  std::vector<std::string> favorite_titles;  // non-private only, at most 5
};

// How the store's write connection is configured; for diagnostics and tests
// (some of these are per connection and cannot be observed from outside).
// Read connections share the busy timeout and the journal mode.
struct ConnectionSettings {
  std::string journal_mode;  // "wal"
  bool foreign_keys = false;
  int busy_timeout_ms = 0;
  int64_t schema_version = 0;  // PRAGMA user_version
};

// Whether a read may wait for the journal: for a connection other threads of
// this process hold (every read connection busy; for a URI journal, the one
// connection, also while a write runs), or for another process's lock (the
// busy timeout). kNo fails such a read at once with UNAVAILABLE instead, for
// a caller that must never block (the gateway's reader thread, which then
// hands the call to a worker that may wait).
enum class Wait { kYes, kNo };

// The journal, stored in one SQLite file.
// Owned by the gateway; one instance per process.
// Thread-safe: every method may be called from any thread; each method is one
// transaction. Writes share one connection, serialized by mu_. Reads take
// one of a few read-only connections instead (one per core plus two, at most
// 8), lent to one read at a time, so that they run in parallel with each other
// and with a write in progress (WAL: a read sees the last commit, so a read
// that starts after a write has returned sees that write). A journal opened
// by URI keeps every read on the one connection.
class JournalStore {
 public:
  // Opens or creates the database at `path` (parent directory created 0700,
  // file created 0600). WAL mode, foreign keys on, busy timeout 5 s.
  // The first call turns SQLite's allocation statistics off for the process
  // (SQLITE_CONFIG_MEMSTATUS: sqlite3_memory_used and heap limits stop
  // counting), if nothing has initialized SQLite yet.
  // `path` may also be an SQLite URI ("file:/path/journal.db?mode=ro") naming
  // an existing journal; nothing is created for it. A journal that can only
  // be read (mode=ro, or a file without write permission) is served
  // read-only if its schema is current: reads work, and every write fails
  // with FAILED_PRECONDITION saying that the journal is read-only.
  static absl::StatusOr<std::unique_ptr<JournalStore>> Open(
      const std::string& path);
  ~JournalStore();
  JournalStore(const JournalStore&) = delete;
  JournalStore& operator=(const JournalStore&) = delete;

  // Whether writes are refused (see Open).
  bool read_only() const { return read_only_; }
  // The database file's absolute path, also when opened by URI.
  const std::string& file_path() const { return file_path_; }

  // INVALID_ARGUMENT for an empty title, an entry_date that is not a real
  // YYYY-MM-DD date, or fields longer than the documented limits.
  absl::StatusOr<Entry> CreateEntry(const NewEntry& entry);
  // Creates all of `entries` in one transaction, or none (INVALID_ARGUMENT
  // names the first bad one by index). For imports and benchmarks.
  absl::Status ImportEntries(const std::vector<NewEntry>& entries);
  // The same for `count` entries that `make(i, entry)` fills in one at a
  // time (entry starts empty), so that big imports need not sit in memory.
  absl::Status ImportEntries(int64_t count,
                             absl::FunctionRef<void(int64_t, NewEntry&)> make);
  absl::StatusOr<std::vector<Entry>> ListEntries(const ListEntriesQuery& query);
  // From per-day and per-year aggregates kept by triggers (schema v4): cost
  // grows with the days of the year, not with the entries.
  absl::StatusOr<YearStats> ComputeYearStats(int year);
  // The same figures from the base tables alone, scanning the year's entries
  // (slow on big journals). For tests and consistency checks.
  absl::StatusOr<YearStats> ComputeYearStatsFromEntries(int year);
  absl::StatusOr<ConnectionSettings> GetConnectionSettings();

  // NOT_FOUND messages name the id ("no entry with id 42"). With Wait::kNo,
  // UNAVAILABLE when every read connection is in use or another process
  // locks the journal.
  absl::StatusOr<Entry> GetEntry(int64_t id, Wait wait = Wait::kYes);
  // Validates like CreateEntry (an entry_date must be set, not empty).
  // Recomputes word_count when content changes; bumps updated_at unless the
  // update sets nothing, in which case the entry is returned unchanged.
  absl::StatusOr<Entry> UpdateEntry(int64_t id, const EntryUpdate& update);
  absl::Status DeleteEntry(int64_t id);  // unlinks its tags
  // The newest entries by entry_date then id, at most `limit` (1..200).
  absl::StatusOr<std::vector<Entry>> RecentEntries(int limit);

  // ALREADY_EXISTS for a name that exists ignoring ASCII case.
  absl::StatusOr<Tag> CreateTag(const NewTag& tag);
  absl::StatusOr<Tag> GetTag(int64_t id, Wait wait = Wait::kYes);
  absl::StatusOr<std::vector<Tag>> ListTags();  // by name
  // ALREADY_EXISTS when renaming onto another tag's name; a tag may take
  // another spelling of its own name.
  absl::StatusOr<Tag> UpdateTag(int64_t id, const TagUpdate& update);
  // Unlinks it from every entry and bumps those entries' updated_at.
  absl::Status DeleteTag(int64_t id);
  // Idempotent: adding a present link or removing an absent one is OK; a
  // link that changes bumps the entry's updated_at. NOT_FOUND names the
  // missing entry or tag; INVALID_ARGUMENT when the entry has 20 tags.
  absl::StatusOr<Entry> AddTagToEntry(int64_t entry_id, int64_t tag_id);
  absl::StatusOr<Entry> RemoveTagFromEntry(int64_t entry_id, int64_t tag_id);

  // INVALID_ARGUMENT for a malformed id, year, quality or negative sizes;
  // ALREADY_EXISTS for an id recorded before.
  absl::Status RecordVideo(const VideoRecord& video);
  absl::StatusOr<VideoRecord> GetVideo(const std::string& id);
  absl::StatusOr<std::vector<VideoRecord>> ListVideos();  // newest first

 private:
  class ReadLock;
  class ReadConnection;      // journal_store.cc
  class ReadConnectionPool;  // journal_store.cc

  JournalStore(sqlite3* db, bool read_only, std::string file_path,
               size_t read_connections);
  absl::StatusOr<YearStats> ComputeYearStatsImpl(int year, bool from_entries);

  const bool read_only_;
  const std::string file_path_;
  absl::Mutex mu_;
  sqlite3* db_ ABSL_GUARDED_BY(mu_);
  // db_'s prepared statements, reused across calls.
  std::unique_ptr<StatementCache> statements_ ABSL_GUARDED_BY(mu_);
  // The reads' connections; null for a URI journal. Thread-safe itself.
  std::unique_ptr<ReadConnectionPool> readers_;
};

}  // namespace stopframe::journal

#endif  // STOPFRAME_GATEWAY_JOURNAL_JOURNAL_STORE_H_
