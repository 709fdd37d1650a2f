#include "gateway/tools/journal_tools.h"

#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gateway/cancel_signal.h"
#include "gateway/journal/journal_store.h"
#include "gateway/progress_reporter.h"
#include "gateway/tools/tool.h"
#include "gateway/tools/tool_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stopframe::gateway {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

// Never cancelled.
class NoCancel final : public CancelSignal {
 public:
  bool cancelled() const override { return false; }
  void OnCancel(std::function<void()>) override {}
  void ClearOnCancel() override {}
};

// Records what the tools report, in order, as "entry 3", "tag 4", "tags",
// "entries".
class RecordingListener final : public JournalChangeListener {
 public:
  void EntryChanged(int64_t id) override {
    events.push_back(absl::StrCat("entry ", id));
  }
  void TagChanged(int64_t id) override {
    events.push_back(absl::StrCat("tag ", id));
  }
  void TagSetChanged() override { events.push_back("tags"); }
  void EntrySetChanged() override { events.push_back("entries"); }

  std::vector<std::string> events;
};

bool HasType(const Json& value, const std::string& type) {
  if (type == "string") return value.is_string();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  if (type == "array") return value.is_array();
  if (type == "object") return value.is_object();
  if (type == "null") return value.is_null();
  ADD_FAILURE() << "schema uses unknown type " << type;
  return false;
}

// Checks `value` against the JSON Schema subset the tools use: type (one or
// a list), properties, required and items.
void ExpectMatchesSchema(const Json& schema, const Json& value,
                         const std::string& path = "$") {
  if (schema.contains("type")) {
    const Json& type = schema["type"];
    bool ok = false;
    if (type.is_array()) {
      for (const Json& t : type)
        ok = ok || HasType(value, t.get<std::string>());
    } else {
      ok = HasType(value, type.get<std::string>());
    }
    EXPECT_TRUE(ok) << path << " is " << value.dump() << ", expected type "
                    << type.dump();
    if (!ok) return;
  }
  if (value.is_object()) {
    if (schema.contains("required")) {
      for (const Json& key : schema["required"]) {
        EXPECT_TRUE(value.contains(key.get<std::string>()))
            << path << " lacks required " << key;
      }
    }
    if (schema.contains("properties")) {
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (schema["properties"].contains(it.key())) {
          ExpectMatchesSchema(schema["properties"][it.key()], it.value(),
                              path + "." + it.key());
        }
      }
    }
  }
  if (value.is_array() && schema.contains("items")) {
    for (size_t i = 0; i < value.size(); ++i) {
      ExpectMatchesSchema(schema["items"], value[i],
                          absl::StrCat(path, "[", i, "]"));
    }
  }
}

class JournalToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = testing::TempDir() + "journal_tools_test_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    absl::StatusOr<std::unique_ptr<journal::JournalStore>> store =
        journal::JournalStore::Open(dir_ + "/journal.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    AddJournalTools(registry_, store_.get(), &listener_,
                    [this](const std::string& question,
                           ToolCall& call) -> absl::StatusOr<bool> {
                      EXPECT_FALSE(call.cancel.cancelled());
                      questions_.push_back(question);
                      return answer_;
                    });
  }

  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  ToolResult Call(const ToolRegistry& registry, const std::string& name,
                  const Json& arguments) {
    Tool* tool = registry.Find(name);
    EXPECT_NE(tool, nullptr) << name;
    if (tool == nullptr) return ToolResult::Error("no such tool");
    ProgressReporter progress(std::nullopt, [](const Json&) { return true; });
    NoCancel cancel;
    const std::string version = "2025-06-18";
    ToolCall call{arguments, version, progress, cancel};
    return tool->Call(call);
  }

  static std::string Text(const ToolResult& result) {
    std::string text;
    for (const Json& c : result.content) {
      if (c.value("type", "") == "text") text += c.value("text", "");
    }
    return text;
  }

  // Calls a tool that must succeed; returns its structuredContent after
  // checking it against the tool's outputSchema.
  Json Ok(const std::string& name, const Json& arguments) {
    const ToolResult result = Call(registry_, name, arguments);
    EXPECT_FALSE(result.is_error) << name << ": " << Text(result);
    EXPECT_FALSE(Text(result).empty()) << name;
    if (!result.structured.has_value()) {
      ADD_FAILURE() << name << " returned no structuredContent";
      return Json();
    }
    ExpectMatchesSchema(registry_.Find(name)->definition()["outputSchema"],
                        *result.structured, name);
    return *result.structured;
  }

  // Calls a tool that must fail as a tool result; returns its message.
  std::string Error(const std::string& name, const Json& arguments) {
    const ToolResult result = Call(registry_, name, arguments);
    EXPECT_TRUE(result.is_error)
        << name << " " << arguments.dump() << " succeeded: " << Text(result);
    EXPECT_FALSE(result.structured.has_value());
    return Text(result);
  }

  int64_t NewEntry(const std::string& title, const Json& tags = Json::array(),
                   const std::string& date = "2026-01-15") {
    return Ok("create_entry", {{"title", title},
                               {"content", "some words"},
                               {"tags", tags},
                               {"date", date}})["id"]
        .get<int64_t>();
  }

  int64_t NewTag(const std::string& name) {
    return Ok("create_tag", {{"name", name}})["id"].get<int64_t>();
  }

  std::string dir_;
  std::unique_ptr<journal::JournalStore> store_;
  RecordingListener listener_;
  ToolRegistry registry_;
  std::vector<std::string> questions_;
  absl::StatusOr<bool> answer_ = true;
};

