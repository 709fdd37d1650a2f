#include "gateway/tools/journal_tools.h"

#include <charconv>

#include "absl/strings/str_cat.h"
#include "gateway/tools/arguments.h"

namespace stopframe::gateway {
namespace {

constexpr char kEntrySchema[] = R"json({
  "type": "object",
  "properties": {
    "id": {"type": "integer"},
    "title": {"type": "string"},
    "content": {"type": "string"},
    "mood": {"type": ["string", "null"]},
    "location": {"type": ["string", "null"]},
    "weather": {"type": ["string", "null"]},
    "isPrivate": {"type": "boolean"},
    "isFavorite": {"type": "boolean"},
    "tags": {"type": "array", "items": {"type": "string"}},
    "date": {"type": "string"},
    "wordCount": {"type": "integer"},
    "createdAt": {"type": "string"},
    "updatedAt": {"type": "string"}
  },
  "required": ["id", "title", "content", "tags", "date"]
})json";

Json OptionalText(const std::optional<std::string>& value) {
  return value ? Json(*value) : Json(nullptr);
}

std::string StatusText(const absl::Status& s) { return std::string(s.message()); }

// A tool defined by its JSON definition and a function.
class FunctionTool final : public Tool {
 public:
  FunctionTool(Json definition, std::function<ToolResult(ToolCall&)> fn)
      : definition_(std::move(definition)), fn_(std::move(fn)) {}
  const Json& definition() const override { return definition_; }
  ToolResult Call(ToolCall& call) override { return fn_(call); }

 private:
  const Json definition_;
  const std::function<ToolResult(ToolCall&)> fn_;
};

ToolResult CreateEntry(journal::JournalStore* journal, ToolCall& call) {
  const Json& a = call.arguments;
  if (absl::Status s = args::CheckKnown(
          a, {"title", "content", "mood", "location", "weather", "isPrivate",
              "isFavorite", "tags", "date"});
      !s.ok()) {
    return ToolResult::Error(StatusText(s));
  }
  journal::NewEntry entry;
  auto title = args::RequiredString(a, "title", 500);
  if (!title.ok()) return ToolResult::Error(StatusText(title.status()));
  entry.title = *title;
  auto content = args::RequiredString(a, "content", 100000);
  if (!content.ok()) return ToolResult::Error(StatusText(content.status()));
  entry.content = *content;
  for (auto [name, field] :
       {std::pair{"mood", &entry.mood}, std::pair{"location", &entry.location},
        std::pair{"weather", &entry.weather}}) {
    auto v = args::OptionalString(a, name, 100);
    if (!v.ok()) return ToolResult::Error(StatusText(v.status()));
    *field = *v;
  }
  auto is_private = args::OptionalBool(a, "isPrivate");
  if (!is_private.ok()) return ToolResult::Error(StatusText(is_private.status()));
  entry.is_private = is_private->value_or(false);
  auto is_favorite = args::OptionalBool(a, "isFavorite");
  if (!is_favorite.ok()) {
    return ToolResult::Error(StatusText(is_favorite.status()));
  }
  entry.is_favorite = is_favorite->value_or(false);
  auto tags = args::OptionalStringList(a, "tags", 20, 50);
  if (!tags.ok()) return ToolResult::Error(StatusText(tags.status()));
  entry.tags = *tags;
  auto date = args::OptionalString(a, "date", 10);
  if (!date.ok()) return ToolResult::Error(StatusText(date.status()));
  entry.entry_date = date->value_or("");

  absl::StatusOr<journal::Entry> stored = journal->CreateEntry(entry);
  if (!stored.ok()) {
    return ToolResult::Error(
        absl::StrCat("Could not create the entry: ", stored.status().message()));
  }
  Json json = EntryToJson(*stored);
  return ToolResult::Text(
      absl::StrCat("Created entry ", stored->id, " \"", stored->title,
                   "\" for ", stored->entry_date, "."),
      json);
}

