#ifndef STOPFRAME_GATEWAY_JOURNAL_VALIDATION_H_
#define STOPFRAME_GATEWAY_JOURNAL_VALIDATION_H_

// What the journal accepts: its limits, dates, and the checks every write
// passes before SQL sees it. Each failure is INVALID_ARGUMENT with a message
// that says what to change. Internal to the journal library.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gateway/journal/journal_store.h"

namespace stopframe::journal {

inline constexpr size_t kMaxTags = 20;  // per entry

// A NewEntry that passed validation, with derived fields filled in.
struct ValidEntry {
  std::string title;              // Trimmed.
  std::vector<std::string> tags;  // Trimmed, case-insensitively deduplicated.
  std::string entry_date;         // Never empty.
  int word_count = 0;
};

// An EntryUpdate that passed validation; unset fields are kept.
struct ValidUpdate {
  std::optional<std::string> title;  // Trimmed.
  std::optional<std::vector<std::string>> tags;
  std::optional<int> word_count;  // Set with content.
  bool empty = true;              // Nothing to change.
};

// The days in `month` (1-12) of `year`, leap years counted.
int DaysInMonth(int year, int month);

// Parses a strict YYYY-MM-DD calendar date in years 1..9999.
std::optional<absl::CivilDay> ParseDate(absl::string_view s);

// `year` as four digits, then `month_day` (e.g. "-12-31"): a bound for
// date ranges compared as entry_date strings.
std::string YearBound(int year, absl::string_view month_day);

// INVALID_ARGUMENT, with what to use instead, unless 1 <= year <= 9999.
absl::Status CheckYear(int year);

// `now` as the journal stores times: UTC, ISO 8601, to the second.
std::string Timestamp(absl::Time now);

// A tag's description, if any: UTF-8 within the size limit.
absl::Status CheckDescription(const std::optional<std::string>& description);

// Checks a new entry against the journal's limits and derives its fields
// (today's date when it has none, the word count).
absl::StatusOr<ValidEntry> Validate(const NewEntry& in, absl::Time now);

// Checks the fields an update sets, as Validate(NewEntry) does.
absl::StatusOr<ValidUpdate> Validate(const EntryUpdate& in);

// A NewTag or TagUpdate name, validated.
absl::StatusOr<std::string> ValidNewTagName(absl::string_view name);

// A video id is 32 lowercase hex digits: its file name without ".mp4".
absl::Status CheckVideoId(absl::string_view id);

// A video record's id, year, quality and sizes are in range.
absl::Status CheckVideo(const VideoRecord& v);

}  // namespace stopframe::journal

#endif  // STOPFRAME_GATEWAY_JOURNAL_VALIDATION_H_