TEST_F(JournalToolsTest, DefinitionsAreCompleteAndTruthful) {
  const Json list = registry_.List();
  std::vector<std::string> names;
  for (const Json& d : list) names.push_back(d["name"]);
  EXPECT_THAT(names,
              ElementsAre("create_entry", "get_entry", "list_entries",
                          "update_entry", "delete_entry", "create_tag",
                          "get_tag", "list_tags", "update_tag", "delete_tag",
                          "add_tag_to_entry", "remove_tag_from_entry"));
  const std::set<std::string> read_only = {"get_entry", "list_entries",
                                           "get_tag", "list_tags"};
  const std::set<std::string> destructive = {"update_entry", "delete_entry",
                                             "update_tag", "delete_tag",
                                             "remove_tag_from_entry"};
  const std::set<std::string> not_idempotent = {"create_entry"};
  for (const Json& d : list) {
    const std::string name = d["name"];
    SCOPED_TRACE(name);
    EXPECT_TRUE(d["title"].is_string());
    EXPECT_TRUE(d["description"].is_string());
    const Json& input = d["inputSchema"];
    EXPECT_EQ(input["type"], "object");
    EXPECT_EQ(input["additionalProperties"], false);
    ASSERT_TRUE(input["properties"].is_object());
    for (const Json& r : input.value("required", Json::array())) {
      EXPECT_TRUE(input["properties"].contains(r.get<std::string>())) << r;
    }
    EXPECT_EQ(d["outputSchema"]["type"], "object");
    EXPECT_TRUE(d["outputSchema"]["required"].is_array());
    const Json& a = d["annotations"];
    EXPECT_EQ(a["readOnlyHint"], read_only.count(name) == 1);
    EXPECT_EQ(a["destructiveHint"], destructive.count(name) == 1);
    EXPECT_EQ(a["idempotentHint"], not_idempotent.count(name) == 0);
    EXPECT_EQ(a["openWorldHint"], false);
  }
}

// ---- create_entry
// ------------------------------------------------------------

