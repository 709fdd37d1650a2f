#include "gateway/journal/validation.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gateway/journal/status_macros.h"

namespace stopframe::journal {
namespace {

constexpr size_t kMaxTitleBytes = 500;
constexpr size_t kMaxContentBytes = 100000;
constexpr size_t kMaxShortFieldBytes = 100;  // mood, location, weather
constexpr size_t kMaxTagBytes = 50;
constexpr size_t kMaxDescriptionBytes = 1000;  // tags.description

// Decodes the UTF-8 sequence at s[i]. Returns its length, or 0 if invalid
// (truncated, overlong, surrogate or beyond U+10FFFF).
size_t DecodeUtf8(absl::string_view s, size_t i, char32_t* code_point) {
  const auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) {
    *code_point = lead;
    return 1;
  }
  size_t length;
  char32_t value;
  char32_t min;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, value = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, value = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, value = lead & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() - i < length) return 0;
  for (size_t k = 1; k < length; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    value = (value << 6) | (c & 0x3F);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    return 0;
  }
  *code_point = value;
  return length;
}

bool IsValidUtf8(absl::string_view s) {
  char32_t cp;
  for (size_t i = 0; i < s.size();) {
    const size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// Unicode White_Space, so that e.g. no-break and ideographic spaces separate
// words too.
bool IsUnicodeSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// Whitespace-separated tokens. `text` must be valid UTF-8.
int CountWords(absl::string_view text) {
  int words = 0;
  bool in_word = false;
  char32_t cp;
  for (size_t i = 0; i < text.size();) {
    const size_t n = DecodeUtf8(text, i, &cp);
    if (n == 0) return words;  // Unreachable after IsValidUtf8().
    i += n;
    if (IsUnicodeSpace(cp)) {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++words;
    }
  }
  return words;
}

bool IsLeapYear(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

absl::Status CheckText(absl::string_view field, absl::string_view value,
                       size_t max_bytes) {
  if (value.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is ", value.size(),
                     " bytes; shorten it to at most ", max_bytes, " bytes"));
  }
  if (!IsValidUtf8(value)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is not valid UTF-8; send it as UTF-8 text"));
  }
  return absl::OkStatus();
}

// A trimmed, non-empty title within the limits.
absl::StatusOr<std::string> ValidTitle(absl::string_view title) {
  std::string out(absl::StripAsciiWhitespace(title));
  if (out.empty()) {
    return absl::InvalidArgumentError("title is empty; give the entry a title");
  }
  JOURNAL_RETURN_IF_ERROR(CheckText("title", out, kMaxTitleBytes));
  return out;
}

// A trimmed, non-empty tag name within the limits. `field` names it in
// messages and `empty_hint` says what to do about an empty one.
absl::StatusOr<std::string> ValidTagName(absl::string_view field,
                                         absl::string_view name,
                                         absl::string_view empty_hint) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(name);
  if (trimmed.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is empty; ", empty_hint));
  }
  JOURNAL_RETURN_IF_ERROR(CheckText(field, trimmed, kMaxTagBytes));
  // A name is one line of text. Control characters would also be unsafe:
  // SQLite's NOCASE stops comparing at a NUL, so "a\0x" and "a\0y" are the
  // same tag to the UNIQUE index, and the second silently became the first.
  for (size_t i = 0; i < trimmed.size(); ++i) {
    if (absl::ascii_iscntrl(trimmed[i])) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s contains a control character (byte 0x%02X at %d); a tag name "
          "is one line of plain text: remove it",
          field, static_cast<unsigned char>(trimmed[i]), i));
    }
  }
  return std::string(trimmed);
}

// Trimmed tag names, deduplicated ignoring ASCII case (first spelling wins).
absl::StatusOr<std::vector<std::string>> ValidTags(
    const std::vector<std::string>& tags) {
  if (tags.size() > kMaxTags) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tags has ", tags.size(), " names; use at most ", kMaxTags));
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < tags.size(); ++i) {
    JOURNAL_ASSIGN_OR_RETURN(
        std::string name, ValidTagName(absl::StrCat("tags[", i, "]"), tags[i],
                                       "give the tag a name or remove it"));
    // Same rule as the NOCASE collation on tags.name (ASCII folding).
    const bool seen = std::any_of(
        out.begin(), out.end(),
        [&](const std::string& t) { return absl::EqualsIgnoreCase(t, name); });
    if (!seen) out.push_back(std::move(name));
  }
  return out;
}

absl::Status CheckShortField(absl::string_view field,
                             const std::optional<std::string>& value) {
  if (!value.has_value()) return absl::OkStatus();
  return CheckText(field, *value, kMaxShortFieldBytes);
}

absl::Status BadDate(absl::string_view date, absl::string_view hint) {
  // Echo only a short prefix of what was sent.
  return absl::InvalidArgumentError(absl::StrCat(
      "entry_date \"", absl::CEscape(date.substr(0, 20)),
      "\" is not a real calendar date; use YYYY-MM-DD with a year from 1 to "
      "9999",
      hint));
}

