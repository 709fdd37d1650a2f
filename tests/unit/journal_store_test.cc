#include "gateway/journal/journal_store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stopframe::journal {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::SizeIs;

constexpr char kTimestampRegex[] =
    "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z";

NewEntry MakeEntry(std::string title, std::string date,
                   std::string content = "some words here",
                   std::vector<std::string> tags = {}) {
  NewEntry e;
  e.title = std::move(title);
  e.entry_date = std::move(date);
  e.content = std::move(content);
  e.tags = std::move(tags);
  return e;
}

// Runs one statement on a separate raw connection and returns column
// `column` of every row as text, byte for byte (embedded NULs kept).
std::vector<std::string> QueryColumn(const std::string& path,
                                     const std::string& sql, int column = 0) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr),
            SQLITE_OK);
  std::vector<std::string> rows;
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    const auto* text =
        reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
    rows.emplace_back(text == nullptr ? "" : text,
                      static_cast<size_t>(sqlite3_column_bytes(stmt, column)));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

// The first column of the first row of `sql` (empty if none).
std::string QueryText(const std::string& path, const char* sql) {
  std::vector<std::string> rows = QueryColumn(path, sql);
  return rows.empty() ? "" : std::move(rows.front());
}

class JournalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = testing::TempDir() + "journal_store_test_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/journal/journal.db";
  }

  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::unique_ptr<JournalStore> OpenStore() {
    absl::StatusOr<std::unique_ptr<JournalStore>> store =
        JournalStore::Open(path_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  Entry Create(JournalStore& store, const NewEntry& entry) {
    absl::StatusOr<Entry> created = store.CreateEntry(entry);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *std::move(created) : Entry();
  }

  std::vector<Entry> List(JournalStore& store, ListEntriesQuery query) {
    absl::StatusOr<std::vector<Entry>> entries = store.ListEntries(query);
    EXPECT_TRUE(entries.ok()) << entries.status();
    return entries.ok() ? *std::move(entries) : std::vector<Entry>();
  }

  std::string dir_;
  std::string path_;
};

ListEntriesQuery Query(std::optional<int> year, int64_t after_id, int limit) {
  ListEntriesQuery query;
  query.year = year;
  query.after_id = after_id;
  query.limit = limit;
  return query;
}

std::vector<int64_t> Ids(const std::vector<Entry>& entries) {
  std::vector<int64_t> ids;
  for (const Entry& e : entries) ids.push_back(e.id);
  return ids;
}

void ExpectSameEntry(const Entry& a, const Entry& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.content, b.content);
  EXPECT_EQ(a.mood, b.mood);
  EXPECT_EQ(a.location, b.location);
  EXPECT_EQ(a.weather, b.weather);
  EXPECT_EQ(a.is_private, b.is_private);
  EXPECT_EQ(a.is_favorite, b.is_favorite);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.entry_date, b.entry_date);
  EXPECT_EQ(a.word_count, b.word_count);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.updated_at, b.updated_at);
}

TEST_F(JournalStoreTest, CreateAndListRoundTripWithTags) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);

  NewEntry first = MakeEntry("  First day  ", "2026-11-24",
                             "  Went to   the\tmarket\n", {"Travel", "food"});
  first.mood = "happy";
  first.location = "Lisbon";
  first.weather = "sunny";
  first.is_favorite = true;
  const Entry a = Create(*store, first);
  EXPECT_GT(a.id, 0);
  EXPECT_EQ(a.title, "First day");  // Trimmed.
  EXPECT_EQ(a.content, first.content);
  EXPECT_EQ(a.mood, "happy");
  EXPECT_EQ(a.location, "Lisbon");
  EXPECT_EQ(a.weather, "sunny");
  EXPECT_FALSE(a.is_private);
  EXPECT_TRUE(a.is_favorite);
  EXPECT_EQ(a.entry_date, "2026-11-24");
  EXPECT_EQ(a.word_count, 4);
  EXPECT_THAT(a.tags, ElementsAre("food", "Travel"));  // Sorted, NOCASE.
  EXPECT_THAT(a.created_at, MatchesRegex(kTimestampRegex));
  EXPECT_EQ(a.updated_at, a.created_at);

  // Existing tags are reused case-insensitively and keep their spelling;
  // duplicates within one entry collapse.
  NewEntry second = MakeEntry("Second", "2026-11-25", "",
                              {"travel", "WORK", "TRAVEL", " work "});
  second.is_private = true;
  const Entry b = Create(*store, second);
  EXPECT_GT(b.id, a.id);
  EXPECT_THAT(b.tags, ElementsAre("Travel", "WORK"));
  EXPECT_EQ(b.word_count, 0);
  EXPECT_TRUE(b.is_private);
  EXPECT_EQ(b.mood, std::nullopt);

  const std::vector<Entry> listed = List(*store, {});
  ASSERT_THAT(listed, SizeIs(2));
  ExpectSameEntry(listed[0], a);
  ExpectSameEntry(listed[1], b);

  store.reset();
  EXPECT_EQ(QueryText(path_, "SELECT COUNT(*) FROM tags"), "3");
  EXPECT_EQ(QueryText(path_, "SELECT COUNT(*) FROM entry_tags"), "4");
}

TEST_F(JournalStoreTest, EmptyDateMeansTodayUtc) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const std::string before =
      absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone());
  const Entry e = Create(*store, MakeEntry("Today", ""));
  const std::string after =
      absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone());
  EXPECT_TRUE(e.entry_date == before || e.entry_date == after) << e.entry_date;
}

TEST_F(JournalStoreTest, WordCountIsUnicodeAware) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  // No-break space and ideographic space separate words; accents don't.
  const Entry e =
      Create(*store,
             MakeEntry("Words", "2026-01-01",
                       "h\xC3\xA9llo w\xC3\xB6rld\xC2\xA0na\xC3\xAFve "
                       "\xE6\x97\xA5\xE6\x9C\xAC\xE3\x80\x80\xF0\x9F\x98\x80"));
  EXPECT_EQ(e.word_count, 5);
}

TEST_F(JournalStoreTest, CreatesPrivateDirectoryAndFile) {
  const mode_t old_umask = umask(0);  // Permissive umask must not leak in.
  std::unique_ptr<JournalStore> store = OpenStore();
  umask(old_umask);
  ASSERT_NE(store, nullptr);
  Create(*store, MakeEntry("Hello", "2026-01-01"));

  struct stat st;
  ASSERT_EQ(stat((dir_ + "/journal").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  // SQLite gives the WAL file the database file's mode.
  ASSERT_EQ(stat((path_ + "-wal").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

// An import of two entries on its own thread, paused half way inside its
// write transaction until Finish (or destruction), when it commits.
class PausedImport {
 public:
  explicit PausedImport(JournalStore& store) {
    thread_ = std::thread([this, &store] {
      absl::Status s = store.ImportEntries(2, [&](int64_t i, NewEntry& e) {
        if (i == 1) {
          paused_.Notify();
          resume_.WaitForNotification();
        }
        e = MakeEntry(absl::StrCat("Imported ", i), "2025-03-02");
      });
      EXPECT_TRUE(s.ok()) << s;
    });
  }
  ~PausedImport() { Finish(); }
  // Lets the import commit, and waits for it.
  void Finish() {
    if (!resume_.HasBeenNotified()) resume_.Notify();
    if (thread_.joinable()) thread_.join();
  }
  // False (and a test failure) if the import never got half way.
  bool WaitUntilPaused() {
    const bool paused =
        paused_.WaitForNotificationWithTimeout(absl::Seconds(10));
    EXPECT_TRUE(paused) << "the import never reached its second entry";
    return paused;
  }

 private:
  absl::Notification paused_, resume_;
  std::thread thread_;
};

// Reads go to connections of their own, so a write in progress (here: an
// import paused half way) holds none of them up: a read that must not wait
// (the gateway's reader thread) and one that may wait both answer at once,
// from the last commit; once the import commits, the next read sees it.
TEST_F(JournalStoreTest, ReadsDoNotWaitForAWriteInProgress) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Entry entry = Create(*store, MakeEntry("Busy day", "2025-03-01"));
  absl::StatusOr<Tag> tag =
      store->CreateTag({.name = "kept", .description = std::nullopt});
  ASSERT_TRUE(tag.ok()) << tag.status();
  {
    PausedImport import(*store);
    ASSERT_TRUE(import.WaitUntilPaused());
    absl::StatusOr<Entry> got = store->GetEntry(entry.id, Wait::kNo);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->title, "Busy day");
    absl::StatusOr<Tag> got_tag = store->GetTag(tag->id, Wait::kNo);
    ASSERT_TRUE(got_tag.ok()) << got_tag.status();
    EXPECT_EQ(got_tag->name, "kept");
    EXPECT_TRUE(
        absl::IsNotFound(store->GetEntry(entry.id + 1, Wait::kNo).status()))
        << "the import's first entry is not committed yet";

    // Reads that may wait, on another thread so that a read stuck behind
    // the import fails the test instead of hanging it.
    absl::Notification listed;
    std::vector<std::string> titles;
    int64_t year_entries = -1;
    std::thread reader([&] {
      absl::StatusOr<std::vector<Entry>> page =
          store->ListEntries(Query(std::nullopt, 0, 10));
      EXPECT_TRUE(page.ok()) << page.status();
      if (page.ok()) {
        for (const Entry& e : *page) titles.push_back(e.title);
      }
      absl::StatusOr<YearStats> stats = store->ComputeYearStats(2025);
      EXPECT_TRUE(stats.ok()) << stats.status();
      if (stats.ok()) year_entries = stats->entries;
      listed.Notify();
    });
    const bool answered =
        listed.WaitForNotificationWithTimeout(absl::Seconds(10));
    EXPECT_TRUE(answered) << "a read waited for the import";
    if (!answered) import.Finish();  // then the stuck read can finish
    reader.join();
    EXPECT_THAT(titles, ElementsAre("Busy day"));
    EXPECT_EQ(year_entries, 1);
  }
  absl::StatusOr<Entry> imported = store->GetEntry(entry.id + 2, Wait::kNo);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->title, "Imported 1");
  EXPECT_THAT(List(*store, Query(std::nullopt, 0, 10)), SizeIs(3));
}

// A journal opened by URI has the one connection: there, a read that must
// not wait fails at once with UNAVAILABLE while a write holds it, instead of
// queueing behind it, and is answered once the write is done.
TEST_F(JournalStoreTest, UriJournalReadWithoutWaitingFailsAtOnceWhileBusy) {
  std::unique_ptr<JournalStore> created = OpenStore();  // makes the file
  ASSERT_NE(created, nullptr);
  created.reset();
  absl::StatusOr<std::unique_ptr<JournalStore>> opened =
      JournalStore::Open("file:" + path_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  JournalStore& store = **opened;
  const Entry entry = Create(store, MakeEntry("Busy day", "2025-03-01"));
  absl::StatusOr<Tag> tag =
      store.CreateTag({.name = "kept", .description = std::nullopt});
  ASSERT_TRUE(tag.ok()) << tag.status();
  {
    PausedImport import(store);
    ASSERT_TRUE(import.WaitUntilPaused());
    EXPECT_TRUE(
        absl::IsUnavailable(store.GetEntry(entry.id, Wait::kNo).status()));
    EXPECT_TRUE(absl::IsUnavailable(store.GetTag(tag->id, Wait::kNo).status()));
  }
  absl::StatusOr<Entry> got = store.GetEntry(entry.id, Wait::kNo);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->title, "Busy day");
  absl::StatusOr<Tag> got_tag = store.GetTag(tag->id, Wait::kNo);
  ASSERT_TRUE(got_tag.ok()) << got_tag.status();
  EXPECT_EQ(got_tag->name, "kept");
  // Not found is still not found, not "busy"; and the busy timeout that the
  // read turned off for itself is back.
  EXPECT_TRUE(
      absl::IsNotFound(store.GetEntry(entry.id + 100, Wait::kNo).status()));
  absl::StatusOr<ConnectionSettings> settings = store.GetConnectionSettings();
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->busy_timeout_ms, 5000);
}

// After a commit, SQLite checkpoints the write-ahead log once it holds 1000
// pages, and the next write starts the log over. It cannot while the
// writing connection still has a statement on a row (its read is then open
// past COMMIT): the log, and every read's search of it, would grow for as
// long as the gateway runs. Entries written one at a time, with tags that
// exist, must keep it bounded.
TEST_F(JournalStoreTest, WriteAheadLogStaysBoundedAsEntriesAreWrittenOneByOne) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const uintmax_t page_size = std::stoull(QueryText(path_, "PRAGMA page_size"));
  // Each entry writes ~10 pages (its row, indexes, tag links, aggregates):
  // 400 of them are ~4x the checkpoint threshold.
  constexpr int kEntries = 400;
  uintmax_t largest_log = 0;
  for (int i = 0; i < kEntries; ++i) {
    Create(*store, MakeEntry(absl::StrCat("Entry ", i), "2025-03-04",
                             "a walk with friends", {"walk", "Friends"}));
    largest_log =
        std::max(largest_log, std::filesystem::file_size(path_ + "-wal"));
  }
  // The threshold, one entry's pages past it, and each frame's header.
  EXPECT_LE(largest_log, 1100 * (page_size + 24));
  // The checkpoints copied the entries into the database file itself (37
  // pages; 1 before the fix).
  EXPECT_GE(std::filesystem::file_size(path_), 20 * page_size);
  absl::StatusOr<YearStats> stats = store->ComputeYearStats(2025);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->entries, kEntries);
}

