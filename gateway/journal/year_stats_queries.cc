#include "gateway/journal/year_stats_queries.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "gateway/journal/status_macros.h"
#include "gateway/journal/validation.h"

namespace stopframe::journal {
namespace {

constexpr int kTopTags = 5;
constexpr int kTopMoods = 6;
constexpr int kMaxFavorites = 5;
constexpr char kPrivateTitle[] = "A private entry";

// Longest run of consecutive days in an ascending list of distinct dates.
int LongestStreak(const std::vector<absl::CivilDay>& days) {
  int best = 0;
  int run = 0;
  for (size_t i = 0; i < days.size(); ++i) {
    run = (i > 0 && days[i] - days[i - 1] == 1) ? run + 1 : 1;
    best = std::max(best, run);
  }
  return best;
}

// The row of a highlight query (title, entry_date, word_count, is_private),
// if any; a private entry's title is not shown.
absl::StatusOr<std::optional<Highlight>> StepHighlight(Statement& stmt) {
  JOURNAL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return std::optional<Highlight>();
  Highlight h;
  h.title = stmt.Int(3) != 0 ? kPrivateTitle : stmt.Text(0);
  h.date = stmt.Text(1);
  h.words = static_cast<int>(stmt.Int(2));
  return std::optional<Highlight>(std::move(h));
}

absl::StatusOr<std::optional<Highlight>> QueryHighlight(sqlite3* db,
                                                        absl::string_view order,
                                                        const std::string& from,
                                                        const std::string& to) {
  JOURNAL_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(
          db, absl::StrCat("SELECT title, entry_date, word_count, is_private "
                           "FROM entries WHERE id = (SELECT id FROM entries "
                           "WHERE entry_date BETWEEN :from AND :to ORDER BY ",
                           order, " LIMIT 1)")));  // inner: index only
  JOURNAL_RETURN_IF_ERROR(BindYear(stmt, from, to));
  return StepHighlight(stmt);
}

// Runs a "name, count" query bound to a year.
absl::StatusOr<std::vector<NamedCount>> QueryNamedCounts(
    sqlite3* db, absl::string_view sql, const std::string& from,
    const std::string& to) {
  JOURNAL_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(db, sql));
  JOURNAL_RETURN_IF_ERROR(BindYear(stmt, from, to));
  std::vector<NamedCount> result;
  while (true) {
    JOURNAL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    result.push_back({stmt.Text(0), static_cast<int>(stmt.Int(1))});
  }
  return result;
}

// Reads (name, count) rows, most used first: counts every tag used, keeps
// the top kTopTags. Shared by the aggregate path and its base-table oracle.
absl::Status ReadTagCounts(Statement& tags, YearStats& stats) {
  while (true) {
    JOURNAL_ASSIGN_OR_RETURN(const bool row, tags.Step());
    if (!row) return absl::OkStatus();
    ++stats.tags;
    if (stats.top_tags.size() < static_cast<size_t>(kTopTags)) {
      stats.top_tags.push_back({tags.Text(0), static_cast<int>(tags.Int(1))});
    }
  }
}

