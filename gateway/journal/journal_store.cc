#include "gateway/journal/journal_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/journal/journal_file.h"
#include "gateway/journal/schema.h"
#include "gateway/journal/sqlite_statement.h"
#include "gateway/journal/status_macros.h"
#include "gateway/journal/validation.h"
#include "gateway/journal/year_stats_queries.h"

namespace stopframe::journal {
namespace {

constexpr int kMaxPageSize = 200;
constexpr int kBusyTimeoutMs = 5000;

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

// ---- Queries ---------------------------------------------------------------

constexpr char kEntryColumns[] =
    "id, title, content, mood, location, weather, is_private, is_favorite, "
    "entry_date, word_count, created_at, updated_at";
constexpr int kEntryColumnCount = 12;  // ReadEntry reads columns 0..11
static_assert(std::ranges::count(std::string_view(kEntryColumns), ',') + 1 ==
              kEntryColumnCount);

Entry ReadEntry(const Statement& stmt) {
  Entry e;
  e.id = stmt.Int(0);
  e.title = stmt.Text(1);
  e.content = stmt.Text(2);
  e.mood = stmt.OptionalText(3);
  e.location = stmt.OptionalText(4);
  e.weather = stmt.OptionalText(5);
  e.is_private = stmt.Int(6) != 0;
  e.is_favorite = stmt.Int(7) != 0;
  e.entry_date = stmt.Text(8);
  e.word_count = static_cast<int>(stmt.Int(9));
  e.created_at = stmt.Text(10);
  e.updated_at = stmt.Text(11);
  return e;
}

// The order of tags.name's NOCASE collation, as SQLite compares: ASCII
// letters folded, bytes unsigned, and nothing after a NUL both share at the
// same place (then the shorter name comes first).
bool NoCaseLess(const std::string& a, const std::string& b) {
  const size_t common = std::min(a.size(), b.size());
  for (size_t i = 0; i < common; ++i) {
    const auto x = static_cast<unsigned char>(absl::ascii_tolower(a[i]));
    const auto y = static_cast<unsigned char>(absl::ascii_tolower(b[i]));
    if (x != y) return x < y;
    if (x == 0) break;
  }
  return a.size() < b.size();
}

// Loads entries matching `where` (constant SQL over `entries` with named
// parameters, never user text) in `order` (constant SQL), at most `limit`,
// with their tags. `bind` binds the parameters of `where`, on the entries'
// statement and on a page's tags statement.
template <typename BindFn>
absl::StatusOr<std::vector<Entry>> LoadEntries(StatementCache& db,
                                               absl::string_view where,
                                               absl::string_view order,
                                               int limit, BindFn bind) {
  const std::string page =
      absl::StrCat("SELECT ", kEntryColumns, " FROM entries WHERE ", where,
                   " ORDER BY ", order, " LIMIT :limit");
  JOURNAL_ASSIGN_OR_RETURN(Statement entries, Statement::Prepare(db, page));
  JOURNAL_RETURN_IF_ERROR(bind(entries));
  JOURNAL_RETURN_IF_ERROR(entries.BindInt(":limit", limit));
  std::vector<Entry> result;
  while (true) {
    JOURNAL_ASSIGN_OR_RETURN(const bool row, entries.Step());
    if (!row) break;
    result.push_back(ReadEntry(entries));
  }
  if (result.empty()) return result;

  // The tags, in the same transaction, so they belong to the same rows: the
  // page's filter as a subquery. The query does not sort: SQLite sorts (and
  // holds an IN list) in a temporary b-tree, which was most of the cost of
  // a read. The lists are sorted here.
  std::unordered_map<int64_t, Entry*> by_id;
  for (Entry& e : result) by_id[e.id] = &e;
  JOURNAL_RETURN_IF_ERROR(ForEachRow(
      db,
      absl::StrCat("SELECT et.entry_id, t.name FROM entry_tags AS et "
                   "JOIN tags AS t ON t.id = et.tag_id "
                   "WHERE et.entry_id IN (SELECT id FROM entries WHERE ",
                   where, " ORDER BY ", order, " LIMIT :limit)"),
      [&](Statement& s) -> absl::Status {
        JOURNAL_RETURN_IF_ERROR(bind(s));
        return s.BindInt(":limit", limit);
      },
      [&](const Statement& s) {
        if (auto it = by_id.find(s.Int(0)); it != by_id.end()) {
          it->second->tags.push_back(s.Text(1));
        }
      }));
  for (Entry& e : result) std::sort(e.tags.begin(), e.tags.end(), NoCaseLess);
  return result;
}

absl::Status EntryNotFound(int64_t id) {
  return absl::NotFoundError(
      absl::StrCat("no entry with id ", id,
                   "; use the id of an existing entry (list the entries to "
                   "see them)"));
}

absl::Status TagNotFound(int64_t id) {
  return absl::NotFoundError(absl::StrCat(
      "no tag with id ", id,
      "; use the id of an existing tag (list the tags to see them)"));
}

// One entry and its tags in one statement, so that it reads one snapshot
// without a transaction of its own: the entry's row (its last column NULL)
// and a row per tag (only the last column, the name, set), in any order.
// Not a join, which would repeat the entry's content, up to 100 kB, on
// every tag's row.
absl::StatusOr<Entry> LoadEntry(StatementCache& db, int64_t id) {
  static const std::string* const kSql = new std::string(absl::StrCat(
      "SELECT ", kEntryColumns,
      ", NULL FROM entries WHERE id = :id "
      "UNION ALL SELECT ",
      absl::StrJoin(std::vector<std::string>(kEntryColumnCount, "NULL"), ", "),
      ", t.name FROM entry_tags AS et JOIN tags AS t ON t.id = et.tag_id "
      "WHERE et.entry_id = :id"));
  std::optional<Entry> entry;
  std::vector<std::string> tags;
  JOURNAL_RETURN_IF_ERROR(ForEachRow(
      db, *kSql, [id](Statement& s) { return s.BindInt(":id", id); },
      [&](const Statement& s) {
        if (s.Null(0)) {  // entries.id is never NULL: a tag's row
          tags.push_back(s.Text(kEntryColumnCount));
        } else {
          entry = ReadEntry(s);
        }
      }));
  if (!entry) return EntryNotFound(id);
  std::sort(tags.begin(), tags.end(), NoCaseLess);
  entry->tags = std::move(tags);
  return *std::move(entry);
}

// Whether `sql` (constant, with one :id parameter) returns a row for `id`.
absl::StatusOr<bool> RowExists(sqlite3* db, absl::string_view sql, int64_t id) {
  JOURNAL_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(db, sql));
  JOURNAL_RETURN_IF_ERROR(stmt.BindInt(":id", id));
  return stmt.Step();
}

absl::Status CheckEntryExists(sqlite3* db, int64_t id) {
  JOURNAL_ASSIGN_OR_RETURN(
      const bool found,
      RowExists(db, "SELECT 1 FROM entries WHERE id = :id", id));
  return found ? absl::OkStatus() : EntryNotFound(id);
}

absl::Status CheckTagExists(sqlite3* db, int64_t id) {
  JOURNAL_ASSIGN_OR_RETURN(
      const bool found, RowExists(db, "SELECT 1 FROM tags WHERE id = :id", id));
  return found ? absl::OkStatus() : TagNotFound(id);
}

// Inserts entries and links tags with statements prepared once, so that an
// import of many entries prepares nothing per entry. Owned by one method
// call; used under mu_ inside the caller's write transaction.
class EntryWriter {
 public:
  static absl::StatusOr<EntryWriter> Prepare(sqlite3* db) {
    JOURNAL_ASSIGN_OR_RETURN(
        Statement insert_entry,
        Statement::Prepare(
            db,
            "INSERT INTO entries (title, content, mood, location, weather, "
            "is_private, is_favorite, entry_date, word_count, created_at, "
            "updated_at) VALUES (:title, :content, :mood, :location, "
            ":weather, :is_private, :is_favorite, :entry_date, :word_count, "
            ":now, :now)"));
    // tags.name is COLLATE NOCASE, so "=" matches case-insensitively.
    JOURNAL_ASSIGN_OR_RETURN(
        Statement find_tag,
        Statement::Prepare(db, "SELECT id FROM tags WHERE name = :name"));
    JOURNAL_ASSIGN_OR_RETURN(
        Statement insert_tag,
        Statement::Prepare(db,
                           "INSERT INTO tags (name, created_at, updated_at) "
                           "VALUES (:name, :now, :now)"));
    JOURNAL_ASSIGN_OR_RETURN(
        Statement link,
        Statement::Prepare(
            db,
            "INSERT OR IGNORE INTO entry_tags (entry_id, tag_id) "
            "VALUES (:entry_id, :tag_id)"));
    return EntryWriter(db, std::move(insert_entry), std::move(find_tag),
                       std::move(insert_tag), std::move(link));
  }