ToolResult ListEntries(journal::JournalStore* journal, ToolCall& call) {
  const Json& a = call.arguments;
  if (absl::Status s = args::CheckKnown(a, {"year", "cursor", "limit"});
      !s.ok()) {
    return ToolResult::Error(StatusText(s));
  }
  journal::ListEntriesQuery query;
  auto year = args::OptionalInt(a, "year", 1, 9999);
  if (!year.ok()) return ToolResult::Error(StatusText(year.status()));
  if (*year) query.year = static_cast<int>(**year);
  auto limit = args::OptionalInt(a, "limit", 1, 200);
  if (!limit.ok()) return ToolResult::Error(StatusText(limit.status()));
  query.limit = static_cast<int>(limit->value_or(50));
  auto cursor = args::OptionalString(a, "cursor", 32);
  if (!cursor.ok()) return ToolResult::Error(StatusText(cursor.status()));
  if (*cursor) {
    const std::string& c = **cursor;
    auto [end, ec] = std::from_chars(c.data(), c.data() + c.size(),
                                     query.after_id);
    if (ec != std::errc() || end != c.data() + c.size() || query.after_id < 0) {
      return ToolResult::Error(
          "`cursor` is not one this server issued; pass the nextCursor from "
          "the previous list_entries result, or omit it to start over");
    }
  }
  absl::StatusOr<std::vector<journal::Entry>> entries =
      journal->ListEntries(query);
  if (!entries.ok()) {
    return ToolResult::Error(
        absl::StrCat("Could not list entries: ", entries.status().message()));
  }
  Json list = Json::array();
  std::string text;
  for (const journal::Entry& e : *entries) {
    list.push_back(EntryToJson(e));
    absl::StrAppend(&text, "#", e.id, " ", e.entry_date, " ", e.title, "\n");
  }
  Json structured{{"entries", list}};
  if (static_cast<int>(entries->size()) == query.limit) {
    structured["nextCursor"] = std::to_string(entries->back().id);
  }
  if (text.empty()) text = "No entries found.";
  return ToolResult::Text(text, structured);
}

}  // namespace

Json EntryToJson(const journal::Entry& e) {
  return Json{{"id", e.id},
              {"title", e.title},
              {"content", e.content},
              {"mood", OptionalText(e.mood)},
              {"location", OptionalText(e.location)},
              {"weather", OptionalText(e.weather)},
              {"isPrivate", e.is_private},
              {"isFavorite", e.is_favorite},
              {"tags", e.tags},
              {"date", e.entry_date},
              {"wordCount", e.word_count},
              {"createdAt", e.created_at},
              {"updatedAt", e.updated_at}};
}

std::unique_ptr<Tool> MakeCreateEntryTool(journal::JournalStore* journal) {
  Json definition = Json::parse(R"json({
    "name": "create_entry",
    "title": "Create journal entry",
    "description": "Write a new journal entry. Tags are given by name and created on first use.",
    "inputSchema": {
      "type": "object",
      "properties": {
        "title": {"type": "string", "maxLength": 500},
        "content": {"type": "string", "maxLength": 100000},
        "mood": {"type": "string", "maxLength": 100},
        "location": {"type": "string", "maxLength": 100},
        "weather": {"type": "string", "maxLength": 100},
        "isPrivate": {"type": "boolean", "description": "Private entries count in stats but their text never appears in videos."},
        "isFavorite": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 50}, "maxItems": 20},
        "date": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$", "description": "The day the entry is about (YYYY-MM-DD). Default: today."}
      },
      "required": ["title", "content"],
      "additionalProperties": false
    },
    "annotations": {"readOnlyHint": false, "destructiveHint": false, "idempotentHint": false, "openWorldHint": false}
  })json");
  definition["outputSchema"] = Json::parse(kEntrySchema);
  return std::make_unique<FunctionTool>(
      std::move(definition),
      [journal](ToolCall& call) { return CreateEntry(journal, call); });
}

std::unique_ptr<Tool> MakeListEntriesTool(journal::JournalStore* journal) {
  Json definition = Json::parse(R"json({
    "name": "list_entries",
    "title": "List journal entries",
    "description": "List journal entries, oldest first, optionally for one year. Pass nextCursor back as cursor for the next page.",
    "inputSchema": {
      "type": "object",
      "properties": {
        "year": {"type": "integer", "minimum": 1, "maximum": 9999},
        "limit": {"type": "integer", "minimum": 1, "maximum": 200},
        "cursor": {"type": "string"}
      },
      "additionalProperties": false
    },
    "outputSchema": {
      "type": "object",
      "properties": {
        "entries": {"type": "array"},
        "nextCursor": {"type": "string"}
      },
      "required": ["entries"]
    },
    "annotations": {"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true, "openWorldHint": false}
  })json");
  definition["outputSchema"]["properties"]["entries"]["items"] =
      Json::parse(kEntrySchema);
  return std::make_unique<FunctionTool>(
      std::move(definition),
      [journal](ToolCall& call) { return ListEntries(journal, call); });
}

}  // namespace stopframe::gateway
