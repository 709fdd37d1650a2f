// The journal's file and schema: private file and folders, connection
// settings, migrations from older versions, and read-only journals.

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/journal/journal_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/journal_test_support.h"

namespace stopframe::journal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

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

}  // namespace
}  // namespace stopframe::journal
