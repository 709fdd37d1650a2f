// Hostile input, end to end: one real gateway (plus a real renderer, for the
// create_wrapped_video rows) fed a table of malformed, oversized and
// adversarial messages. Every row names the exact reply it must get, or
// proves that there is none: each row is followed by a ping (the "fence"),
// and the fence's reply must arrive with nothing else in between.
//
// Replies the reader thread makes (framing and parse errors, ping) reach
// stdout before the fence's reply; tool replies come from workers, so the
// runner waits for both the row's reply and the fence before judging.
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/support/mcp_test_client.h"
#include "tests/integration/support/renderer_harness.h"
#include "tests/integration/support/subprocess.h"

namespace stopframe::testing {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kTimeout = absl::Seconds(20);
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kResourceNotFound = -32002;
constexpr int64_t kMaxLineBytes = 8 << 20;  // the gateway's framing limit

// ---- Messages --------------------------------------------------------------

std::string Req(const Json& id, const std::string& method,
                const Json& params = Json::object()) {
  return Json{
      {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}
      .dump();
}

std::string Note(const std::string& method,
                 const Json& params = Json::object()) {
  return Json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}}
      .dump();
}

std::string Call(const Json& id, const std::string& tool,
                 const Json& arguments) {
  return Req(id, "tools/call", {{"name", tool}, {"arguments", arguments}});
}

std::string Read(const Json& id, const std::string& uri) {
  return Req(id, "resources/read", {{"uri", uri}});
}

std::string CancelNote(const Json& params) {
  return Note("notifications/cancelled", params);
}

bool IsResponse(const Json& m) {
  return m.is_object() && m.contains("id") && !m.contains("method") &&
         (m.contains("result") || m.contains("error"));
}

bool IsResponseTo(const Json& m, const Json& id) {
  return IsResponse(m) && m["id"] == id;
}

bool IsNotification(const Json& m) {
  return m.is_object() && m.contains("method") && !m.contains("id");
}

std::string ToolText(const Json& response) {
  const Json& content = response["result"]["content"];
  if (!content.is_array() || content.empty()) return "";
  return content[0].value("text", "");
}

// ---- Rows ------------------------------------------------------------------

enum class Expect {
  kError,      // a JSON-RPC error with `code` and `id`
  kToolError,  // a tools/call result with isError and `text` in its message
  kResult,     // a successful result (isError false for tools/call)
  kNoReply,    // nothing at all before the fence's reply
  kArray,      // one batch response (a JSON array), judged by `check`
};

struct Row {
  std::string name;
  std::vector<std::string> lines;  // each sent with a newline
  Expect expect = Expect::kNoReply;
  Json id;           // the expected reply's id (null for "id": null)
  int code = 0;      // kError
  std::string text;  // a substring of the error (kError, kToolError)
  // When set, sends the row instead of `lines`.
  std::function<void(McpTestClient&)> send;
  // When set, more checks on the reply (or, for kNoReply, after the fence).
  std::function<void(const Json& reply)> check;
};

Row Error(std::string name, std::vector<std::string> lines, int code, Json id,
          std::string text = "") {
  Row row;
  row.name = std::move(name);
  row.lines = std::move(lines);
  row.expect = Expect::kError;
  row.code = code;
  row.id = std::move(id);
  row.text = std::move(text);
  return row;
}

Row ToolError(std::string name, const Json& id, const std::string& tool,
              const Json& arguments, std::string text) {
  Row row;
  row.name = std::move(name);
  row.lines = {Call(id, tool, arguments)};
  row.expect = Expect::kToolError;
  row.id = id;
  row.text = std::move(text);
  return row;
}

Row Ok(std::string name, std::vector<std::string> lines, Json id,
       std::function<void(const Json&)> check = nullptr) {
  Row row;
  row.name = std::move(name);
  row.lines = std::move(lines);
  row.expect = Expect::kResult;
  row.id = std::move(id);
  row.check = std::move(check);
  return row;
}

// A batch (one line) whose one reply is an array, judged by `check`.
Row BatchReply(std::string name, const std::vector<std::string>& elements,
               std::function<void(const Json& array)> check) {
  Row row;
  row.name = std::move(name);
  row.lines = {absl::StrCat("[", absl::StrJoin(elements, ","), "]")};
  row.expect = Expect::kArray;
  row.check = std::move(check);
  return row;
}

Row NoReply(std::string name, std::vector<std::string> lines) {
  Row row;
  row.name = std::move(name);
  row.lines = std::move(lines);
  return row;
}

std::string Dump(const std::vector<Json>& messages, size_t from) {
  std::string out;
  for (size_t i = from; i < messages.size(); ++i) {
    std::string line = messages[i].dump();
    if (line.size() > 400) line = line.substr(0, 400) + "...";
    absl::StrAppend(&out, "\n  ", line);
  }
  return out;
}