bool IsVideoId(absl::string_view id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

std::optional<absl::CivilDay> ParseDate(absl::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int fields[3] = {0, 0, 0};
  const std::pair<size_t, size_t> spans[3] = {{0, 4}, {5, 2}, {8, 2}};
  for (int f = 0; f < 3; ++f) {
    for (size_t i = 0; i < spans[f].second; ++i) {
      const char c = s[spans[f].first + i];
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
        return std::nullopt;
      }
      fields[f] = fields[f] * 10 + (c - '0');
    }
  }
  const auto [year, month, day] = fields;
  if (year < 1 || month < 1 || month > 12 || day < 1 ||
      day > DaysInMonth(year, month)) {
    return std::nullopt;
  }
  return absl::CivilDay(year, month, day);
}

std::string YearBound(int year, absl::string_view month_day) {
  return absl::StrCat(absl::Dec(year, absl::kZeroPad4), month_day);
}

absl::Status CheckYear(int year) {
  if (year < 1 || year > 9999) {
    return absl::InvalidArgumentError(absl::StrCat(
        "year ", year, " is out of range; use a year from 1 to 9999"));
  }
  return absl::OkStatus();
}

std::string Timestamp(absl::Time now) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", now, absl::UTCTimeZone());
}

absl::Status CheckDescription(const std::optional<std::string>& description) {
  if (!description.has_value()) return absl::OkStatus();
  return CheckText("description", *description, kMaxDescriptionBytes);
}

absl::StatusOr<ValidEntry> Validate(const NewEntry& in, absl::Time now) {
  ValidEntry out;
  JOURNAL_ASSIGN_OR_RETURN(out.title, ValidTitle(in.title));
  JOURNAL_RETURN_IF_ERROR(CheckText("content", in.content, kMaxContentBytes));
  JOURNAL_RETURN_IF_ERROR(CheckShortField("mood", in.mood));
  JOURNAL_RETURN_IF_ERROR(CheckShortField("location", in.location));
  JOURNAL_RETURN_IF_ERROR(CheckShortField("weather", in.weather));
  JOURNAL_ASSIGN_OR_RETURN(out.tags, ValidTags(in.tags));
  if (in.entry_date.empty()) {
    out.entry_date = absl::FormatTime("%Y-%m-%d", now, absl::UTCTimeZone());
  } else if (ParseDate(in.entry_date).has_value()) {
    out.entry_date = in.entry_date;
  } else {
    return BadDate(in.entry_date, ", or leave it empty for today");
  }
  out.word_count = CountWords(in.content);
  return out;
}

absl::StatusOr<ValidUpdate> Validate(const EntryUpdate& in) {
  ValidUpdate out;
  if (in.title.has_value()) {
    JOURNAL_ASSIGN_OR_RETURN(out.title, ValidTitle(*in.title));
  }
  if (in.content.has_value()) {
    JOURNAL_RETURN_IF_ERROR(
        CheckText("content", *in.content, kMaxContentBytes));
    out.word_count = CountWords(*in.content);
  }
  const std::pair<const char*, const std::optional<std::optional<std::string>>*>
      optional[] = {{"mood", &in.mood},
                    {"location", &in.location},
                    {"weather", &in.weather}};
  for (const auto& [field, value] : optional) {
    if (value->has_value()) {
      JOURNAL_RETURN_IF_ERROR(CheckShortField(field, **value));
    }
  }
  if (in.entry_date.has_value() && !ParseDate(*in.entry_date).has_value()) {
    return BadDate(*in.entry_date, ", or leave entry_date unset to keep it");
  }
  if (in.tags.has_value()) {
    JOURNAL_ASSIGN_OR_RETURN(out.tags, ValidTags(*in.tags));
  }
  out.empty = !in.title && !in.content && !in.mood && !in.location &&
              !in.weather && !in.is_private && !in.is_favorite &&
              !in.entry_date && !in.tags;
  return out;
}

absl::StatusOr<std::string> ValidNewTagName(absl::string_view name) {
  return ValidTagName("name", name, "give the tag a name");
}

absl::Status CheckVideoId(absl::string_view id) {
  if (IsVideoId(id)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "video id \"", absl::CEscape(id.substr(0, 40)),
      "\" is not 32 lowercase hex digits; use the video file's name without "
      ".mp4"));
}

absl::Status CheckVideo(const VideoRecord& v) {
  JOURNAL_RETURN_IF_ERROR(CheckVideoId(v.id));
  JOURNAL_RETURN_IF_ERROR(CheckYear(v.year));
  if (v.quality != "draft" && v.quality != "standard" && v.quality != "high") {
    return absl::InvalidArgumentError(absl::StrCat(
        "quality \"", absl::CEscape(absl::string_view(v.quality).substr(0, 20)),
        "\" is not known; use draft, standard or high"));
  }
  if (v.bytes < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bytes is ", v.bytes, "; a video's size cannot be negative"));
  }
  if (v.frames < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "frames is ", v.frames, "; a frame count cannot be negative"));
  }
  if (!std::isfinite(v.duration_seconds) || v.duration_seconds < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("duration_seconds is ", v.duration_seconds,
                     "; use a finite, non-negative number of seconds"));
  }
  return absl::OkStatus();
}

}  // namespace stopframe::journal