  // Inserts one validated entry and links its tags. Returns the new id.
  absl::StatusOr<int64_t> Insert(const NewEntry& entry, const ValidEntry& valid,
                                 const std::string& timestamp) {
    Statement& insert = insert_entry_;
    insert.Reset();
    JOURNAL_RETURN_IF_ERROR(insert.BindText(":title", valid.title));
    JOURNAL_RETURN_IF_ERROR(insert.BindText(":content", entry.content));
    JOURNAL_RETURN_IF_ERROR(insert.BindOptionalText(":mood", entry.mood));
    JOURNAL_RETURN_IF_ERROR(
        insert.BindOptionalText(":location", entry.location));
    JOURNAL_RETURN_IF_ERROR(insert.BindOptionalText(":weather", entry.weather));
    JOURNAL_RETURN_IF_ERROR(insert.BindInt(":is_private", entry.is_private));
    JOURNAL_RETURN_IF_ERROR(insert.BindInt(":is_favorite", entry.is_favorite));
    JOURNAL_RETURN_IF_ERROR(insert.BindText(":entry_date", valid.entry_date));
    JOURNAL_RETURN_IF_ERROR(insert.BindInt(":word_count", valid.word_count));
    JOURNAL_RETURN_IF_ERROR(insert.BindText(":now", timestamp));
    JOURNAL_RETURN_IF_ERROR(insert.Run());
    const int64_t id = sqlite3_last_insert_rowid(db_);
    JOURNAL_RETURN_IF_ERROR(LinkTags(id, valid.tags, timestamp));
    return id;
  }

  // Links `entry_id` to the tags named `names` (validated), creating missing
  // tags. Links that exist already are kept.
  absl::Status LinkTags(int64_t entry_id, const std::vector<std::string>& names,
                        const std::string& now) {
    for (const std::string& name : names) {
      JOURNAL_ASSIGN_OR_RETURN(const int64_t tag_id,
                               FindOrCreateTag(name, now));
      link_.Reset();
      JOURNAL_RETURN_IF_ERROR(link_.BindInt(":entry_id", entry_id));
      JOURNAL_RETURN_IF_ERROR(link_.BindInt(":tag_id", tag_id));
      JOURNAL_RETURN_IF_ERROR(link_.Run());
    }
    return absl::OkStatus();
  }

 private:
  EntryWriter(sqlite3* db, Statement insert_entry, Statement find_tag,
              Statement insert_tag, Statement link)
      : db_(db),
        insert_entry_(std::move(insert_entry)),
        find_tag_(std::move(find_tag)),
        insert_tag_(std::move(insert_tag)),
        link_(std::move(link)) {}

  absl::StatusOr<int64_t> FindOrCreateTag(const std::string& name,
                                          const std::string& now) {
    find_tag_.Reset();
    JOURNAL_RETURN_IF_ERROR(find_tag_.BindText(":name", name));
    JOURNAL_ASSIGN_OR_RETURN(const bool found, find_tag_.Step());
    if (found) {
      const int64_t id = find_tag_.Int(0);
      // A statement left on a row keeps the connection's read open past
      // COMMIT, and SQLite then refuses every checkpoint on it: the
      // write-ahead log would grow for as long as the gateway runs.
      find_tag_.Reset();
      return id;
    }
    insert_tag_.Reset();
    JOURNAL_RETURN_IF_ERROR(insert_tag_.BindText(":name", name));
    JOURNAL_RETURN_IF_ERROR(insert_tag_.BindText(":now", now));
    JOURNAL_RETURN_IF_ERROR(insert_tag_.Run());
    return sqlite3_last_insert_rowid(db_);
  }

  sqlite3* db_;
  Statement insert_entry_;
  Statement find_tag_;
  Statement insert_tag_;
  Statement link_;
};

// Marks an entry as changed now (its tag links changed).
absl::Status TouchEntry(sqlite3* db, int64_t id, const std::string& now) {
  JOURNAL_ASSIGN_OR_RETURN(
      Statement touch,
      Statement::Prepare(
          db, "UPDATE entries SET updated_at = :now WHERE id = :id"));
  JOURNAL_RETURN_IF_ERROR(touch.BindText(":now", now));
  JOURNAL_RETURN_IF_ERROR(touch.BindInt(":id", id));
  return touch.Run();
}

// The tag use count is served by entry_tags_by_tag_id.
constexpr char kTagQuery[] =
    "SELECT t.id, t.name, t.description, t.created_at, t.updated_at, "
    "(SELECT COUNT(*) FROM entry_tags AS et WHERE et.tag_id = t.id) "
    "FROM tags AS t ";

Tag ReadTag(const Statement& stmt) {
  Tag t;
  t.id = stmt.Int(0);
  t.name = stmt.Text(1);
  t.description = stmt.OptionalText(2);
  t.created_at = stmt.Text(3);
  t.updated_at = stmt.Text(4);
  t.entry_count = stmt.Int(5);
  return t;
}

// From the cache: get_tag, a read by id, is served on the reader thread.
absl::StatusOr<Tag> LoadTag(StatementCache& db, int64_t id) {
  static const std::string* const kSql =
      new std::string(absl::StrCat(kTagQuery, "WHERE t.id = :id"));
  JOURNAL_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(db, *kSql));
  JOURNAL_RETURN_IF_ERROR(stmt.BindInt(":id", id));
  JOURNAL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return TagNotFound(id);
  return ReadTag(stmt);
}