// Sends one row, then a ping with id `fence`, and judges what came back.
void RunRow(McpTestClient& client, const Row& row, const Json& fence) {
  const size_t base = client.Messages().size();
  if (row.send) {
    row.send(client);
  } else {
    for (const std::string& line : row.lines) client.SendRaw(line);
  }
  client.SendRaw(Req(fence, "ping"));

  const bool wants_id_reply = row.expect != Expect::kNoReply &&
                              row.expect != Expect::kArray && !row.id.is_null();
  const bool wants_array = row.expect == Expect::kArray;
  const bool done = client.WaitForMessages(
      [&](const std::vector<Json>& messages) {
        bool fenced = false;
        bool replied = !wants_id_reply && !wants_array;
        for (size_t k = base; k < messages.size(); ++k) {
          fenced = fenced || IsResponseTo(messages[k], fence);
          replied =
              replied || (wants_array ? messages[k].is_array()
                                      : IsResponseTo(messages[k], row.id));
        }
        return fenced && replied;
      },
      kTimeout);
  const std::vector<Json> all = client.Messages();
  ASSERT_TRUE(done) << "no fence or reply in time; since the row:"
                    << Dump(all, base);

  // Everything the row caused, in order, without the fence's reply.
  std::vector<Json> caused;
  size_t fence_at = all.size();
  for (size_t k = base; k < all.size(); ++k) {
    if (IsResponseTo(all[k], fence)) {
      fence_at = caused.size();
      continue;
    }
    // Tool rows may cause resource notifications (list_changed).
    if (row.expect != Expect::kNoReply && IsNotification(all[k])) continue;
    caused.push_back(all[k]);
  }
  if (row.expect == Expect::kNoReply) {
    EXPECT_TRUE(caused.empty())
        << "expected no reply at all; got:" << Dump(caused, 0);
    if (row.check) row.check(Json());
    return;
  }
  ASSERT_EQ(caused.size(), 1u)
      << "expected exactly one reply; since the row:" << Dump(all, base);
  const Json& reply = caused[0];
  if (row.expect == Expect::kArray) {
    ASSERT_TRUE(reply.is_array()) << reply.dump();
    row.check(reply);
    return;
  }
  ASSERT_TRUE(IsResponse(reply)) << reply.dump();
  EXPECT_EQ(reply["id"], row.id) << reply.dump();
  if (row.id.is_null()) {
    // A reply with a null id can only come from the reader, in order.
    EXPECT_EQ(fence_at, 1u) << "the id-null reply came after the fence";
  }
  switch (row.expect) {
    case Expect::kError:
      ASSERT_TRUE(reply.contains("error")) << reply.dump();
      EXPECT_EQ(reply["error"]["code"], row.code) << reply.dump();
      EXPECT_THAT(reply["error"].value("message", ""), HasSubstr(row.text));
      break;
    case Expect::kToolError:
      ASSERT_TRUE(reply.contains("result")) << reply.dump();
      EXPECT_EQ(reply["result"]["isError"], true) << reply.dump();
      EXPECT_THAT(ToolText(reply), HasSubstr(row.text));
      break;
    case Expect::kResult:
      ASSERT_TRUE(reply.contains("result")) << reply.dump();
      if (reply["result"].contains("isError")) {
        EXPECT_EQ(reply["result"]["isError"], false) << reply.dump();
      }
      break;
    case Expect::kNoReply:
    case Expect::kArray:
      break;
  }
  if (row.check) row.check(reply);
}

// Runs every row against `client`; a failing row does not stop the rest.
void RunRows(McpTestClient& client, const std::vector<Row>& rows,
             const std::string& fence_prefix) {
  for (size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("row ", i, ": ", rows[i].name));
    RunRow(client, rows[i], absl::StrCat(fence_prefix, "fence-", i));
  }
}

// A line of `total` bytes (about) sent in 1 MiB pieces, never held whole.
void SendHugeLine(McpTestClient& client, const Json& id, size_t total) {
  client.SendBytes(
      absl::StrCat(R"({"jsonrpc":"2.0","id":)", id.dump(),
                   R"(,"method":"tools/call","params":{"name":"create_entry",)",
                   R"("arguments":{"content":"x","title":")"));
  const std::string piece(1 << 20, 'a');
  for (size_t sent = 0; sent < total; sent += piece.size()) {
    client.SendBytes(piece);
  }
  client.SendBytes("\"}}}\n");
}

// A /proc/<pid>/status field in kB ("VmRSS", "VmHWM"); -1 if absent.
int64_t ProcStatusKb(pid_t pid, const std::string& field) {
  const std::string status = ReadFile(absl::StrCat("/proc/", pid, "/status"));
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    if (!absl::ConsumePrefix(&line, field + ":")) continue;
    line = absl::StripAsciiWhitespace(line);
    absl::ConsumeSuffix(&line, " kB");
    int64_t kb = -1;
    if (absl::SimpleAtoi(line, &kb)) return kb;
  }
  return -1;
}

// `depth` levels of JSON nesting in total, as a ping's params.
std::string NestedPing(const Json& id, int depth) {
  // The message object and its params are two levels; the rest arrays.
  const int arrays = depth - 2;
  return absl::StrCat(R"({"jsonrpc":"2.0","id":)", id.dump(),
                      R"(,"method":"ping","params":{"x":)",
                      std::string(arrays, '['), std::string(arrays, ']'), "}}");
}

// ---- Fixture ---------------------------------------------------------------

class HostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    renderer_ = RendererHarness::Start(/*max_concurrent=*/1);
    ASSERT_NE(renderer_, nullptr) << "renderer did not start";
  }

  std::unique_ptr<McpTestClient> StartGateway(const std::string& name) {
    return McpTestClient::Start(
        {"--db=" + dir_ + "/" + name + ".db",
         "--videos_dir=" + dir_ + "/" + name + "-videos",
         "--renderer=" + renderer_->target()});
  }

  std::string dir_;
  std::unique_ptr<RendererHarness> renderer_;
};

// SQL metacharacters: each goes into every string field of an entry.
const std::vector<std::string>& SqlStrings() {
  static const auto* strings = new std::vector<std::string>{
      "'); DROP TABLE entries;--",
      "%",
      "_",
      "\\",
      "\"",
      "Robert'); DELETE FROM tags WHERE '1'='1",
      "50%_off \\\"x\\\" 'y' ;--",
  };
  return *strings;
}

