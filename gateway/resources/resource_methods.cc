#include "gateway/resources/resource_methods.h"

#include <charconv>
#include <fstream>
#include <iterator>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/resources/resource_uris.h"
#include "gateway/tools/journal_tools.h"

namespace stopframe::gateway {
namespace {

using jsonrpc::Json;

// MCP's code for a resource that does not exist.
constexpr int kResourceNotFound = -32002;
constexpr size_t kPageSize = 50;
constexpr int kRecentEntries = 20;
constexpr size_t kMaxCompletions = 100;

MethodResult FromStatus(const absl::Status& status) {
  if (absl::IsNotFound(status)) {
    return MethodResult::Error(kResourceNotFound,
                               std::string(status.message()));
  }
  if (absl::IsInvalidArgument(status)) {
    return MethodResult::Error(jsonrpc::kInvalidParams,
                               std::string(status.message()));
  }
  return MethodResult::Error(
      jsonrpc::kInternalError,
      absl::StrCat("Internal error: ", status.message()));
}

// Every listed resource, in a stable order: the tag list, tags, videos, then
// the most recent entries.
absl::StatusOr<std::vector<Json>> AllResources(journal::JournalStore* journal) {
  std::vector<Json> out;
  out.push_back({{"uri", kTagListUri},
                 {"name", "tags"},
                 {"title", "All tags"},
                 {"mimeType", "application/json"}});
  auto tags = journal->ListTags();
  if (!tags.ok()) return tags.status();
  for (const journal::Tag& t : *tags) {
    out.push_back({{"uri", TagUri(t.id)},
                   {"name", t.name},
                   {"title", absl::StrCat("Tag: ", t.name)},
                   {"mimeType", "application/json"}});
  }
  auto videos = journal->ListVideos();
  if (!videos.ok()) return videos.status();
  for (const journal::VideoRecord& v : *videos) {
    out.push_back(
        {{"uri", VideoUri(v.id)},
         {"name", absl::StrCat("wrapped-", v.year, "-", v.id, ".mp4")},
         {"title", absl::StrCat("Wrapped ", v.year, " (", v.quality, ")")},
         {"mimeType", "video/mp4"},
         {"size", v.bytes}});
  }
  auto entries = journal->RecentEntries(kRecentEntries);
  if (!entries.ok()) return entries.status();
  for (const journal::Entry& e : *entries) {
    out.push_back({{"uri", EntryUri(e.id)},
                   {"name", e.title},
                   {"title", absl::StrCat(e.entry_date, ": ", e.title)},
                   {"mimeType", "application/json"}});
  }
  return out;
}

MethodResult ListResources(journal::JournalStore* journal, const Json& params) {
  size_t offset = 0;
  if (auto c = params.find("cursor"); c != params.end() && !c->is_null()) {
    const std::string* text = c->get_ptr<const std::string*>();
    auto [end, ec] =
        text
            ? std::from_chars(text->data(), text->data() + text->size(), offset)
            : std::from_chars_result{nullptr, std::errc::invalid_argument};
    if (text == nullptr || ec != std::errc() ||
        end != text->data() + text->size()) {
      return MethodResult::Error(
          jsonrpc::kInvalidParams,
          "Invalid params: cursor is not one this server issued; pass the "
          "previous nextCursor or none");
    }
  }
  auto all = AllResources(journal);
  if (!all.ok()) return FromStatus(all.status());
  Json page = Json::array();
  for (size_t i = offset; i < all->size() && i < offset + kPageSize; ++i) {
    page.push_back((*all)[i]);
  }
  Json result{{"resources", page}};
  if (offset + kPageSize < all->size()) {
    result["nextCursor"] = std::to_string(offset + kPageSize);
  }
  return result;
}

MethodResult ListTemplates() {
  return Json{{"resourceTemplates",
               {{{"uriTemplate", kEntryTemplate},
                 {"name", "entry"},
                 {"title", "Journal entry"},
                 {"description", "One journal entry as JSON"},
                 {"mimeType", "application/json"}},
                {{"uriTemplate", kTagTemplate},
                 {"name", "tag"},
                 {"title", "Tag"},
                 {"description", "One tag with its entry count, as JSON"},
                 {"mimeType", "application/json"}},
                {{"uriTemplate", kVideoTemplate},
                 {"name", "video"},
                 {"title", "Wrapped video"},
                 {"description", "A rendered wrapped video (MP4, base64 blob)"},
                 {"mimeType", "video/mp4"}}}}};
}

Json TextContents(const std::string& uri, const Json& value) {
  return Json{{"contents",
               {{{"uri", uri},
                 {"mimeType", "application/json"},
                 {"text", jsonrpc::Serialize(value)}}}}};
}

MethodResult ReadResource(journal::JournalStore* journal, VideoStore* videos,
                          const Json& params, RequestContext& context) {
  auto uri = params.find("uri");
  if (uri == params.end() || !uri->is_string()) {
    return MethodResult::Error(
        jsonrpc::kInvalidParams,
        "Invalid params: resources/read needs a string uri");
  }
  const std::string& text = uri->get_ref<const std::string&>();
  absl::StatusOr<ResourceRef> ref = ParseResourceUri(text);
  if (!ref.ok()) return FromStatus(ref.status());
  switch (ref->kind) {
    case ResourceRef::Kind::kEntry: {
      auto entry = journal->GetEntry(ref->id);
      if (!entry.ok()) return FromStatus(entry.status());
      return TextContents(text, EntryToJson(*entry));
    }
    case ResourceRef::Kind::kTagList: {
      auto tags = journal->ListTags();
      if (!tags.ok()) return FromStatus(tags.status());
      Json list = Json::array();
      for (const journal::Tag& t : *tags) list.push_back(TagToJson(t));
      return TextContents(text, Json{{"tags", list}});
    }
    case ResourceRef::Kind::kTag: {
      auto tag = journal->GetTag(ref->id);
      if (!tag.ok()) return FromStatus(tag.status());
      return TextContents(text, TagToJson(*tag));
    }
    case ResourceRef::Kind::kVideo: {
      // Only a video the journal knows, at the path the store builds.
      auto record = journal->GetVideo(ref->video_id);
      if (!record.ok()) return FromStatus(record.status());
      auto path = videos->PathOf(ref->video_id);
      if (!path.ok()) return FromStatus(path.status());
      std::ifstream in(*path, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), {});
      if (!in.good() && !in.eof()) {
        return MethodResult::Error(jsonrpc::kInternalError,
                                   "Internal error: cannot read the video");
      }
      if (context.cancel.cancelled()) return Json::object();  // not sent
      return Json{{"contents",
                   {{{"uri", text},
                     {"mimeType", "video/mp4"},
                     {"blob", absl::Base64Escape(bytes)}}}}};
    }
  }
  return MethodResult::Error(jsonrpc::kInternalError, "Internal error");
}

MethodResult Subscribe(ResourceSubscriptions* subscriptions, const Json& params,
                       bool subscribe) {
  auto uri = params.find("uri");
  if (uri == params.end() || !uri->is_string()) {
    return MethodResult::Error(jsonrpc::kInvalidParams,
                               "Invalid params: a string uri is required");
  }
  const std::string& text = uri->get_ref<const std::string&>();
  if (absl::StatusOr<ResourceRef> ref = ParseResourceUri(text); !ref.ok()) {
    return FromStatus(ref.status());
  }
  if (subscribe) {
    subscriptions->Subscribe(text);
  } else {
    subscriptions->Unsubscribe(text);
  }
  return Json::object();
}

// Ids offered for a template's {id} (or the suggest_tags prompt's entryId).
absl::StatusOr<std::vector<std::string>> CandidateIds(
    journal::JournalStore* journal, const std::string& uri_template) {
  std::vector<std::string> ids;
  if (uri_template == kEntryTemplate) {
    auto entries = journal->RecentEntries(200);
    if (!entries.ok()) return entries.status();
    for (const journal::Entry& e : *entries)
      ids.push_back(std::to_string(e.id));
  } else if (uri_template == kTagTemplate) {
    auto tags = journal->ListTags();
    if (!tags.ok()) return tags.status();
    for (const journal::Tag& t : *tags) ids.push_back(std::to_string(t.id));
  } else if (uri_template == kVideoTemplate) {
    auto videos = journal->ListVideos();
    if (!videos.ok()) return videos.status();
    for (const journal::VideoRecord& v : *videos) ids.push_back(v.id);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "Invalid params: no completions for ", uri_template.substr(0, 200)));
  }
  return ids;
}

