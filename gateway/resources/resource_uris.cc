#include "gateway/resources/resource_uris.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace stopframe::gateway {
namespace {

bool ParseId(std::string_view text, int64_t* id) {
  if (text.empty() || text.size() > 18) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return absl::SimpleAtoi(absl::string_view(text.data(), text.size()), id) &&
         *id > 0;
}

bool IsVideoId(std::string_view text) {
  if (text.size() != 32) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

bool Consume(std::string_view* text, std::string_view prefix) {
  if (text->substr(0, prefix.size()) != prefix) return false;
  text->remove_prefix(prefix.size());
  return true;
}

}  // namespace

absl::StatusOr<ResourceRef> ParseResourceUri(std::string_view uri) {
  ResourceRef ref;
  std::string_view rest = uri;
  if (rest == kTagListUri) return ref;
  if (Consume(&rest, "stopframe://entries/") && ParseId(rest, &ref.id)) {
    ref.kind = ResourceRef::Kind::kEntry;
    return ref;
  }
  rest = uri;
  if (Consume(&rest, "stopframe://tags/") && ParseId(rest, &ref.id)) {
    ref.kind = ResourceRef::Kind::kTag;
    return ref;
  }
  rest = uri;
  if (Consume(&rest, "stopframe://videos/") && IsVideoId(rest)) {
    ref.kind = ResourceRef::Kind::kVideo;
    ref.video_id = std::string(rest);
    return ref;
  }
  std::string shown(uri.substr(0, 200));
  return absl::NotFoundError(
      absl::StrCat("Resource not found: ", shown,
                   ". Known forms: stopframe://entries/{id}, stopframe://tags, "
                   "stopframe://tags/{id}, stopframe://videos/{id}"));
}

std::string EntryUri(int64_t id) {
  return absl::StrCat("stopframe://entries/", id);
}
std::string TagUri(int64_t id) { return absl::StrCat("stopframe://tags/", id); }
std::string VideoUri(const std::string& id) {
  return absl::StrCat("stopframe://videos/", id);
}

}  // namespace stopframe::gateway