// After one big transaction the log is checkpointed, and the next write
// starts it over and cuts its file back to 8 MiB instead of keeping the
// transaction's size on disk.
TEST_F(JournalStoreTest, WriteAheadLogShrinksAfterABigTransaction) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  constexpr uintmax_t kLimit = 8 << 20;
  constexpr int kEntries = 3000;  // ~4 kB each: a log of over 12 MB
  ASSERT_TRUE(store
                  ->ImportEntries(kEntries,
                                  [](int64_t i, NewEntry& e) {
                                    e = MakeEntry(absl::StrCat("Big ", i),
                                                  "2025-05-06",
                                                  std::string(4000, 'w'));
                                  })
                  .ok());
  ASSERT_GT(std::filesystem::file_size(path_ + "-wal"), kLimit);
  Create(*store, MakeEntry("after the import", "2025-05-07"));
  EXPECT_LE(std::filesystem::file_size(path_ + "-wal"), kLimit);
  absl::StatusOr<YearStats> stats = store->ComputeYearStats(2025);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->entries, kEntries + 1);
}

TEST_F(JournalStoreTest, ConnectionSettingsAndSchemaVersion) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<ConnectionSettings> settings = store->GetConnectionSettings();
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->journal_mode, "wal");
  EXPECT_TRUE(settings->foreign_keys);
  EXPECT_EQ(settings->busy_timeout_ms, 5000);
  EXPECT_EQ(settings->schema_version, 4);

  // Persistent settings, seen from another connection.
  EXPECT_EQ(QueryText(path_, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QueryText(path_, "PRAGMA user_version"), "4");
}

TEST_F(JournalStoreTest, ReopenKeepsDataAndRejectsNewerSchema) {
  {
    std::unique_ptr<JournalStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    Create(*store, MakeEntry("Kept", "2026-01-01"));
  }
  {
    std::unique_ptr<JournalStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    EXPECT_THAT(List(*store, {}), SizeIs(1));
  }
  QueryText(path_, "PRAGMA user_version = 99");
  absl::StatusOr<std::unique_ptr<JournalStore>> store =
      JournalStore::Open(path_);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("99"));
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

// Every write a read-only journal refuses, with the clear message.
void ExpectWritesRefused(JournalStore& store, int64_t entry_id,
                         int64_t tag_id) {
  auto expect_read_only = [](const absl::Status& status) {
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
    EXPECT_THAT(status.message(), HasSubstr("read-only"));
    EXPECT_THAT(status.message(), HasSubstr("nothing was saved"));
  };
  expect_read_only(store.CreateEntry(MakeEntry("New", "2026-02-01")).status());
  expect_read_only(store.ImportEntries({MakeEntry("Imported", "2026-02-02")}));
  EntryUpdate update;
  update.title = "Changed";
  expect_read_only(store.UpdateEntry(entry_id, update).status());
  expect_read_only(store.DeleteEntry(entry_id));
  NewTag tag;
  tag.name = "fresh";
  expect_read_only(store.CreateTag(tag).status());
  expect_read_only(store.DeleteTag(tag_id));
  expect_read_only(store.RemoveTagFromEntry(entry_id, tag_id).status());
  VideoRecord video;
  video.id = std::string(32, 'a');
  video.year = 2026;
  video.quality = "draft";
  expect_read_only(store.RecordVideo(video));
}

TEST_F(JournalStoreTest, ReadOnlyUriServesReadsRefusesWritesChangesNothing) {
  int64_t entry_id = 0;
  int64_t tag_id = 0;
  {
    std::unique_ptr<JournalStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    entry_id = Create(*store, MakeEntry("Kept", "2026-01-01", "a b", {"t"})).id;
    absl::StatusOr<std::vector<Tag>> tags = store->ListTags();
    ASSERT_TRUE(tags.ok() && tags->size() == 1u);
    tag_id = (*tags)[0].id;
  }
  const std::string before = FileBytes(path_);
  ASSERT_FALSE(before.empty());
  {
    absl::StatusOr<std::unique_ptr<JournalStore>> store =
        JournalStore::Open("file:" + path_ + "?mode=ro");
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_TRUE((*store)->read_only());
    EXPECT_EQ((*store)->file_path(),
              std::filesystem::absolute(path_).lexically_normal().string());
    absl::StatusOr<Entry> entry = (*store)->GetEntry(entry_id);
    ASSERT_TRUE(entry.ok()) << entry.status();
    EXPECT_EQ(entry->title, "Kept");
    EXPECT_THAT(List(**store, {}), SizeIs(1));
    EXPECT_TRUE((*store)->ComputeYearStats(2026).ok());
    ExpectWritesRefused(**store, entry_id, tag_id);
    // Reads still work after the refusals.
    EXPECT_THAT(List(**store, {}), SizeIs(1));
  }
  EXPECT_EQ(FileBytes(path_), before);
  EXPECT_EQ(QueryText(path_, "PRAGMA integrity_check"), "ok");
  // Opened normally again, it is writable and holds exactly the old data.
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->read_only());
  EXPECT_THAT(List(*store, {}), SizeIs(1));
}

TEST_F(JournalStoreTest, UnwritableJournalFileIsServedReadOnly) {
  if (geteuid() == 0) {
    GTEST_SKIP() << "root writes files whatever their mode; run the suite "
                    "as another user to cover a journal file that is "
                    "read-only (its write and read connections)";
  }
  int64_t entry_id = 0;
  {
    std::unique_ptr<JournalStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    entry_id = Create(*store, MakeEntry("Kept", "2026-01-01", "a", {"t"})).id;
  }
  const std::string before = FileBytes(path_);
  ASSERT_EQ(chmod(path_.c_str(), 0400), 0);
  {
    absl::StatusOr<std::unique_ptr<JournalStore>> store =
        JournalStore::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_TRUE((*store)->read_only());
    EXPECT_THAT(List(**store, {}), SizeIs(1));
    ExpectWritesRefused(**store, entry_id, /*tag_id=*/1);
  }
  EXPECT_EQ(FileBytes(path_), before);
  ASSERT_EQ(chmod(path_.c_str(), 0600), 0);
}

TEST_F(JournalStoreTest, ReadOnlyJournalThatNeedsMigratingIsRefusedClearly) {
  ASSERT_TRUE(std::filesystem::create_directories(dir_ + "/journal"));
  { std::ofstream empty(path_); }  // schema version 0: would need creating
  absl::StatusOr<std::unique_ptr<JournalStore>> store =
      JournalStore::Open("file:" + path_ + "?mode=ro");
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("read-only"));
  EXPECT_THAT(store.status().message(), HasSubstr("schema version 0"));
  EXPECT_EQ(FileBytes(path_), "");
}

TEST_F(JournalStoreTest, UriToMissingJournalIsClearErrorAndCreatesNothing) {
  absl::StatusOr<std::unique_ptr<JournalStore>> store =
      JournalStore::Open("file:" + dir_ + "/missing.db?mode=ro");
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(),
              HasSubstr("cannot open the journal database file"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/missing.db"));
}

TEST_F(JournalStoreTest, ValidationErrorsNameTheField) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);

  struct Case {
    NewEntry entry;
    std::string field;
  };
  std::vector<Case> cases;
  cases.push_back({MakeEntry("", "2026-01-01"), "title"});
  cases.push_back({MakeEntry(" \t\n", "2026-01-01"), "title"});
  cases.push_back({MakeEntry(std::string(501, 'x'), "2026-01-01"), "title"});
  cases.push_back({MakeEntry("\xC3\x28", "2026-01-01"), "UTF-8"});
  cases.push_back(
      {MakeEntry("T", "2026-01-01", std::string(100001, 'x')), "content"});
  for (const char* date :
       {"2026-02-30", "2025-02-29", "1900-02-29", "2026-13-01", "2026-00-10",
        "2026-04-31", "0000-01-01", "2026-1-01", "26-01-01", "2026/01/01",
        "2026-01-01T00:00:00Z", "abcd-ef-gh"}) {
    cases.push_back({MakeEntry("T", date), "entry_date"});
  }
  {
    NewEntry e = MakeEntry("T", "2026-01-01");
    e.mood = std::string(101, 'm');
    cases.push_back({e, "mood"});
    e = MakeEntry("T", "2026-01-01");
    e.location = std::string(101, 'l');
    cases.push_back({e, "location"});
    e = MakeEntry("T", "2026-01-01");
    e.weather = std::string(101, 'w');
    cases.push_back({e, "weather"});
  }
  {
    std::vector<std::string> tags;
    for (int i = 0; i < 21; ++i) tags.push_back(absl::StrCat("tag", i));
    cases.push_back({MakeEntry("T", "2026-01-01", "", tags), "tags"});
  }
  cases.push_back({MakeEntry("T", "2026-01-01", "", {"ok", "  "}), "tags[1]"});
  cases.push_back(
      {MakeEntry("T", "2026-01-01", "", {std::string(51, 't')}), "tags[0]"});
  // Control characters: "a\0y" would have become an existing "a\0x", which
  // SQLite's NOCASE index takes for the same name.
  using std::string_literals::operator""s;
  for (const std::string& bad :
       {"a\0y"s, "two\nlines"s, "tab\there"s, "del\x7f"s}) {
    cases.push_back({MakeEntry("T", "2026-01-01", "", {"ok", bad}),
                     "tags[1] contains a control character"});
  }

  for (const Case& c : cases) {
    absl::StatusOr<Entry> result = store->CreateEntry(c.entry);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
        << c.field << " " << result.status();
    EXPECT_THAT(result.status().message(), HasSubstr(c.field));
  }
  EXPECT_THAT(List(*store, {}), IsEmpty());

  // The limits themselves are accepted, as are leap days and year 9999.
  NewEntry at_limits =
      MakeEntry(std::string(500, 'x'), "2024-02-29", std::string(100000, 'y'));
  at_limits.mood = std::string(100, 'm');
  for (int i = 0; i < 20; ++i) {
    at_limits.tags.push_back(std::string(50, static_cast<char>('a' + i)));
  }
  EXPECT_TRUE(store->CreateEntry(at_limits).ok());
  EXPECT_TRUE(store->CreateEntry(MakeEntry("T", "2000-02-29")).ok());
  EXPECT_TRUE(store->CreateEntry(MakeEntry("T", "9999-12-31")).ok());
  EXPECT_TRUE(store->CreateEntry(MakeEntry("T", "0001-01-01")).ok());
}

