#include "gateway/journal/schema.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "gateway/journal/sqlite_statement.h"
#include "gateway/journal/status_macros.h"

namespace stopframe::journal {
namespace {

// Schema migrations; kMigrations[i] upgrades user_version i to i + 1. Append
// only: a shipped migration must never change.
constexpr absl::string_view kMigrations[] = {
    // Version 1: entries, tags and the join table between them.
    R"sql(
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
)sql",
    // Version 2: published videos, and an index for favourite filtering.
    R"sql(
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
-- Serves the favorite filter of ListEntries (alone or with a date range)
-- and the favourite titles of the year stats.
CREATE INDEX entries_by_favorite ON entries (is_favorite, entry_date);
)sql",
    // Version 3: the year stats read indexes only. Links carry their entry's
    // date (kept in step by triggers) so tag counts for a year are one range
    // scan instead of a join per entry.
    R"sql(
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
)sql",
    // Version 4: the year stats read aggregates instead of scanning a year of
    // entries. Triggers keep them equal to what the base tables say, private
    // entries included (the stats count them; their titles never leave).
    // Rows whose count would drop to 0 are deleted, so stats_days lists
    // exactly the days that have entries. Highlights come from one index
    // seek per day on entries_day_words, which replaces entries_stats; the
    // v3 link index by date is no longer read.
    R"sql(
CREATE TABLE stats_days (
  day TEXT PRIMARY KEY,       -- entries.entry_date
  entries INTEGER NOT NULL,   -- entries that day
  words INTEGER NOT NULL      -- their word_count sum
) WITHOUT ROWID;
CREATE TABLE stats_moods (
  year TEXT NOT NULL,         -- substr(entry_date, 1, 4)
  mood TEXT NOT NULL,         -- never NULL or ''
  entries INTEGER NOT NULL,
  PRIMARY KEY (year, mood)
) WITHOUT ROWID;
CREATE TABLE stats_tags (
  year TEXT NOT NULL,         -- substr(entry_tags.entry_date, 1, 4)
  tag_id INTEGER NOT NULL,
  links INTEGER NOT NULL,
  PRIMARY KEY (year, tag_id)
) WITHOUT ROWID;

INSERT INTO stats_days (day, entries, words)
  SELECT entry_date, COUNT(*), SUM(word_count) FROM entries
   GROUP BY entry_date;
INSERT INTO stats_moods (year, mood, entries)
  SELECT substr(entry_date, 1, 4), mood, COUNT(*) FROM entries
   WHERE mood <> '' GROUP BY 1, 2;
INSERT INTO stats_tags (year, tag_id, links)
  SELECT substr(entry_date, 1, 4), tag_id, COUNT(*) FROM entry_tags
   WHERE entry_date IS NOT NULL GROUP BY 1, 2;

DROP INDEX entries_stats;
DROP INDEX entry_tags_by_date;
CREATE INDEX entries_day_words ON entries (entry_date, word_count);

-- Removing before adding: a row at 1 is deleted rather than set to 0.
CREATE TRIGGER stats_entry_insert AFTER INSERT ON entries BEGIN
  INSERT INTO stats_days (day, entries, words)
    VALUES (NEW.entry_date, 1, NEW.word_count)
    ON CONFLICT (day) DO UPDATE SET entries = entries + 1,
                                    words = words + excluded.words;
  INSERT INTO stats_moods (year, mood, entries)
    SELECT substr(NEW.entry_date, 1, 4), NEW.mood, 1 WHERE NEW.mood <> ''
    ON CONFLICT (year, mood) DO UPDATE SET entries = entries + 1;
END;
CREATE TRIGGER stats_entry_delete AFTER DELETE ON entries BEGIN
  DELETE FROM stats_days WHERE day = OLD.entry_date AND entries <= 1;
  UPDATE stats_days SET entries = entries - 1, words = words - OLD.word_count
   WHERE day = OLD.entry_date;
  DELETE FROM stats_moods
   WHERE year = substr(OLD.entry_date, 1, 4) AND mood = OLD.mood
     AND entries <= 1;
  UPDATE stats_moods SET entries = entries - 1
   WHERE year = substr(OLD.entry_date, 1, 4) AND mood = OLD.mood;
END;
CREATE TRIGGER stats_entry_update
AFTER UPDATE OF entry_date, word_count, mood ON entries
WHEN OLD.entry_date IS NOT NEW.entry_date
  OR OLD.word_count IS NOT NEW.word_count OR OLD.mood IS NOT NEW.mood