// ALREADY_EXISTS when a tag other than `except_id` is called `name`,
// ignoring ASCII case.
absl::Status CheckTagNameFree(sqlite3* db, const std::string& name,
                              int64_t except_id) {
  JOURNAL_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(
          db, "SELECT id, name FROM tags WHERE name = :name AND id <> :id"));
  JOURNAL_RETURN_IF_ERROR(stmt.BindText(":name", name));
  JOURNAL_RETURN_IF_ERROR(stmt.BindInt(":id", except_id));
  JOURNAL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return absl::OkStatus();
  return absl::AlreadyExistsError(absl::StrCat(
      "a tag named \"", stmt.Text(1), "\" already exists (id ", stmt.Int(0),
      "); use that tag, or choose a name that differs by more than case"));
}

constexpr char kVideoColumns[] =
    "id, year, quality, bytes, frames, duration_seconds, created_at";

VideoRecord ReadVideo(const Statement& stmt) {
  VideoRecord v;
  v.id = stmt.Text(0);
  v.year = static_cast<int>(stmt.Int(1));
  v.quality = stmt.Text(2);
  v.bytes = stmt.Int(3);
  v.frames = stmt.Int(4);
  v.duration_seconds = stmt.Double(5);
  v.created_at = stmt.Text(6);
  return v;
}

}  // namespace

// One read-only connection to the journal and its prepared statements.
// Owned by a ReadConnectionPool, which lends it to one read at a time: only
// the thread that borrowed it uses it until it is returned.
class JournalStore::ReadConnection {
 public:
  explicit ReadConnection(sqlite3* db)
      : db_(db), statements_(std::make_unique<StatementCache>(db)) {}
  ~ReadConnection() {
    statements_.reset();  // finalized before the connection closes
    sqlite3_close_v2(db_);
  }
  ReadConnection(const ReadConnection&) = delete;
  ReadConnection& operator=(const ReadConnection&) = delete;

  sqlite3* db() const { return db_; }
  StatementCache& statements() { return *statements_; }

 private:
  sqlite3* const db_;
  std::unique_ptr<StatementCache> statements_;
};

namespace {

// How many read connections a store keeps at most: one per core and two
// more, for the reader thread and a worker preempted while it holds one.
size_t ReadConnectionCount() {
  const unsigned cores = std::max(2u, std::thread::hardware_concurrency());
  return std::min<size_t>(8, cores + 2);
}

// A read-only connection to `file`, waiting at most `busy_timeout_ms` for
// another process's lock (0 for a read that must not wait).
absl::StatusOr<sqlite3*> OpenReadConnection(const std::string& file,
                                            int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  // No SQLite mutex: one thread at a time uses it (ReadConnectionPool).
  const int rc = sqlite3_open_v2(
      file.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, DbCloser> db(raw);
  if (rc != SQLITE_OK) {
    return SqliteError(db.get(), rc, "opening a read connection");
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), busy_timeout_ms);
  // Pages of the database file are read through the memory map rather than
  // copied into the page cache (which keeps SQLite's default size, 2 MB at
  // most, for pages still in the WAL). Needs no schema, hence no lock.
  JOURNAL_RETURN_IF_ERROR(ExecConstant(db.get(), "PRAGMA mmap_size=268435456"));
  return db.release();
}

}  // namespace

// The read connections of one store: lends each to one read at a time, most
// recently returned first (its pages and statements are warm), and opens
// one when none is idle and fewer than `max` exist, so a store that serves
// no reads opens none. Owned by JournalStore. Thread-safe.
class JournalStore::ReadConnectionPool {
 public:
  ReadConnectionPool(std::string file, size_t max)
      : file_(std::move(file)), max_(max) {}
  // Every connection must have been returned.
  ~ReadConnectionPool() = default;
  ReadConnectionPool(const ReadConnectionPool&) = delete;
  ReadConnectionPool& operator=(const ReadConnectionPool&) = delete;

  // A connection for one read, to be given back with Return. Null when all
  // are lent and `wait` is kNo (with kYes, waits for one). An error when a
  // new one cannot be opened: the caller reads on the store's own connection
  // then, and the next Borrow tries again.
  absl::StatusOr<ReadConnection*> Borrow(Wait wait) ABSL_LOCKS_EXCLUDED(mu_) {
    mu_.Lock();
    if (idle_.empty() && all_.size() + opening_ < max_) {
      ++opening_;
      mu_.Unlock();  // opening touches the file system: not under the lock
      absl::StatusOr<sqlite3*> db =
          OpenReadConnection(file_, wait == Wait::kNo ? 0 : kBusyTimeoutMs);
      absl::MutexLock l(&mu_);
      --opening_;
      if (!db.ok()) return db.status();
      all_.push_back(std::make_unique<ReadConnection>(*db));
      return all_.back().get();
    }
    if (idle_.empty() && wait == Wait::kNo) {
      mu_.Unlock();
      return nullptr;
    }
    mu_.Await(absl::Condition(
        +[](std::vector<ReadConnection*>* idle) { return !idle->empty(); },
        &idle_));
    ReadConnection* lent = idle_.back();
    idle_.pop_back();
    mu_.Unlock();
    return lent;
  }

  void Return(ReadConnection* connection) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock l(&mu_);
    idle_.push_back(connection);
  }

 private:
  const std::string file_;
  const size_t max_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<ReadConnection>> all_ ABSL_GUARDED_BY(mu_);
  std::vector<ReadConnection*> idle_ ABSL_GUARDED_BY(mu_);
  size_t opening_ ABSL_GUARDED_BY(mu_) = 0;  // being opened, not yet in all_
};