TEST_F(JournalStoreTest, PaginatesWithAfterId) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(Create(*store, MakeEntry(absl::StrCat("E", i), "2026-01-01",
                                           "w", {absl::StrCat("t", i)}))
                      .id);
  }
  std::vector<Entry> page = List(*store, Query(std::nullopt, 0, 2));
  EXPECT_THAT(Ids(page), ElementsAre(ids[0], ids[1]));
  EXPECT_THAT(page[1].tags, ElementsAre("t1"));
  page = List(*store, Query(std::nullopt, page.back().id, 2));
  EXPECT_THAT(Ids(page), ElementsAre(ids[2], ids[3]));
  EXPECT_THAT(page[0].tags, ElementsAre("t2"));
  page = List(*store, Query(std::nullopt, page.back().id, 2));
  EXPECT_THAT(Ids(page), ElementsAre(ids[4]));
  EXPECT_THAT(page[0].tags, ElementsAre("t4"));
  EXPECT_THAT(List(*store, Query(std::nullopt, ids[4], 2)), IsEmpty());

  EXPECT_EQ(store->ListEntries(Query(std::nullopt, 0, 0)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ListEntries(Query(std::nullopt, 0, 201)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(List(*store, Query(std::nullopt, 0, 200)), SizeIs(5));
  EXPECT_THAT(List(*store, Query(std::nullopt, 0, 1)), SizeIs(1));
}

TEST_F(JournalStoreTest, FiltersByYear) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const int64_t a = Create(*store, MakeEntry("A", "2025-12-31", "", {"x"})).id;
  const int64_t b = Create(*store, MakeEntry("B", "2026-01-01", "", {"y"})).id;
  const int64_t c = Create(*store, MakeEntry("C", "2027-01-01")).id;
  const int64_t d = Create(*store, MakeEntry("D", "2026-12-31", "", {"z"})).id;
  const int64_t e = Create(*store, MakeEntry("E", "2026-06-15")).id;

  std::vector<Entry> page = List(*store, Query(2026, 0, 2));
  EXPECT_THAT(Ids(page), ElementsAre(b, d));
  EXPECT_THAT(page[0].tags, ElementsAre("y"));
  EXPECT_THAT(page[1].tags, ElementsAre("z"));
  EXPECT_THAT(Ids(List(*store, Query(2026, d, 2))), ElementsAre(e));
  EXPECT_THAT(Ids(List(*store, Query(2025, 0, 50))), ElementsAre(a));
  EXPECT_THAT(Ids(List(*store, Query(2027, 0, 50))), ElementsAre(c));
  EXPECT_THAT(List(*store, Query(1999, 0, 50)), IsEmpty());
  EXPECT_EQ(store->ListEntries(Query(0, 0, 50)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ListEntries(Query(10000, 0, 50)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(JournalStoreTest, ComputesYearStats) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto add = [&](std::string title, std::string date, std::string content,
                 std::vector<std::string> tags, std::optional<std::string> mood,
                 bool is_private, bool is_favorite) {
    NewEntry e = MakeEntry(std::move(title), std::move(date),
                           std::move(content), std::move(tags));
    e.mood = std::move(mood);
    e.is_private = is_private;
    e.is_favorite = is_favorite;
    return Create(*store, e).id;
  };
  // Neighbouring years must not leak into 2026.
  add("Old", "2025-12-31", "one two", {"noise", "travel"}, "angry", false,
      true);
  add("New", "2027-01-01", "one two", {"noise"}, "angry", false, true);

  add("Market", "2026-01-30", "one two three", {"travel", "food"}, "happy",
      false, false);
  add("Beach", "2026-01-31", "one two", {"Travel"}, "calm", false, true);
  add("Secret", "2026-02-01", "one two three four five", {"travel", "work"},
      "happy", true, true);
  add("Big secret", "2026-02-02", "a b c d e f g h i j", {"work"}, "happy",
      true, false);
  const int64_t solo =
      add("Solo", "2026-03-10", "solo", {"alpha"}, "sad", false, true);
  add("Also one", "2026-03-11", "one", {"zeta"}, "calm", false, false);
  add("Same day", "2026-01-30", "one two three four", {"food", "beta"},
      std::nullopt, false, false);
  ASSERT_GT(solo, 0);

  absl::StatusOr<YearStats> stats = store->ComputeYearStats(2026);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->year, 2026);
  EXPECT_EQ(stats->entries, 7);
  EXPECT_EQ(stats->words, 3 + 2 + 5 + 10 + 1 + 1 + 4);
  EXPECT_EQ(stats->tags, 6);  // travel food work alpha zeta beta
  EXPECT_THAT(stats->entries_per_month,
              ElementsAre(3, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0));

  std::vector<std::pair<std::string, int>> top_tags;
  for (const NamedCount& t : stats->top_tags)
    top_tags.emplace_back(t.name, t.count);
  EXPECT_THAT(top_tags, ElementsAre(std::pair<std::string, int>("travel", 3),
                                    std::pair<std::string, int>("food", 2),
                                    std::pair<std::string, int>("work", 2),
                                    std::pair<std::string, int>("alpha", 1),
                                    std::pair<std::string, int>("beta", 1)));
  std::vector<std::pair<std::string, int>> moods;
  for (const NamedCount& m : stats->moods) moods.emplace_back(m.name, m.count);
  EXPECT_THAT(moods, ElementsAre(std::pair<std::string, int>("happy", 3),
                                 std::pair<std::string, int>("calm", 2),
                                 std::pair<std::string, int>("sad", 1)));

  // Jan 30, Jan 31, Feb 1, Feb 2.
  EXPECT_EQ(stats->longest_streak_days, 4);

  ASSERT_TRUE(stats->longest_entry.has_value());
  EXPECT_EQ(stats->longest_entry->title, "A private entry");
  EXPECT_EQ(stats->longest_entry->date, "2026-02-02");
  EXPECT_EQ(stats->longest_entry->words, 10);
  ASSERT_TRUE(stats->shortest_entry.has_value());
  EXPECT_EQ(stats->shortest_entry->title, "Solo");  // Earliest of the ties.
  EXPECT_EQ(stats->shortest_entry->date, "2026-03-10");
  EXPECT_EQ(stats->shortest_entry->words, 1);

  // Newest first; "Secret" is private.
  EXPECT_THAT(stats->favorite_titles, ElementsAre("Solo", "Beach"));

  // The other years see only their own entry.
  absl::StatusOr<YearStats> old_year = store->ComputeYearStats(2025);
  ASSERT_TRUE(old_year.ok()) << old_year.status();
  EXPECT_EQ(old_year->entries, 1);
  EXPECT_EQ(old_year->tags, 2);
  EXPECT_EQ(old_year->longest_streak_days, 1);
  EXPECT_EQ(old_year->entries_per_month[11], 1);
  EXPECT_THAT(old_year->favorite_titles, ElementsAre("Old"));
}

TEST_F(JournalStoreTest, StatsLimitsTopTagsMoodsAndFavorites) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 8; ++i) {
    NewEntry e =
        MakeEntry(absl::StrCat("Fav", i), absl::StrCat("2026-05-", 10 + i), "w",
                  {absl::StrCat("tag", i)});
    e.mood = absl::StrCat("mood", i);
    e.is_favorite = true;
    Create(*store, e);
  }
  absl::StatusOr<YearStats> stats = store->ComputeYearStats(2026);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->tags, 8);
  EXPECT_THAT(stats->top_tags, SizeIs(5));
  EXPECT_EQ(stats->top_tags[0].name, "tag0");
  EXPECT_THAT(stats->moods, SizeIs(6));
  EXPECT_THAT(stats->favorite_titles,
              ElementsAre("Fav7", "Fav6", "Fav5", "Fav4", "Fav3"));
  EXPECT_EQ(stats->longest_streak_days, 8);
}