TEST_F(JournalToolsTest, CreateEntryWithTagNamesAndIds) {
  const int64_t work = NewTag("work");
  listener_.events.clear();
  const Json entry = Ok("create_entry", {{"title", "Market day"},
                                         {"content", "Went to the market"},
                                         {"mood", "happy"},
                                         {"isFavorite", true},
                                         {"date", "2026-03-14"},
                                         {"tags", {"Travel", "WORK"}},
                                         {"tagIds", {work}}});
  EXPECT_EQ(entry["title"], "Market day");
  EXPECT_EQ(entry["mood"], "happy");
  EXPECT_EQ(entry["location"], nullptr);
  EXPECT_EQ(entry["isFavorite"], true);
  EXPECT_EQ(entry["isPrivate"], false);
  EXPECT_EQ(entry["date"], "2026-03-14");
  EXPECT_EQ(entry["wordCount"], 4);
  EXPECT_EQ(entry["tags"], Json({"Travel", "work"}));
  const int64_t id = entry["id"];

  absl::StatusOr<std::vector<journal::Tag>> tags = store_->ListTags();
  ASSERT_TRUE(tags.ok()) << tags.status();
  ASSERT_THAT(*tags, SizeIs(2));
  const int64_t travel = (*tags)[0].id;
  EXPECT_THAT(listener_.events,
              UnorderedElementsAre(absl::StrCat("entry ", id), "entries",
                                   absl::StrCat("tag ", travel),
                                   absl::StrCat("tag ", work), "tags"));

  // Minimal arguments; tagIds alone.
  const Json plain =
      Ok("create_entry",
         {{"title", "Plain"}, {"content", ""}, {"tagIds", {work}}});
  EXPECT_EQ(plain["tags"], Json({"work"}));
  EXPECT_EQ(plain["wordCount"], 0);
}

TEST_F(JournalToolsTest, CreateEntryBadInputsNameTheArgument) {
  std::vector<std::string> many;
  for (int i = 0; i < 15; ++i) many.push_back(absl::StrCat("t", i));
  std::vector<int64_t> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(NewTag(absl::StrCat("id", i)));
  const Json base = {{"title", "T"}, {"content", "c"}};
  const auto with = [&](const char* key, Json value) {
    Json a = base;
    a[key] = std::move(value);
    return a;
  };
  const std::pair<Json, std::string> cases[] = {
      {Json{{"content", "c"}}, "`title` is required"},
      {Json{{"title", "T"}}, "`content` is required"},
      {with("title", 5), "`title` must be a string"},
      {with("title", "   "), "title is empty"},
      {with("date", "2026-02-30"), "`date`"},
      {with("date", "14/03/2026"), "`date`"},
      {with("isPrivate", "yes"), "`isPrivate`"},
      {with("mood", std::string(101, 'm')), "`mood`"},
      {with("tags", "travel"), "`tags`"},
      {with("tags", {"ok", ""}), "tags[1]"},
      {with("tagIds", {999}), "`tagIds[0]`: no tag with id 999"},
      {with("tagIds", {"work"}), "`tagIds[0]`"},
      {with("tagIds", {0}), "`tagIds[0]`"},
      {with("titel", "typo"), "`titel`"},
  };
  for (const auto& [arguments, fragment] : cases) {
    EXPECT_THAT(Error("create_entry", arguments), HasSubstr(fragment))
        << arguments.dump();
  }
  Json too_many = base;
  too_many["tags"] = many;
  too_many["tagIds"] = ids;
  EXPECT_THAT(Error("create_entry", too_many),
              HasSubstr("`tags` and `tagIds` together name 21"));
  absl::StatusOr<std::vector<journal::Entry>> entries = store_->ListEntries({});
  ASSERT_TRUE(entries.ok());
  EXPECT_THAT(*entries, IsEmpty());
}

// ---- get_entry
// ---------------------------------------------------------------

TEST_F(JournalToolsTest, GetEntry) {
  const int64_t id = NewEntry("Read me", {"a"});
  const Json entry = Ok("get_entry", {{"id", id}});
  EXPECT_EQ(entry["id"], id);
  EXPECT_EQ(entry["title"], "Read me");
  EXPECT_EQ(entry["content"], "some words");
  EXPECT_EQ(entry["tags"], Json({"a"}));
  EXPECT_THAT(Text(Call(registry_, "get_entry", {{"id", id}})),
              AllOf(HasSubstr("Read me"), HasSubstr("some words")));

  EXPECT_THAT(Error("get_entry", Json::object()),
              HasSubstr("`id` is required"));
  EXPECT_THAT(Error("get_entry", {{"id", "1"}}), HasSubstr("`id` must be"));
  EXPECT_THAT(Error("get_entry", {{"id", 0}}), HasSubstr("`id` must be"));
  EXPECT_THAT(Error("get_entry", {{"id", id + 1}}),
              AllOf(HasSubstr("`id`"),
                    HasSubstr(absl::StrCat("no entry with id ", id + 1)),
                    HasSubstr("list_entries")));
  EXPECT_THAT(Error("get_entry", {{"id", id}, {"title", "x"}}),
              HasSubstr("`title`"));
}

