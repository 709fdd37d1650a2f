#include "gateway/tools/journal_tools.h"

#include <charconv>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "gateway/tools/arguments.h"

// Argument plumbing: a failed read becomes the tool's error result, whose
// message (from args::) names the argument and what to send instead.
#define JT_CONCAT_INNER(a, b) a##b
#define JT_CONCAT(a, b) JT_CONCAT_INNER(a, b)
#define ARG_OR_RETURN(lhs, expr) \
  ARG_OR_RETURN_IMPL(JT_CONCAT(arg_or_, __LINE__), lhs, expr)
#define ARG_OR_RETURN_IMPL(tmp, lhs, expr)                         \
  auto tmp = (expr);                                               \
  if (!tmp.ok()) {                                                 \
    return ToolResult::Error(std::string(tmp.status().message())); \
  }                                                                \
  lhs = *std::move(tmp)
#define ARG_CHECK(expr)                                            \
  do {                                                             \
    const absl::Status arg_status = (expr);                        \
    if (!arg_status.ok()) {                                        \
      return ToolResult::Error(std::string(arg_status.message())); \
    }                                                              \
  } while (0)

namespace stopframe::gateway {
namespace {

// Limits, mirrored from the store so that schemas and messages use them.
constexpr int64_t kMaxId = 9007199254740991;  // 2^53 - 1: exact in JSON.
constexpr size_t kMaxTitleBytes = 500;
constexpr size_t kMaxContentBytes = 100000;
constexpr size_t kMaxShortFieldBytes = 100;
constexpr size_t kMaxTags = 20;
constexpr size_t kMaxTagNameBytes = 50;
constexpr size_t kMaxDescriptionBytes = 1000;
constexpr int kMaxPage = 200;
// Enough for a real date plus a little; longer values are reported as not
// being dates rather than as too long.
constexpr size_t kMaxDateBytes = 64;

// What every journal tool shares. Immutable after construction.
struct Context {
  journal::JournalStore* journal;
  JournalChangeListener* listener;  // May be null.
  ConfirmDeleteFn confirm_delete;   // May be empty.
};

// A tool defined by its JSON definition and a function.
// Owned by the ToolRegistry; thread-safe if `fn` is.
class FunctionTool final : public Tool {
 public:
  FunctionTool(Json definition, std::function<ToolResult(ToolCall&)> fn,
               bool runs_inline)
      : definition_(std::move(definition)),
        fn_(std::move(fn)),
        runs_inline_(runs_inline) {}
  const Json& definition() const override { return definition_; }
  ToolResult Call(ToolCall& call) override { return fn_(call); }
  bool runs_inline() const override { return runs_inline_; }

 private:
  const Json definition_;
  const std::function<ToolResult(ToolCall&)> fn_;
  const bool runs_inline_;
};

// ---- Schemas ---------------------------------------------------------------

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
    "tags": {"type": "array", "items": {"type": "string"}, "description": "Tag names, sorted ignoring case."},
    "date": {"type": "string", "description": "The day the entry is about (YYYY-MM-DD)."},
    "wordCount": {"type": "integer"},
    "createdAt": {"type": "string"},
    "updatedAt": {"type": "string"}
  },
  "required": ["id", "title", "content", "mood", "location", "weather",
               "isPrivate", "isFavorite", "tags", "date", "wordCount",
               "createdAt", "updatedAt"]
})json";

constexpr char kTagSchema[] = R"json({
  "type": "object",
  "properties": {
    "id": {"type": "integer"},
    "name": {"type": "string"},
    "description": {"type": ["string", "null"]},
    "entryCount": {"type": "integer", "description": "How many entries carry the tag."},
    "createdAt": {"type": "string"},
    "updatedAt": {"type": "string"}
  },
  "required": ["id", "name", "description", "entryCount", "createdAt", "updatedAt"]
})json";

Json Annotations(bool read_only, bool destructive, bool idempotent) {
  return Json{{"readOnlyHint", read_only},
              {"destructiveHint", destructive},
              {"idempotentHint", idempotent},
              {"openWorldHint", false}};
}

Json IdProperty(absl::string_view description) {
  return Json{{"type", "integer"},
              {"minimum", 1},
              {"maximum", kMaxId},
              {"description", std::string(description)}};
}

// The entry fields create_entry and update_entry take. In updates, mood,
// location and weather may be null (clear them).
Json EntryFieldProperties(bool for_update) {
  const Json short_text =
      for_update ? Json{{"type", {"string", "null"}},
                        {"maxLength", kMaxShortFieldBytes},
                        {"description", "null clears it."}}
                 : Json{{"type", "string"}, {"maxLength", kMaxShortFieldBytes}};
  return Json{
      {"title",
       {{"type", "string"}, {"minLength", 1}, {"maxLength", kMaxTitleBytes}}},
      {"content", {{"type", "string"}, {"maxLength", kMaxContentBytes}}},
      {"mood", short_text},
      {"location", short_text},
      {"weather", short_text},
      {"isPrivate",
       {{"type", "boolean"},
        {"description",
         "Private entries count in stats but their text never appears in "
         "videos."}}},
      {"isFavorite", {{"type", "boolean"}}},
      {"date",
       {{"type", "string"},
        {"pattern", "^\\d{4}-\\d{2}-\\d{2}$"},
        {"description",
         for_update ? "The day the entry is about (YYYY-MM-DD)."
                    : "The day the entry is about (YYYY-MM-DD). Default: "
                      "today (UTC)."}}},
      {"tags",
       {{"type", "array"},
        {"items",
         {{"type", "string"},
          {"minLength", 1},
          {"maxLength", kMaxTagNameBytes}}},
        {"maxItems", kMaxTags},
        {"description",
         for_update ? "Tag names; with tagIds, replaces all of the entry's "
                      "tags ([] removes them). Unknown names create tags."
                    : "Tag names; unknown names create tags."}}},
      {"tagIds",
       {{"type", "array"},
        {"items", {{"type", "integer"}, {"minimum", 1}, {"maximum", kMaxId}}},
        {"maxItems", kMaxTags},
        {"description",
         "Ids of existing tags (see list_tags); combined with tags."}}},
  };
}