// A scoped hold on a connection for one read, used by the one thread that
// made it: a read connection borrowed from the store's pool if it has one,
// else (a URI journal, or a read connection that would not open) the store's
// own under its lock. With Wait::kNo it takes only what is free at once, and
// turns SQLite's busy timeout off while it holds it, so the read fails with
// SQLITE_BUSY (UNAVAILABLE) instead of waiting for another process. Check
// held() first: nothing is held when it is false.
class JournalStore::ReadLock {
 public:
  ReadLock(JournalStore* store, Wait wait) ABSL_NO_THREAD_SAFETY_ANALYSIS
      : store_(store),
        no_wait_(wait == Wait::kNo) {
    if (store->readers_ != nullptr) {
      absl::StatusOr<ReadConnection*> lent = store->readers_->Borrow(wait);
      if (lent.ok() && *lent == nullptr) return;  // all busy: would wait
      if (lent.ok()) {
        lent_ = *lent;
        Use(lent_->db(), &lent_->statements());
        return;
      }
    }
    if (!no_wait_) {
      store->mu_.Lock();
    } else if (!store->mu_.TryLock()) {
      return;
    }
    Use(store->db_, store->statements_.get());
  }
  ~ReadLock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (db_ == nullptr) return;
    if (no_wait_) sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    if (lent_ != nullptr) {
      store_->readers_->Return(lent_);
    } else {
      store_->mu_.Unlock();
    }
  }
  ReadLock(const ReadLock&) = delete;
  ReadLock& operator=(const ReadLock&) = delete;

  bool held() const { return db_ != nullptr; }
  sqlite3* db() { return db_; }
  StatementCache& statements() { return *statements_; }
  static absl::Status WouldWait() {
    return absl::UnavailableError(
        "the journal is busy with other requests; the read would wait");
  }

 private:
  void Use(sqlite3* db, StatementCache* statements) {
    db_ = db;
    statements_ = statements;
    if (no_wait_) sqlite3_busy_timeout(db_, 0);
  }

  JournalStore* const store_;
  const bool no_wait_;
  ReadConnection* lent_ = nullptr;  // from store_'s pool; else, if held, mu_
  sqlite3* db_ = nullptr;
  StatementCache* statements_ = nullptr;
};

JournalStore::JournalStore(sqlite3* db, bool read_only, std::string file_path,
                           size_t read_connections)
    : read_only_(read_only),
      file_path_(std::move(file_path)),
      db_(db),
      statements_(std::make_unique<StatementCache>(db)) {
  if (read_connections > 0) {
    readers_ =
        std::make_unique<ReadConnectionPool>(file_path_, read_connections);
  }
}

JournalStore::~JournalStore() {
  readers_.reset();  // closed first: the last connection cleans up the WAL
  absl::MutexLock l(&mu_);
  statements_.reset();  // finalized before the connection closes
  sqlite3_close_v2(db_);
}

absl::StatusOr<std::unique_ptr<JournalStore>> JournalStore::Open(
    const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError(
        "journal path is empty; give the database file a path");
  }
  // SQLite as built by default (and by Debian) counts every allocation under
  // one global mutex (SQLITE_DEFAULT_MEMSTATUS=1), which parallel reads then
  // queue on. Nothing here reads the counts. Must precede SQLite's
  // initialization: where something else initialized it first, this fails
  // and changes nothing. Once per process (a function-local static).
  [[maybe_unused]] static const int memstatus_off =
      sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  // A URI names an existing journal and may carry options (mode=ro).
  const bool is_uri = absl::StartsWith(path, "file:");
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (is_uri) {
    flags |= SQLITE_OPEN_URI;
  } else {
    JOURNAL_RETURN_IF_ERROR(CreateParentDirectories(path));
    JOURNAL_RETURN_IF_ERROR(CreatePrivateFile(path));
    flags |= SQLITE_OPEN_CREATE;
  }

  sqlite3* raw = nullptr;
  // No SQLite mutex: all use of the connection is serialized by mu_.
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<sqlite3, DbCloser> db(raw);
  if (rc != SQLITE_OK) {
    return SqliteError(db.get(), rc, absl::StrCat("opening ", path));
  }
  // mode=ro, or a file we may read but not write (SQLite then falls back to
  // reading): serve reads, and refuse every write with SQLITE_READONLY.
  const bool read_only = sqlite3_db_readonly(db.get(), "main") == 1;
  sqlite3_extended_result_codes(db.get(), 1);
  // Set before anything that may need a lock, including the pragmas below.
  if (const int brc = sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
      brc != SQLITE_OK) {
    return SqliteError(db.get(), brc, "setting the busy timeout");
  }

  if (!read_only) {  // a read-only connection cannot change the mode
    // The pragma reports the mode in effect; it silently stays put where WAL
    // is unsupported.
    JOURNAL_ASSIGN_OR_RETURN(
        const std::string mode,
        SwitchToWal(db.get(), absl::Milliseconds(kBusyTimeoutMs)));
    if (mode != "wal") {
      return absl::FailedPreconditionError(absl::StrCat(
          "journal database ", path, " cannot use WAL mode (got \"", mode,
          "\"); put it on a local file system"));
    }
  }
  // Per connection, and a no-op inside a transaction, so set it here.
  JOURNAL_RETURN_IF_ERROR(ExecConstant(db.get(), "PRAGMA foreign_keys=ON"));
  // The write-ahead log is reused from its start after each checkpoint, but
  // its file keeps the largest size it ever reached: after one big
  // transaction (a migration that fills aggregates for a big journal, an
  // import) it would stay that size on disk for as long as the gateway runs.
  // Past 8 MiB (twice the log between SQLite's automatic checkpoints), it is
  // cut back when it restarts.
  JOURNAL_RETURN_IF_ERROR(
      ExecConstant(db.get(), "PRAGMA journal_size_limit=8388608"));
  // Writes change index and aggregate pages all over a big journal (an
  // import of a million entries, most of all): keep them in memory. Reads
  // here only for a URI journal; read connections keep the default.
  JOURNAL_RETURN_IF_ERROR(ExecConstant(db.get(), "PRAGMA cache_size=-32768"));
  JOURNAL_RETURN_IF_ERROR(ExecConstant(db.get(), "PRAGMA mmap_size=268435456"));
  if (read_only) {
    // Nothing can be migrated; serve only a journal that needs nothing.
    JOURNAL_ASSIGN_OR_RETURN(const int64_t version, UserVersion(db.get()));
    const int64_t latest = LatestSchemaVersion();
    if (version != latest) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the journal database ", path,
          " is read-only and has schema version ", version,
          " where this build needs ", latest,
          "; make it writable so that it can be ",
          version == 0 ? "created" : "upgraded", ", then restart stopframe"));
    }
  } else {
    JOURNAL_RETURN_IF_ERROR(Migrate(db.get()));
  }
  // Private constructor, so no std::make_unique; ownership passes at once.
  const char* file = sqlite3_db_filename(db.get(), "main");
  std::string file_path = file != nullptr ? file : "";
  // A URI may carry options (mode=ro, vfs, ...) that a connection opened by
  // file name would not have: its reads stay on this one connection.
  const size_t readers =
      is_uri || file_path.empty() ? 0 : ReadConnectionCount();
  return std::unique_ptr<JournalStore>(
      new JournalStore(db.release(), read_only, std::move(file_path), readers));
}