TEST_F(HostileInputTest, OneGatewaySurvivesTheWholeTable) {
  std::unique_ptr<McpTestClient> gateway = StartGateway("journal");
  ASSERT_NE(gateway, nullptr);
  McpTestClient& client = *gateway;
  ASSERT_EQ(client.Initialize()["protocolVersion"], "2025-06-18");

  // Filled in by rows, read by later rows and the final checks.
  std::map<std::string, int64_t> sql_entry_ids;  // by the string used
  std::string video_id;

  std::vector<Row> rows;
  auto add = [&rows](Row row) { rows.push_back(std::move(row)); };

  // -- Not JSON ---------------------------------------------------------------
  add(Error("invalid JSON", {"{not json at all}"}, kParseError, nullptr));
  add(Error("plain text", {"hello gateway"}, kParseError, nullptr));
  add(Error("truncated JSON", {R"({"jsonrpc":"2.0","id":1,"method":"ping")"},
            kParseError, nullptr));
  add(Error("truncated inside a string", {R"({"jsonrpc":"2.0","id":1,"meth)"},
            kParseError, nullptr));
  add(Error("trailing garbage",
            {R"({"jsonrpc":"2.0","id":"tg","method":"ping"} x)"}, kParseError,
            nullptr));
  add(Error("invalid UTF-8 bytes inside a string",
            {"{\"jsonrpc\":\"2.0\",\"id\":\"u8\",\"method\":\"ping\","
             "\"params\":{\"x\":\"\xff\xfe"
             "bad\"}}"},
            kParseError, nullptr));
  add(Error("overlong UTF-8 encoding of '/'",
            {"{\"jsonrpc\":\"2.0\",\"id\":\"u8o\",\"method\":\"ping\","
             "\"params\":{\"x\":\"\xc0\xaf"
             "\"}}"},
            kParseError, nullptr));
  add(Error("lone UTF-16 surrogate escape",
            {R"({"jsonrpc":"2.0","id":"sur","method":"ping",)"
             R"("params":{"x":"\ud800"}})"},
            kParseError, nullptr));
  add(Error("NUL byte inside a string",
            {std::string(R"({"jsonrpc":"2.0","id":"nul1","method":"pi)") +
             '\0' + R"(ng"})"},
            kParseError, nullptr));
  // nlohmann::json stops at a NUL as if the input ended: this one was
  // served as a ping before the gateway refused NULs.
  add(Error("NUL byte after a valid message",
            {std::string(R"({"jsonrpc":"2.0","id":"nul2","method":"ping"})") +
             '\0' + "junk"},
            kParseError, nullptr));
  add(Error("NUL byte first", {std::string(1, '\0')}, kParseError, nullptr));

  // -- Not a JSON-RPC request ------------------------------------------------
  add(Error("jsonrpc \"1.0\"",
            {R"({"jsonrpc":"1.0","id":"v1","method":"ping"})"}, kInvalidRequest,
            "v1", "jsonrpc"));
  add(Error("jsonrpc the number 2",
            {R"({"jsonrpc":2,"id":"v2","method":"ping"})"}, kInvalidRequest,
            "v2", "jsonrpc"));
  add(Error("jsonrpc missing", {R"({"id":"v3","method":"ping"})"},
            kInvalidRequest, "v3", "jsonrpc"));
  add(Error("method missing", {R"({"jsonrpc":"2.0","id":"m1"})"},
            kInvalidRequest, "m1", "method"));
  add(Error("method a number", {R"({"jsonrpc":"2.0","id":"m2","method":42})"},
            kInvalidRequest, "m2", "method"));
  add(Error("method null", {R"({"jsonrpc":"2.0","id":"m3","method":null})"},
            kInvalidRequest, "m3", "method"));
  add(Error("a JSON number", {"42"}, kInvalidRequest, nullptr));
  add(Error("a JSON string", {R"("ping")"}, kInvalidRequest, nullptr));
  add(Error("JSON null", {"null"}, kInvalidRequest, nullptr));
  // Batches exist only in protocol 2025-03-26 (see BatchesIn2025_03_26).
  add(Error("empty batch", {"[]"}, kInvalidRequest, nullptr,
            "batches are not supported in protocol version 2025-06-18"));
  add(Error("batch of two pings",
            {R"([{"jsonrpc":"2.0","id":"b1","method":"ping"},)"
             R"({"jsonrpc":"2.0","id":"b2","method":"ping"}])"},
            kInvalidRequest, nullptr,
            "batches are not supported in protocol version 2025-06-18"));
  add(Error("id null", {R"({"jsonrpc":"2.0","id":null,"method":"ping"})"},
            kInvalidRequest, nullptr, "id"));
  add(Error("id an object",
            {R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})"},
            kInvalidRequest, nullptr, "id"));
  add(Error("id a float", {R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})"},
            kInvalidRequest, nullptr, "id"));
  add(Error("id a boolean", {R"({"jsonrpc":"2.0","id":true,"method":"ping"})"},
            kInvalidRequest, nullptr, "id"));
  add(Error("id an array", {R"({"jsonrpc":"2.0","id":[1],"method":"ping"})"},
            kInvalidRequest, nullptr, "id"));
  add(Error(
      "id beyond 64 bits (a float to JSON)",
      {R"({"jsonrpc":"2.0","id":123456789012345678901234,"method":"ping"})"},
      kInvalidRequest, nullptr, "id"));
  add(Ok("id a negative integer", {Req(-7, "ping")}, -7));

  // -- Nesting ---------------------------------------------------------------
  add(Error("10 000 nested arrays",
            {std::string(10000, '[') + std::string(10000, ']')},
            kInvalidRequest, nullptr, "nests deeper"));
  {
    std::string deep =
        R"({"jsonrpc":"2.0","id":"deep","method":"ping","params":)";
    for (int i = 0; i < 10000; ++i) deep += R"({"a":)";
    deep += "1" + std::string(10000, '}') + "}";
    add(Error("10 000 nested objects in params", {deep}, kInvalidRequest,
              nullptr, "nests deeper"));
  }
  add(Error("10 000 unclosed brackets", {std::string(10000, '[')},
            kInvalidRequest, nullptr, "nests deeper"));
  add(Ok("64 levels (the limit) is served", {NestedPing("d64", 64)}, "d64"));
  add(Error("65 levels is refused", {NestedPing("d65", 65)}, kInvalidRequest,
            nullptr, "nests deeper"));
  add(Ok("10 000 brackets inside a string are text, not nesting",
         {absl::StrCat(R"({"jsonrpc":"2.0","id":"sb","method":"ping",)",
                       R"("params":{"x":")", std::string(10000, '['),
                       R"(\"}"}})")},
         "sb"));

  // -- Size ------------------------------------------------------------------
  {
    Row huge = Error("a single 100 MB line, sent in pieces", {},
                     kInvalidRequest, nullptr, "limit");
    huge.send = [](McpTestClient& c) {
      SendHugeLine(c, "huge", size_t{100} << 20);
    };
    huge.check = [&client](const Json&) {
      const pid_t pid = client.process().pid();
      const int64_t rss = ProcStatusKb(pid, "VmRSS");
      const int64_t peak = ProcStatusKb(pid, "VmHWM");
      std::cerr << "gateway after the 100 MB line: VmRSS " << rss
                << " kB, VmHWM " << peak << " kB\n";
      ASSERT_GT(rss, 0);
      EXPECT_LT(rss, 200 * 1024) << "VmRSS " << rss << " kB";
      // The peak too: the line was never held whole.
      EXPECT_LT(peak, 200 * 1024) << "VmHWM " << peak << " kB";
    };
    add(std::move(huge));
  }
  add(Error("a create_entry line of 10 MB (over the 8 MiB framing limit)",
            {Call("title10mb", "create_entry",
                  {{"title", std::string(10 << 20, 't')}, {"content", "x"}})},
            kInvalidRequest, nullptr, std::to_string(kMaxLineBytes)));
  add(ToolError("a 1 MB title", "title1mb", "create_entry",
                {{"title", std::string(1 << 20, 't')}, {"content", "x"}},
                "`title` is 1048576 bytes long; the limit is 500 bytes"));
  add(ToolError("content over 100 kB", "content", "create_entry",
                {{"title", "t"}, {"content", std::string(100001, 'c')}},
                "`content`"));
  add(ToolError(
      "mood over 100 bytes", "mood", "create_entry",
      {{"title", "t"}, {"content", "c"}, {"mood", std::string(101, 'm')}},
      "`mood`"));
  {
    Json tags = Json::array();
    for (int i = 0; i < 21; ++i) tags.push_back(absl::StrCat("t", i));
    add(ToolError("21 tags", "tags21", "create_entry",
                  {{"title", "t"}, {"content", "c"}, {"tags", tags}},
                  "`tags`"));
  }
  add(ToolError(
      "a 51-byte tag", "tag51", "create_entry",
      {{"title", "t"}, {"content", "c"}, {"tags", {std::string(51, 'g')}}},
      "`tags[]`"));

  // -- Params and tools/call ------------------------------------------------
  add(Error(
      "params an array",
      {R"({"jsonrpc":"2.0","id":"pa","method":"tools/list","params":[1,2]})"},
      kInvalidParams, "pa"));
  add(Error(
      "params a string",
      {R"({"jsonrpc":"2.0","id":"ps","method":"tools/list","params":"x"})"},
      kInvalidRequest, "ps", "params"));
  add(Error("params a number",
            {R"({"jsonrpc":"2.0","id":"pn","method":"tools/list","params":7})"},
            kInvalidRequest, "pn", "params"));
  add(Error(
      "tools/call name a number",
      {Req("tn", "tools/call", {{"name", 42}, {"arguments", Json::object()}})},
      kInvalidParams, "tn", "name"));
  add(Error("tools/call without a name", {Req("tm", "tools/call")},
            kInvalidParams, "tm", "name"));
  add(Error(
      "tools/call arguments an array",
      {Req("ta", "tools/call", {{"name", "list_tags"}, {"arguments", {1, 2}}})},
      kInvalidParams, "ta", "arguments"));
  add(Error(
      "tools/call arguments a string",
      {Req("ts", "tools/call", {{"name", "list_tags"}, {"arguments", "x"}})},
      kInvalidParams, "ts", "arguments"));
  add(Error("unknown tool", {Call("tu", "drop_database", Json::object())},
            kInvalidParams, "tu", "Unknown tool: drop_database"));
  add(Error("unknown method", {Req("um", "tools/destroy")}, kMethodNotFound,
            "um", "tools/destroy"));
  add(Error("empty method", {Req("ue", "")}, kMethodNotFound, "ue"));
  add(Error("second initialize",
            {Req("init-2", "initialize",
                 {{"protocolVersion", "2025-06-18"},
                  {"capabilities", Json::object()},
                  {"clientInfo", {{"name", "again"}, {"version", "1"}}}})},
            kInvalidRequest, "init-2", "already initialized"));

  // -- Tool argument validation -----------------------------------------------
  int n = 0;
  for (const Json& year :
       {Json(-1), Json(0), Json(99999), Json("2025"), Json(2025.5)}) {
    add(ToolError(absl::StrCat("create_wrapped_video year ", year.dump()),
                  absl::StrCat("year-", n++), "create_wrapped_video",
                  {{"year", year}}, "`year`"));
  }
  add(ToolError("create_wrapped_video quality \"ultra\"", "q-ultra",
                "create_wrapped_video", {{"quality", "ultra"}}, "`quality`"));
  add(ToolError("create_wrapped_video quality 1", "q-1", "create_wrapped_video",
                {{"quality", 1}}, "`quality`"));
  add(ToolError("create_wrapped_video secondsPerSlide 0", "sps-0",
                "create_wrapped_video", {{"secondsPerSlide", 0}},
                "`secondsPerSlide`"));
  add(ToolError("create_wrapped_video secondsPerSlide 1000", "sps-1000",
                "create_wrapped_video", {{"secondsPerSlide", 1000}},
                "`secondsPerSlide`"));
  add(ToolError("create_wrapped_video secondsPerSlide \"3\"", "sps-str",
                "create_wrapped_video", {{"secondsPerSlide", "3"}},
                "`secondsPerSlide`"));
  add(ToolError("create_wrapped_video unknown argument", "wv-unknown",
                "create_wrapped_video", {{"yaer", 2025}},
                "unknown argument `yaer`"));
  add(ToolError("create_entry unknown argument", "ce-unknown", "create_entry",
                {{"title", "t"}, {"content", "c"}, {"sql", "1=1"}},
                "unknown argument `sql`"));
  add(ToolError("create_entry without title", "ce-notitle", "create_entry",
                {{"content", "c"}}, "`title` is required"));
  add(ToolError("a date with SQL in it", "date-sql", "create_entry",
                {{"title", "t"}, {"content", "c"}, {"date", "2025-01-01'--"}},
                "`date`"));

  // -- SQL metacharacters: stored and echoed verbatim -------------------------
  for (size_t i = 0; i < SqlStrings().size(); ++i) {
    const std::string s = SqlStrings()[i];
    const Json fields{{"title", s},    {"content", s}, {"mood", s},
                      {"location", s}, {"weather", s}, {"tags", {s}}};
    add(Ok(absl::StrCat("create_entry with ", s, " in every string field"),
           {Call(absl::StrCat("sql-", i), "create_entry", fields)},
           absl::StrCat("sql-", i), [&sql_entry_ids, s](const Json& reply) {
             const Json& e = reply["result"]["structuredContent"];
             for (const char* f :
                  {"title", "content", "mood", "location", "weather"}) {
               EXPECT_EQ(e[f], s) << f << ": " << e.dump();
             }
             EXPECT_EQ(e["tags"], Json::array({s})) << e.dump();
             sql_entry_ids[s] = e["id"].get<int64_t>();
           }));
  }
  for (size_t i = 0; i < SqlStrings().size(); ++i) {
    const std::string s = SqlStrings()[i];
    // Exactly the one entry: "%" and "_" are not wildcards.
    add(Ok(
        absl::StrCat("list_entries tag filter ", s),
        {Call(absl::StrCat("sql-list-", i), "list_entries", {{"tag", s}})},
        absl::StrCat("sql-list-", i), [&sql_entry_ids, s](const Json& reply) {
          const Json& entries = reply["result"]["structuredContent"]["entries"];
          ASSERT_EQ(entries.size(), 1u) << entries.dump();
          EXPECT_EQ(entries[0]["id"], sql_entry_ids[s]);
          EXPECT_EQ(entries[0]["title"], s);
        }));
  }
  add(Ok("list_entries tag \"%%\" matches nothing",
         {Call("sql-list-none", "list_entries", {{"tag", "%%"}})},
         "sql-list-none", [](const Json& reply) {
           EXPECT_EQ(reply["result"]["structuredContent"]["entries"].size(),
                     0u);
         }));

  // -- A real render, then resource URIs
  // ---------------------------------------
  add(Ok(
      "create_wrapped_video with valid arguments renders",
      {Call("render-ok", "create_wrapped_video",
            {{"year", 2025}, {"quality", "draft"}, {"secondsPerSlide", 0.2}})},
      "render-ok", [&video_id](const Json& reply) {
        const std::string uri =
            reply["result"]["structuredContent"].value("videoUri", "");
        absl::string_view rest = uri;
        ASSERT_TRUE(absl::ConsumePrefix(&rest, "stopframe://videos/"))
            << reply.dump();
        video_id = std::string(rest);
      }));
  n = 0;
  for (const std::string uri : {
           "stopframe://videos/../../etc/passwd",
           "stopframe://videos/../../../../../../../../etc/passwd",
           "stopframe://videos/..%2f..%2fjournal.db",
           "stopframe://videos/%2e%2e/%2e%2e/etc/passwd",
           "stopframe://videos/..\\..\\etc\\passwd",
           "stopframe://videos/0123456789abcdef0123456789abcdef",
           "stopframe://entries/../1",
           "stopframe://entries/%2e%2e/1",
           "stopframe://entries/1/../../../etc/passwd",
           "stopframe://tags/../entries/1",
           "file:///etc/passwd",
           "/etc/passwd",
           "../journal.db",
       }) {
    add(Error(absl::StrCat("resources/read ", uri),
              {Read(absl::StrCat("uri-", n), uri)}, kResourceNotFound,
              absl::StrCat("uri-", n)));
    ++n;
  }
  add(Error("resources/read the journal by absolute path",
            {Read("uri-abs", dir_ + "/journal.db")}, kResourceNotFound,
            "uri-abs"));
  add(Error("resources/subscribe to a traversal",
            {Req("sub-trav", "resources/subscribe",
                 {{"uri", "stopframe://videos/../../etc/passwd"}})},
            kResourceNotFound, "sub-trav"));
  {
    // The real video's id, dressed up: only the exact URI names it.
    const std::vector<std::function<std::string(const std::string&)>> forms = {
        [](const std::string& id) {
          return absl::StrCat("stopframe://videos/", id, "/../", id);
        },
        [](const std::string& id) {
          return absl::StrCat("stopframe://videos/../videos/", id);
        },
        [](const std::string& id) {
          return absl::StrCat("stopframe://videos/", absl::AsciiStrToUpper(id));
        },
        [](const std::string& id) {
          return absl::StrCat("stopframe://videos/", id, ".mp4");
        },
        [this](const std::string& id) {
          return absl::StrCat(dir_, "/journal-videos/", id, ".mp4");
        },
    };
    for (size_t i = 0; i < forms.size(); ++i) {
      const std::string id = absl::StrCat("uri-video-", i);
      Row row = Error(absl::StrCat("resources/read the real video, form ", i),
                      {}, kResourceNotFound, id);
      row.send = [&video_id, form = forms[i], id](McpTestClient& c) {
        c.SendRaw(Read(id, form(video_id)));
      };
      add(std::move(row));
    }
    Row exact = Ok("resources/read the real video by its exact URI", {},
                   "uri-video-exact", [](const Json& reply) {
                     const Json& c = reply["result"]["contents"][0];
                     EXPECT_EQ(c["mimeType"], "video/mp4");
                     EXPECT_FALSE(c.value("blob", "").empty());
                   });
    exact.send = [&video_id](McpTestClient& c) {
      c.SendRaw(Read("uri-video-exact",
                     absl::StrCat("stopframe://videos/", video_id)));
    };
    add(std::move(exact));
  }

  // -- notifications/cancelled and stray responses: never a reply -----------
  add(NoReply("cancelled without params",
              {R"({"jsonrpc":"2.0","method":"notifications/cancelled"})"}));
  add(NoReply("cancelled without requestId", {CancelNote({{"reason", "x"}})}));
  for (const Json& bad : {Json(nullptr), Json::object(), Json::array({1}),
                          Json(1.5), Json(true)}) {
    add(NoReply(absl::StrCat("cancelled with requestId ", bad.dump()),
                {CancelNote({{"requestId", bad}})}));
  }
  // By-position params are valid JSON-RPC; a notification is never answered
  // (this one used to get -32602 with id null).
  add(NoReply("cancelled with params an array",
              {R"({"jsonrpc":"2.0","method":"notifications/cancelled",)"
               R"("params":[1]})"}));
  // Scalar params make it an invalid Request object, which JSON-RPC answers
  // with -32600 and id null even without an id.
  add(Error("cancelled with params a string",
            {R"({"jsonrpc":"2.0","method":"notifications/cancelled",)"
             R"("params":"x"})"},
            kInvalidRequest, nullptr, "params"));
  add(NoReply("cancel for ids never sent",
              {CancelNote({{"requestId", 424242}}),
               CancelNote({{"requestId", "never-sent"}}),
               CancelNote({{"requestId", "sql-0"}, {"reason", 5}})}));
  {
    std::vector<std::string> lines(
        100, CancelNote({{"requestId", "sql-1"}, {"reason", "again"}}));
    add(NoReply("a finished request cancelled 100 times", lines));
    lines.assign(100, CancelNote({{"requestId", "c100"}}));
    add(NoReply("an unsent id cancelled 100 times", lines));
    add(Ok("that id, sent afterwards, is served",
           {Call("c100", "list_tags", Json::object())}, "c100"));
  }
  add(NoReply("a response to an unknown request",
              {R"({"jsonrpc":"2.0","id":"stopframe-999",)"
               R"("result":{"action":"accept"}})"}));
  add(NoReply(
      "an error response to an unknown request",
      {R"({"jsonrpc":"2.0","id":77,"error":{"code":-1,"message":"no"}})"}));
  add(NoReply("an error response with id null",
              {R"({"jsonrpc":"2.0","id":null,)"
               R"("error":{"code":-32700,"message":"Parse error"}})"}));
  add(NoReply("a response with an object id",
              {R"({"jsonrpc":"2.0","id":{"x":1},"result":{}})"}));

  // -- Notifications that look like requests ----------------------------------
  add(NoReply("tools/call as a notification runs nothing",
              {Note("tools/call", {{"name", "create_entry"},
                                   {"arguments",
                                    {{"title", "ghost-notification"},
                                     {"content", "must not exist"}}}})}));
  add(NoReply("ping as a notification", {Note("ping")}));
  add(NoReply("initialize as a notification",
              {Note("initialize", {{"protocolVersion", "2025-06-18"}})}));
  add(NoReply("unknown notification", {Note("notifications/bogus")}));

  // -- Framing
  // ------------------------------------------------------------------
  add(NoReply("empty line", {""}));
  add(NoReply("whitespace-only line", {" \t  \t"}));
  add(NoReply("a lone CR", {"\r"}));
  add(Ok("CRLF line ending", {Req("crlf", "ping") + "\r"}, "crlf"));
  add(Ok("CRLF tools/call",
         {Call("crlf-call", "list_tags", Json::object()) + "\r"}, "crlf-call"));

  RunRows(client, rows, "main-");
  ASSERT_FALSE(HasFailure()) << "a row failed; skipping the final checks";

  // -- Afterwards: still up, still correct ------------------------------------
  EXPECT_TRUE(ProcessAlive(client.process().pid()));
  client.SendRaw(Req("final-ping", "ping"));
  auto ping = client.WaitForResponse("final-ping", kTimeout);
  ASSERT_TRUE(ping.has_value());
  EXPECT_EQ((*ping)["result"], Json::object());

  const Json entry{{"title", "After the storm"},
                   {"content", "Everything still works."},
                   {"mood", "relieved"},
                   {"tags", {"aftermath"}},
                   {"date", "2025-12-31"}};
  client.SendRaw(Call("final-create", "create_entry", entry));
  auto created = client.WaitForResponse("final-create", kTimeout);
  ASSERT_TRUE(created.has_value());
  ASSERT_EQ((*created)["result"]["isError"], false) << created->dump();
  const int64_t id = (*created)["result"]["structuredContent"]["id"];
  client.SendRaw(Call("final-get", "get_entry", {{"id", id}}));
  auto got = client.WaitForResponse("final-get", kTimeout);
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ((*got)["result"]["isError"], false) << got->dump();
  const Json& e = (*got)["result"]["structuredContent"];
  EXPECT_EQ(e["title"], "After the storm");
  EXPECT_EQ(e["content"], "Everything still works.");
  EXPECT_EQ(e["mood"], "relieved");
  EXPECT_EQ(e["tags"], Json::array({"aftermath"}));
  EXPECT_EQ(e["date"], "2025-12-31");

  // The journal lists the SQL rows' entries verbatim, and nothing else
  // (no ghost from the notification, nothing from refused calls).
  client.SendRaw(Call("final-list", "list_entries", {{"limit", 200}}));
  auto list = client.WaitForResponse("final-list", kTimeout);
  ASSERT_TRUE(list.has_value());
  const Json& entries = (*list)["result"]["structuredContent"]["entries"];
  ASSERT_EQ(entries.size(), SqlStrings().size() + 1) << entries.dump();
  for (const std::string& s : SqlStrings()) {
    bool found = false;
    for (const Json& listed : entries) {
      if (listed["id"] != sql_entry_ids[s]) continue;
      found = true;
      EXPECT_EQ(listed["title"], s);
      EXPECT_EQ(listed["content"], s);
      EXPECT_EQ(listed["weather"], s);
      EXPECT_EQ(listed["tags"], Json::array({s}));
    }
    EXPECT_TRUE(found) << "entry for " << s << " missing";
  }

  // Nothing on stdout was malformed, an internal error, or a request to us.
  for (const Json& m : client.Messages()) {
    EXPECT_FALSE(m.contains("__invalid_line__"));
    if (m.contains("error")) {
      EXPECT_NE(m["error"]["code"], -32603) << m.dump();
    }
    EXPECT_FALSE(m.contains("method") && m.contains("id")) << m.dump();
  }
  EXPECT_GE(rows.size(), 45u);
  std::cerr << "hostile input table: " << rows.size() << " rows\n";
}