Json Definition(absl::string_view name, absl::string_view title,
                absl::string_view description, Json properties,
                const std::vector<std::string>& required, Json output_schema,
                Json annotations) {
  Json input{{"type", "object"},
             {"properties", std::move(properties)},
             {"additionalProperties", false}};
  if (!required.empty()) input["required"] = required;
  return Json{{"name", std::string(name)},
              {"title", std::string(title)},
              {"description", std::string(description)},
              {"inputSchema", std::move(input)},
              {"outputSchema", std::move(output_schema)},
              {"annotations", std::move(annotations)}};
}

// {"type": "object", "properties": {key: item schema...}, "required": [...]}
Json ObjectSchema(Json properties, const std::vector<std::string>& required) {
  return Json{{"type", "object"},
              {"properties", std::move(properties)},
              {"required", required}};
}

Json DeletedSchema(absl::string_view name_key) {
  return ObjectSchema(
      Json{
          {"deleted",
           {{"type", "boolean"},
            {"description", "false when the user declined; nothing changed."}}},
          {"id", {{"type", "integer"}}},
          {std::string(name_key), {{"type", "string"}}}},
      {"deleted", "id"});
}

// ---- JSON and text ---------------------------------------------------------

Json OptionalText(const std::optional<std::string>& value) {
  return value ? Json(*value) : Json(nullptr);
}

std::string Quoted(absl::string_view s) { return absl::StrCat("\"", s, "\""); }

std::string TagList(const std::vector<std::string>& tags) {
  return tags.empty() ? "no tags" : absl::StrJoin(tags, ", ");
}

std::string EntryLine(const journal::Entry& e) {
  return absl::StrCat("#", e.id, " ", e.entry_date, " ", e.title,
                      e.is_favorite ? " [favorite]" : "",
                      e.is_private ? " [private]" : "",
                      e.tags.empty() ? "" : " (", absl::StrJoin(e.tags, ", "),
                      e.tags.empty() ? "" : ")");
}

std::string EntryText(const journal::Entry& e) {
  std::string text = EntryLine(e);
  std::vector<std::string> details;
  if (e.mood) details.push_back(absl::StrCat("mood: ", *e.mood));
  if (e.location) details.push_back(absl::StrCat("location: ", *e.location));
  if (e.weather) details.push_back(absl::StrCat("weather: ", *e.weather));
  if (!details.empty())
    absl::StrAppend(&text, "\n", absl::StrJoin(details, ", "));
  absl::StrAppend(&text, "\n", e.word_count, " words\n\n", e.content);
  return text;
}

std::string TagLine(const journal::Tag& t) {
  return absl::StrCat("#", t.id, " ", t.name, " (", t.entry_count,
                      t.entry_count == 1 ? " entry)" : " entries)",
                      t.description ? absl::StrCat(": ", *t.description) : "");
}

// ---- Failures --------------------------------------------------------------

// A store failure as a tool error. NOT_FOUND for an entry or tag is
// reworded to name the argument that carried the id (if given) and the tool
// that lists valid ids.
ToolResult StoreError(absl::string_view action, const absl::Status& status,
                      absl::string_view entry_arg = "",
                      absl::string_view tag_arg = "") {
  const absl::string_view message = status.message();
  if (status.code() == absl::StatusCode::kNotFound) {
    const absl::string_view what = message.substr(0, message.find(';'));
    if (!entry_arg.empty() && absl::StartsWith(message, "no entry")) {
      return ToolResult::Error(
          absl::StrCat("`", entry_arg, "`: ", what,
                       "; call list_entries to see the entry ids"));
    }
    if (!tag_arg.empty() && absl::StartsWith(message, "no tag")) {
      return ToolResult::Error(absl::StrCat(
          "`", tag_arg, "`: ", what, "; call list_tags to see the tag ids"));
    }
  }
  return ToolResult::Error(absl::StrCat("Could not ", action, ": ", message));
}

// A read on the reader thread (may_wait false) must not wait for the store.
journal::Wait WaitFor(const ToolCall& call) {
  return call.may_wait ? journal::Wait::kYes : journal::Wait::kNo;
}

// The store could not answer without waiting: try again where waiting is
// allowed.
bool WouldWait(const ToolCall& call, const absl::Status& status) {
  return !call.may_wait && absl::IsUnavailable(status);
}

// ---- Argument helpers ------------------------------------------------------