TEST_F(JournalStoreTest, EmptyYearStats) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  Create(*store, MakeEntry("Elsewhere", "2026-01-01"));

  absl::StatusOr<YearStats> stats = store->ComputeYearStats(2030);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->year, 2030);
  EXPECT_EQ(stats->entries, 0);
  EXPECT_EQ(stats->words, 0);
  EXPECT_EQ(stats->tags, 0);
  EXPECT_THAT(stats->entries_per_month,
              ElementsAre(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_THAT(stats->top_tags, IsEmpty());
  EXPECT_THAT(stats->moods, IsEmpty());
  EXPECT_EQ(stats->longest_streak_days, 0);
  EXPECT_FALSE(stats->longest_entry.has_value());
  EXPECT_FALSE(stats->shortest_entry.has_value());
  EXPECT_THAT(stats->favorite_titles, IsEmpty());

  EXPECT_EQ(store->ComputeYearStats(0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ComputeYearStats(10000).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(JournalStoreTest, StoresSqlMetacharactersVerbatim) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const std::string title = "'); DROP TABLE entries;--";
  const std::string content =
      std::string("it's \"quoted\" 100% _under_ \\ ; -- /* */ \0 nul", 44);
  NewEntry e = MakeEntry(title, "2026-01-01", content,
                         {"a,b", "x'y", "%", "Robert'); DROP TABLE tags;--"});
  e.mood = "' OR 1=1 --";
  const Entry created = Create(*store, e);

  const std::vector<Entry> listed = List(*store, {});
  ASSERT_THAT(listed, SizeIs(1));
  EXPECT_EQ(listed[0].title, title);
  EXPECT_EQ(listed[0].content, content);
  EXPECT_EQ(listed[0].mood, "' OR 1=1 --");
  EXPECT_THAT(listed[0].tags,
              ElementsAre("%", "a,b", "Robert'); DROP TABLE tags;--", "x'y"));
  ExpectSameEntry(listed[0], created);

  // Tables are intact and usable.
  Create(*store, MakeEntry("After", "2026-01-02", "", {"a,b"}));
  EXPECT_THAT(List(*store, {}), SizeIs(2));
  absl::StatusOr<YearStats> stats = store->ComputeYearStats(2026);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->top_tags[0].name, "a,b");
  EXPECT_EQ(stats->top_tags[0].count, 2);
}

// Two gateways started at once on a journal that does not exist yet (a
// desktop client and an IDE at login) both switch the new file to WAL,
// which needs an exclusive lock that SQLite does not wait for: one of them
// used to fail at once with "database is locked" (~1 start in 8 when both
// began within a millisecond). Both must open, whoever switches it.
TEST_F(JournalStoreTest, TwoStoresOpeningANewJournalAtOnceBothOpen) {
  constexpr int kRounds = 40;
  for (int round = 0; round < kRounds; ++round) {
    const std::string path = absl::StrCat(dir_, "/new-", round, ".db");
    absl::Notification start;
    absl::StatusOr<std::unique_ptr<JournalStore>> opened[2];
    std::thread openers[2];
    for (int i = 0; i < 2; ++i) {
      openers[i] = std::thread([&, i] {
        start.WaitForNotification();
        opened[i] = JournalStore::Open(path);
      });
    }
    start.Notify();
    for (std::thread& t : openers) t.join();
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(opened[i].ok())
          << "round " << round << ", store " << i << ": " << opened[i].status();
      absl::StatusOr<ConnectionSettings> settings =
          (*opened[i])->GetConnectionSettings();
      ASSERT_TRUE(settings.ok()) << settings.status();
      EXPECT_EQ(settings->journal_mode, "wal");
    }
    // Both serve the same journal.
    Create(**opened[0], MakeEntry("from the first", "2026-01-02"));
    EXPECT_THAT(List(**opened[1], Query(std::nullopt, 0, 10)), SizeIs(1));
  }
}

TEST_F(JournalStoreTest, TwoStoresOnOneFileWriteConcurrently) {
  std::unique_ptr<JournalStore> first = OpenStore();
  std::unique_ptr<JournalStore> second = OpenStore();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);

  constexpr int kPerThread = 200;
  auto writer = [](JournalStore* store, int thread,
                   std::vector<absl::Status>* errors) {
    for (int i = 0; i < kPerThread; ++i) {
      NewEntry e =
          MakeEntry(absl::StrCat("w", thread, "-", i),
                    absl::StrCat("2026-0", 1 + i % 9, "-15"),
                    "concurrent words", {"shared", absl::StrCat("t", i % 7)});
      absl::StatusOr<Entry> created = store->CreateEntry(e);
      if (!created.ok()) errors->push_back(created.status());
      // Readers interleave with the other connection's writes.
      if (i % 50 == 0) {
        absl::StatusOr<YearStats> stats = store->ComputeYearStats(2026);
        if (!stats.ok()) errors->push_back(stats.status());
      }
    }
  };
  std::vector<absl::Status> errors0;
  std::vector<absl::Status> errors1;
  std::thread t0(writer, first.get(), 0, &errors0);
  std::thread t1(writer, second.get(), 1, &errors1);
  t0.join();
  t1.join();
  EXPECT_THAT(errors0, IsEmpty());
  EXPECT_THAT(errors1, IsEmpty());

  std::set<std::string> titles;
  int64_t after = 0;
  while (true) {
    const std::vector<Entry> page =
        List(*first, Query(std::nullopt, after, 200));
    if (page.empty()) break;
    for (const Entry& e : page) {
      titles.insert(e.title);
      EXPECT_THAT(e.tags, SizeIs(2));
    }
    after = page.back().id;
  }
  EXPECT_THAT(titles, SizeIs(2 * kPerThread));
  EXPECT_TRUE(titles.count("w0-199") == 1 && titles.count("w1-0") == 1);

  absl::StatusOr<YearStats> stats = second->ComputeYearStats(2026);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->entries, 2 * kPerThread);
  EXPECT_EQ(stats->tags, 8);  // "shared" + t0..t6, each created once.
  ASSERT_FALSE(stats->top_tags.empty());
  EXPECT_EQ(stats->top_tags[0].name, "shared");
  EXPECT_EQ(stats->top_tags[0].count, 2 * kPerThread);
}

TEST_F(JournalStoreTest, OneStoreSharedByThreads) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store, &failures, t] {
      for (int i = 0; i < 25; ++i) {
        if (!store->CreateEntry(MakeEntry("x", "2026-01-01", "", {"tag"}))
                 .ok()) {
          ++failures[t];
        }
        if (!store->ListEntries(Query(std::nullopt, 0, 10)).ok()) ++failures[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_THAT(failures, ElementsAre(0, 0, 0, 0));
  absl::StatusOr<YearStats> stats = store->ComputeYearStats(2026);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->entries, 100);
}

// Writes share one connection and reads take others, so a thread's read
// right after its own write must still see it: more threads than read
// connections, each writing, then reading back (by id, by page, with and
// without waiting) at once. A read that must not wait may find every read
// connection taken (UNAVAILABLE), but never an old answer.
TEST_F(JournalStoreTest, ThreadsReadTheirOwnWritesAtOnce) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<Tag> tag =
      store->CreateTag({.name = "shared", .description = std::nullopt});
  ASSERT_TRUE(tag.ok()) << tag.status();
  constexpr int kThreads = 12;
  constexpr int kRounds = 40;
  std::vector<std::vector<std::string>> problems(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::string>& out = problems[t];
      for (int i = 0; i < kRounds; ++i) {
        const std::string title = absl::StrCat("t", t, "-", i);
        absl::StatusOr<Entry> made = store->CreateEntry(
            MakeEntry(title, "2026-05-01", "words", {"shared"}));
        if (!made.ok()) {
          out.push_back(made.status().ToString());
          continue;
        }
        absl::StatusOr<Entry> got = store->GetEntry(made->id);
        if (!got.ok() || got->title != title)
          out.push_back("created: " + title);
        EntryUpdate update;
        update.title = title + "!";
        if (!store->UpdateEntry(made->id, update).ok()) out.push_back("update");
        absl::StatusOr<Entry> quick = store->GetEntry(made->id, Wait::kNo);
        if (quick.ok() ? quick->title != title + "!"
                       : !absl::IsUnavailable(quick.status())) {
          out.push_back("updated, no wait: " + title);
        }
        absl::StatusOr<std::vector<Entry>> page =
            store->ListEntries(Query(std::nullopt, made->id - 1, 1));
        if (!page.ok() || page->size() != 1 ||
            (*page)[0].title != title + "!") {
          out.push_back("updated, page: " + title);
        }
        if (i % 2 == 0) {
          if (!store->DeleteEntry(made->id).ok()) out.push_back("delete");
          // Its id may already be another thread's new entry (SQLite
          // reuses the highest rowid), but never this one again.
          absl::StatusOr<Entry> gone = store->GetEntry(made->id);
          if (gone.ok() ? gone->title == title + "!"
                        : !absl::IsNotFound(gone.status())) {
            out.push_back("deleted: " + title);
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_THAT(problems[t], IsEmpty()) << "thread " << t;
  }
  absl::StatusOr<Tag> counted = store->GetTag(tag->id);
  ASSERT_TRUE(counted.ok()) << counted.status();
  EXPECT_EQ(counted->entry_count, kThreads * kRounds / 2);
  absl::StatusOr<YearStats> stats = store->ComputeYearStats(2026);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->entries, kThreads * kRounds / 2);
}

// ---- Schema version 2 and the full journal API -----------------------------

// Runs SQL (several statements allowed) on a raw connection, creating the
// database if needed.
void Exec(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
      SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_OK)
      << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

// Tags are sorted in C++, not by SQL, so the order must be the one the
// column's NOCASE collation gives, on the by-id path and on a page: ASCII
// letters folded, other bytes unsigned (UTF-8 after ASCII), and nothing
// compared after a NUL at the same place in both names.
TEST_F(JournalStoreTest, TagsComeInTheOrderOfTheirCollation) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  // "été" and "École" in UTF-8.
  const std::vector<std::string> tags = {"\xc3\xa9t\xc3\xa9",
                                         "Zoo",
                                         "apple",
                                         "_x",
                                         "B",
                                         "ab",
                                         "\xc3\x89"
                                         "cole",
                                         "a",
                                         "~"};
  const Entry first = Create(*store, MakeEntry("One", "2026-03-01", "", tags));
  Create(*store, MakeEntry("Two", "2026-03-02", "", {"zebra", "Apple"}));
  // Names with a NUL are refused now, but a journal may hold some from
  // before. "a\0z" comes before "a\0bb" for SQLite (shorter, once both
  // reach the NUL), after it byte by byte.
  Exec(path_,
       absl::StrCat("INSERT INTO tags (name, created_at, updated_at) VALUES "
                    "(CAST(X'61006262' AS TEXT), 'x', 'x'), "
                    "(CAST(X'61007a' AS TEXT), 'x', 'x'); "
                    "INSERT INTO entry_tags (entry_id, tag_id) SELECT ",
                    first.id,
                    ", id FROM tags WHERE instr(CAST(name AS BLOB), X'00') > 0")
           .c_str());
  using std::string_literals::operator""s;

  const std::vector<std::string> sqlite_order = QueryColumn(
      path_, "SELECT name FROM tags WHERE name <> 'zebra' ORDER BY name");
  ASSERT_THAT(sqlite_order, SizeIs(tags.size() + 2));
  ASSERT_THAT(sqlite_order, Contains("a\0z"s));
  // The order when created, before the legacy names were added.
  std::vector<std::string> without_nul;
  for (const std::string& t : sqlite_order) {
    if (t.find('\0') == std::string::npos) without_nul.push_back(t);
  }
  EXPECT_EQ(first.tags, without_nul);
  absl::StatusOr<Entry> got = store->GetEntry(first.id, Wait::kYes);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->tags, sqlite_order);
  const std::vector<Entry> listed = List(*store, {});
  ASSERT_THAT(listed, SizeIs(2));
  for (const Entry& e : listed) {
    if (e.id == first.id) {
      EXPECT_EQ(e.tags, sqlite_order);
    } else {
      EXPECT_THAT(e.tags, ElementsAre("apple", "zebra"));  // "Apple" reused
    }
  }
}