// A second, fresh gateway: what happens before initialize.
TEST_F(HostileInputTest, BeforeInitializeOnlyPingAndInitializeAreServed) {
  std::unique_ptr<McpTestClient> gateway = StartGateway("fresh");
  ASSERT_NE(gateway, nullptr);
  std::vector<Row> rows;
  rows.push_back(Error(
      "tools/call before initialize",
      {Call("early-call", "create_entry", {{"title", "t"}, {"content", "c"}})},
      kInvalidRequest, "early-call", "not initialized"));
  rows.push_back(Error("tools/list before initialize",
                       {Req("early-list", "tools/list")}, kInvalidRequest,
                       "early-list", "not initialized"));
  rows.push_back(
      Error("resources/read traversal before initialize",
            {Read("early-read", "stopframe://videos/../../etc/passwd")},
            kInvalidRequest, "early-read", "not initialized"));
  rows.push_back(Error("unknown method before initialize",
                       {Req("early-unknown", "tools/destroy")}, kInvalidRequest,
                       "early-unknown", "not initialized"));
  rows.push_back(
      Error("invalid JSON before initialize", {"{"}, kParseError, nullptr));
  rows.push_back(Error("batch before initialize",
                       {absl::StrCat("[", Req("early-b1", "ping"), "]")},
                       kInvalidRequest, nullptr, "batches are not supported"));
  rows.push_back(NoReply("cancelled before initialize",
                         {CancelNote({{"requestId", "early-call"}})}));
  rows.push_back(
      Ok("ping before initialize", {Req("early-ping", "ping")}, "early-ping"));
  rows.push_back(
      Error("initialize without protocolVersion",
            {Req("init-bad", "initialize", {{"capabilities", Json::object()}})},
            kInvalidParams, "init-bad", "protocolVersion"));
  rows.push_back(
      Error("initialize with params an array",
            {R"({"jsonrpc":"2.0","id":"init-arr","method":"initialize",)"
             R"("params":[]})"},
            kInvalidParams, "init-arr"));
  rows.push_back(Error("still not initialized after a failed initialize",
                       {Req("early-list-2", "tools/list")}, kInvalidRequest,
                       "early-list-2", "not initialized"));
  rows.push_back(Ok("initialize",
                    {Req("init-ok", "initialize",
                         {{"protocolVersion", "2025-06-18"},
                          {"capabilities", Json::object()},
                          {"clientInfo", {{"name", "t"}, {"version", "1"}}}})},
                    "init-ok", [](const Json& reply) {
                      EXPECT_EQ(reply["result"]["protocolVersion"],
                                "2025-06-18");
                    }));
  rows.push_back(Error(
      "initialize again",
      {Req("init-again", "initialize", {{"protocolVersion", "2025-06-18"}})},
      kInvalidRequest, "init-again", "already initialized"));
  rows.push_back(Ok("tools/call after initialize",
                    {Call("late-call", "list_tags", Json::object())},
                    "late-call"));
  RunRows(*gateway, rows, "fresh-");
  EXPECT_TRUE(ProcessAlive(gateway->process().pid()));
}