bool IsCalendarDate(absl::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int fields[3] = {0, 0, 0};
  const std::pair<size_t, size_t> spans[3] = {{0, 4}, {5, 2}, {8, 2}};
  for (int f = 0; f < 3; ++f) {
    for (size_t i = 0; i < spans[f].second; ++i) {
      const char c = s[spans[f].first + i];
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
      fields[f] = fields[f] * 10 + (c - '0');
    }
  }
  if (fields[0] < 1) return false;
  // CivilDay normalizes out-of-range fields (Feb 30 -> Mar 2).
  const absl::CivilDay day(fields[0], fields[1], fields[2]);
  return day.year() == fields[0] && day.month() == fields[1] &&
         day.day() == fields[2];
}

// An optional YYYY-MM-DD date argument.
absl::StatusOr<std::optional<std::string>> OptionalDate(
    const Json& arguments, absl::string_view name, absl::string_view hint) {
  absl::StatusOr<std::optional<std::string>> date =
      args::OptionalString(arguments, name, kMaxDateBytes);
  if (!date.ok() || !date->has_value() || IsCalendarDate(**date)) return date;
  return absl::InvalidArgumentError(absl::StrCat(
      "`", name, "` \"", absl::CEscape(**date),
      "\" is not a real calendar date; use YYYY-MM-DD (for example "
      "2026-03-14)",
      hint));
}

// The tags named by `tags` (names) and `tagIds` (ids of existing tags),
// deduplicated ignoring case; nullopt when neither argument is given.
absl::StatusOr<std::optional<std::vector<std::string>>> ReadTags(
    const Context& ctx, const Json& arguments) {
  const auto present = [&](const char* name) {
    auto it = arguments.find(name);
    return it != arguments.end() && !it->is_null();
  };
  const bool given = present("tags") || present("tagIds");
  if (!given) return std::nullopt;
  absl::StatusOr<std::vector<std::string>> names =
      args::OptionalStringList(arguments, "tags", kMaxTags, kMaxTagNameBytes);
  if (!names.ok()) return names.status();
  absl::StatusOr<std::vector<int64_t>> ids =
      args::OptionalIntList(arguments, "tagIds", kMaxTags, 1, kMaxId);
  if (!ids.ok()) return ids.status();
  std::vector<std::string> all = *std::move(names);
  for (size_t i = 0; i < ids->size(); ++i) {
    absl::StatusOr<journal::Tag> tag = ctx.journal->GetTag((*ids)[i]);
    if (tag.status().code() == absl::StatusCode::kNotFound) {
      return absl::InvalidArgumentError(
          absl::StrCat("`tagIds[", i, "]`: no tag with id ", (*ids)[i],
                       "; call list_tags to see the tag ids, or give the tag "
                       "by name in `tags`"));
    }
    if (!tag.ok()) return tag.status();
    all.push_back(tag->name);
  }
  std::vector<std::string> unique;
  for (const std::string& name : all) {
    const absl::string_view trimmed = absl::StripAsciiWhitespace(name);
    bool seen = false;
    for (const std::string& u : unique) {
      seen = seen || absl::EqualsIgnoreCase(u, trimmed);
    }
    // Empty names stay, so that the store reports them by position.
    if (!seen || trimmed.empty()) unique.push_back(name);
  }
  if (unique.size() > kMaxTags) {
    return absl::InvalidArgumentError(
        absl::StrCat("`tags` and `tagIds` together name ", unique.size(),
                     " different tags; an entry can have at most ", kMaxTags));
  }
  return std::optional<std::vector<std::string>>(std::move(unique));
}

// ---- Change notifications --------------------------------------------------

// Tag ids by ASCII-lowercased name (the store's NOCASE rule); empty without
// a listener, since only notifications use it.
using TagIds = std::map<std::string, int64_t>;

TagIds SnapshotTagIds(const Context& ctx) {
  TagIds ids;
  if (ctx.listener == nullptr) return ids;
  absl::StatusOr<std::vector<journal::Tag>> tags = ctx.journal->ListTags();
  if (!tags.ok()) return ids;  // Notifications are best effort.
  for (const journal::Tag& t : *tags) {
    ids[absl::AsciiStrToLower(t.name)] = t.id;
  }
  return ids;
}

// After entries gained or lost the tags in `names`: each of those tags
// changed (its entry count did), and the tag set did if tags were created.
void NotifyTagUse(const Context& ctx, const TagIds& before,
                  const std::vector<std::string>& names) {
  if (ctx.listener == nullptr || names.empty()) return;
  const TagIds after = SnapshotTagIds(ctx);
  std::set<int64_t> changed;
  for (const std::string& name : names) {
    const std::string key =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
    if (auto it = after.find(key); it != after.end()) {
      changed.insert(it->second);
    } else if (auto old = before.find(key); old != before.end()) {
      changed.insert(old->second);
    }
  }
  for (const int64_t id : changed) ctx.listener->TagChanged(id);
  for (const auto& [key, id] : after) {
    if (before.find(key) == before.end()) {
      ctx.listener->TagSetChanged();
      break;
    }
  }
}