absl::StatusOr<Entry> JournalStore::CreateEntry(const NewEntry& entry) {
  const absl::Time now = absl::Now();
  JOURNAL_ASSIGN_OR_RETURN(ValidEntry valid, Validate(entry, now));
  const std::string timestamp = Timestamp(now);

  absl::MutexLock l(&mu_);
  JOURNAL_ASSIGN_OR_RETURN(Transaction tx,
                           Transaction::BeginWrite(*statements_));
  JOURNAL_ASSIGN_OR_RETURN(EntryWriter writer, EntryWriter::Prepare(db_));
  JOURNAL_ASSIGN_OR_RETURN(int64_t id, writer.Insert(entry, valid, timestamp));
  // Read back what was stored, e.g. existing tags keep their own spelling.
  JOURNAL_ASSIGN_OR_RETURN(Entry stored, LoadEntry(*statements_, id));
  JOURNAL_RETURN_IF_ERROR(tx.Commit());
  return stored;
}

absl::Status JournalStore::ImportEntries(const std::vector<NewEntry>& entries) {
  return ImportEntries(static_cast<int64_t>(entries.size()),
                       [&](int64_t i, NewEntry& entry) { entry = entries[i]; });
}

absl::Status JournalStore::ImportEntries(
    int64_t count, absl::FunctionRef<void(int64_t, NewEntry&)> make) {
  const absl::Time now = absl::Now();
  const std::string timestamp = Timestamp(now);
  absl::MutexLock l(&mu_);
  JOURNAL_ASSIGN_OR_RETURN(Transaction tx,
                           Transaction::BeginWrite(*statements_));
  JOURNAL_ASSIGN_OR_RETURN(EntryWriter writer, EntryWriter::Prepare(db_));
  NewEntry entry;
  for (int64_t i = 0; i < count; ++i) {
    entry = NewEntry();
    make(i, entry);
    absl::StatusOr<ValidEntry> v = Validate(entry, now);
    if (!v.ok()) {  // the transaction rolls back: nothing was written
      return absl::InvalidArgumentError(
          absl::StrCat("entry ", i, ": ", v.status().message()));
    }
    JOURNAL_RETURN_IF_ERROR(writer.Insert(entry, *v, timestamp).status());
  }
  return tx.Commit();
}

absl::StatusOr<std::vector<Entry>> JournalStore::ListEntries(
    const ListEntriesQuery& query) {
  if (query.limit < 1 || query.limit > kMaxPageSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "limit ", query.limit, " is out of range; use 1 to ", kMaxPageSize));
  }
  if (query.month.has_value()) {
    if (!query.year.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("month ", *query.month,
                       " needs a year; give the year too, or drop the month"));
    }
    if (*query.month < 1 || *query.month > 12) {
      return absl::InvalidArgumentError(absl::StrCat(
          "month ", *query.month, " is out of range; use 1 to 12"));
    }
  }
  std::string tag;
  if (query.tag.has_value()) {
    tag = std::string(absl::StripAsciiWhitespace(*query.tag));
    if (tag.empty()) {
      return absl::InvalidArgumentError(
          "tag is empty; give a tag name to filter by, or leave tag unset");
    }
  }

  // Every condition is constant SQL; values go through named parameters.
  std::vector<std::string> conditions;
  std::string from;
  std::string to;
  if (query.year.has_value()) {
    JOURNAL_RETURN_IF_ERROR(CheckYear(*query.year));
    if (query.month.has_value()) {
      const std::string year_month =
          absl::StrCat(absl::Dec(*query.year, absl::kZeroPad4), "-",
                       absl::Dec(*query.month, absl::kZeroPad2), "-");
      from = absl::StrCat(year_month, "01");
      to = absl::StrCat(year_month, DaysInMonth(*query.year, *query.month));
    } else {
      from = YearBound(*query.year, "-01-01");
      to = YearBound(*query.year, "-12-31");
    }
    // entries_by_entry_date (or entries_by_favorite) serves the range.
    conditions.push_back("entry_date BETWEEN :from AND :to");
  }
  if (query.tag.has_value()) {
    // tags.name is COLLATE NOCASE; an unknown name simply matches nothing.
    conditions.push_back(
        "id IN (SELECT et.entry_id FROM entry_tags AS et "
        "JOIN tags AS t ON t.id = et.tag_id WHERE t.name = :tag)");
  }
  if (query.favorite.has_value()) {
    conditions.push_back("is_favorite = :favorite");
  }
  conditions.push_back("id > :after_id");
  const std::string where = absl::StrJoin(conditions, " AND ");
  const auto bind = [&](Statement& s) -> absl::Status {
    if (query.year.has_value()) JOURNAL_RETURN_IF_ERROR(BindYear(s, from, to));
    if (query.tag.has_value()) JOURNAL_RETURN_IF_ERROR(s.BindText(":tag", tag));
    if (query.favorite.has_value()) {
      JOURNAL_RETURN_IF_ERROR(s.BindInt(":favorite", *query.favorite ? 1 : 0));
    }
    return s.BindInt(":after_id", query.after_id);
  };

  ReadLock l(this, Wait::kYes);
  JOURNAL_ASSIGN_OR_RETURN(Transaction tx,
                           Transaction::BeginRead(l.statements()));
  JOURNAL_ASSIGN_OR_RETURN(
      std::vector<Entry> entries,
      LoadEntries(l.statements(), where, "id", query.limit, bind));
  JOURNAL_RETURN_IF_ERROR(tx.Commit());
  return entries;
}

absl::StatusOr<Entry> JournalStore::GetEntry(int64_t id, Wait wait) {
  ReadLock l(this, wait);
  if (!l.held()) return l.WouldWait();
  return LoadEntry(l.statements(), id);  // one statement: its own snapshot
}