// The version 1 schema exactly as the first migration created it.
constexpr char kVersion1Schema[] = R"sql(
CREATE TABLE entries (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  content TEXT NOT NULL,
  mood TEXT,
  location TEXT,
  weather TEXT,
  is_private INTEGER NOT NULL DEFAULT 0 CHECK (is_private IN (0, 1)),
  is_favorite INTEGER NOT NULL DEFAULT 0 CHECK (is_favorite IN (0, 1)),
  -- Fixed-width YYYY-MM-DD so BETWEEN on strings is a date range.
  entry_date TEXT NOT NULL
    CHECK (entry_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  word_count INTEGER NOT NULL CHECK (word_count >= 0),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX entries_by_entry_date ON entries (entry_date);

CREATE TABLE tags (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  description TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE entry_tags (
  entry_id INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
  tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
  PRIMARY KEY (entry_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX entry_tags_by_tag_id ON entry_tags (tag_id);
)sql";

TEST_F(JournalStoreTest, MigratesVersion1DatabaseInPlace) {
  ASSERT_EQ(mkdir((dir_ + "/journal").c_str(), 0700), 0);
  Exec(path_, kVersion1Schema);
  Exec(path_,
       "PRAGMA user_version = 1;"
       "INSERT INTO entries VALUES (7, 'Old day', 'three old words', 'calm', "
       "NULL, 'rain', 0, 1, '2024-05-06', 3, '2024-05-06T10:00:00Z', "
       "'2024-05-07T11:00:00Z');"
       "INSERT INTO entries VALUES (9, 'Secret', '', NULL, 'Home', NULL, 1, "
       "0, '2024-06-01', 0, '2024-06-01T08:00:00Z', '2024-06-01T08:00:00Z');"
       "INSERT INTO tags VALUES (3, 'Travel', 'trips', "
       "'2024-05-06T10:00:00Z', '2024-05-06T10:00:00Z');"
       "INSERT INTO entry_tags VALUES (7, 3);");
  ASSERT_EQ(QueryText(path_, "PRAGMA user_version"), "1");

  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<ConnectionSettings> settings = store->GetConnectionSettings();
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->schema_version, 4);

  const std::vector<Entry> entries = List(*store, {});
  ASSERT_THAT(entries, SizeIs(2));
  const Entry& old_day = entries[0];
  EXPECT_EQ(old_day.id, 7);
  EXPECT_EQ(old_day.title, "Old day");
  EXPECT_EQ(old_day.content, "three old words");
  EXPECT_EQ(old_day.mood, "calm");
  EXPECT_EQ(old_day.location, std::nullopt);
  EXPECT_EQ(old_day.weather, "rain");
  EXPECT_TRUE(old_day.is_favorite);
  EXPECT_EQ(old_day.entry_date, "2024-05-06");
  EXPECT_EQ(old_day.word_count, 3);
  EXPECT_EQ(old_day.created_at, "2024-05-06T10:00:00Z");
  EXPECT_EQ(old_day.updated_at, "2024-05-07T11:00:00Z");
  EXPECT_THAT(old_day.tags, ElementsAre("Travel"));
  // The v3 link dates were backfilled: the old link counts in the stats.
  absl::StatusOr<YearStats> old_year = store->ComputeYearStats(2024);
  ASSERT_TRUE(old_year.ok()) << old_year.status();
  EXPECT_EQ(old_year->tags, 1);
  ASSERT_THAT(old_year->top_tags, SizeIs(1));
  EXPECT_EQ(old_year->top_tags[0].name, "Travel");
  EXPECT_EQ(entries[1].id, 9);
  EXPECT_TRUE(entries[1].is_private);
  EXPECT_EQ(entries[1].location, "Home");

  absl::StatusOr<Tag> travel = store->GetTag(3);
  ASSERT_TRUE(travel.ok()) << travel.status();
  EXPECT_EQ(travel->description, "trips");
  EXPECT_EQ(travel->entry_count, 1);

  // The new table and index exist and work.
  EXPECT_EQ(QueryText(path_,
                      "SELECT COUNT(*) FROM sqlite_master WHERE name IN "
                      "('videos', 'entries_by_favorite')"),
            "2");
  VideoRecord video;
  video.id = std::string(32, 'a');
  video.year = 2024;
  video.quality = "draft";
  EXPECT_TRUE(store->RecordVideo(video).ok());
  ListEntriesQuery favorites;
  favorites.favorite = true;
  EXPECT_THAT(Ids(List(*store, favorites)), ElementsAre(7));

  // Reopening a migrated database changes nothing.
  store.reset();
  store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(List(*store, {}), SizeIs(2));
  EXPECT_EQ(QueryText(path_, "PRAGMA user_version"), "4");
}

// The query plan details of `sql`, run on a raw connection, joined by "; ".
std::string QueryPlan(const std::string& path, const std::string& sql) {
  return absl::StrJoin(QueryColumn(path, "EXPLAIN QUERY PLAN " + sql, 3), "; ");
}

TEST_F(JournalStoreTest, FavoriteFilterUsesAnIndex) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  // The shape ListEntries uses for favorite within a year, and the one the
  // year stats use for favourite titles.
  EXPECT_THAT(QueryPlan(path_,
                        "SELECT id FROM entries WHERE entry_date BETWEEN "
                        "'2026-01-01' AND '2026-12-31' AND is_favorite = ?1 "
                        "AND id > ?2 ORDER BY id"),
              HasSubstr("entries_by_favorite"));
  EXPECT_THAT(QueryPlan(path_,
                        "SELECT title FROM entries WHERE entry_date BETWEEN "
                        "'2026-01-01' AND '2026-12-31' AND is_favorite = 1 "
                        "AND is_private = 0 ORDER BY entry_date DESC"),
              HasSubstr("entries_by_favorite"));
}

TEST_F(JournalStoreTest, GetEntry) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Entry created =
      Create(*store, MakeEntry("Get me", "2026-02-03", "a b", {"x", "Y"}));

  absl::StatusOr<Entry> got = store->GetEntry(created.id);
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectSameEntry(*got, created);

  for (const int64_t id : {created.id + 1, int64_t{0}, int64_t{-5}}) {
    absl::StatusOr<Entry> missing = store->GetEntry(id);
    EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << id;
    EXPECT_THAT(missing.status().message(),
                HasSubstr(absl::StrCat("no entry with id ", id)));
  }
}

TEST_F(JournalStoreTest, UpdateEntryChangesOnlyGivenFields) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  NewEntry original = MakeEntry("Before", "2026-03-01", "one two", {"a", "b"});
  original.mood = "calm";
  original.location = "Porto";
  original.weather = "fog";
  const Entry created = Create(*store, original);
  // Age the row so that the bump is visible at one-second resolution.
  QueryText(path_, "UPDATE entries SET updated_at = '2000-01-01T00:00:00Z'");

  EntryUpdate update;
  update.title = "  After  ";
  update.content = "now there are four words";
  update.mood = std::optional<std::string>();  // JSON null: clears.
  update.weather = std::optional<std::string>("sun");
  update.is_favorite = true;
  update.entry_date = "2026-03-02";
  absl::StatusOr<Entry> updated = store->UpdateEntry(created.id, update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->id, created.id);
  EXPECT_EQ(updated->title, "After");
  EXPECT_EQ(updated->content, "now there are four words");
  EXPECT_EQ(updated->word_count, 5);
  EXPECT_EQ(updated->mood, std::nullopt);
  EXPECT_EQ(updated->location, "Porto");  // Unset: kept.
  EXPECT_EQ(updated->weather, "sun");
  EXPECT_FALSE(updated->is_private);
  EXPECT_TRUE(updated->is_favorite);
  EXPECT_EQ(updated->entry_date, "2026-03-02");
  EXPECT_THAT(updated->tags, ElementsAre("a", "b"));
  EXPECT_EQ(updated->created_at, created.created_at);
  EXPECT_NE(updated->updated_at, "2000-01-01T00:00:00Z");
  EXPECT_THAT(updated->updated_at, MatchesRegex(kTimestampRegex));

  // Tags are replaced as a set; unused tags stay in the tag list.
  EntryUpdate retag;
  retag.tags = std::vector<std::string>{"B", " c ", "C"};
  updated = store->UpdateEntry(created.id, retag);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_THAT(updated->tags, ElementsAre("b", "c"));
  EXPECT_EQ(updated->title, "After");
  absl::StatusOr<std::vector<Tag>> tags = store->ListTags();
  ASSERT_TRUE(tags.ok()) << tags.status();
  ASSERT_THAT(*tags, SizeIs(3));
  EXPECT_EQ((*tags)[0].name, "a");
  EXPECT_EQ((*tags)[0].entry_count, 0);

  // Content alone recomputes the word count; an empty update is a no-op.
  QueryText(path_, "UPDATE entries SET updated_at = '2000-01-01T00:00:00Z'");
  absl::StatusOr<Entry> unchanged = store->UpdateEntry(created.id, {});
  ASSERT_TRUE(unchanged.ok()) << unchanged.status();
  EXPECT_EQ(unchanged->updated_at, "2000-01-01T00:00:00Z");
  EntryUpdate empty_content;
  empty_content.content = "";
  updated = store->UpdateEntry(created.id, empty_content);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->word_count, 0);
  EXPECT_NE(updated->updated_at, "2000-01-01T00:00:00Z");
}

TEST_F(JournalStoreTest, UpdateEntryRejectsBadInputAndChangesNothing) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Entry created = Create(*store, MakeEntry("Keep", "2026-03-01", "x"));

  EntryUpdate title;
  title.title = "  ";
  EntryUpdate date;
  date.entry_date = "2026-02-30";
  EntryUpdate empty_date;
  empty_date.entry_date = "";
  EntryUpdate mood;
  mood.mood = std::optional<std::string>(std::string(101, 'm'));
  EntryUpdate content;
  content.content = std::string(100001, 'c');
  EntryUpdate tags;
  tags.tags = std::vector<std::string>{"ok", ""};
  EntryUpdate utf8;
  utf8.location = std::optional<std::string>("\xC3\x28");
  // Each bad update also carries a good title, which must not be applied.
  const std::pair<EntryUpdate*, std::string> cases[] = {
      {&title, "title"},  {&date, "entry_date"}, {&empty_date, "entry_date"},
      {&mood, "mood"},    {&content, "content"}, {&tags, "tags[1]"},
      {&utf8, "location"}};
  for (const auto& [update, field] : cases) {
    if (field != "title") update->title = "Changed";
    absl::StatusOr<Entry> result = store->UpdateEntry(created.id, *update);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
        << field << " " << result.status();
    EXPECT_THAT(result.status().message(), HasSubstr(field));
  }

  EntryUpdate good;
  good.title = "Changed";
  absl::StatusOr<Entry> missing = store->UpdateEntry(created.id + 100, good);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(),
              HasSubstr(absl::StrCat("no entry with id ", created.id + 100)));

  absl::StatusOr<Entry> after = store->GetEntry(created.id);
  ASSERT_TRUE(after.ok()) << after.status();
  ExpectSameEntry(*after, created);
}

TEST_F(JournalStoreTest, DeleteEntry) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Entry doomed =
      Create(*store, MakeEntry("Doomed", "2026-01-01", "", {"t"}));
  const Entry kept = Create(*store, MakeEntry("Kept", "2026-01-02", "", {"t"}));

  EXPECT_TRUE(store->DeleteEntry(doomed.id).ok());
  EXPECT_EQ(store->GetEntry(doomed.id).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_THAT(Ids(List(*store, {})), ElementsAre(kept.id));
  absl::StatusOr<std::vector<Tag>> tags = store->ListTags();
  ASSERT_TRUE(tags.ok()) << tags.status();
  ASSERT_THAT(*tags, SizeIs(1));
  EXPECT_EQ((*tags)[0].entry_count, 1);  // The link went with the entry.
  store.reset();
  EXPECT_EQ(QueryText(path_, "SELECT COUNT(*) FROM entry_tags"), "1");
  store = OpenStore();
  ASSERT_NE(store, nullptr);

  for (const int64_t id : {doomed.id, int64_t{12345}, int64_t{0}}) {
    const absl::Status again = store->DeleteEntry(id);
    EXPECT_EQ(again.code(), absl::StatusCode::kNotFound) << id;
    EXPECT_THAT(again.message(),
                HasSubstr(absl::StrCat("no entry with id ", id)));
  }
  EXPECT_THAT(List(*store, {}), SizeIs(1));
}

TEST_F(JournalStoreTest, RecentEntriesNewestDayFirst) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const int64_t a = Create(*store, MakeEntry("A", "2026-01-05", "", {"t"})).id;
  const int64_t b = Create(*store, MakeEntry("B", "2026-03-01")).id;
  const int64_t c = Create(*store, MakeEntry("C", "2025-12-31")).id;
  const int64_t d = Create(*store, MakeEntry("D", "2026-03-01", "", {"u"})).id;

  absl::StatusOr<std::vector<Entry>> recent = store->RecentEntries(10);
  ASSERT_TRUE(recent.ok()) << recent.status();
  EXPECT_THAT(Ids(*recent), ElementsAre(d, b, a, c));
  EXPECT_THAT((*recent)[0].tags, ElementsAre("u"));
  EXPECT_THAT((*recent)[2].tags, ElementsAre("t"));
  recent = store->RecentEntries(2);
  ASSERT_TRUE(recent.ok()) << recent.status();
  EXPECT_THAT(Ids(*recent), ElementsAre(d, b));

  for (const int limit : {0, -1, 201}) {
    absl::StatusOr<std::vector<Entry>> bad = store->RecentEntries(limit);
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(bad.status().message(), HasSubstr("limit"));
  }
}