// Ids of the entries carrying the tag `name`; empty without a listener.
std::vector<int64_t> EntryIdsWithTag(const Context& ctx,
                                     const std::string& name) {
  std::vector<int64_t> ids;
  if (ctx.listener == nullptr) return ids;
  journal::ListEntriesQuery query;
  query.tag = name;
  query.limit = kMaxPage;
  while (true) {
    absl::StatusOr<std::vector<journal::Entry>> page =
        ctx.journal->ListEntries(query);
    if (!page.ok() || page->empty()) break;
    for (const journal::Entry& e : *page) ids.push_back(e.id);
    if (static_cast<int>(page->size()) < query.limit) break;
    query.after_id = page->back().id;
  }
  return ids;
}

// Asks before a deletion. Returns the result to send instead when the
// deletion must not go ahead.
std::optional<ToolResult> ConfirmDelete(const Context& ctx, ToolCall& call,
                                        const std::string& question,
                                        Json declined) {
  if (!ctx.confirm_delete) return std::nullopt;
  absl::StatusOr<bool> confirmed = ctx.confirm_delete(question, call);
  if (!confirmed.ok()) {
    return ToolResult::Error(absl::StrCat(
        "Nothing was deleted: could not get a confirmation (",
        confirmed.status().message(), "). Ask the user, then call again."));
  }
  if (!*confirmed) {
    return ToolResult::Text("Nothing was deleted.", std::move(declined));
  }
  return std::nullopt;
}

// ---- Entry tools -----------------------------------------------------------

ToolResult CreateEntry(const Context& ctx, ToolCall& call) {
  const Json& a = call.arguments;
  ARG_CHECK(args::CheckKnown(
      a, {"title", "content", "mood", "location", "weather", "isPrivate",
          "isFavorite", "date", "tags", "tagIds"}));
  journal::NewEntry entry;
  ARG_OR_RETURN(entry.title, args::RequiredString(a, "title", kMaxTitleBytes));
  ARG_OR_RETURN(entry.content,
                args::RequiredString(a, "content", kMaxContentBytes));
  ARG_OR_RETURN(entry.mood,
                args::OptionalString(a, "mood", kMaxShortFieldBytes));
  ARG_OR_RETURN(entry.location,
                args::OptionalString(a, "location", kMaxShortFieldBytes));
  ARG_OR_RETURN(entry.weather,
                args::OptionalString(a, "weather", kMaxShortFieldBytes));
  ARG_OR_RETURN(const std::optional<bool> is_private,
                args::OptionalBool(a, "isPrivate"));
  entry.is_private = is_private.value_or(false);
  ARG_OR_RETURN(const std::optional<bool> is_favorite,
                args::OptionalBool(a, "isFavorite"));
  entry.is_favorite = is_favorite.value_or(false);
  ARG_OR_RETURN(const std::optional<std::string> date,
                OptionalDate(a, "date", ", or leave it out for today"));
  entry.entry_date = date.value_or("");
  ARG_OR_RETURN(std::optional<std::vector<std::string>> tags, ReadTags(ctx, a));
  entry.tags = std::move(tags).value_or(std::vector<std::string>());

  const TagIds before = entry.tags.empty() ? TagIds() : SnapshotTagIds(ctx);
  absl::StatusOr<journal::Entry> stored = ctx.journal->CreateEntry(entry);
  if (!stored.ok()) return StoreError("create the entry", stored.status());
  if (ctx.listener != nullptr) {
    ctx.listener->EntryChanged(stored->id);
    ctx.listener->EntrySetChanged();
    NotifyTagUse(ctx, before, stored->tags);
  }
  return ToolResult::Text(
      absl::StrCat("Created entry ", stored->id, " ", Quoted(stored->title),
                   " for ", stored->entry_date, " (", TagList(stored->tags),
                   ")."),
      EntryToJson(*stored));
}

ToolResult GetEntry(const Context& ctx, ToolCall& call) {
  const Json& a = call.arguments;
  ARG_CHECK(args::CheckKnown(a, {"id"}));
  ARG_OR_RETURN(const int64_t id, args::RequiredInt(a, "id", 1, kMaxId));
  absl::StatusOr<journal::Entry> entry =
      ctx.journal->GetEntry(id, WaitFor(call));
  if (WouldWait(call, entry.status())) return ToolResult::WouldWait();
  if (!entry.ok()) return StoreError("get the entry", entry.status(), "id");
  return ToolResult::Text(EntryText(*entry), EntryToJson(*entry));
}