absl::StatusOr<Entry> JournalStore::UpdateEntry(int64_t id,
                                                const EntryUpdate& update) {
  JOURNAL_ASSIGN_OR_RETURN(const ValidUpdate valid, Validate(update));
  const std::string timestamp = Timestamp(absl::Now());

  // Only the fields being changed appear in SET; each is constant SQL.
  std::vector<std::string> sets;
  if (valid.title) sets.push_back("title = :title");
  if (update.content) {
    sets.push_back("content = :content");
    sets.push_back("word_count = :word_count");
  }
  if (update.mood) sets.push_back("mood = :mood");
  if (update.location) sets.push_back("location = :location");
  if (update.weather) sets.push_back("weather = :weather");
  if (update.is_private) sets.push_back("is_private = :is_private");
  if (update.is_favorite) sets.push_back("is_favorite = :is_favorite");
  if (update.entry_date) sets.push_back("entry_date = :entry_date");
  sets.push_back("updated_at = :now");

  absl::MutexLock l(&mu_);
  JOURNAL_ASSIGN_OR_RETURN(Transaction tx,
                           Transaction::BeginWrite(*statements_));
  JOURNAL_RETURN_IF_ERROR(CheckEntryExists(db_, id));
  if (!valid.empty) {
    JOURNAL_ASSIGN_OR_RETURN(
        Statement stmt,
        Statement::Prepare(
            db_, absl::StrCat("UPDATE entries SET ", absl::StrJoin(sets, ", "),
                              " WHERE id = :id")));
    JOURNAL_RETURN_IF_ERROR(stmt.BindInt(":id", id));
    JOURNAL_RETURN_IF_ERROR(stmt.BindText(":now", timestamp));
    if (valid.title)
      JOURNAL_RETURN_IF_ERROR(stmt.BindText(":title", *valid.title));
    if (update.content) {
      JOURNAL_RETURN_IF_ERROR(stmt.BindText(":content", *update.content));
      JOURNAL_RETURN_IF_ERROR(stmt.BindInt(":word_count", *valid.word_count));
    }
    if (update.mood) {
      JOURNAL_RETURN_IF_ERROR(stmt.BindOptionalText(":mood", *update.mood));
    }
    if (update.location) {
      JOURNAL_RETURN_IF_ERROR(
          stmt.BindOptionalText(":location", *update.location));
    }
    if (update.weather) {
      JOURNAL_RETURN_IF_ERROR(
          stmt.BindOptionalText(":weather", *update.weather));
    }
    if (update.is_private) {
      JOURNAL_RETURN_IF_ERROR(stmt.BindInt(":is_private", *update.is_private));
    }
    if (update.is_favorite) {
      JOURNAL_RETURN_IF_ERROR(
          stmt.BindInt(":is_favorite", *update.is_favorite));
    }
    if (update.entry_date) {
      JOURNAL_RETURN_IF_ERROR(stmt.BindText(":entry_date", *update.entry_date));
    }
    JOURNAL_RETURN_IF_ERROR(stmt.Run());
  }
  if (valid.tags) {
    JOURNAL_ASSIGN_OR_RETURN(
        Statement unlink,
        Statement::Prepare(*statements_,
                           "DELETE FROM entry_tags WHERE entry_id = :id"));
    JOURNAL_RETURN_IF_ERROR(unlink.BindInt(":id", id));
    JOURNAL_RETURN_IF_ERROR(unlink.Run());
    JOURNAL_ASSIGN_OR_RETURN(EntryWriter writer, EntryWriter::Prepare(db_));
    JOURNAL_RETURN_IF_ERROR(writer.LinkTags(id, *valid.tags, timestamp));
  }
  JOURNAL_ASSIGN_OR_RETURN(Entry stored, LoadEntry(*statements_, id));
  JOURNAL_RETURN_IF_ERROR(tx.Commit());
  return stored;
}

absl::Status JournalStore::DeleteEntry(int64_t id) {
  absl::MutexLock l(&mu_);
  JOURNAL_ASSIGN_OR_RETURN(Transaction tx,
                           Transaction::BeginWrite(*statements_));
  // entry_tags rows go with it (ON DELETE CASCADE).
  JOURNAL_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(*statements_, "DELETE FROM entries WHERE id = :id"));
  JOURNAL_RETURN_IF_ERROR(stmt.BindInt(":id", id));
  JOURNAL_RETURN_IF_ERROR(stmt.Run());
  if (sqlite3_changes(db_) == 0) return EntryNotFound(id);
  return tx.Commit();
}

absl::StatusOr<std::vector<Entry>> JournalStore::RecentEntries(int limit) {
  if (limit < 1 || limit > kMaxPageSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "limit ", limit, " is out of range; use 1 to ", kMaxPageSize));
  }
  ReadLock l(this, Wait::kYes);
  JOURNAL_ASSIGN_OR_RETURN(Transaction tx,
                           Transaction::BeginRead(l.statements()));
  // Walks entries_by_entry_date backwards.
  JOURNAL_ASSIGN_OR_RETURN(
      std::vector<Entry> entries,
      LoadEntries(l.statements(), "1", "entry_date DESC, id DESC", limit,
                  [](Statement&) { return absl::OkStatus(); }));
  JOURNAL_RETURN_IF_ERROR(tx.Commit());
  return entries;
}

absl::StatusOr<Tag> JournalStore::CreateTag(const NewTag& tag) {
  JOURNAL_ASSIGN_OR_RETURN(const std::string name, ValidNewTagName(tag.name));
  JOURNAL_RETURN_IF_ERROR(CheckDescription(tag.description));
  const std::string timestamp = Timestamp(absl::Now());

  absl::MutexLock l(&mu_);
  JOURNAL_ASSIGN_OR_RETURN(Transaction tx,
                           Transaction::BeginWrite(*statements_));
  JOURNAL_RETURN_IF_ERROR(CheckTagNameFree(db_, name, 0));
  JOURNAL_ASSIGN_OR_RETURN(
      Statement insert,
      Statement::Prepare(
          db_,
          "INSERT INTO tags (name, description, created_at, "
          "updated_at) VALUES (:name, :description, :now, :now)"));
  JOURNAL_RETURN_IF_ERROR(insert.BindText(":name", name));
  JOURNAL_RETURN_IF_ERROR(
      insert.BindOptionalText(":description", tag.description));
  JOURNAL_RETURN_IF_ERROR(insert.BindText(":now", timestamp));
  JOURNAL_RETURN_IF_ERROR(insert.Run());
  JOURNAL_ASSIGN_OR_RETURN(
      Tag stored, LoadTag(*statements_, sqlite3_last_insert_rowid(db_)));
  JOURNAL_RETURN_IF_ERROR(tx.Commit());
  return stored;
}

absl::StatusOr<Tag> JournalStore::GetTag(int64_t id, Wait wait) {
  ReadLock l(this, wait);
  if (!l.held()) return l.WouldWait();
  return LoadTag(l.statements(), id);  // one statement: its own snapshot
}

absl::StatusOr<std::vector<Tag>> JournalStore::ListTags() {
  ReadLock l(this, Wait::kYes);
  JOURNAL_ASSIGN_OR_RETURN(Transaction tx,
                           Transaction::BeginRead(l.statements()));
  // NOCASE ordering by name; id breaks no ties (names are unique) but keeps
  // the order total.
  JOURNAL_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(l.statements(),
                         absl::StrCat(kTagQuery, "ORDER BY t.name, t.id")));
  std::vector<Tag> tags;
  while (true) {
    JOURNAL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    tags.push_back(ReadTag(stmt));
  }
  JOURNAL_RETURN_IF_ERROR(tx.Commit());
  return tags;
}