TEST_F(JournalStoreTest, CreateTag) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  NewTag travel;
  travel.name = "  Travel ";
  travel.description = "Trips and journeys";
  absl::StatusOr<Tag> created = store->CreateTag(travel);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_GT(created->id, 0);
  EXPECT_EQ(created->name, "Travel");
  EXPECT_EQ(created->description, "Trips and journeys");
  EXPECT_EQ(created->entry_count, 0);
  EXPECT_THAT(created->created_at, MatchesRegex(kTimestampRegex));
  EXPECT_EQ(created->updated_at, created->created_at);

  NewTag bare;
  bare.name = "bare";
  absl::StatusOr<Tag> no_description = store->CreateTag(bare);
  ASSERT_TRUE(no_description.ok()) << no_description.status();
  EXPECT_EQ(no_description->description, std::nullopt);

  // Duplicates ignoring case name the existing tag and its id.
  NewTag duplicate;
  duplicate.name = "TRAVEL";
  absl::StatusOr<Tag> dup = store->CreateTag(duplicate);
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(dup.status().message(),
              HasSubstr(absl::StrCat("a tag named \"Travel\" already exists "
                                     "(id ",
                                     created->id, ")")));

  struct Case {
    std::string name;
    std::optional<std::string> description;
    std::string field;
  };
  const Case cases[] = {
      {"", std::nullopt, "name"},
      {" \t", std::nullopt, "name"},
      {std::string(51, 'n'), std::nullopt, "name"},
      {"\xFF", std::nullopt, "name"},
      {std::string("x\0y", 3), std::nullopt, "control character"},
      {"x\ry", std::nullopt, "name"},
      {"fine", std::string(1001, 'd'), "description"},
  };
  for (const Case& c : cases) {
    NewTag tag;
    tag.name = c.name;
    tag.description = c.description;
    absl::StatusOr<Tag> bad = store->CreateTag(tag);
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument)
        << c.field << " " << bad.status();
    EXPECT_THAT(bad.status().message(), HasSubstr(c.field));
  }
  absl::StatusOr<std::vector<Tag>> tags = store->ListTags();
  ASSERT_TRUE(tags.ok()) << tags.status();
  EXPECT_THAT(*tags, SizeIs(2));
}

TEST_F(JournalStoreTest, GetTagCountsEntries) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  Create(*store, MakeEntry("One", "2026-01-01", "", {"shared", "solo"}));
  Create(*store, MakeEntry("Two", "2026-01-02", "", {"SHARED"}));
  absl::StatusOr<std::vector<Tag>> tags = store->ListTags();
  ASSERT_TRUE(tags.ok()) << tags.status();
  ASSERT_THAT(*tags, SizeIs(2));

  absl::StatusOr<Tag> shared = store->GetTag((*tags)[0].id);
  ASSERT_TRUE(shared.ok()) << shared.status();
  EXPECT_EQ(shared->name, "shared");
  EXPECT_EQ(shared->entry_count, 2);
  EXPECT_EQ(shared->description, std::nullopt);

  for (const int64_t id : {int64_t{999}, int64_t{0}, int64_t{-1}}) {
    absl::StatusOr<Tag> missing = store->GetTag(id);
    EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
    EXPECT_THAT(missing.status().message(),
                HasSubstr(absl::StrCat("no tag with id ", id)));
  }
}

TEST_F(JournalStoreTest, ListTagsByNameIgnoringCase) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::vector<Tag>> tags = store->ListTags();
  ASSERT_TRUE(tags.ok()) << tags.status();
  EXPECT_THAT(*tags, IsEmpty());

  Create(*store, MakeEntry("E", "2026-01-01", "", {"beta", "Alpha"}));
  for (const char* name : {"gamma", "ALPHABET"}) {
    NewTag tag;
    tag.name = name;
    ASSERT_TRUE(store->CreateTag(tag).ok());
  }
  tags = store->ListTags();
  ASSERT_TRUE(tags.ok()) << tags.status();
  std::vector<std::string> names;
  std::vector<int64_t> counts;
  for (const Tag& t : *tags) {
    names.push_back(t.name);
    counts.push_back(t.entry_count);
  }
  EXPECT_THAT(names, ElementsAre("Alpha", "ALPHABET", "beta", "gamma"));
  EXPECT_THAT(counts, ElementsAre(1, 0, 1, 0));
}

TEST_F(JournalStoreTest, UpdateTag) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Entry entry =
      Create(*store, MakeEntry("E", "2026-01-01", "", {"trip"}));
  NewTag other;
  other.name = "work";
  ASSERT_TRUE(store->CreateTag(other).ok());
  absl::StatusOr<std::vector<Tag>> tags = store->ListTags();
  ASSERT_TRUE(tags.ok()) << tags.status();
  const int64_t trip_id = (*tags)[0].id;
  const int64_t work_id = (*tags)[1].id;
  QueryText(path_, "UPDATE tags SET updated_at = '2000-01-01T00:00:00Z'");

  TagUpdate rename;
  rename.name = " Travel ";
  rename.description = std::optional<std::string>("Trips");
  absl::StatusOr<Tag> updated = store->UpdateTag(trip_id, rename);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->name, "Travel");
  EXPECT_EQ(updated->description, "Trips");
  EXPECT_EQ(updated->entry_count, 1);
  EXPECT_NE(updated->updated_at, "2000-01-01T00:00:00Z");
  absl::StatusOr<Entry> renamed = store->GetEntry(entry.id);
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_THAT(renamed->tags, ElementsAre("Travel"));

  // Another spelling of its own name is fine; a null description clears.
  TagUpdate recase;
  recase.name = "TRAVEL";
  recase.description = std::optional<std::string>();
  updated = store->UpdateTag(trip_id, recase);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->name, "TRAVEL");
  EXPECT_EQ(updated->description, std::nullopt);

  TagUpdate onto_other;
  onto_other.name = "Work";
  absl::StatusOr<Tag> clash = store->UpdateTag(trip_id, onto_other);
  EXPECT_EQ(clash.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(clash.status().message(),
              HasSubstr(absl::StrCat("a tag named \"work\" already exists (id ",
                                     work_id, ")")));
  absl::StatusOr<Tag> missing = store->UpdateTag(work_id + 10, recase);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(),
              HasSubstr(absl::StrCat("no tag with id ", work_id + 10)));
  TagUpdate empty_name;
  empty_name.name = "";
  EXPECT_THAT(store->UpdateTag(trip_id, empty_name).status().message(),
              HasSubstr("name is empty"));
  TagUpdate long_description;
  long_description.description =
      std::optional<std::string>(std::string(1001, 'd'));
  absl::StatusOr<Tag> too_long = store->UpdateTag(trip_id, long_description);
  EXPECT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_long.status().message(), HasSubstr("description"));

  absl::StatusOr<Tag> kept = store->GetTag(trip_id);
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->name, "TRAVEL");
}

TEST_F(JournalStoreTest, DeleteTagUnlinksEntries) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Entry entry =
      Create(*store, MakeEntry("E", "2026-01-01", "", {"gone", "stays"}));
  QueryText(path_, "UPDATE entries SET updated_at = '2000-01-01T00:00:00Z'");
  absl::StatusOr<std::vector<Tag>> tags = store->ListTags();
  ASSERT_TRUE(tags.ok()) << tags.status();
  const int64_t gone_id = (*tags)[0].id;

  EXPECT_TRUE(store->DeleteTag(gone_id).ok());
  absl::StatusOr<Entry> after = store->GetEntry(entry.id);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_THAT(after->tags, ElementsAre("stays"));
  EXPECT_NE(after->updated_at, "2000-01-01T00:00:00Z");
  EXPECT_EQ(store->GetTag(gone_id).status().code(),
            absl::StatusCode::kNotFound);

  for (const int64_t id : {gone_id, int64_t{777}, int64_t{-3}}) {
    const absl::Status again = store->DeleteTag(id);
    EXPECT_EQ(again.code(), absl::StatusCode::kNotFound) << id;
    EXPECT_THAT(again.message(),
                HasSubstr(absl::StrCat("no tag with id ", id)));
  }
}

TEST_F(JournalStoreTest, AddAndRemoveTagLinks) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Entry entry = Create(*store, MakeEntry("E", "2026-01-01", "", {"b"}));
  NewTag a;
  a.name = "a";
  absl::StatusOr<Tag> tag = store->CreateTag(a);
  ASSERT_TRUE(tag.ok()) << tag.status();
  QueryText(path_, "UPDATE entries SET updated_at = '2000-01-01T00:00:00Z'");

  absl::StatusOr<Entry> linked = store->AddTagToEntry(entry.id, tag->id);
  ASSERT_TRUE(linked.ok()) << linked.status();
  EXPECT_THAT(linked->tags, ElementsAre("a", "b"));
  EXPECT_NE(linked->updated_at, "2000-01-01T00:00:00Z");
  // Adding again changes nothing, not even updated_at.
  QueryText(path_, "UPDATE entries SET updated_at = '2000-01-01T00:00:00Z'");
  linked = store->AddTagToEntry(entry.id, tag->id);
  ASSERT_TRUE(linked.ok()) << linked.status();
  EXPECT_THAT(linked->tags, ElementsAre("a", "b"));
  EXPECT_EQ(linked->updated_at, "2000-01-01T00:00:00Z");

  absl::StatusOr<Entry> unlinked = store->RemoveTagFromEntry(entry.id, tag->id);
  ASSERT_TRUE(unlinked.ok()) << unlinked.status();
  EXPECT_THAT(unlinked->tags, ElementsAre("b"));
  EXPECT_NE(unlinked->updated_at, "2000-01-01T00:00:00Z");
  unlinked = store->RemoveTagFromEntry(entry.id, tag->id);  // Idempotent.
  ASSERT_TRUE(unlinked.ok()) << unlinked.status();
  EXPECT_THAT(unlinked->tags, ElementsAre("b"));
  absl::StatusOr<Tag> still_there = store->GetTag(tag->id);
  ASSERT_TRUE(still_there.ok()) << still_there.status();
  EXPECT_EQ(still_there->entry_count, 0);

  const int64_t no_entry = entry.id + 50;
  const int64_t no_tag = tag->id + 50;
  for (const bool add : {true, false}) {
    auto call = [&](int64_t e, int64_t t) {
      return add ? store->AddTagToEntry(e, t) : store->RemoveTagFromEntry(e, t);
    };
    absl::StatusOr<Entry> bad_entry = call(no_entry, tag->id);
    EXPECT_EQ(bad_entry.status().code(), absl::StatusCode::kNotFound);
    EXPECT_THAT(bad_entry.status().message(),
                HasSubstr(absl::StrCat("no entry with id ", no_entry)));
    absl::StatusOr<Entry> bad_tag = call(entry.id, no_tag);
    EXPECT_EQ(bad_tag.status().code(), absl::StatusCode::kNotFound);
    EXPECT_THAT(bad_tag.status().message(),
                HasSubstr(absl::StrCat("no tag with id ", no_tag)));
  }
}

