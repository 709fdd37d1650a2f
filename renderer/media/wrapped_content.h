#ifndef STOPFRAME_RENDERER_MEDIA_WRAPPED_CONTENT_H_
#define STOPFRAME_RENDERER_MEDIA_WRAPPED_CONTENT_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stopframe::media {

// A name (tag or mood) with how many entries carry it.
struct NamedCount {
  std::string name;
  int count = 0;
};

// One entry worth a mention on a slide.
struct EntryHighlight {
  std::string title;
  std::string date;  // YYYY-MM-DD
  int words = 0;
};

// Everything a wrapped video shows. Plain data, no gRPC or protobuf types:
// the service edge converts the request into this.
struct WrappedContent {
  int year = 0;
  std::string display_name;
  int64_t entries = 0;
  int64_t words = 0;
  int64_t tags = 0;
  std::array<int, 12> entries_per_month{};  // index 0 = January
  std::vector<NamedCount> top_tags;         // most used first
  std::vector<NamedCount> moods;            // most used first
  int longest_streak_days = 0;
  std::optional<EntryHighlight> longest_entry;
  std::optional<EntryHighlight> shortest_entry;
  std::vector<std::string> favorites;
};

}  // namespace stopframe::media

#endif  // STOPFRAME_RENDERER_MEDIA_WRAPPED_CONTENT_H_