// `key` of `object` if it is a string, else "". (value(key, "") throws on a
// member of another type.)
std::string StringMember(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

MethodResult Complete(journal::JournalStore* journal, const Json& params) {
  auto ref = params.find("ref");
  auto argument = params.find("argument");
  if (ref == params.end() || !ref->is_object() || argument == params.end() ||
      !argument->is_object() || !argument->contains("name") ||
      !(*argument)["name"].is_string() ||
      (argument->contains("value") && !(*argument)["value"].is_string())) {
    return MethodResult::Error(
        jsonrpc::kInvalidParams,
        "Invalid params: completion/complete needs ref {type, uri|name} and "
        "argument {name, value}");
  }
  const std::string type = StringMember(*ref, "type");
  const std::string name = (*argument)["name"];
  const std::string value = StringMember(*argument, "value");
  std::string uri_template;
  if (type == "ref/resource" && name == "id") {
    uri_template = StringMember(*ref, "uri");
  } else if (type == "ref/prompt" &&
             StringMember(*ref, "name") == "suggest_tags" &&
             name == "entryId") {
    uri_template = kEntryTemplate;
  } else {
    return MethodResult::Error(
        jsonrpc::kInvalidParams,
        absl::StrCat("Invalid params: nothing to complete for argument ",
                     name.substr(0, 100)));
  }
  auto ids = CandidateIds(journal, uri_template);
  if (!ids.ok()) return FromStatus(ids.status());
  Json values = Json::array();
  size_t total = 0;
  for (const std::string& id : *ids) {
    if (!absl::StartsWith(id, value)) continue;
    if (++total <= kMaxCompletions) values.push_back(id);
  }
  return Json{{"completion",
               {{"values", values},
                {"total", total},
                {"hasMore", total > kMaxCompletions}}}};
}

}  // namespace

void AddResourceMethods(McpServer& server, journal::JournalStore* journal,
                        VideoStore* videos,
                        ResourceSubscriptions* subscriptions) {
  server.AddCapability("resources",
                       {{"subscribe", true}, {"listChanged", true}});
  server.AddCapability("completions", Json::object());
  server.AddMethod("resources/list",
                   [journal](const Json& params, RequestContext&) {
                     return ListResources(journal, params);
                   });
  server.AddMethod(
      "resources/templates/list",
      [](const Json&, RequestContext&) { return ListTemplates(); });
  server.AddMethod(
      "resources/read",
      [journal, videos](const Json& params, RequestContext& context) {
        return ReadResource(journal, videos, params, context);
      });
  server.AddMethod("resources/subscribe",
                   [subscriptions](const Json& params, RequestContext&) {
                     return Subscribe(subscriptions, params, true);
                   });
  server.AddMethod("resources/unsubscribe",
                   [subscriptions](const Json& params, RequestContext&) {
                     return Subscribe(subscriptions, params, false);
                   });
  server.AddMethod("completion/complete",
                   [journal](const Json& params, RequestContext&) {
                     return Complete(journal, params);
                   });
}

}  // namespace stopframe::gateway
