#ifndef STOPFRAME_GATEWAY_RESOURCES_RESOURCE_URIS_H_
#define STOPFRAME_GATEWAY_RESOURCES_RESOURCE_URIS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace stopframe::gateway {

// The journal's resource URIs. Parsing is strict (digits for entry and tag
// ids, 32 lowercase hex digits for video ids), so a URI can never smuggle a
// path: nothing else is ever turned into a file name.
struct ResourceRef {
  enum class Kind { kEntry, kTagList, kTag, kVideo };
  Kind kind = Kind::kTagList;
  int64_t id = 0;        // entries and tags
  std::string video_id;  // videos
};

// NOT_FOUND with a message naming the accepted forms.
absl::StatusOr<ResourceRef> ParseResourceUri(std::string_view uri);

std::string EntryUri(int64_t id);
std::string TagUri(int64_t id);
std::string VideoUri(const std::string& id);
inline constexpr char kTagListUri[] = "stopframe://tags";
inline constexpr char kEntryTemplate[] = "stopframe://entries/{id}";
inline constexpr char kTagTemplate[] = "stopframe://tags/{id}";
inline constexpr char kVideoTemplate[] = "stopframe://videos/{id}";

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_RESOURCES_RESOURCE_URIS_H_