// ---- list_entries
// ------------------------------------------------------------

TEST_F(JournalToolsTest, ListEntriesFiltersAndPages) {
  const int64_t jan = NewEntry("Jan", {"Travel"}, "2026-01-10");
  const int64_t feb = NewEntry("Feb", {"travel", "work"}, "2026-02-10");
  const int64_t feb2 = NewEntry("Feb 2", Json::array(), "2026-02-20");
  const int64_t old = NewEntry("Old", {"travel"}, "2025-02-10");
  Ok("update_entry", {{"id", feb2}, {"isFavorite", true}});

  const auto ids = [](const Json& result) {
    std::vector<int64_t> out;
    for (const Json& e : result["entries"]) out.push_back(e["id"]);
    return out;
  };
  EXPECT_THAT(ids(Ok("list_entries", Json::object())),
              ElementsAre(jan, feb, feb2, old));
  EXPECT_THAT(ids(Ok("list_entries", {{"year", 2026}, {"month", 2}})),
              ElementsAre(feb, feb2));
  EXPECT_THAT(ids(Ok("list_entries", {{"tag", "TRAVEL"}})),
              ElementsAre(jan, feb, old));
  EXPECT_THAT(ids(Ok("list_entries", {{"tag", "TRAVEL"}, {"year", 2026}})),
              ElementsAre(jan, feb));
  EXPECT_THAT(ids(Ok("list_entries", {{"favorite", true}})), ElementsAre(feb2));
  EXPECT_THAT(ids(Ok("list_entries", {{"favorite", false}, {"year", 2025}})),
              ElementsAre(old));
  const Json unknown = Ok("list_entries", {{"tag", "nope"}});
  EXPECT_THAT(unknown["entries"], IsEmpty());
  EXPECT_FALSE(unknown.contains("nextCursor"));

  Json page = Ok("list_entries", {{"limit", 2}});
  EXPECT_THAT(ids(page), ElementsAre(jan, feb));
  ASSERT_TRUE(page.contains("nextCursor"));
  page = Ok("list_entries", {{"limit", 2}, {"cursor", page["nextCursor"]}});
  EXPECT_THAT(ids(page), ElementsAre(feb2, old));
  page = Ok("list_entries", {{"limit", 2}, {"cursor", page["nextCursor"]}});
  EXPECT_THAT(ids(page), IsEmpty());
}

TEST_F(JournalToolsTest, ListEntriesBadInputsNameTheArgument) {
  const std::pair<Json, std::string> cases[] = {
      {Json{{"month", 3}}, "`month` needs `year`"},
      {Json{{"year", 2026}, {"month", 13}}, "`month`"},
      {Json{{"year", "2026"}}, "`year`"},
      {Json{{"favorite", "yes"}}, "`favorite`"},
      {Json{{"tag", " "}}, "`tag`"},
      {Json{{"tag", 7}}, "`tag`"},
      {Json{{"limit", 0}}, "`limit`"},
      {Json{{"cursor", "abc"}}, "`cursor`"},
      {Json{{"tagId", 1}}, "`tagId`"},
  };
  for (const auto& [arguments, fragment] : cases) {
    EXPECT_THAT(Error("list_entries", arguments), HasSubstr(fragment))
        << arguments.dump();
  }
}

// ---- update_entry
// ------------------------------------------------------------