ToolResult ListEntries(const Context& ctx, ToolCall& call) {
  const Json& a = call.arguments;
  ARG_CHECK(args::CheckKnown(
      a, {"year", "month", "tag", "favorite", "limit", "cursor"}));
  journal::ListEntriesQuery query;
  ARG_OR_RETURN(const std::optional<int64_t> year,
                args::OptionalInt(a, "year", 1, 9999));
  if (year) query.year = static_cast<int>(*year);
  ARG_OR_RETURN(const std::optional<int64_t> month,
                args::OptionalInt(a, "month", 1, 12));
  if (month) {
    if (!year) {
      return ToolResult::Error(
          "`month` needs `year`: give the year too, or leave month out");
    }
    query.month = static_cast<int>(*month);
  }
  ARG_OR_RETURN(query.tag, args::OptionalString(a, "tag", kMaxTagNameBytes));
  if (query.tag && absl::StripAsciiWhitespace(*query.tag).empty()) {
    return ToolResult::Error(
        "`tag` is empty; give a tag name to filter by, or leave it out");
  }
  ARG_OR_RETURN(query.favorite, args::OptionalBool(a, "favorite"));
  ARG_OR_RETURN(const std::optional<int64_t> limit,
                args::OptionalInt(a, "limit", 1, kMaxPage));
  query.limit = static_cast<int>(limit.value_or(50));
  ARG_OR_RETURN(const std::optional<std::string> cursor,
                args::OptionalString(a, "cursor", 32));
  if (cursor) {
    const std::string& c = *cursor;
    auto [end, ec] =
        std::from_chars(c.data(), c.data() + c.size(), query.after_id);
    if (ec != std::errc() || end != c.data() + c.size() || query.after_id < 0) {
      return ToolResult::Error(
          "`cursor` is not one this server issued; pass the nextCursor from "
          "the previous list_entries result, or omit it to start over");
    }
  }
  absl::StatusOr<std::vector<journal::Entry>> entries =
      ctx.journal->ListEntries(query);
  if (!entries.ok()) return StoreError("list entries", entries.status());
  Json list = Json::array();
  std::string text;
  for (const journal::Entry& e : *entries) {
    list.push_back(EntryToJson(e));
    absl::StrAppend(&text, EntryLine(e), "\n");
  }
  Json structured{{"entries", std::move(list)}};
  if (static_cast<int>(entries->size()) == query.limit) {
    structured["nextCursor"] = std::to_string(entries->back().id);
    absl::StrAppend(&text, "More entries follow; pass cursor \"",
                    entries->back().id, "\" for the next page.\n");
  }
  if (text.empty()) text = "No entries found.";
  return ToolResult::Text(text, std::move(structured));
}

ToolResult UpdateEntry(const Context& ctx, ToolCall& call) {
  const Json& a = call.arguments;
  static const std::vector<absl::string_view> kFields = {
      "title",     "content",    "mood", "location", "weather",
      "isPrivate", "isFavorite", "date", "tags",     "tagIds"};
  std::vector<absl::string_view> known = {"id"};
  known.insert(known.end(), kFields.begin(), kFields.end());
  ARG_CHECK(args::CheckKnown(a, known));
  ARG_OR_RETURN(const int64_t id, args::RequiredInt(a, "id", 1, kMaxId));
  for (const char* name : {"title", "content", "isPrivate", "isFavorite",
                           "date", "tags", "tagIds"}) {
    ARG_CHECK(args::NotNull(a, name));
  }
  journal::EntryUpdate update;
  ARG_OR_RETURN(update.title, args::OptionalString(a, "title", kMaxTitleBytes));
  ARG_OR_RETURN(update.content,
                args::OptionalString(a, "content", kMaxContentBytes));
  ARG_OR_RETURN(update.mood,
                args::NullableString(a, "mood", kMaxShortFieldBytes));
  ARG_OR_RETURN(update.location,
                args::NullableString(a, "location", kMaxShortFieldBytes));
  ARG_OR_RETURN(update.weather,
                args::NullableString(a, "weather", kMaxShortFieldBytes));
  ARG_OR_RETURN(update.is_private, args::OptionalBool(a, "isPrivate"));
  ARG_OR_RETURN(update.is_favorite, args::OptionalBool(a, "isFavorite"));
  ARG_OR_RETURN(update.entry_date,
                OptionalDate(a, "date", ", or leave it out to keep the date"));
  ARG_OR_RETURN(update.tags, ReadTags(ctx, a));

  std::vector<std::string> changed;
  for (absl::string_view field : kFields) {
    if (a.contains(std::string(field))) changed.emplace_back(field);
  }
  if (changed.empty()) {
    return ToolResult::Error(
        absl::StrCat("nothing to change: give `id` and at least one of ",
                     absl::StrJoin(kFields, ", ")));
  }

  // The old tags, so that the tags it loses are reported too.
  std::vector<std::string> touched_tags;
  TagIds before;
  if (ctx.listener != nullptr && update.tags) {
    if (absl::StatusOr<journal::Entry> old = ctx.journal->GetEntry(id);
        old.ok()) {
      touched_tags = old->tags;
    }
    before = SnapshotTagIds(ctx);
  }
  absl::StatusOr<journal::Entry> stored = ctx.journal->UpdateEntry(id, update);
  if (!stored.ok()) {
    return StoreError("update the entry", stored.status(), "id");
  }
  if (ctx.listener != nullptr) {
    ctx.listener->EntryChanged(id);
    if (update.tags) {
      touched_tags.insert(touched_tags.end(), stored->tags.begin(),
                          stored->tags.end());
      NotifyTagUse(ctx, before, touched_tags);
    }
  }
  return ToolResult::Text(
      absl::StrCat("Updated entry ", id, " ", Quoted(stored->title), " (",
                   absl::StrJoin(changed, ", "), ")."),
      EntryToJson(*stored));
}

