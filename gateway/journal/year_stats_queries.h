#ifndef STOPFRAME_GATEWAY_JOURNAL_YEAR_STATS_QUERIES_H_
#define STOPFRAME_GATEWAY_JOURNAL_YEAR_STATS_QUERIES_H_

// The SQL behind a year's stats (the wrapped video's figures): from the v4
// aggregates, and from the base tables alone as the reference they must
// equal. Each runs inside the caller's read transaction. Internal to the
// journal library.

#include <sqlite3.h>

#include <string>

#include "absl/status/status.h"
#include "gateway/journal/journal_store.h"
#include "gateway/journal/sqlite_statement.h"

namespace stopframe::journal {

// Binds :from and :to: a year's first and last day (YearBound). Also the
// year filter of JournalStore::ListEntries.
absl::Status BindYear(Statement& stmt, const std::string& from,
                      const std::string& to);

// The favourite titles of YearStats, newest first; walks entries_by_favorite
// backwards from the end of the year.
absl::Status QueryFavorites(sqlite3* db, const std::string& from,
                            const std::string& to, YearStats& stats);

// Fills every figure but the favourites from the base tables alone, scanning
// the year's rows (index only). The reference the aggregates must equal.
absl::Status YearStatsFromEntries(sqlite3* db, const std::string& from,
                                  const std::string& to, YearStats& stats);

// Fills every figure but the favourites from the v4 aggregates: at most 366
// day rows, one row per mood and per tag used that year, and two index seeks
// per day for the highlights. Cost does not grow with entries per day.
absl::Status YearStatsFromAggregates(sqlite3* db, int year,
                                     const std::string& from,
                                     const std::string& to, YearStats& stats);

}  // namespace stopframe::journal

#endif  // STOPFRAME_GATEWAY_JOURNAL_YEAR_STATS_QUERIES_H_