TEST_F(JournalToolsTest, UpdateEntryPartialWithNullClearing) {
  const Json created = Ok("create_entry", {{"title", "Before"},
                                           {"content", "one two"},
                                           {"mood", "calm"},
                                           {"location", "Porto"},
                                           {"tags", {"old"}}});
  const int64_t id = created["id"];
  const int64_t old_tag = store_->ListTags()->front().id;
  listener_.events.clear();

  const Json updated = Ok("update_entry", {{"id", id},
                                           {"title", "After"},
                                           {"content", "one two three"},
                                           {"mood", nullptr},
                                           {"tags", {"new"}}});
  EXPECT_EQ(updated["title"], "After");
  EXPECT_EQ(updated["wordCount"], 3);
  EXPECT_EQ(updated["mood"], nullptr);
  EXPECT_EQ(updated["location"], "Porto");
  EXPECT_EQ(updated["date"], created["date"]);
  EXPECT_EQ(updated["tags"], Json({"new"}));
  const int64_t new_tag = store_->ListTags()->front().id;
  EXPECT_THAT(listener_.events,
              UnorderedElementsAre(absl::StrCat("entry ", id),
                                   absl::StrCat("tag ", old_tag),
                                   absl::StrCat("tag ", new_tag), "tags"));

  // tagIds alone replace the set too; [] clears it.
  Json retagged = Ok("update_entry", {{"id", id}, {"tagIds", {old_tag}}});
  EXPECT_EQ(retagged["tags"], Json({"old"}));
  retagged = Ok("update_entry", {{"id", id}, {"tags", Json::array()}});
  EXPECT_THAT(retagged["tags"], IsEmpty());
  EXPECT_EQ(retagged["title"], "After");
}

TEST_F(JournalToolsTest, UpdateEntryBadInputsNameTheArgument) {
  const int64_t id = NewEntry("Keep");
  const std::pair<Json, std::string> cases[] = {
      {Json{{"id", id}}, "nothing to change"},
      {Json{{"title", "x"}}, "`id` is required"},
      {Json{{"id", id + 1}, {"title", "x"}}, "`id`: no entry with id"},
      {Json{{"id", id}, {"title", nullptr}}, "`title` cannot be null"},
      {Json{{"id", id}, {"tags", nullptr}}, "`tags` cannot be null"},
      {Json{{"id", id}, {"title", ""}}, "title is empty"},
      {Json{{"id", id}, {"date", "2026-13-01"}}, "`date`"},
      {Json{{"id", id}, {"mood", 5}}, "`mood`"},
      {Json{{"id", id}, {"isFavorite", "true"}}, "`isFavorite`"},
      {Json{{"id", id}, {"tagIds", {12345}}}, "`tagIds[0]`"},
      {Json{{"id", id}, {"wordCount", 3}}, "`wordCount`"},
  };
  for (const auto& [arguments, fragment] : cases) {
    EXPECT_THAT(Error("update_entry", arguments), HasSubstr(fragment))
        << arguments.dump();
  }
  EXPECT_EQ(Ok("get_entry", {{"id", id}})["title"], "Keep");
}

// ---- delete_entry
// ------------------------------------------------------------