ToolResult DeleteEntry(const Context& ctx, ToolCall& call) {
  const Json& a = call.arguments;
  ARG_CHECK(args::CheckKnown(a, {"id"}));
  ARG_OR_RETURN(const int64_t id, args::RequiredInt(a, "id", 1, kMaxId));
  absl::StatusOr<journal::Entry> entry = ctx.journal->GetEntry(id);
  if (!entry.ok()) return StoreError("delete the entry", entry.status(), "id");
  if (std::optional<ToolResult> stop = ConfirmDelete(
          ctx, call,
          absl::StrCat("Delete journal entry ", id, " ", Quoted(entry->title),
                       " from ", entry->entry_date, "? This cannot be undone."),
          Json{{"deleted", false}, {"id", id}})) {
    return *std::move(stop);
  }
  const TagIds tag_ids = SnapshotTagIds(ctx);
  if (absl::Status s = ctx.journal->DeleteEntry(id); !s.ok()) {
    return StoreError("delete the entry", s, "id");
  }
  if (ctx.listener != nullptr) {
    ctx.listener->EntryChanged(id);
    ctx.listener->EntrySetChanged();
    NotifyTagUse(ctx, tag_ids, entry->tags);
  }
  return ToolResult::Text(
      absl::StrCat("Deleted entry ", id, " ", Quoted(entry->title), "."),
      Json{{"deleted", true}, {"id", id}, {"title", entry->title}});
}

// ---- Tag tools -------------------------------------------------------------

ToolResult CreateTag(const Context& ctx, ToolCall& call) {
  const Json& a = call.arguments;
  ARG_CHECK(args::CheckKnown(a, {"name", "description"}));
  journal::NewTag tag;
  ARG_OR_RETURN(tag.name, args::RequiredString(a, "name", kMaxTagNameBytes));
  ARG_OR_RETURN(tag.description,
                args::OptionalString(a, "description", kMaxDescriptionBytes));
  absl::StatusOr<journal::Tag> stored = ctx.journal->CreateTag(tag);
  if (!stored.ok()) return StoreError("create the tag", stored.status());
  if (ctx.listener != nullptr) {
    ctx.listener->TagChanged(stored->id);
    ctx.listener->TagSetChanged();
  }
  return ToolResult::Text(
      absl::StrCat("Created tag ", stored->id, " ", Quoted(stored->name), "."),
      TagToJson(*stored));
}

ToolResult GetTag(const Context& ctx, ToolCall& call) {
  const Json& a = call.arguments;
  ARG_CHECK(args::CheckKnown(a, {"id"}));
  ARG_OR_RETURN(const int64_t id, args::RequiredInt(a, "id", 1, kMaxId));
  absl::StatusOr<journal::Tag> tag = ctx.journal->GetTag(id, WaitFor(call));
  if (WouldWait(call, tag.status())) return ToolResult::WouldWait();
  if (!tag.ok()) return StoreError("get the tag", tag.status(), "", "id");
  return ToolResult::Text(TagLine(*tag), TagToJson(*tag));
}

ToolResult ListTags(const Context& ctx, ToolCall& call) {
  ARG_CHECK(args::CheckKnown(call.arguments, {}));
  absl::StatusOr<std::vector<journal::Tag>> tags = ctx.journal->ListTags();
  if (!tags.ok()) return StoreError("list tags", tags.status());
  Json list = Json::array();
  std::string text;
  for (const journal::Tag& t : *tags) {
    list.push_back(TagToJson(t));
    absl::StrAppend(&text, TagLine(t), "\n");
  }
  if (text.empty()) text = "No tags yet.";
  return ToolResult::Text(text, Json{{"tags", std::move(list)}});
}

ToolResult UpdateTag(const Context& ctx, ToolCall& call) {
  const Json& a = call.arguments;
  ARG_CHECK(args::CheckKnown(a, {"id", "name", "description"}));
  ARG_OR_RETURN(const int64_t id, args::RequiredInt(a, "id", 1, kMaxId));
  ARG_CHECK(args::NotNull(a, "name"));
  journal::TagUpdate update;
  ARG_OR_RETURN(update.name, args::OptionalString(a, "name", kMaxTagNameBytes));
  ARG_OR_RETURN(update.description,
                args::NullableString(a, "description", kMaxDescriptionBytes));
  if (!update.name && !update.description) {
    return ToolResult::Error(
        "nothing to change: give `id` and at least one of name, description");
  }
  absl::StatusOr<journal::Tag> stored = ctx.journal->UpdateTag(id, update);
  if (!stored.ok()) {
    return StoreError("update the tag", stored.status(), "", "id");
  }
  if (ctx.listener != nullptr) {
    ctx.listener->TagChanged(id);
    // Entries show their tags by name.
    if (update.name) {
      for (const int64_t entry : EntryIdsWithTag(ctx, stored->name)) {
        ctx.listener->EntryChanged(entry);
      }
    }
  }
  return ToolResult::Text(
      absl::StrCat("Updated tag ", id, " ", Quoted(stored->name), "."),
      TagToJson(*stored));
}