TEST_F(JournalStoreTest, AddTagToEntryStopsAtTwentyTags) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<std::string> twenty;
  for (int i = 0; i < 20; ++i) twenty.push_back(absl::StrCat("t", i));
  const Entry full =
      Create(*store, MakeEntry("Full", "2026-01-01", "", twenty));
  NewTag extra;
  extra.name = "extra";
  absl::StatusOr<Tag> tag = store->CreateTag(extra);
  ASSERT_TRUE(tag.ok()) << tag.status();
  absl::StatusOr<Entry> over = store->AddTagToEntry(full.id, tag->id);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(over.status().message(), HasSubstr("already has 20 tags"));
  // Re-adding one it already has is still fine.
  absl::StatusOr<std::vector<Tag>> tags = store->ListTags();
  ASSERT_TRUE(tags.ok()) << tags.status();
  ASSERT_EQ(tags->front().name, "extra");
  absl::StatusOr<Entry> again = store->AddTagToEntry(full.id, (*tags)[1].id);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_THAT(again->tags, SizeIs(20));
}

VideoRecord MakeVideo(char digit, int year = 2026) {
  VideoRecord v;
  v.id = std::string(32, digit);
  v.year = year;
  v.quality = "standard";
  v.bytes = 123456;
  v.frames = 240;
  v.duration_seconds = 8.5;
  return v;
}

TEST_F(JournalStoreTest, RecordsGetsAndListsVideos) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::vector<VideoRecord>> videos = store->ListVideos();
  ASSERT_TRUE(videos.ok()) << videos.status();
  EXPECT_THAT(*videos, IsEmpty());

  ASSERT_TRUE(store->RecordVideo(MakeVideo('1', 2025)).ok());
  ASSERT_TRUE(store->RecordVideo(MakeVideo('2')).ok());
  ASSERT_TRUE(store->RecordVideo(MakeVideo('3')).ok());

  absl::StatusOr<VideoRecord> got = store->GetVideo(std::string(32, '1'));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->id, std::string(32, '1'));
  EXPECT_EQ(got->year, 2025);
  EXPECT_EQ(got->quality, "standard");
  EXPECT_EQ(got->bytes, 123456);
  EXPECT_EQ(got->frames, 240);
  EXPECT_DOUBLE_EQ(got->duration_seconds, 8.5);
  EXPECT_THAT(got->created_at, MatchesRegex(kTimestampRegex));

  videos = store->ListVideos();
  ASSERT_TRUE(videos.ok()) << videos.status();
  std::vector<std::string> ids;
  for (const VideoRecord& v : *videos) ids.push_back(v.id.substr(0, 1));
  EXPECT_THAT(ids, ElementsAre("3", "2", "1"));  // Newest first.

  const absl::Status duplicate = store->RecordVideo(MakeVideo('2'));
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(duplicate.message(), HasSubstr(std::string(32, '2')));

  absl::StatusOr<VideoRecord> missing = store->GetVideo(std::string(32, 'f'));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(std::string(32, 'f')));
  for (const std::string& bad : {std::string(32, 'F'), std::string(31, 'a'),
                                 std::string("../etc"), std::string()}) {
    absl::StatusOr<VideoRecord> r = store->GetVideo(bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(r.status().message(), HasSubstr("video id"));
  }
}

TEST_F(JournalStoreTest, RecordVideoValidates) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<std::pair<VideoRecord, std::string>> cases;
  VideoRecord v = MakeVideo('a');
  v.id = std::string(32, 'A');
  cases.push_back({v, "video id"});
  v = MakeVideo('a');
  v.id += "0";
  cases.push_back({v, "video id"});
  v = MakeVideo('a', 0);
  cases.push_back({v, "year"});
  v = MakeVideo('a');
  v.quality = "ultra";
  cases.push_back({v, "quality"});
  v = MakeVideo('a');
  v.bytes = -1;
  cases.push_back({v, "bytes"});
  v = MakeVideo('a');
  v.frames = -2;
  cases.push_back({v, "frames"});
  v = MakeVideo('a');
  v.duration_seconds = std::nan("");
  cases.push_back({v, "duration_seconds"});
  v = MakeVideo('a');
  v.duration_seconds = -0.5;
  cases.push_back({v, "duration_seconds"});
  for (const auto& [video, field] : cases) {
    const absl::Status s = store->RecordVideo(video);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument)
        << field << " " << s;
    EXPECT_THAT(s.message(), HasSubstr(field));
  }
  absl::StatusOr<std::vector<VideoRecord>> videos = store->ListVideos();
  ASSERT_TRUE(videos.ok()) << videos.status();
  EXPECT_THAT(*videos, IsEmpty());
}

TEST_F(JournalStoreTest, FiltersByMonthTagAndFavorite) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto add = [&](std::string title, std::string date,
                 std::vector<std::string> tags, bool favorite) {
    NewEntry e =
        MakeEntry(std::move(title), std::move(date), "w", std::move(tags));
    e.is_favorite = favorite;
    return Create(*store, e).id;
  };
  const int64_t jan31 = add("Jan 31", "2024-01-31", {"Travel"}, true);
  const int64_t feb1 = add("Feb 1", "2024-02-01", {"travel", "work"}, false);
  const int64_t leap = add("Leap", "2024-02-29", {"work"}, true);
  const int64_t mar1 = add("Mar 1", "2024-03-01", {}, true);
  const int64_t other_year = add("Feb 2025", "2025-02-10", {"travel"}, true);

  ListEntriesQuery february;
  february.year = 2024;
  february.month = 2;
  EXPECT_THAT(Ids(List(*store, february)), ElementsAre(feb1, leap));
  february.after_id = feb1;
  EXPECT_THAT(Ids(List(*store, february)), ElementsAre(leap));
  ListEntriesQuery january;
  january.year = 2024;
  january.month = 1;
  EXPECT_THAT(Ids(List(*store, january)), ElementsAre(jan31));
  ListEntriesQuery december;
  december.year = 2024;
  december.month = 12;
  EXPECT_THAT(List(*store, december), IsEmpty());

  ListEntriesQuery travel;
  travel.tag = " TRAVEL ";  // Trimmed, any case.
  std::vector<Entry> tagged = List(*store, travel);
  EXPECT_THAT(Ids(tagged), ElementsAre(jan31, feb1, other_year));
  EXPECT_THAT(tagged[1].tags, ElementsAre("Travel", "work"));  // All tags.
  travel.year = 2024;
  EXPECT_THAT(Ids(List(*store, travel)), ElementsAre(jan31, feb1));
  travel.limit = 1;
  EXPECT_THAT(Ids(List(*store, travel)), ElementsAre(jan31));
  ListEntriesQuery unknown;
  unknown.tag = "nope";
  EXPECT_THAT(List(*store, unknown), IsEmpty());

  ListEntriesQuery favorites;
  favorites.favorite = true;
  EXPECT_THAT(Ids(List(*store, favorites)),
              ElementsAre(jan31, leap, mar1, other_year));
  favorites.favorite = false;
  EXPECT_THAT(Ids(List(*store, favorites)), ElementsAre(feb1));

  ListEntriesQuery all;
  all.year = 2024;
  all.month = 2;
  all.tag = "work";
  all.favorite = true;
  EXPECT_THAT(Ids(List(*store, all)), ElementsAre(leap));
}

TEST_F(JournalStoreTest, ListEntriesRejectsBadFilters) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  Create(*store, MakeEntry("E", "2026-01-01"));
  ListEntriesQuery month_alone;
  month_alone.month = 3;
  ListEntriesQuery month_zero;
  month_zero.year = 2026;
  month_zero.month = 0;
  ListEntriesQuery month_13;
  month_13.year = 2026;
  month_13.month = 13;
  ListEntriesQuery empty_tag;
  empty_tag.tag = "  ";
  const std::pair<ListEntriesQuery, std::string> cases[] = {
      {month_alone, "needs a year"},
      {month_zero, "month 0"},
      {month_13, "month 13"},
      {empty_tag, "tag is empty"},
  };
  for (const auto& [query, fragment] : cases) {
    absl::StatusOr<std::vector<Entry>> result = store->ListEntries(query);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
        << fragment << " " << result.status();
    EXPECT_THAT(result.status().message(), HasSubstr(fragment));
  }
}

TEST_F(JournalStoreTest, ImportEntriesIsAllOrNothing) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<NewEntry> batch(3);
  for (int i = 0; i < 3; ++i) {
    batch[i].title = absl::StrCat("Imported ", i);
    batch[i].content = "one two three";
    batch[i].entry_date = absl::StrCat("2025-05-0", i + 1);
    batch[i].tags = {"imported"};
  }
  batch[2].entry_date = "2025-02-30";  // not a real day
  absl::Status bad = store->ImportEntries(batch);
  EXPECT_TRUE(absl::IsInvalidArgument(bad)) << bad;
  EXPECT_THAT(std::string(bad.message()), ::testing::HasSubstr("entry 2"));
  ListEntriesQuery all;
  EXPECT_TRUE(store->ListEntries(all)->empty()) << "a failed import wrote rows";

  batch[2].entry_date = "2025-05-03";
  ASSERT_TRUE(store->ImportEntries(batch).ok());
  absl::StatusOr<YearStats> stats = store->ComputeYearStats(2025);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->entries, 3);
  EXPECT_EQ(stats->words, 9);
  EXPECT_EQ(stats->longest_streak_days, 3);
}

}  // namespace
}  // namespace stopframe::journal

namespace stopframe::journal {
namespace {

// Moving an entry to another year moves its tag counts with it (the link
// dates are kept in step by a trigger).
TEST(JournalStoreLinkDatesTest, TagCountsFollowAnEntrysDate) {
  std::string dir = testing::TempDir() + "link_dates_XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  auto store = JournalStore::Open(dir + "/j.db");
  ASSERT_TRUE(store.ok()) << store.status();
  NewEntry e;
  e.title = "Moves";
  e.content = "x";
  e.entry_date = "2024-03-01";
  e.tags = {"wander"};
  auto created = (*store)->CreateEntry(e);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ((*store)->ComputeYearStats(2024)->tags, 1);
  EntryUpdate move;
  move.entry_date = "2025-03-01";
  ASSERT_TRUE((*store)->UpdateEntry(created->id, move).ok());
  EXPECT_EQ((*store)->ComputeYearStats(2024)->entries, 0);
  auto moved = (*store)->ComputeYearStats(2025);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->tags, 1);
  ASSERT_EQ(moved->top_tags.size(), 1u);
  EXPECT_EQ(moved->top_tags[0].name, "wander");
}

}  // namespace
}  // namespace stopframe::journal