absl::StatusOr<Tag> JournalStore::UpdateTag(int64_t id,
                                            const TagUpdate& update) {
  std::optional<std::string> name;
  if (update.name.has_value()) {
    JOURNAL_ASSIGN_OR_RETURN(name, ValidNewTagName(*update.name));
  }
  if (update.description.has_value()) {
    JOURNAL_RETURN_IF_ERROR(CheckDescription(*update.description));
  }
  const std::string timestamp = Timestamp(absl::Now());

  absl::MutexLock l(&mu_);
  JOURNAL_ASSIGN_OR_RETURN(Transaction tx,
                           Transaction::BeginWrite(*statements_));
  JOURNAL_RETURN_IF_ERROR(CheckTagExists(db_, id));
  if (name.has_value() || update.description.has_value()) {
    // Renaming a tag to another spelling of its own name is fine.
    if (name.has_value())
      JOURNAL_RETURN_IF_ERROR(CheckTagNameFree(db_, *name, id));
    std::vector<std::string> sets;
    if (name.has_value()) sets.push_back("name = :name");
    if (update.description.has_value()) {
      sets.push_back("description = :description");
    }
    sets.push_back("updated_at = :now");
    JOURNAL_ASSIGN_OR_RETURN(
        Statement stmt,
        Statement::Prepare(
            db_, absl::StrCat("UPDATE tags SET ", absl::StrJoin(sets, ", "),
                              " WHERE id = :id")));
    JOURNAL_RETURN_IF_ERROR(stmt.BindInt(":id", id));
    JOURNAL_RETURN_IF_ERROR(stmt.BindText(":now", timestamp));
    if (name.has_value())
      JOURNAL_RETURN_IF_ERROR(stmt.BindText(":name", *name));
    if (update.description.has_value()) {
      JOURNAL_RETURN_IF_ERROR(
          stmt.BindOptionalText(":description", *update.description));
    }
    JOURNAL_RETURN_IF_ERROR(stmt.Run());
  }
  JOURNAL_ASSIGN_OR_RETURN(Tag stored, LoadTag(*statements_, id));
  JOURNAL_RETURN_IF_ERROR(tx.Commit());
  return stored;
}

absl::Status JournalStore::DeleteTag(int64_t id) {
  const std::string timestamp = Timestamp(absl::Now());
  absl::MutexLock l(&mu_);
  JOURNAL_ASSIGN_OR_RETURN(Transaction tx,
                           Transaction::BeginWrite(*statements_));
  JOURNAL_RETURN_IF_ERROR(CheckTagExists(db_, id));
  // The entries that lose the tag change too.
  JOURNAL_ASSIGN_OR_RETURN(
      Statement touch,
      Statement::Prepare(
          db_,
          "UPDATE entries SET updated_at = :now WHERE id IN "
          "(SELECT entry_id FROM entry_tags WHERE tag_id = :id)"));
  JOURNAL_RETURN_IF_ERROR(touch.BindText(":now", timestamp));
  JOURNAL_RETURN_IF_ERROR(touch.BindInt(":id", id));
  JOURNAL_RETURN_IF_ERROR(touch.Run());
  // entry_tags rows go with it (ON DELETE CASCADE).
  JOURNAL_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(*statements_, "DELETE FROM tags WHERE id = :id"));
  JOURNAL_RETURN_IF_ERROR(stmt.BindInt(":id", id));
  JOURNAL_RETURN_IF_ERROR(stmt.Run());
  return tx.Commit();
}

absl::StatusOr<Entry> JournalStore::AddTagToEntry(int64_t entry_id,
                                                  int64_t tag_id) {
  const std::string timestamp = Timestamp(absl::Now());
  absl::MutexLock l(&mu_);
  JOURNAL_ASSIGN_OR_RETURN(Transaction tx,
                           Transaction::BeginWrite(*statements_));
  JOURNAL_RETURN_IF_ERROR(CheckEntryExists(db_, entry_id));
  JOURNAL_RETURN_IF_ERROR(CheckTagExists(db_, tag_id));
  {
    JOURNAL_ASSIGN_OR_RETURN(
        Statement count,
        Statement::Prepare(
            db_,
            "SELECT COUNT(*), COALESCE(SUM(tag_id = :tag_id), 0) "
            "FROM entry_tags WHERE entry_id = :entry_id"));
    JOURNAL_RETURN_IF_ERROR(count.BindInt(":entry_id", entry_id));
    JOURNAL_RETURN_IF_ERROR(count.BindInt(":tag_id", tag_id));
    JOURNAL_ASSIGN_OR_RETURN(const bool row, count.Step());
    const int64_t tags = row ? count.Int(0) : 0;
    const bool linked = row && count.Int(1) != 0;
    if (!linked) {
      if (tags >= static_cast<int64_t>(kMaxTags)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "entry ", entry_id, " already has ", tags,
            " tags, the most an entry can have; remove one first"));
      }
      JOURNAL_ASSIGN_OR_RETURN(
          Statement link,
          Statement::Prepare(*statements_,
                             "INSERT INTO entry_tags (entry_id, tag_id) "
                             "VALUES (:entry_id, :tag_id)"));
      JOURNAL_RETURN_IF_ERROR(link.BindInt(":entry_id", entry_id));
      JOURNAL_RETURN_IF_ERROR(link.BindInt(":tag_id", tag_id));
      JOURNAL_RETURN_IF_ERROR(link.Run());
      JOURNAL_RETURN_IF_ERROR(TouchEntry(db_, entry_id, timestamp));
    }
  }
  JOURNAL_ASSIGN_OR_RETURN(Entry stored, LoadEntry(*statements_, entry_id));
  JOURNAL_RETURN_IF_ERROR(tx.Commit());
  return stored;
}

absl::StatusOr<Entry> JournalStore::RemoveTagFromEntry(int64_t entry_id,
                                                       int64_t tag_id) {
  const std::string timestamp = Timestamp(absl::Now());
  absl::MutexLock l(&mu_);
  JOURNAL_ASSIGN_OR_RETURN(Transaction tx,
                           Transaction::BeginWrite(*statements_));
  JOURNAL_RETURN_IF_ERROR(CheckEntryExists(db_, entry_id));
  JOURNAL_RETURN_IF_ERROR(CheckTagExists(db_, tag_id));
  JOURNAL_ASSIGN_OR_RETURN(
      Statement unlink,
      Statement::Prepare(*statements_,
                         "DELETE FROM entry_tags "
                         "WHERE entry_id = :entry_id AND tag_id = :tag_id"));
  JOURNAL_RETURN_IF_ERROR(unlink.BindInt(":entry_id", entry_id));
  JOURNAL_RETURN_IF_ERROR(unlink.BindInt(":tag_id", tag_id));
  JOURNAL_RETURN_IF_ERROR(unlink.Run());
  if (sqlite3_changes(db_) > 0) {
    JOURNAL_RETURN_IF_ERROR(TouchEntry(db_, entry_id, timestamp));
  }
  JOURNAL_ASSIGN_OR_RETURN(Entry stored, LoadEntry(*statements_, entry_id));
  JOURNAL_RETURN_IF_ERROR(tx.Commit());
  return stored;
}

