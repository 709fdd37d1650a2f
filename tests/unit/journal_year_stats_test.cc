// A year's stats (the wrapped video's figures): computed values, limits,
// and the trigger-kept aggregates equal to the base tables, also after a
// migration.

#include <stdlib.h>

#include <algorithm>
#include <random>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gateway/journal/journal_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/journal_test_support.h"

namespace stopframe::journal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

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