TEST_F(JournalToolsTest, DeleteEntryAsksFirst) {
  const int64_t id = NewEntry("Doomed", {"t"});
  const int64_t tag = store_->ListTags()->front().id;
  listener_.events.clear();

  answer_ = false;
  ToolResult declined = Call(registry_, "delete_entry", {{"id", id}});
  EXPECT_FALSE(declined.is_error);
  EXPECT_EQ(Text(declined), "Nothing was deleted.");
  ASSERT_TRUE(declined.structured.has_value());
  EXPECT_EQ((*declined.structured)["deleted"], false);
  ExpectMatchesSchema(
      registry_.Find("delete_entry")->definition()["outputSchema"],
      *declined.structured);
  ASSERT_THAT(questions_, SizeIs(1));
  EXPECT_THAT(questions_[0],
              AllOf(HasSubstr("Doomed"), HasSubstr("2026-01-15")));
  EXPECT_TRUE(store_->GetEntry(id).ok());
  EXPECT_THAT(listener_.events, IsEmpty());

  answer_ = absl::CancelledError("the user closed the dialog");
  EXPECT_THAT(Error("delete_entry", {{"id", id}}),
              AllOf(HasSubstr("Nothing was deleted"),
                    HasSubstr("the user closed the dialog")));
  EXPECT_TRUE(store_->GetEntry(id).ok());

  answer_ = true;
  const Json deleted = Ok("delete_entry", {{"id", id}});
  EXPECT_EQ(deleted["deleted"], true);
  EXPECT_EQ(deleted["id"], id);
  EXPECT_EQ(deleted["title"], "Doomed");
  EXPECT_EQ(store_->GetEntry(id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(listener_.events,
              UnorderedElementsAre(absl::StrCat("entry ", id), "entries",
                                   absl::StrCat("tag ", tag)));

  // Unknown ids fail before anyone is asked.
  questions_.clear();
  EXPECT_THAT(Error("delete_entry", {{"id", id}}),
              AllOf(HasSubstr("`id`"), HasSubstr("no entry with id")));
  EXPECT_THAT(Error("delete_entry", {{"id", -1}}), HasSubstr("`id`"));
  EXPECT_THAT(Error("delete_entry", Json::object()),
              HasSubstr("`id` is required"));
  EXPECT_THAT(questions_, IsEmpty());
}

TEST_F(JournalToolsTest, DeleteWithoutConfirmHookJustDeletes) {
  ToolRegistry plain;
  AddJournalTools(plain, store_.get(), /*listener=*/nullptr);
  const int64_t id = NewEntry("Gone");
  const ToolResult result = Call(plain, "delete_entry", {{"id", id}});
  EXPECT_FALSE(result.is_error) << Text(result);
  EXPECT_EQ(store_->GetEntry(id).status().code(), absl::StatusCode::kNotFound);
  const int64_t tag = NewTag("gone too");
  EXPECT_FALSE(Call(plain, "delete_tag", {{"id", tag}}).is_error);
  EXPECT_THAT(questions_, IsEmpty());
}

// ---- create_tag
// --------------------------------------------------------------

TEST_F(JournalToolsTest, CreateTag) {
  const Json tag =
      Ok("create_tag", {{"name", "Travel"}, {"description", "Trips"}});
  EXPECT_EQ(tag["name"], "Travel");
  EXPECT_EQ(tag["description"], "Trips");
  EXPECT_EQ(tag["entryCount"], 0);
  const int64_t id = tag["id"];
  EXPECT_THAT(listener_.events, ElementsAre(absl::StrCat("tag ", id), "tags"));
  EXPECT_EQ(Ok("create_tag", {{"name", "bare"}})["description"], nullptr);

  EXPECT_THAT(Error("create_tag", {{"name", "travel"}}),
              HasSubstr(absl::StrCat(
                  "a tag named \"Travel\" already exists (id ", id, ")")));
  EXPECT_THAT(Error("create_tag", Json::object()),
              HasSubstr("`name` is required"));
  EXPECT_THAT(Error("create_tag", {{"name", std::string(51, 'n')}}),
              HasSubstr("`name`"));
  EXPECT_THAT(Error("create_tag", {{"name", "  "}}),
              HasSubstr("name is empty"));
  EXPECT_THAT(Error("create_tag", {{"name", "x"}, {"description", 5}}),
              HasSubstr("`description`"));
  EXPECT_THAT(Error("create_tag", {{"name", "x"}, {"color", "red"}}),
              HasSubstr("`color`"));
}

// ---- get_tag
// -----------------------------------------------------------------

TEST_F(JournalToolsTest, GetTag) {
  NewEntry("E", {"shared"});
  NewEntry("F", {"Shared"});
  const int64_t id = store_->ListTags()->front().id;
  const Json tag = Ok("get_tag", {{"id", id}});
  EXPECT_EQ(tag["name"], "shared");
  EXPECT_EQ(tag["entryCount"], 2);

  EXPECT_THAT(Error("get_tag", {{"id", id + 1}}),
              AllOf(HasSubstr("`id`"), HasSubstr("no tag with id"),
                    HasSubstr("list_tags")));
  EXPECT_THAT(Error("get_tag", {{"id", "shared"}}), HasSubstr("`id` must be"));
  EXPECT_THAT(Error("get_tag", Json::object()), HasSubstr("`id` is required"));
}

// ---- list_tags
// ---------------------------------------------------------------

TEST_F(JournalToolsTest, ListTags) {
  EXPECT_THAT(Ok("list_tags", Json::object())["tags"], IsEmpty());
  NewEntry("E", {"beta", "Alpha"});
  NewTag("gamma");
  const Json tags = Ok("list_tags", Json::object())["tags"];
  ASSERT_THAT(tags, SizeIs(3));
  EXPECT_EQ(tags[0]["name"], "Alpha");
  EXPECT_EQ(tags[0]["entryCount"], 1);
  EXPECT_EQ(tags[2]["name"], "gamma");
  EXPECT_EQ(tags[2]["entryCount"], 0);

  EXPECT_THAT(Error("list_tags", {{"name", "x"}}),
              HasSubstr("unknown argument `name`"));
  EXPECT_THAT(Error("list_tags", {{"limit", 5}}), HasSubstr("`limit`"));
}

// ---- update_tag
// --------------------------------------------------------------

TEST_F(JournalToolsTest, UpdateTag) {
  const int64_t entry = NewEntry("E", {"trip"});
  const int64_t id = store_->ListTags()->front().id;
  const int64_t work = NewTag("work");
  Ok("update_tag", {{"id", id}, {"description", "Trips"}});
  listener_.events.clear();

  const Json renamed = Ok(
      "update_tag", {{"id", id}, {"name", "Travel"}, {"description", nullptr}});
  EXPECT_EQ(renamed["name"], "Travel");
  EXPECT_EQ(renamed["description"], nullptr);
  EXPECT_EQ(renamed["entryCount"], 1);
  EXPECT_EQ(Ok("get_entry", {{"id", entry}})["tags"], Json({"Travel"}));
  // A rename changes how the entries show the tag.
  EXPECT_THAT(listener_.events, ElementsAre(absl::StrCat("tag ", id),
                                            absl::StrCat("entry ", entry)));

  const std::pair<Json, std::string> cases[] = {
      {Json{{"id", id}}, "nothing to change"},
      {Json{{"name", "x"}}, "`id` is required"},
      {Json{{"id", id}, {"name", nullptr}}, "`name` cannot be null"},
      {Json{{"id", id}, {"name", "WORK"}},
       absl::StrCat("a tag named \"work\" already exists (id ", work, ")")},
      {Json{{"id", work + 1}, {"name", "x"}}, "`id`: no tag with id"},
      {Json{{"id", id}, {"description", 3}}, "`description`"},
  };
  for (const auto& [arguments, fragment] : cases) {
    EXPECT_THAT(Error("update_tag", arguments), HasSubstr(fragment))
        << arguments.dump();
  }
}

// ---- delete_tag
// --------------------------------------------------------------

TEST_F(JournalToolsTest, DeleteTagAsksFirst) {
  const int64_t a = NewEntry("A", {"gone", "stays"});
  const int64_t b = NewEntry("B", {"gone"});
  const int64_t id = store_->ListTags()->front().id;
  listener_.events.clear();

  answer_ = false;
  const ToolResult declined = Call(registry_, "delete_tag", {{"id", id}});
  EXPECT_FALSE(declined.is_error);
  EXPECT_EQ(Text(declined), "Nothing was deleted.");
  ASSERT_THAT(questions_, SizeIs(1));
  EXPECT_THAT(questions_[0],
              AllOf(HasSubstr("\"gone\""), HasSubstr("2 entries")));
  EXPECT_TRUE(store_->GetTag(id).ok());

  answer_ = true;
  const Json deleted = Ok("delete_tag", {{"id", id}});
  EXPECT_EQ(deleted["deleted"], true);
  EXPECT_EQ(deleted["name"], "gone");
  EXPECT_EQ(Ok("get_entry", {{"id", a}})["tags"], Json({"stays"}));
  EXPECT_THAT(Ok("get_entry", {{"id", b}})["tags"], IsEmpty());
  EXPECT_THAT(listener_.events, ElementsAre(absl::StrCat("tag ", id), "tags",
                                            absl::StrCat("entry ", a),
                                            absl::StrCat("entry ", b)));

  questions_.clear();
  EXPECT_THAT(Error("delete_tag", {{"id", id}}),
              AllOf(HasSubstr("`id`"), HasSubstr("no tag with id")));
  EXPECT_THAT(Error("delete_tag", {{"id", 1.5}}), HasSubstr("`id` must be"));
  EXPECT_THAT(Error("delete_tag", {{"name", "gone"}}), HasSubstr("`name`"));
  EXPECT_THAT(questions_, IsEmpty());
}

// ---- add_tag_to_entry / remove_tag_from_entry
// --------------------------------

TEST_F(JournalToolsTest, AddTagToEntry) {
  const int64_t entry = NewEntry("E", {"b"});
  const int64_t tag = NewTag("a");
  listener_.events.clear();
  Json result = Ok("add_tag_to_entry", {{"entryId", entry}, {"tagId", tag}});
  EXPECT_EQ(result["id"], entry);
  EXPECT_EQ(result["tags"], Json({"a", "b"}));
  EXPECT_THAT(listener_.events, ElementsAre(absl::StrCat("entry ", entry),
                                            absl::StrCat("tag ", tag)));
  result = Ok("add_tag_to_entry", {{"entryId", entry}, {"tagId", tag}});
  EXPECT_EQ(result["tags"], Json({"a", "b"}));  // Idempotent.

  EXPECT_THAT(
      Error("add_tag_to_entry", {{"entryId", entry + 9}, {"tagId", tag}}),
      AllOf(HasSubstr("`entryId`"), HasSubstr("no entry with id")));
  EXPECT_THAT(
      Error("add_tag_to_entry", {{"entryId", entry}, {"tagId", tag + 9}}),
      AllOf(HasSubstr("`tagId`"), HasSubstr("no tag with id")));
  EXPECT_THAT(Error("add_tag_to_entry", {{"entryId", entry}}),
              HasSubstr("`tagId` is required"));
  EXPECT_THAT(Error("add_tag_to_entry", {{"entryId", "1"}, {"tagId", tag}}),
              HasSubstr("`entryId` must be"));
  EXPECT_THAT(Error("add_tag_to_entry", {{"id", entry}, {"tagId", tag}}),
              HasSubstr("`id`"));
}

TEST_F(JournalToolsTest, RemoveTagFromEntry) {
  const int64_t entry = NewEntry("E", {"a", "b"});
  const int64_t tag = store_->ListTags()->front().id;
  Json result =
      Ok("remove_tag_from_entry", {{"entryId", entry}, {"tagId", tag}});
  EXPECT_EQ(result["tags"], Json({"b"}));
  result = Ok("remove_tag_from_entry", {{"entryId", entry}, {"tagId", tag}});
  EXPECT_EQ(result["tags"], Json({"b"}));  // Idempotent.
  EXPECT_TRUE(store_->GetTag(tag).ok());   // The tag itself stays.

  EXPECT_THAT(
      Error("remove_tag_from_entry", {{"entryId", entry + 9}, {"tagId", tag}}),
      AllOf(HasSubstr("`entryId`"), HasSubstr("no entry with id")));
  EXPECT_THAT(
      Error("remove_tag_from_entry", {{"entryId", entry}, {"tagId", tag + 9}}),
      AllOf(HasSubstr("`tagId`"), HasSubstr("no tag with id")));
  EXPECT_THAT(Error("remove_tag_from_entry", {{"tagId", tag}}),
              HasSubstr("`entryId` is required"));
  EXPECT_THAT(
      Error("remove_tag_from_entry", {{"entryId", entry}, {"tagId", -2}}),
      HasSubstr("`tagId` must be"));
}

TEST_F(JournalToolsTest, NoListenerIsFine) {
  ToolRegistry plain;
  AddJournalTools(plain, store_.get(), /*listener=*/nullptr);
  const ToolResult created =
      Call(plain, "create_entry",
           {{"title", "T"}, {"content", "c"}, {"tags", {"x"}}});
  ASSERT_FALSE(created.is_error) << Text(created);
  const int64_t id = (*created.structured)["id"];
  EXPECT_FALSE(
      Call(plain, "update_entry", {{"id", id}, {"tags", {"y"}}}).is_error);
  EXPECT_FALSE(Call(plain, "update_tag", {{"id", 1}, {"name", "z"}}).is_error);
  EXPECT_THAT(listener_.events, IsEmpty());
}

}  // namespace
}  // namespace stopframe::gateway