absl::Status JournalStore::RecordVideo(const VideoRecord& video) {
  JOURNAL_RETURN_IF_ERROR(CheckVideo(video));
  const std::string timestamp = Timestamp(absl::Now());
  absl::MutexLock l(&mu_);
  JOURNAL_ASSIGN_OR_RETURN(Transaction tx,
                           Transaction::BeginWrite(*statements_));
  {
    JOURNAL_ASSIGN_OR_RETURN(
        Statement find,
        Statement::Prepare(*statements_,
                           "SELECT 1 FROM videos WHERE id = :id"));
    JOURNAL_RETURN_IF_ERROR(find.BindText(":id", video.id));
    JOURNAL_ASSIGN_OR_RETURN(const bool found, find.Step());
    if (found) {
      return absl::AlreadyExistsError(
          absl::StrCat("video ", video.id,
                       " is already recorded; record each video once, under "
                       "a fresh id"));
    }
  }
  JOURNAL_ASSIGN_OR_RETURN(
      Statement insert,
      Statement::Prepare(
          db_,
          "INSERT INTO videos (id, year, quality, bytes, frames, "
          "duration_seconds, created_at) VALUES (:id, :year, :quality, "
          ":bytes, :frames, :duration_seconds, :now)"));
  JOURNAL_RETURN_IF_ERROR(insert.BindText(":id", video.id));
  JOURNAL_RETURN_IF_ERROR(insert.BindInt(":year", video.year));
  JOURNAL_RETURN_IF_ERROR(insert.BindText(":quality", video.quality));
  JOURNAL_RETURN_IF_ERROR(insert.BindInt(":bytes", video.bytes));
  JOURNAL_RETURN_IF_ERROR(insert.BindInt(":frames", video.frames));
  JOURNAL_RETURN_IF_ERROR(
      insert.BindDouble(":duration_seconds", video.duration_seconds));
  JOURNAL_RETURN_IF_ERROR(insert.BindText(":now", timestamp));
  JOURNAL_RETURN_IF_ERROR(insert.Run());
  return tx.Commit();
}

absl::StatusOr<VideoRecord> JournalStore::GetVideo(const std::string& id) {
  JOURNAL_RETURN_IF_ERROR(CheckVideoId(id));
  ReadLock l(this, Wait::kYes);
  // One statement reads one row: its own implicit transaction is enough.
  JOURNAL_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(l.statements(),
                         absl::StrCat("SELECT ", kVideoColumns,
                                      " FROM videos WHERE id = :id")));
  JOURNAL_RETURN_IF_ERROR(stmt.BindText(":id", id));
  JOURNAL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) {
    return absl::NotFoundError(absl::StrCat(
        "no video with id ", id, "; use the id of a recorded video"));
  }
  return ReadVideo(stmt);
}

absl::StatusOr<std::vector<VideoRecord>> JournalStore::ListVideos() {
  ReadLock l(this, Wait::kYes);
  JOURNAL_ASSIGN_OR_RETURN(Transaction tx,
                           Transaction::BeginRead(l.statements()));
  // created_at has one-second resolution; rowid orders within a second.
  JOURNAL_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(l.statements(),
                         absl::StrCat("SELECT ", kVideoColumns,
                                      " FROM videos "
                                      "ORDER BY created_at DESC, rowid DESC")));
  std::vector<VideoRecord> videos;
  while (true) {
    JOURNAL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    videos.push_back(ReadVideo(stmt));
  }
  JOURNAL_RETURN_IF_ERROR(tx.Commit());
  return videos;
}

absl::StatusOr<YearStats> JournalStore::ComputeYearStats(int year) {
  return ComputeYearStatsImpl(year, /*from_entries=*/false);
}

absl::StatusOr<YearStats> JournalStore::ComputeYearStatsFromEntries(int year) {
  return ComputeYearStatsImpl(year, /*from_entries=*/true);
}

absl::StatusOr<YearStats> JournalStore::ComputeYearStatsImpl(
    int year, bool from_entries) {
  JOURNAL_RETURN_IF_ERROR(CheckYear(year));
  const std::string from = YearBound(year, "-01-01");
  const std::string to = YearBound(year, "-12-31");
  YearStats stats;
  stats.year = year;

  ReadLock l(this, Wait::kYes);
  // One read transaction: every figure comes from the same snapshot.
  JOURNAL_ASSIGN_OR_RETURN(Transaction tx, Transaction::BeginRead(l.db()));
  if (from_entries) {
    JOURNAL_RETURN_IF_ERROR(YearStatsFromEntries(l.db(), from, to, stats));
  } else {
    JOURNAL_RETURN_IF_ERROR(
        YearStatsFromAggregates(l.db(), year, from, to, stats));
  }
  if (stats.entries > 0) {
    JOURNAL_RETURN_IF_ERROR(QueryFavorites(l.db(), from, to, stats));
  }
  JOURNAL_RETURN_IF_ERROR(tx.Commit());
  return stats;
}

absl::StatusOr<ConnectionSettings> JournalStore::GetConnectionSettings() {
  absl::MutexLock l(&mu_);
  ConnectionSettings settings;
  // Constant pragma queries, each returning one row with one column.
  JOURNAL_ASSIGN_OR_RETURN(
      Statement mode, Statement::Prepare(*statements_, "PRAGMA journal_mode"));
  JOURNAL_ASSIGN_OR_RETURN(const bool has_mode, mode.Step());
  if (has_mode) settings.journal_mode = absl::AsciiStrToLower(mode.Text(0));
  JOURNAL_ASSIGN_OR_RETURN(
      Statement foreign_keys,
      Statement::Prepare(*statements_, "PRAGMA foreign_keys"));
  JOURNAL_ASSIGN_OR_RETURN(const bool has_fk, foreign_keys.Step());
  settings.foreign_keys = has_fk && foreign_keys.Int(0) != 0;
  JOURNAL_ASSIGN_OR_RETURN(
      Statement busy, Statement::Prepare(*statements_, "PRAGMA busy_timeout"));
  JOURNAL_ASSIGN_OR_RETURN(const bool has_busy, busy.Step());
  if (has_busy) settings.busy_timeout_ms = static_cast<int>(busy.Int(0));
  JOURNAL_ASSIGN_OR_RETURN(settings.schema_version, UserVersion(db_));
  return settings;
}

}  // namespace stopframe::journal

#undef JOURNAL_ASSIGN_OR_RETURN_IMPL
#undef JOURNAL_ASSIGN_OR_RETURN
#undef JOURNAL_CONCAT
#undef JOURNAL_CONCAT_INNER
#undef JOURNAL_RETURN_IF_ERROR
