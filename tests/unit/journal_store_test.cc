// The journal store's entries, tags and videos: what goes in comes out,
// filters and pages, and bad input is refused with nothing changed.

#include "gateway/journal/journal_store.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/journal_test_support.h"

namespace stopframe::journal {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::SizeIs;

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
