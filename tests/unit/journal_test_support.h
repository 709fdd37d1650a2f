#ifndef STOPFRAME_TESTS_UNIT_JOURNAL_TEST_SUPPORT_H_
#define STOPFRAME_TESTS_UNIT_JOURNAL_TEST_SUPPORT_H_

// What the journal's tests share: a fixture with a fresh journal path,
// entry builders, and raw SQLite access that bypasses the store.

#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/journal/journal_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stopframe::journal {

inline constexpr char kTimestampRegex[] =
    "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z";

inline NewEntry MakeEntry(std::string title, std::string date,
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
inline std::vector<std::string> QueryColumn(const std::string& path,
                                            const std::string& sql,
                                            int column = 0) {
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
inline std::string QueryText(const std::string& path, const char* sql) {
  std::vector<std::string> rows = QueryColumn(path, sql);
  return rows.empty() ? "" : std::move(rows.front());
}

// A fresh journal path in a temporary folder per test, and helpers that
// fail the test (not crash) on a store error. Not thread-safe: one test's.
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

inline ListEntriesQuery Query(std::optional<int> year, int64_t after_id,
                              int limit) {
  ListEntriesQuery query;
  query.year = year;
  query.after_id = after_id;
  query.limit = limit;
  return query;
}

inline std::vector<int64_t> Ids(const std::vector<Entry>& entries) {
  std::vector<int64_t> ids;
  for (const Entry& e : entries) ids.push_back(e.id);
  return ids;
}

inline void ExpectSameEntry(const Entry& a, const Entry& b) {
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

// Runs SQL (several statements allowed) on a raw connection, creating the
// database if needed.
inline void Exec(const std::string& path, const char* sql) {
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

// The version 1 schema exactly as the first migration created it.
inline constexpr char kVersion1Schema[] = R"sql(
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

}  // namespace stopframe::journal

#endif  // STOPFRAME_TESTS_UNIT_JOURNAL_TEST_SUPPORT_H_