BEGIN
  DELETE FROM stats_days WHERE day = OLD.entry_date AND entries <= 1;
  UPDATE stats_days SET entries = entries - 1, words = words - OLD.word_count
   WHERE day = OLD.entry_date;
  DELETE FROM stats_moods
   WHERE year = substr(OLD.entry_date, 1, 4) AND mood = OLD.mood
     AND entries <= 1;
  UPDATE stats_moods SET entries = entries - 1
   WHERE year = substr(OLD.entry_date, 1, 4) AND mood = OLD.mood;
  INSERT INTO stats_days (day, entries, words)
    VALUES (NEW.entry_date, 1, NEW.word_count)
    ON CONFLICT (day) DO UPDATE SET entries = entries + 1,
                                    words = words + excluded.words;
  INSERT INTO stats_moods (year, mood, entries)
    SELECT substr(NEW.entry_date, 1, 4), NEW.mood, 1 WHERE NEW.mood <> ''
    ON CONFLICT (year, mood) DO UPDATE SET entries = entries + 1;
END;

-- Links count by their own entry_date column, whichever trigger sets it
-- (entry_tags_copy_date on insert, entries_date_to_tags on a date change).
CREATE TRIGGER stats_link_insert AFTER INSERT ON entry_tags
WHEN NEW.entry_date IS NOT NULL BEGIN
  INSERT INTO stats_tags (year, tag_id, links)
    VALUES (substr(NEW.entry_date, 1, 4), NEW.tag_id, 1)
    ON CONFLICT (year, tag_id) DO UPDATE SET links = links + 1;
END;
CREATE TRIGGER stats_link_delete AFTER DELETE ON entry_tags
WHEN OLD.entry_date IS NOT NULL BEGIN
  DELETE FROM stats_tags
   WHERE year = substr(OLD.entry_date, 1, 4) AND tag_id = OLD.tag_id
     AND links <= 1;
  UPDATE stats_tags SET links = links - 1
   WHERE year = substr(OLD.entry_date, 1, 4) AND tag_id = OLD.tag_id;
END;
CREATE TRIGGER stats_link_update AFTER UPDATE OF entry_date, tag_id ON entry_tags
WHEN OLD.entry_date IS NOT NEW.entry_date OR OLD.tag_id IS NOT NEW.tag_id
BEGIN
  DELETE FROM stats_tags
   WHERE OLD.entry_date IS NOT NULL
     AND year = substr(OLD.entry_date, 1, 4) AND tag_id = OLD.tag_id
     AND links <= 1;
  UPDATE stats_tags SET links = links - 1
   WHERE OLD.entry_date IS NOT NULL
     AND year = substr(OLD.entry_date, 1, 4) AND tag_id = OLD.tag_id;
  INSERT INTO stats_tags (year, tag_id, links)
    SELECT substr(NEW.entry_date, 1, 4), NEW.tag_id, 1
     WHERE NEW.entry_date IS NOT NULL
    ON CONFLICT (year, tag_id) DO UPDATE SET links = links + 1;
END;
)sql",
};

}  // namespace

int64_t LatestSchemaVersion() { return std::size(kMigrations); }

absl::StatusOr<int64_t> UserVersion(sqlite3* db) {
  JOURNAL_ASSIGN_OR_RETURN(Statement stmt,
                           Statement::Prepare(db, "PRAGMA user_version"));
  JOURNAL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  return row ? stmt.Int(0) : 0;
}

absl::StatusOr<std::string> SwitchToWal(sqlite3* db,
                                        absl::Duration busy_timeout) {
  const absl::Time give_up = absl::Now() + busy_timeout;
  absl::Duration pause = absl::Milliseconds(1);
  while (true) {
    JOURNAL_ASSIGN_OR_RETURN(Statement wal,
                             Statement::Prepare(db, "PRAGMA journal_mode=WAL"));
    absl::StatusOr<bool> row = wal.Step();
    if (row.ok()) return *row ? absl::AsciiStrToLower(wal.Text(0)) : "";
    const bool busy = (sqlite3_extended_errcode(db) & 0xff) == SQLITE_BUSY;
    if (!busy || absl::Now() + pause > give_up) return row.status();
    absl::SleepFor(pause);
    pause = std::min(2 * pause, absl::Milliseconds(50));
  }
}

absl::Status Migrate(sqlite3* db) {
  JOURNAL_ASSIGN_OR_RETURN(Transaction tx, Transaction::BeginWrite(db));
  JOURNAL_ASSIGN_OR_RETURN(const int64_t version, UserVersion(db));
  const int64_t latest = LatestSchemaVersion();
  if (version > latest) {
    return absl::FailedPreconditionError(
        absl::StrCat("journal database schema version ", version,
                     " is newer than this build supports (", latest,
                     "); upgrade stopframe"));
  }
  if (version < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "journal database has an invalid schema version ", version));
  }
  for (int64_t v = version; v < latest; ++v) {
    JOURNAL_RETURN_IF_ERROR(ExecConstant(db, kMigrations[v]));
  }
  if (version != latest) {
    // PRAGMA takes no parameters; `latest` is our own constant.
    JOURNAL_RETURN_IF_ERROR(
        ExecConstant(db, absl::StrCat("PRAGMA user_version = ", latest)));
  }
  return tx.Commit();
}

}  // namespace stopframe::journal