// The entry with the most (`longest`) or fewest words in [from, to], lowest
// id among ties: per day of stats_days, one seek on entries_day_words for the
// day's extreme, then one for the lowest id having the year's extreme.
absl::StatusOr<std::optional<Highlight>> QueryDayHighlight(
    sqlite3* db, bool longest, const std::string& from, const std::string& to) {
  const absl::string_view extreme = longest ? "MAX" : "MIN";
  int64_t words = 0;
  {
    JOURNAL_ASSIGN_OR_RETURN(
        Statement stmt,
        Statement::Prepare(
            db, absl::StrCat("SELECT ", extreme, "((SELECT ", extreme,
                             "(word_count) FROM entries "
                             "WHERE entry_date = d.day)) FROM stats_days AS d "
                             "WHERE d.day BETWEEN :from AND :to")));
    JOURNAL_RETURN_IF_ERROR(BindYear(stmt, from, to));
    JOURNAL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row || stmt.Null(0)) {
      return std::optional<Highlight>();
    }
    words = stmt.Int(0);
  }
  JOURNAL_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(
          db,
          "SELECT title, entry_date, word_count, is_private FROM entries "
          "WHERE id = (SELECT MIN((SELECT id FROM entries "
          "WHERE entry_date = d.day AND word_count = :words "
          "ORDER BY id LIMIT 1)) FROM stats_days AS d "
          "WHERE d.day BETWEEN :from AND :to)"));
  JOURNAL_RETURN_IF_ERROR(BindYear(stmt, from, to));
  JOURNAL_RETURN_IF_ERROR(stmt.BindInt(":words", words));
  return StepHighlight(stmt);
}

}  // namespace

absl::Status BindYear(Statement& stmt, const std::string& from,
                      const std::string& to) {
  JOURNAL_RETURN_IF_ERROR(stmt.BindText(":from", from));
  return stmt.BindText(":to", to);
}

absl::Status QueryFavorites(sqlite3* db, const std::string& from,
                            const std::string& to, YearStats& stats) {
  JOURNAL_ASSIGN_OR_RETURN(
      Statement favorites,
      Statement::Prepare(
          db, absl::StrCat("SELECT title FROM entries "
                           "WHERE entry_date BETWEEN :from AND :to "
                           "AND is_favorite = 1 AND is_private = 0 "
                           "ORDER BY entry_date DESC, id DESC LIMIT ",
                           kMaxFavorites)));
  JOURNAL_RETURN_IF_ERROR(BindYear(favorites, from, to));
  while (true) {
    JOURNAL_ASSIGN_OR_RETURN(const bool row, favorites.Step());
    if (!row) break;
    stats.favorite_titles.push_back(favorites.Text(0));
  }
  return absl::OkStatus();
}

absl::Status YearStatsFromEntries(sqlite3* db, const std::string& from,
                                  const std::string& to, YearStats& stats) {
  {
    JOURNAL_ASSIGN_OR_RETURN(
        Statement totals,
        Statement::Prepare(db,
                           "SELECT COUNT(*), COALESCE(SUM(word_count), 0) "
                           "FROM entries "
                           "WHERE entry_date BETWEEN :from AND :to"));
    JOURNAL_RETURN_IF_ERROR(BindYear(totals, from, to));
    JOURNAL_ASSIGN_OR_RETURN(const bool row, totals.Step());
    if (row) {
      stats.entries = totals.Int(0);
      stats.words = totals.Int(1);
    }
  }
  if (stats.entries == 0) return absl::OkStatus();

  {
    // Tags used that year, most used first, from the date-ordered link index.
    JOURNAL_ASSIGN_OR_RETURN(
        Statement tags,
        Statement::Prepare(
            db,
            "SELECT t.name, used.n FROM (SELECT tag_id, COUNT(*) AS n "
            "FROM entry_tags WHERE entry_date BETWEEN :from AND :to "
            "GROUP BY tag_id) AS used JOIN tags AS t ON t.id = used.tag_id "
            "ORDER BY used.n DESC, t.name"));
    JOURNAL_RETURN_IF_ERROR(BindYear(tags, from, to));
    JOURNAL_RETURN_IF_ERROR(ReadTagCounts(tags, stats));
  }
  JOURNAL_ASSIGN_OR_RETURN(
      stats.moods,
      QueryNamedCounts(
          db,
          absl::StrCat("SELECT mood, COUNT(*) AS n FROM entries "
                       "WHERE entry_date BETWEEN :from AND :to "
                       "AND mood IS NOT NULL AND mood <> '' "
                       "GROUP BY mood ORDER BY n DESC, mood LIMIT ",
                       kTopMoods),
          from, to));

  {
    // At most 366 rows: months and the streak come from the same counts.
    JOURNAL_ASSIGN_OR_RETURN(
        Statement dates,
        Statement::Prepare(db,
                           "SELECT entry_date, COUNT(*) FROM entries "
                           "WHERE entry_date BETWEEN :from AND :to "
                           "GROUP BY entry_date ORDER BY entry_date"));
    JOURNAL_RETURN_IF_ERROR(BindYear(dates, from, to));
    std::vector<absl::CivilDay> days;
    while (true) {
      JOURNAL_ASSIGN_OR_RETURN(const bool row, dates.Step());
      if (!row) break;
      if (std::optional<absl::CivilDay> day = ParseDate(dates.Text(0))) {
        days.push_back(*day);
        stats.entries_per_month[day->month() - 1] +=
            static_cast<int>(dates.Int(1));
      }
    }
    stats.longest_streak_days = LongestStreak(days);
  }

  JOURNAL_ASSIGN_OR_RETURN(stats.longest_entry,
                           QueryHighlight(db, "word_count DESC, id", from, to));
  JOURNAL_ASSIGN_OR_RETURN(stats.shortest_entry,
                           QueryHighlight(db, "word_count ASC, id", from, to));

  return absl::OkStatus();
}