namespace stopframe::journal {
namespace {

// Every figure of two YearStats, with messages that say which one differs.
void ExpectSameStats(const YearStats& got, const YearStats& want,
                     const std::string& where) {
  SCOPED_TRACE(where);
  EXPECT_EQ(got.year, want.year);
  EXPECT_EQ(got.entries, want.entries);
  EXPECT_EQ(got.words, want.words);
  EXPECT_EQ(got.tags, want.tags);
  EXPECT_EQ(got.entries_per_month, want.entries_per_month);
  ASSERT_EQ(got.top_tags.size(), want.top_tags.size());
  for (size_t i = 0; i < got.top_tags.size(); ++i) {
    EXPECT_EQ(got.top_tags[i].name, want.top_tags[i].name) << i;
    EXPECT_EQ(got.top_tags[i].count, want.top_tags[i].count) << i;
  }
  ASSERT_EQ(got.moods.size(), want.moods.size());
  for (size_t i = 0; i < got.moods.size(); ++i) {
    EXPECT_EQ(got.moods[i].name, want.moods[i].name) << i;
    EXPECT_EQ(got.moods[i].count, want.moods[i].count) << i;
  }
  EXPECT_EQ(got.longest_streak_days, want.longest_streak_days);
  for (const auto& [g, w] :
       {std::pair(&got.longest_entry, &want.longest_entry),
        std::pair(&got.shortest_entry, &want.shortest_entry)}) {
    ASSERT_EQ(g->has_value(), w->has_value());
    if (g->has_value()) {
      EXPECT_EQ((*g)->title, (*w)->title);
      EXPECT_EQ((*g)->date, (*w)->date);
      EXPECT_EQ((*g)->words, (*w)->words);
    }
  }
  EXPECT_EQ(got.favorite_titles, want.favorite_titles);
}

void ExpectAggregatesMatchEntries(JournalStore& store,
                                  const std::string& where) {
  for (const int year : {2023, 2024, 2025}) {
    absl::StatusOr<YearStats> fast = store.ComputeYearStats(year);
    absl::StatusOr<YearStats> slow = store.ComputeYearStatsFromEntries(year);
    ASSERT_TRUE(fast.ok()) << fast.status();
    ASSERT_TRUE(slow.ok()) << slow.status();
    ExpectSameStats(*fast, *slow, absl::StrCat(where, ", year ", year));
  }
}

// The trigger-maintained aggregates (schema v4) give exactly what the base
// tables give, through a random mix of every kind of write.
TEST(JournalStoreAggregatesTest, RandomWritesKeepStatsEqualToEntries) {
  std::string dir = testing::TempDir() + "aggregates_XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  const std::string path = dir + "/j.db";
  auto opened = JournalStore::Open(path);
  ASSERT_TRUE(opened.ok()) << opened.status();
  JournalStore& store = **opened;

  std::mt19937 rng(20260514);
  const auto pick = [&](int n) {
    return static_cast<int>(std::uniform_int_distribution<int>(0, n - 1)(rng));
  };
  const std::vector<std::string> moods = {"happy", "Happy", "calm", "tired",
                                          "",      "sad",   "calm "};
  const std::vector<std::string> tag_names = {"run",  "Books", "garden", "work",
                                              "trip", "food",  "music"};
  // Few days per year so that days fill up, empty out, and streaks form.
  const auto random_date = [&] {
    return absl::StrFormat("%d-%02d-%02d", 2023 + pick(3), 1 + pick(3) * 5,
                           1 + pick(6));
  };
  const auto random_content = [&] {
    std::string words;
    for (int i = pick(6); i > 0; --i) absl::StrAppend(&words, "w ");
    return words;
  };
  const auto random_tags = [&] {
    std::vector<std::string> tags;
    for (int i = pick(4); i > 0; --i) {
      tags.push_back(tag_names[pick(tag_names.size())]);
    }
    std::sort(tags.begin(), tags.end());
    tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
    return tags;
  };
  const auto random_entry = [&](int n) {
    NewEntry e;
    e.title = absl::StrCat("Entry ", n);
    e.content = random_content();
    if (pick(4) != 0) e.mood = moods[pick(moods.size())];
    e.is_private = pick(3) == 0;
    e.is_favorite = pick(3) == 0;
    e.tags = random_tags();
    e.entry_date = random_date();
    return e;
  };
  const auto entry_ids = [&] {
    ListEntriesQuery all;
    all.limit = 200;
    std::vector<int64_t> ids;
    while (true) {
      absl::StatusOr<std::vector<Entry>> page = store.ListEntries(all);
      if (!page.ok() || page->empty()) break;
      for (const Entry& e : *page) ids.push_back(e.id);
      all.after_id = page->back().id;
    }
    return ids;
  };

  int created = 0;
  for (int step = 0; step < 600; ++step) {
    const std::vector<int64_t> ids = entry_ids();
    const int op = ids.empty() ? 0 : pick(10);
    const int64_t id = ids.empty() ? 0 : ids[pick(ids.size())];
    if (op <= 2) {
      ASSERT_TRUE(store.CreateEntry(random_entry(created++)).ok());
    } else if (op == 3) {
      std::vector<NewEntry> batch;
      for (int i = pick(5); i >= 0; --i)
        batch.push_back(random_entry(created++));
      ASSERT_TRUE(store.ImportEntries(batch).ok());
    } else if (op == 4) {
      ASSERT_TRUE(store.DeleteEntry(id).ok());
    } else if (op <= 7) {
      EntryUpdate update;
      if (pick(2) == 0) update.content = random_content();
      if (pick(3) == 0) {
        update.mood = pick(4) == 0 ? std::optional<std::string>()
                                   : moods[pick(moods.size())];
      }
      if (pick(3) == 0) update.entry_date = random_date();
      if (pick(3) == 0) update.is_private = pick(2) == 0;
      if (pick(4) == 0) update.is_favorite = pick(2) == 0;
      if (pick(4) == 0) update.tags = random_tags();
      if (pick(6) == 0) update.title = absl::StrCat("Renamed ", step);
      ASSERT_TRUE(store.UpdateEntry(id, update).ok());
    } else if (op == 8) {
      absl::StatusOr<std::vector<Tag>> tags = store.ListTags();
      ASSERT_TRUE(tags.ok());
      if (tags->empty()) continue;
      const int64_t tag_id = (*tags)[pick(tags->size())].id;
      if (pick(2) == 0) {
        store.AddTagToEntry(id, tag_id).IgnoreError();  // may hit the cap
      } else {
        ASSERT_TRUE(store.RemoveTagFromEntry(id, tag_id).ok());
      }
    } else {
      absl::StatusOr<std::vector<Tag>> tags = store.ListTags();
      ASSERT_TRUE(tags.ok());
      if (tags->empty()) continue;
      const Tag& tag = (*tags)[pick(tags->size())];
      if (pick(3) == 0) {
        ASSERT_TRUE(store.DeleteTag(tag.id).ok());
      } else {
        TagUpdate rename;
        rename.name = absl::StrCat(tag.name, pick(2) == 0 ? "x" : "");
        store.UpdateTag(tag.id, rename).IgnoreError();  // name may be taken
      }
    }
    if (step % 20 == 19) {
      ExpectAggregatesMatchEntries(store, absl::StrCat("after step ", step));
      if (::testing::Test::HasFailure()) return;
    }
  }
  ExpectAggregatesMatchEntries(store, "at the end");
  // Emptied days, moods and tag years leave no rows behind.
  EXPECT_EQ(QueryText(path,
                      "SELECT (SELECT COUNT(*) FROM stats_days "
                      "WHERE entries <= 0) + (SELECT COUNT(*) FROM "
                      "stats_moods WHERE entries <= 0) + (SELECT COUNT(*) "
                      "FROM stats_tags WHERE links <= 0)"),
            "0");
  for (const int64_t id : entry_ids()) ASSERT_TRUE(store.DeleteEntry(id).ok());
  EXPECT_EQ(QueryText(path,
                      "SELECT (SELECT COUNT(*) FROM stats_days) + "
                      "(SELECT COUNT(*) FROM stats_moods) + "
                      "(SELECT COUNT(*) FROM stats_tags)"),
            "0");
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

// The v2 and v3 migrations exactly as shipped, to build a v3 journal.
constexpr char kVersion2And3[] = R"sql(
CREATE TABLE videos (
  id TEXT PRIMARY KEY
    CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
  year INTEGER NOT NULL CHECK (year BETWEEN 1 AND 9999),
  quality TEXT NOT NULL CHECK (quality IN ('draft', 'standard', 'high')),
  bytes INTEGER NOT NULL CHECK (bytes >= 0),
  frames INTEGER NOT NULL CHECK (frames >= 0),
  duration_seconds REAL NOT NULL CHECK (duration_seconds >= 0),
  created_at TEXT NOT NULL
);
CREATE INDEX entries_by_favorite ON entries (is_favorite, entry_date);
CREATE INDEX entries_stats ON entries (entry_date, word_count, mood);
ALTER TABLE entry_tags ADD COLUMN entry_date TEXT;
UPDATE entry_tags SET entry_date =
  (SELECT entry_date FROM entries WHERE entries.id = entry_tags.entry_id);
CREATE INDEX entry_tags_by_date ON entry_tags (entry_date, tag_id);
CREATE TRIGGER entry_tags_copy_date AFTER INSERT ON entry_tags BEGIN
  UPDATE entry_tags
     SET entry_date = (SELECT entry_date FROM entries WHERE id = NEW.entry_id)
   WHERE entry_id = NEW.entry_id AND tag_id = NEW.tag_id;
END;
CREATE TRIGGER entries_date_to_tags AFTER UPDATE OF entry_date ON entries BEGIN
  UPDATE entry_tags SET entry_date = NEW.entry_date WHERE entry_id = NEW.id;
END;
PRAGMA user_version = 3;
)sql";

TEST_F(JournalStoreTest, MigratesVersion3DatabaseKeepingStats) {
  ASSERT_EQ(mkdir((dir_ + "/journal").c_str(), 0700), 0);
  Exec(path_, kVersion1Schema);
  Exec(path_, kVersion2And3);
  Exec(path_,
       "INSERT INTO tags VALUES (1, 'Run', NULL, 't', 't'), "
       "(2, 'books', NULL, 't', 't');"
       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
       "WHERE i < 300) "
       "INSERT INTO entries SELECT i, 'Day ' || i, 'w', "
       "CASE i % 4 WHEN 0 THEN 'calm' WHEN 1 THEN 'happy' WHEN 2 THEN '' "
       "ELSE NULL END, NULL, NULL, i % 7 = 0, i % 5 = 0, "
       "printf('%d-%02d-%02d', 2024 + i % 2, 1 + i % 12, 1 + i % 9), "
       "i % 13, 't', 't' FROM n;"
       "INSERT INTO entry_tags (entry_id, tag_id) "
       "SELECT id, 1 + id % 2 FROM entries WHERE id % 3 <> 0;");
  ASSERT_EQ(QueryText(path_, "PRAGMA user_version"), "3");

  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(QueryText(path_, "PRAGMA user_version"), "4");
  ExpectAggregatesMatchEntries(*store, "after migrating");
  absl::StatusOr<YearStats> stats = store->ComputeYearStats(2024);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->entries, 150);  // the even ids
  EXPECT_EQ(stats->tags, 1);       // even ids link tag 1 unless id % 3 == 0
  ASSERT_THAT(stats->top_tags, SizeIs(1));
  EXPECT_EQ(stats->top_tags[0].name, "Run");
  EXPECT_EQ(stats->top_tags[0].count, 100);
  EXPECT_EQ(stats->longest_entry->words, 12);
  EXPECT_EQ(stats->shortest_entry->words, 0);

  // The triggers work on the migrated file too.
  EntryUpdate update;
  update.entry_date = "2025-01-01";
  update.mood = std::optional<std::string>("calm");
  ASSERT_TRUE(store->UpdateEntry(2, update).ok());
  ASSERT_TRUE(store->DeleteEntry(4).ok());
  ASSERT_TRUE(store->DeleteTag(1).ok());
  ExpectAggregatesMatchEntries(*store, "after writes");
}

}  // namespace
}  // namespace stopframe::journal