ToolResult DeleteTag(const Context& ctx, ToolCall& call) {
  const Json& a = call.arguments;
  ARG_CHECK(args::CheckKnown(a, {"id"}));
  ARG_OR_RETURN(const int64_t id, args::RequiredInt(a, "id", 1, kMaxId));
  absl::StatusOr<journal::Tag> tag = ctx.journal->GetTag(id);
  if (!tag.ok()) return StoreError("delete the tag", tag.status(), "", "id");
  if (std::optional<ToolResult> stop = ConfirmDelete(
          ctx, call,
          absl::StrCat("Delete tag ", id, " ", Quoted(tag->name), "? It is on ",
                       tag->entry_count,
                       tag->entry_count == 1 ? " entry" : " entries",
                       "; they stay, without the tag."),
          Json{{"deleted", false}, {"id", id}})) {
    return *std::move(stop);
  }
  const std::vector<int64_t> entries = EntryIdsWithTag(ctx, tag->name);
  if (absl::Status s = ctx.journal->DeleteTag(id); !s.ok()) {
    return StoreError("delete the tag", s, "", "id");
  }
  if (ctx.listener != nullptr) {
    ctx.listener->TagChanged(id);
    ctx.listener->TagSetChanged();
    for (const int64_t entry : entries) ctx.listener->EntryChanged(entry);
  }
  return ToolResult::Text(
      absl::StrCat("Deleted tag ", id, " ", Quoted(tag->name), " (it was on ",
                   tag->entry_count,
                   tag->entry_count == 1 ? " entry)." : " entries)."),
      Json{{"deleted", true}, {"id", id}, {"name", tag->name}});
}

// add_tag_to_entry (add) and remove_tag_from_entry.
ToolResult LinkTag(const Context& ctx, ToolCall& call, bool add) {
  const Json& a = call.arguments;
  ARG_CHECK(args::CheckKnown(a, {"entryId", "tagId"}));
  ARG_OR_RETURN(const int64_t entry_id,
                args::RequiredInt(a, "entryId", 1, kMaxId));
  ARG_OR_RETURN(const int64_t tag_id, args::RequiredInt(a, "tagId", 1, kMaxId));
  absl::StatusOr<journal::Entry> stored =
      add ? ctx.journal->AddTagToEntry(entry_id, tag_id)
          : ctx.journal->RemoveTagFromEntry(entry_id, tag_id);
  if (!stored.ok()) {
    return StoreError(add ? "tag the entry" : "untag the entry",
                      stored.status(), "entryId", "tagId");
  }
  if (ctx.listener != nullptr) {
    ctx.listener->EntryChanged(entry_id);
    ctx.listener->TagChanged(tag_id);
  }
  return ToolResult::Text(
      absl::StrCat("Entry ", entry_id, " ", Quoted(stored->title), " now has ",
                   TagList(stored->tags), "."),
      EntryToJson(*stored));
}

// ---- Definitions -----------------------------------------------------------

using Handler = ToolResult (*)(const Context&, ToolCall&);

// `runs_inline`: the handler reads by id only and honours call.may_wait.
void Add(ToolRegistry& registry, std::shared_ptr<const Context> ctx,
         Json definition, Handler handler, bool runs_inline = false) {
  registry.Add(std::make_unique<FunctionTool>(
      std::move(definition),
      [ctx = std::move(ctx), handler](ToolCall& call) {
        return handler(*ctx, call);
      },
      runs_inline));
}

}  // namespace

Json EntryToJson(const journal::Entry& e) {
  // Field by field: a braced list builds a two-element array per field
  // first, which made this take about twice as long (BM_EntryToJson).
  Json j = Json::object();
  j["id"] = e.id;
  j["title"] = e.title;
  j["content"] = e.content;
  j["mood"] = OptionalText(e.mood);
  j["location"] = OptionalText(e.location);
  j["weather"] = OptionalText(e.weather);
  j["isPrivate"] = e.is_private;
  j["isFavorite"] = e.is_favorite;
  j["tags"] = e.tags;
  j["date"] = e.entry_date;
  j["wordCount"] = e.word_count;
  j["createdAt"] = e.created_at;
  j["updatedAt"] = e.updated_at;
  return j;
}

Json TagToJson(const journal::Tag& t) {
  Json j = Json::object();  // field by field, as EntryToJson
  j["id"] = t.id;
  j["name"] = t.name;
  j["description"] = OptionalText(t.description);
  j["entryCount"] = t.entry_count;
  j["createdAt"] = t.created_at;
  j["updatedAt"] = t.updated_at;
  return j;
}

