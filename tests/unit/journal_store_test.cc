#include "gateway/journal/journal_store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stopframe::journal {
namespace {

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

// Runs one query on a separate raw connection and returns the first column
// of the first row as text.
std::string QueryText(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr),
            SQLITE_OK);
  std::string result;
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    if (text != nullptr) result = reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return result;
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

TEST_F(JournalStoreTest, ConnectionSettingsAndSchemaVersion) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<ConnectionSettings> settings = store->GetConnectionSettings();
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->journal_mode, "wal");
  EXPECT_TRUE(settings->foreign_keys);
  EXPECT_EQ(settings->busy_timeout_ms, 5000);
  EXPECT_EQ(settings->schema_version, 1);

  // Persistent settings, seen from another connection.
  EXPECT_EQ(QueryText(path_, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QueryText(path_, "PRAGMA user_version"), "1");
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

}  // namespace
}  // namespace stopframe::journal
