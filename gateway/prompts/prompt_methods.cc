#include "gateway/prompts/prompt_methods.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/resources/resource_uris.h"
#include "gateway/tools/journal_tools.h"

namespace stopframe::gateway {
namespace {

using jsonrpc::Json;

Json SuggestTagsDefinition() {
  return Json{{"name", "suggest_tags"},
              {"title", "Suggest tags"},
              {"description",
               "Suggest tags for a journal entry, reusing existing tags where "
               "they fit."},
              {"arguments",
               {{{"name", "entryId"},
                 {"description", "The id of the entry to tag"},
                 {"required", true}}}}};
}

Json EmbeddedResource(const std::string& uri, const Json& value) {
  return Json{{"role", "user"},
              {"content",
               {{"type", "resource"},
                {"resource",
                 {{"uri", uri},
                  {"mimeType", "application/json"},
                  {"text", jsonrpc::Serialize(value)}}}}}};
}

MethodResult GetPrompt(journal::JournalStore* journal, const Json& params) {
  auto name = params.find("name");
  if (name == params.end() || !name->is_string()) {
    return MethodResult::Error(
        jsonrpc::kInvalidParams,
        "Invalid params: prompts/get needs a string name");
  }
  if (*name != "suggest_tags") {
    return MethodResult::Error(
        jsonrpc::kInvalidParams,
        absl::StrCat("Invalid params: unknown prompt ",
                     name->get<std::string>().substr(0, 100),
                     "; available: suggest_tags"));
  }
  // Prompt arguments are strings by the protocol; accept a number too.
  int64_t entry_id = 0;
  const Json* arg = nullptr;
  if (auto a = params.find("arguments"); a != params.end() && a->is_object()) {
    if (auto e = a->find("entryId"); e != a->end()) arg = &*e;
  }
  bool ok =
      arg != nullptr &&
      ((arg->is_string() &&
        absl::SimpleAtoi(arg->get_ref<const std::string&>(), &entry_id)) ||
       (arg->is_number_integer() && (entry_id = arg->get<int64_t>(), true)));
  if (!ok || entry_id <= 0) {
    return MethodResult::Error(
        jsonrpc::kInvalidParams,
        "Invalid params: suggest_tags needs the argument entryId, the id of an "
        "entry (e.g. \"12\")");
  }
  auto entry = journal->GetEntry(entry_id);
  if (!entry.ok()) {
    return MethodResult::Error(
        jsonrpc::kInvalidParams,
        absl::StrCat("Invalid params: ", entry.status().message()));
  }
  auto tags = journal->ListTags();
  if (!tags.ok()) {
    return MethodResult::Error(jsonrpc::kInternalError,
                               std::string(tags.status().message()));
  }
  Json tag_list = Json::array();
  for (const journal::Tag& t : *tags) tag_list.push_back(TagToJson(t));
  Json messages = Json::array();
  messages.push_back(
      {{"role", "user"},
       {"content",
        {{"type", "text"},
         {"text",
          absl::StrCat(
              "Suggest up to five tags for journal entry ", entry_id,
              " below. Prefer the existing tags listed after it; propose a "
              "new tag only when none fits. Then apply them with "
              "add_tag_to_entry (create_tag first for new ones).")}}}});
  messages.push_back(EmbeddedResource(EntryUri(entry_id), EntryToJson(*entry)));
  messages.push_back(EmbeddedResource(kTagListUri, Json{{"tags", tag_list}}));
  return Json{
      {"description", absl::StrCat("Suggest tags for \"", entry->title, "\"")},
      {"messages", messages}};
}

}  // namespace

void AddPromptMethods(McpServer& server, journal::JournalStore* journal) {
  server.AddCapability("prompts", {{"listChanged", true}});
  server.AddMethod("prompts/list", [](const Json&, RequestContext&) {
    return MethodResult(
        Json{{"prompts", Json::array({SuggestTagsDefinition()})}});
  });
  server.AddMethod("prompts/get",
                   [journal](const Json& params, RequestContext&) {
                     return GetPrompt(journal, params);
                   });
}

}  // namespace stopframe::gateway