void AddJournalTools(ToolRegistry& registry, journal::JournalStore* journal,
                     JournalChangeListener* listener,
                     ConfirmDeleteFn confirm_delete) {
  auto ctx = std::make_shared<const Context>(
      Context{journal, listener, std::move(confirm_delete)});
  const Json entry = Json::parse(kEntrySchema);
  const Json tag = Json::parse(kTagSchema);

  Add(registry, ctx,
      Definition("create_entry", "Create journal entry",
                 "Write a new journal entry. Tags may be given by name (tags; "
                 "unknown names create tags) and by id (tagIds).",
                 EntryFieldProperties(false), {"title", "content"}, entry,
                 Annotations(false, false, false)),
      CreateEntry);
  Add(registry, ctx,
      Definition("get_entry", "Get journal entry",
                 "Read one journal entry in full, with its tags.",
                 Json{{"id", IdProperty("The entry's id.")}}, {"id"}, entry,
                 Annotations(true, false, true)),
      GetEntry, /*runs_inline=*/true);
  {
    Json output = ObjectSchema(
        Json{{"entries", {{"type", "array"}, {"items", entry}}},
             {"nextCursor",
              {{"type", "string"},
               {"description",
                "Present when more entries may follow; pass it as cursor."}}}},
        {"entries"});
    Add(registry, ctx,
        Definition(
            "list_entries", "List journal entries",
            "List journal entries, oldest first, optionally filtered by year, "
            "month (needs year), tag name and favorite. Pass nextCursor back "
            "as cursor for the next page.",
            Json{{"year",
                  {{"type", "integer"}, {"minimum", 1}, {"maximum", 9999}}},
                 {"month",
                  {{"type", "integer"},
                   {"minimum", 1},
                   {"maximum", 12},
                   {"description", "1-12; needs year."}}},
                 {"tag",
                  {{"type", "string"},
                   {"minLength", 1},
                   {"maxLength", kMaxTagNameBytes},
                   {"description",
                    "A tag name, ignoring case; an unknown tag lists "
                    "nothing."}}},
                 {"favorite",
                  {{"type", "boolean"},
                   {"description",
                    "true: only favorites; false: only non-favorites."}}},
                 {"limit",
                  {{"type", "integer"},
                   {"minimum", 1},
                   {"maximum", kMaxPage},
                   {"description", "Page size; default 50."}}},
                 {"cursor", {{"type", "string"}}}},
            {}, std::move(output), Annotations(true, false, true)),
        ListEntries);
  }
  {
    Json properties = EntryFieldProperties(true);
    properties["id"] = IdProperty("The entry to change.");
    Add(registry, ctx,
        Definition("update_entry", "Update journal entry",
                   "Change some fields of a journal entry; fields left out "
                   "keep their value, and null clears mood, location or "
                   "weather. tags/tagIds replace the whole tag set.",
                   std::move(properties), {"id"}, entry,
                   Annotations(false, true, true)),
        UpdateEntry);
  }
  Add(registry, ctx,
      Definition("delete_entry", "Delete journal entry",
                 "Delete a journal entry for good (its tags stay). The user "
                 "may be asked to confirm.",
                 Json{{"id", IdProperty("The entry to delete.")}}, {"id"},
                 DeletedSchema("title"), Annotations(false, true, true)),
      DeleteEntry);

  Add(registry, ctx,
      Definition(
          "create_tag", "Create tag",
          "Create a tag. Names are unique ignoring case.",
          Json{{"name",
                {{"type", "string"},
                 {"minLength", 1},
                 {"maxLength", kMaxTagNameBytes}}},
               {"description",
                {{"type", "string"}, {"maxLength", kMaxDescriptionBytes}}}},
          {"name"}, tag,
          // A repeat fails as a duplicate and changes nothing.
          Annotations(false, false, true)),
      CreateTag);
  Add(registry, ctx,
      Definition("get_tag", "Get tag",
                 "Read one tag, with how many entries carry it.",
                 Json{{"id", IdProperty("The tag's id.")}}, {"id"}, tag,
                 Annotations(true, false, true)),
      GetTag, /*runs_inline=*/true);
  Add(registry, ctx,
      Definition(
          "list_tags", "List tags",
          "List every tag by name, with how many entries carry each.",
          Json::object(), {},
          ObjectSchema(Json{{"tags", {{"type", "array"}, {"items", tag}}}},
                       {"tags"}),
          Annotations(true, false, true)),
      ListTags);
  Add(registry, ctx,
      Definition("update_tag", "Update tag",
                 "Rename a tag or change its description (null clears it). "
                 "Entries keep the tag under its new name.",
                 Json{{"id", IdProperty("The tag to change.")},
                      {"name",
                       {{"type", "string"},
                        {"minLength", 1},
                        {"maxLength", kMaxTagNameBytes}}},
                      {"description",
                       {{"type", {"string", "null"}},
                        {"maxLength", kMaxDescriptionBytes},
                        {"description", "null clears it."}}}},
                 {"id"}, tag, Annotations(false, true, true)),
      UpdateTag);
  Add(registry, ctx,
      Definition("delete_tag", "Delete tag",
                 "Delete a tag for good and remove it from every entry (the "
                 "entries stay). The user may be asked to confirm.",
                 Json{{"id", IdProperty("The tag to delete.")}}, {"id"},
                 DeletedSchema("name"), Annotations(false, true, true)),
      DeleteTag);

  const Json link_properties{
      {"entryId", IdProperty("The entry's id.")},
      {"tagId", IdProperty("The tag's id (see list_tags).")}};
  Add(registry, ctx,
      Definition("add_tag_to_entry", "Tag an entry",
                 "Add an existing tag to an entry (at most 20 tags per "
                 "entry). Adding a tag it has changes nothing.",
                 link_properties, {"entryId", "tagId"}, entry,
                 Annotations(false, false, true)),
      [](const Context& c, ToolCall& call) { return LinkTag(c, call, true); });
  Add(registry, ctx,
      Definition("remove_tag_from_entry", "Untag an entry",
                 "Remove a tag from an entry; the tag itself stays. Removing "
                 "a tag it lacks changes nothing.",
                 link_properties, {"entryId", "tagId"}, entry,
                 Annotations(false, true, true)),
      [](const Context& c, ToolCall& call) { return LinkTag(c, call, false); });
}

}  // namespace stopframe::gateway

#undef ARG_CHECK
#undef ARG_OR_RETURN_IMPL
#undef ARG_OR_RETURN
#undef JT_CONCAT
#undef JT_CONCAT_INNER