// JSON-RPC batches, which only protocol 2025-03-26 has: one array answers
// the requests of a batch; notifications in it act and are not answered.
TEST_F(HostileInputTest, BatchesIn2025_03_26AreAnsweredWithOneArray) {
  std::unique_ptr<McpTestClient> gateway = StartGateway("batch");
  ASSERT_NE(gateway, nullptr);
  McpTestClient& client = *gateway;
  ASSERT_EQ(client.Initialize("2025-03-26")["protocolVersion"], "2025-03-26");

  auto expect_result = [](const Json& reply, const Json& id) {
    EXPECT_EQ(reply["jsonrpc"], "2.0") << reply.dump();
    EXPECT_EQ(reply["id"], id) << reply.dump();
    EXPECT_TRUE(reply.contains("result")) << reply.dump();
    if (reply.contains("result") && reply["result"].contains("isError")) {
      EXPECT_EQ(reply["result"]["isError"], false) << reply.dump();
    }
  };
  auto expect_error = [](const Json& reply, const Json& id, int code,
                         const std::string& text = "") {
    EXPECT_EQ(reply["id"], id) << reply.dump();
    ASSERT_TRUE(reply.contains("error")) << reply.dump();
    EXPECT_EQ(reply["error"]["code"], code) << reply.dump();
    EXPECT_THAT(reply["error"].value("message", ""), HasSubstr(text));
  };

  std::vector<Row> rows;
  rows.push_back(BatchReply("batch of two pings",
                            {Req("b1", "ping"), Req("b2", "ping")},
                            [&](const Json& array) {
                              ASSERT_EQ(array.size(), 2u) << array.dump();
                              expect_result(array[0], "b1");
                              EXPECT_EQ(array[0]["result"], Json::object());
                              expect_result(array[1], "b2");
                            }));
  rows.push_back(
      BatchReply("requests mixed with notifications",
                 {Note("notifications/initialized"),
                  Call("bm-call", "list_tags", Json::object()),
                  Note("notifications/bogus"), Req("bm-ping", "ping"),
                  CancelNote({{"requestId", "never-sent"}})},
                 [&](const Json& array) {
                   ASSERT_EQ(array.size(), 2u) << array.dump();
                   expect_result(array[0], "bm-call");
                   expect_result(array[1], "bm-ping");
                 }));
  rows.push_back(
      BatchReply("invalid elements get their own errors",
                 {Req("bi-1", "ping"), "42",
                  R"({"jsonrpc":"1.0","id":"bi-2","method":"ping"})",
                  R"({"jsonrpc":"2.0","method":42})", Req("bi-3", "ping")},
                 [&](const Json& array) {
                   ASSERT_EQ(array.size(), 5u) << array.dump();
                   expect_result(array[0], "bi-1");
                   expect_error(array[1], nullptr, kInvalidRequest);
                   expect_error(array[2], "bi-2", kInvalidRequest, "jsonrpc");
                   expect_error(array[3], nullptr, kInvalidRequest, "method");
                   expect_result(array[4], "bi-3");
                 }));
  rows.push_back(BatchReply("[1,2,3]", {"1", "2", "3"}, [&](const Json& a) {
    ASSERT_EQ(a.size(), 3u) << a.dump();
    for (const Json& reply : a) expect_error(reply, nullptr, kInvalidRequest);
  }));
  rows.push_back(BatchReply(
      "a nested batch is an invalid element",
      {absl::StrCat("[", Req("bn-inner", "ping"), "]"), Req("bn-ping", "ping")},
      [&](const Json& array) {
        ASSERT_EQ(array.size(), 2u) << array.dump();
        expect_error(array[0], nullptr, kInvalidRequest);
        expect_result(array[1], "bn-ping");
      }));
  rows.push_back(
      Error("empty batch", {"[]"}, kInvalidRequest, nullptr, "empty batch"));
  rows.push_back(BatchReply(
      "batch containing initialize",
      {Req("bi-init", "initialize", {{"protocolVersion", "2025-03-26"}}),
       Req("bi-after", "ping")},
      [&](const Json& array) {
        ASSERT_EQ(array.size(), 2u) << array.dump();
        expect_error(array[0], "bi-init", kInvalidRequest, "batch");
        expect_result(array[1], "bi-after");
      }));
  rows.push_back(
      NoReply("batch of notifications only",
              {absl::StrCat("[", Note("notifications/initialized"), ",",
                            CancelNote({{"requestId", "nope"}}), "]")}));
  rows.push_back(BatchReply(
      "tools in a batch run and are answered together",
      {Call("bt-create", "create_entry",
            {{"title", "Batched"}, {"content", "one two"}}),
       Call("bt-unknown", "no_such_tool", Json::object()),
       Req("bt-method", "tools/destroy")},
      [&](const Json& array) {
        ASSERT_EQ(array.size(), 3u) << array.dump();
        expect_result(array[0], "bt-create");
        expect_error(array[1], "bt-unknown", kInvalidParams, "Unknown tool");
        expect_error(array[2], "bt-method", kMethodNotFound);
      }));
  rows.push_back(BatchReply("the same id twice",
                            {Req("bd", "ping"), Req("bd", "ping")},
                            [&](const Json& array) {
                              ASSERT_EQ(array.size(), 2u) << array.dump();
                              expect_result(array[0], "bd");
                              expect_result(array[1], "bd");
                            }));
  RunRows(client, rows, "batch-");
  ASSERT_FALSE(HasFailure()) << "a row failed";

  // A request cancelled by a later element of its own batch: no entry, and
  // as it was the only request, nothing at all.
  const size_t base = client.Messages().size();
  client.SendRaw(absl::StrCat(
      "[",
      Call("bc-render", "create_wrapped_video",
           {{"year", 2025}, {"quality", "high"}, {"secondsPerSlide", 5}}),
      ",", CancelNote({{"requestId", "bc-render"}, {"reason", "test"}}), "]"));
  ASSERT_TRUE(client.WaitForStderr(
      "request \"bc-render\" was cancelled: no response sent", kTimeout))
      << client.Stderr();
  client.SendRaw(Req("bc-fence", "ping"));
  ASSERT_TRUE(client.WaitForResponse("bc-fence", kTimeout).has_value());
  const std::vector<Json> after = client.Messages();
  for (size_t k = base; k < after.size(); ++k) {
    const Json& m = after[k];
    if (IsNotification(m)) continue;  // logs of the cancel
    EXPECT_TRUE(IsResponseTo(m, "bc-fence")) << m.dump();
  }

  // Batched create_entry really wrote, once.
  client.SendRaw(Call("bt-list", "list_entries", Json::object()));
  auto list = client.WaitForResponse("bt-list", kTimeout);
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ((*list)["result"]["structuredContent"]["entries"].size(), 1u)
      << list->dump();
  EXPECT_TRUE(ProcessAlive(client.process().pid()));
}

