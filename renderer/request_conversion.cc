#include "renderer/request_conversion.h"

#include "absl/strings/str_cat.h"

namespace stopframe::renderer {
namespace {

namespace pb = ::stopframe::renderer::v1;

// Bounds that keep one request's memory and drawing work small.
constexpr int kMaxTextBytes = 500;
constexpr int kMaxListItems = 20;

absl::Status CheckText(const std::string& field, const std::string& text) {
  if (text.size() > kMaxTextBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " is ", text.size(), " bytes; at most ", kMaxTextBytes));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<media::NamedCount>> ConvertCounts(
    const std::string& field,
    const google::protobuf::RepeatedPtrField<pb::NamedCount>& counts) {
  if (counts.size() > kMaxListItems) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " has ", counts.size(), " items; at most ", kMaxListItems));
  }
  std::vector<media::NamedCount> out;
  for (const pb::NamedCount& c : counts) {
    if (absl::Status s = CheckText(field + ".name", c.name()); !s.ok()) {
      return s;
    }
    if (c.entries() < 0) {
      return absl::InvalidArgumentError(field + ".entries must be >= 0");
    }
    out.push_back({c.name(), c.entries()});
  }
  return out;
}

absl::StatusOr<std::optional<media::EntryHighlight>> ConvertHighlight(
    const std::string& field, bool present, const pb::EntryHighlight& h) {
  if (!present) return std::nullopt;
  if (absl::Status s = CheckText(field + ".title", h.title()); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckText(field + ".date", h.date()); !s.ok()) return s;
  return media::EntryHighlight{h.title(), h.date(), h.words()};
}

}  // namespace

absl::StatusOr<RenderJobSpec> ConvertRenderRequest(
    const pb::RenderRequest& request, const std::string& font_dir) {
  RenderJobSpec job;
  if (request.year() < 1 || request.year() > 9999) {
    return absl::InvalidArgumentError(
        absl::StrCat("year ", request.year(), " is out of range 1..9999"));
  }
  if (absl::Status s = CheckText("display_name", request.display_name());
      !s.ok()) {
    return s;
  }
  media::WrappedContent& c = job.content;
  c.year = request.year();
  c.display_name = request.display_name();

  const pb::WrappedStats& stats = request.stats();
  if (stats.entries() < 0 || stats.words() < 0 || stats.tags() < 0 ||
      stats.longest_streak_days() < 0) {
    return absl::InvalidArgumentError(
        "stats counts (entries, words, tags, longest_streak_days) must be >= "
        "0");
  }
  c.entries = stats.entries();
  c.words = stats.words();
  c.tags = stats.tags();
  c.longest_streak_days = stats.longest_streak_days();
  for (const pb::MonthCount& m : stats.months()) {
    if (m.month() < 1 || m.month() > 12 || m.entries() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("stats.months: month ", m.month(), " with ", m.entries(),
                       " entries; month must be 1..12 and entries >= 0"));
    }
    c.entries_per_month[m.month() - 1] = m.entries();
  }
  absl::StatusOr<std::vector<media::NamedCount>> tags =
      ConvertCounts("stats.top_tags", stats.top_tags());
  if (!tags.ok()) return tags.status();
  c.top_tags = *std::move(tags);
  absl::StatusOr<std::vector<media::NamedCount>> moods =
      ConvertCounts("stats.moods", stats.moods());
  if (!moods.ok()) return moods.status();
  c.moods = *std::move(moods);

  auto longest = ConvertHighlight(
      "stats.longest_entry", stats.has_longest_entry(), stats.longest_entry());
  if (!longest.ok()) return longest.status();
  c.longest_entry = *longest;
  auto shortest =
      ConvertHighlight("stats.shortest_entry", stats.has_shortest_entry(),
                       stats.shortest_entry());
  if (!shortest.ok()) return shortest.status();
  c.shortest_entry = *shortest;

  if (stats.favorites_size() > kMaxListItems) {
    return absl::InvalidArgumentError(
        absl::StrCat("stats.favorites has ", stats.favorites_size(),
                     " items; at most ", kMaxListItems));
  }
  for (const std::string& f : stats.favorites()) {
    if (absl::Status s = CheckText("stats.favorites", f); !s.ok()) return s;
    c.favorites.push_back(f);
  }

  const pb::RenderOptions& o = request.options();
  media::VideoSpec spec;
  spec.width = o.width();
  spec.height = o.height();
  spec.fps = o.fps();
  spec.seconds_per_slide = o.seconds_per_slide();
  spec.preset = o.preset();
  spec.crf = o.crf();
  spec.font_dir = font_dir;
  absl::StatusOr<media::VideoSpec> valid = media::ValidateVideoSpec(spec);
  if (!valid.ok()) return valid.status();
  job.video = *std::move(valid);
  return job;
}

}  // namespace stopframe::renderer