absl::Status YearStatsFromAggregates(sqlite3* db, int year,
                                     const std::string& from,
                                     const std::string& to, YearStats& stats) {
  std::vector<absl::CivilDay> days;
  {
    JOURNAL_ASSIGN_OR_RETURN(
        Statement stmt,
        Statement::Prepare(db,
                           "SELECT day, entries, words FROM stats_days "
                           "WHERE day BETWEEN :from AND :to ORDER BY day"));
    JOURNAL_RETURN_IF_ERROR(BindYear(stmt, from, to));
    while (true) {
      JOURNAL_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) break;
      stats.entries += stmt.Int(1);
      stats.words += stmt.Int(2);
      if (std::optional<absl::CivilDay> day = ParseDate(stmt.Text(0))) {
        days.push_back(*day);
        stats.entries_per_month[day->month() - 1] +=
            static_cast<int>(stmt.Int(1));
      }
    }
  }
  if (stats.entries == 0) return absl::OkStatus();
  stats.longest_streak_days = LongestStreak(days);

  const std::string year_key = YearBound(year, "");
  {
    JOURNAL_ASSIGN_OR_RETURN(
        Statement tags,
        Statement::Prepare(
            db,
            "SELECT t.name, s.links FROM stats_tags AS s "
            "JOIN tags AS t ON t.id = s.tag_id "
            "WHERE s.year = :year ORDER BY s.links DESC, t.name"));
    JOURNAL_RETURN_IF_ERROR(tags.BindText(":year", year_key));
    JOURNAL_RETURN_IF_ERROR(ReadTagCounts(tags, stats));
  }
  {
    JOURNAL_ASSIGN_OR_RETURN(
        Statement moods,
        Statement::Prepare(db,
                           absl::StrCat("SELECT mood, entries FROM stats_moods "
                                        "WHERE year = :year "
                                        "ORDER BY entries DESC, mood LIMIT ",
                                        kTopMoods)));
    JOURNAL_RETURN_IF_ERROR(moods.BindText(":year", year_key));
    while (true) {
      JOURNAL_ASSIGN_OR_RETURN(const bool row, moods.Step());
      if (!row) break;
      stats.moods.push_back({moods.Text(0), static_cast<int>(moods.Int(1))});
    }
  }
  JOURNAL_ASSIGN_OR_RETURN(stats.longest_entry,
                           QueryDayHighlight(db, /*longest=*/true, from, to));
  JOURNAL_ASSIGN_OR_RETURN(stats.shortest_entry,
                           QueryDayHighlight(db, /*longest=*/false, from, to));
  return absl::OkStatus();
}

}  // namespace stopframe::journal