// The other versions have no batches: one -32600 with id null naming the
// version, and nothing in the batch is served.
TEST_F(HostileInputTest, BatchesRefusedInVersionsWithoutThem) {
  for (const std::string version : {"2024-11-05", "2025-06-18", "2025-11-25"}) {
    SCOPED_TRACE(version);
    std::unique_ptr<McpTestClient> gateway = StartGateway("v" + version);
    ASSERT_NE(gateway, nullptr);
    ASSERT_EQ(gateway->Initialize(version)["protocolVersion"], version);
    const std::string refused =
        "batches are not supported in protocol version " + version;
    std::vector<Row> rows;
    rows.push_back(Error(
        "batch of two pings",
        {absl::StrCat("[", Req("vb1", "ping"), ",", Req("vb2", "ping"), "]")},
        kInvalidRequest, nullptr, refused));
    rows.push_back(
        Error("empty batch", {"[]"}, kInvalidRequest, nullptr, refused));
    rows.push_back(Error(
        "batch of a write",
        {absl::StrCat("[",
                      Call("vb-create", "create_entry",
                           {{"title", "must not exist"}, {"content", "x"}}),
                      "]")},
        kInvalidRequest, nullptr, refused));
    rows.push_back(
        Error("batch of notifications only",
              {absl::StrCat("[", Note("notifications/initialized"), "]")},
              kInvalidRequest, nullptr, refused));
    RunRows(*gateway, rows, absl::StrCat("v", version, "-"));
    gateway->SendRaw(Call("v-list", "list_entries", Json::object()));
    auto list = gateway->WaitForResponse("v-list", kTimeout);
    ASSERT_TRUE(list.has_value());
    EXPECT_EQ((*list)["result"]["structuredContent"]["entries"].size(), 0u)
        << list->dump();
    EXPECT_FALSE(gateway->HasResponse("vb1"));
    EXPECT_FALSE(gateway->HasResponse("vb-create"));
  }
}

}  // namespace
}  // namespace stopframe::testing
