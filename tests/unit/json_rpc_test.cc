#include "gateway/json_rpc.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stopframe::gateway::jsonrpc {
namespace {

using ::testing::HasSubstr;
using Kind = Message::Kind;

TEST(JsonRpcParseTest, RequestWithIntegerId) {
  Message m = ParseMessage(
      R"({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"a":1}})");
  EXPECT_EQ(m.kind, Kind::kRequest);
  ASSERT_TRUE(m.id.has_value());
  EXPECT_EQ(m.id->json(), Json(7));
  EXPECT_EQ(m.method, "tools/list");
  EXPECT_EQ(m.params, Json({{"a", 1}}));
  EXPECT_EQ(m.error_code, 0);
}

TEST(JsonRpcParseTest, RequestWithStringId) {
  Message m = ParseMessage(R"({"jsonrpc":"2.0","id":"abc","method":"ping"})");
  EXPECT_EQ(m.kind, Kind::kRequest);
  ASSERT_TRUE(m.id.has_value());
  EXPECT_EQ(m.id->json(), Json("abc"));
  EXPECT_EQ(m.method, "ping");
  EXPECT_TRUE(m.params.is_object());
  EXPECT_TRUE(m.params.empty());
}

TEST(JsonRpcParseTest, RequestWithNegativeIdAndNullParams) {
  Message m = ParseMessage(
      R"({"jsonrpc":"2.0","id":-3,"method":"ping","params":null})");
  EXPECT_EQ(m.kind, Kind::kRequest);
  ASSERT_TRUE(m.id.has_value());
  EXPECT_EQ(m.id->json(), Json(-3));
  EXPECT_TRUE(m.params.is_object());
}

TEST(JsonRpcParseTest, Notification) {
  Message m =
      ParseMessage(R"({"jsonrpc":"2.0","method":"notifications/cancelled",)"
                   R"("params":{"requestId":3}})");
  EXPECT_EQ(m.kind, Kind::kNotification);
  EXPECT_FALSE(m.id.has_value());
  EXPECT_EQ(m.method, "notifications/cancelled");
  EXPECT_EQ(m.params, Json({{"requestId", 3}}));
}

TEST(JsonRpcParseTest, ResponseWithResult) {
  Message m = ParseMessage(R"({"jsonrpc":"2.0","id":4,"result":{}})");
  EXPECT_EQ(m.kind, Kind::kResponse);
  ASSERT_TRUE(m.id.has_value());
  EXPECT_EQ(m.id->json(), Json(4));
}

TEST(JsonRpcParseTest, ResponseWithError) {
  Message m = ParseMessage(
      R"({"jsonrpc":"2.0","id":"x","error":{"code":-1,"message":"no"}})");
  EXPECT_EQ(m.kind, Kind::kResponse);
  ASSERT_TRUE(m.id.has_value());
  EXPECT_EQ(m.id->json(), Json("x"));
}

TEST(JsonRpcRequestIdTest, IntegerAndStringAreDifferent) {
  auto n = RequestId::FromJson(Json(1));
  auto s = RequestId::FromJson(Json("1"));
  ASSERT_TRUE(n.has_value());
  ASSERT_TRUE(s.has_value());
  EXPECT_NE(n->key(), s->key());
  EXPECT_FALSE(*n == *s);
  EXPECT_TRUE(*n == *RequestId::FromJson(Json(1)));
  EXPECT_TRUE(*s == *RequestId::FromJson(Json("1")));
}

TEST(JsonRpcRequestIdTest, ParsedIdsKeepTypesApart) {
  Message n = ParseMessage(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
  Message s = ParseMessage(R"({"jsonrpc":"2.0","id":"1","method":"ping"})");
  ASSERT_TRUE(n.id && s.id);
  EXPECT_NE(n.id->key(), s.id->key());
}

TEST(JsonRpcRequestIdTest, SignedAndUnsignedOfEqualValueAreSame) {
  auto u = RequestId::FromJson(Json(static_cast<uint64_t>(5)));
  auto i = RequestId::FromJson(Json(static_cast<int64_t>(5)));
  ASSERT_TRUE(u && i);
  EXPECT_EQ(u->key(), i->key());
}

TEST(JsonRpcRequestIdTest, RejectsNonStringNonInteger) {
  EXPECT_FALSE(RequestId::FromJson(Json(nullptr)).has_value());
  EXPECT_FALSE(RequestId::FromJson(Json(1.5)).has_value());
  EXPECT_FALSE(RequestId::FromJson(Json(true)).has_value());
  EXPECT_FALSE(RequestId::FromJson(Json::object()).has_value());
  EXPECT_FALSE(RequestId::FromJson(Json::array()).has_value());
}

TEST(JsonRpcParseTest, InvalidJsonIsParseError) {
  for (const char* line : {"{", "not json", "{\"jsonrpc\":\"2.0\",}", ""}) {
    SCOPED_TRACE(line);
    Message m = ParseMessage(line);
    EXPECT_EQ(m.kind, Kind::kInvalid);
    EXPECT_EQ(m.error_code, kParseError);
    EXPECT_FALSE(m.id.has_value());
    EXPECT_FALSE(m.error_message.empty());
  }
}

TEST(JsonRpcParseTest, NulByteIsParseError) {
  // nlohmann::json would stop at the NUL and accept the message before it.
  for (const std::string& line : {
           std::string(R"({"jsonrpc":"2.0","id":1,"method":"ping"})") + '\0',
           std::string(R"({"jsonrpc":"2.0","id":1,"method":"ping"})") + '\0' +
               "junk",
           std::string(R"({"jsonrpc":"2.0","id":1,"method":"pi)") + '\0' +
               R"(ng"})",
       }) {
    Message m = ParseMessage(line);
    EXPECT_EQ(m.kind, Kind::kInvalid);
    EXPECT_EQ(m.error_code, kParseError);
    EXPECT_FALSE(m.id.has_value());
  }
}

TEST(JsonRpcParseTest, ArrayIsABatchOfItsElements) {
  Message m = ParseMessage(R"([{"jsonrpc":"2.0","id":1,"method":"ping"},7])");
  EXPECT_EQ(m.kind, Kind::kBatch);
  EXPECT_FALSE(m.id.has_value());
  ASSERT_TRUE(m.params.is_array());
  ASSERT_EQ(m.params.size(), 2u);

  Message first = ClassifyMessage(m.params[0]);
  EXPECT_EQ(first.kind, Kind::kRequest);
  EXPECT_EQ(first.method, "ping");
  ASSERT_TRUE(first.id.has_value());
  EXPECT_EQ(first.id->json(), 1);
  Message second = ClassifyMessage(m.params[1]);
  EXPECT_EQ(second.kind, Kind::kInvalid);
  EXPECT_EQ(second.error_code, kInvalidRequest);
  EXPECT_FALSE(second.id.has_value());
}

TEST(JsonRpcParseTest, EmptyArrayIsAnEmptyBatch) {
  Message m = ParseMessage("[]");
  EXPECT_EQ(m.kind, Kind::kBatch);
  EXPECT_TRUE(m.params.is_array());
  EXPECT_TRUE(m.params.empty());
}

TEST(JsonRpcParseTest, BatchesDoNotNest) {
  Message m = ClassifyMessage(Json::array({Json::object()}));
  EXPECT_EQ(m.kind, Kind::kInvalid);
  EXPECT_EQ(m.error_code, kInvalidRequest);
}

TEST(JsonRpcParseTest, ClassifyKeepsTheIdOfAnInvalidElement) {
  Message m = ClassifyMessage(Json{{"jsonrpc", "1.0"}, {"id", "x"}});
  EXPECT_EQ(m.kind, Kind::kInvalid);
  EXPECT_EQ(m.error_code, kInvalidRequest);
  ASSERT_TRUE(m.id.has_value());
  EXPECT_EQ(m.id->json(), "x");
}

TEST(JsonRpcParseTest, DeeplyNestedBatchRefusedBeforeParsing) {
  const std::string line = std::string(kMaxNestingDepth + 1, '[') +
                           std::string(kMaxNestingDepth + 1, ']');
  Message m = ParseMessage(line);
  EXPECT_EQ(m.kind, Kind::kInvalid);
  EXPECT_EQ(m.error_code, kInvalidRequest);
}

TEST(JsonRpcParseTest, NonObjectIsInvalidRequest) {
  for (const char* line : {"1", "\"ping\"", "null", "true"}) {
    SCOPED_TRACE(line);
    Message m = ParseMessage(line);
    EXPECT_EQ(m.kind, Kind::kInvalid);
    EXPECT_EQ(m.error_code, kInvalidRequest);
    EXPECT_FALSE(m.id.has_value());
  }
}

TEST(JsonRpcParseTest, WrongOrMissingVersionIsInvalidRequest) {
  for (const char* line : {
           R"({"id":1,"method":"ping"})",
           R"({"jsonrpc":"1.0","id":1,"method":"ping"})",
           R"({"jsonrpc":2.0,"id":1,"method":"ping"})",
           R"({"jsonrpc":null,"id":1,"method":"ping"})",
       }) {
    SCOPED_TRACE(line);
    Message m = ParseMessage(line);
    EXPECT_EQ(m.kind, Kind::kInvalid);
    EXPECT_EQ(m.error_code, kInvalidRequest);
    EXPECT_THAT(m.error_message, HasSubstr("jsonrpc"));
    // The id was valid, so the error can be addressed to it.
    ASSERT_TRUE(m.id.has_value());
    EXPECT_EQ(m.id->json(), Json(1));
  }
}

TEST(JsonRpcParseTest, BadIdIsInvalidRequestWithoutId) {
  for (const char* line : {
           R"({"jsonrpc":"2.0","id":null,"method":"ping"})",
           R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})",
           R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})",
           R"({"jsonrpc":"2.0","id":[1],"method":"ping"})",
           R"({"jsonrpc":"2.0","id":true,"method":"ping"})",
       }) {
    SCOPED_TRACE(line);
    Message m = ParseMessage(line);
    EXPECT_EQ(m.kind, Kind::kInvalid);
    EXPECT_EQ(m.error_code, kInvalidRequest);
    EXPECT_FALSE(m.id.has_value());
  }
}

TEST(JsonRpcParseTest, MissingMethodIsInvalidRequest) {
  for (const char* line : {
           R"({"jsonrpc":"2.0","id":1})",
           R"({"jsonrpc":"2.0","params":{}})",
           // A "result" without an id is not a response.
           R"({"jsonrpc":"2.0","result":{}})",
       }) {
    SCOPED_TRACE(line);
    Message m = ParseMessage(line);
    EXPECT_EQ(m.kind, Kind::kInvalid);
    EXPECT_EQ(m.error_code, kInvalidRequest);
    EXPECT_THAT(m.error_message, HasSubstr("method"));
  }
}

TEST(JsonRpcParseTest, NonStringMethodIsInvalidRequest) {
  for (const char* line : {
           R"({"jsonrpc":"2.0","id":1,"method":5})",
           R"({"jsonrpc":"2.0","id":1,"method":null})",
           R"({"jsonrpc":"2.0","method":["ping"]})",
       }) {
    SCOPED_TRACE(line);
    Message m = ParseMessage(line);
    EXPECT_EQ(m.kind, Kind::kInvalid);
    EXPECT_EQ(m.error_code, kInvalidRequest);
    EXPECT_THAT(m.error_message, HasSubstr("method"));
  }
}

TEST(JsonRpcParseTest, ArrayParamsIsInvalidParams) {
  Message m =
      ParseMessage(R"({"jsonrpc":"2.0","id":2,"method":"x","params":[1,2]})");
  EXPECT_EQ(m.kind, Kind::kInvalid);
  EXPECT_EQ(m.error_code, kInvalidParams);
  ASSERT_TRUE(m.id.has_value());
  EXPECT_EQ(m.id->json(), Json(2));
}

TEST(JsonRpcParseTest, NotificationWithArrayParamsIsIgnoredNotAnswered) {
  // Valid JSON-RPC (by-position params) that MCP cannot use; a notification
  // never gets a reply, so it must not come back as kInvalid.
  Message m = ParseMessage(
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":[1]})");
  EXPECT_EQ(m.kind, Kind::kNotification);
  EXPECT_EQ(m.method, "notifications/cancelled");
  EXPECT_EQ(m.params, Json::object());
}

TEST(JsonRpcParseTest, ScalarParamsIsInvalidRequest) {
  for (const char* line : {
           R"({"jsonrpc":"2.0","id":2,"method":"x","params":1})",
           R"({"jsonrpc":"2.0","id":2,"method":"x","params":"p"})",
           R"({"jsonrpc":"2.0","id":2,"method":"x","params":false})",
       }) {
    SCOPED_TRACE(line);
    Message m = ParseMessage(line);
    EXPECT_EQ(m.kind, Kind::kInvalid);
    EXPECT_EQ(m.error_code, kInvalidRequest);
    EXPECT_THAT(m.error_message, HasSubstr("params"));
    ASSERT_TRUE(m.id.has_value());
  }
}

// `levels` nested arrays inside params.arguments (itself at depth 3).
std::string NestedRequest(int levels) {
  return R"({"jsonrpc":"2.0","id":1,"method":"tools/call",)"
         R"("params":{"name":"x","arguments":{"a":)" +
         std::string(levels, '[') + std::string(levels, ']') + "}}}";
}

TEST(JsonRpcParseTest, NestingAtLimitAccepted) {
  Message m = ParseMessage(NestedRequest(kMaxNestingDepth - 3));
  EXPECT_EQ(m.kind, Kind::kRequest) << m.error_message;
}

TEST(JsonRpcParseTest, NestingOverLimitIsInvalidRequest) {
  Message m = ParseMessage(NestedRequest(kMaxNestingDepth - 2));
  EXPECT_EQ(m.kind, Kind::kInvalid);
  EXPECT_EQ(m.error_code, kInvalidRequest);
  EXPECT_THAT(m.error_message, HasSubstr("nests deeper"));
  EXPECT_FALSE(m.id.has_value());
}

// Deep nesting used to parse fine and then overflow the stack when the
// arguments were copied (nlohmann::json copies recursively).
TEST(JsonRpcParseTest, HugeNestingRefusedWithoutCrashing) {
  Message m = ParseMessage(NestedRequest(1 << 20));
  EXPECT_EQ(m.kind, Kind::kInvalid);
  EXPECT_EQ(m.error_code, kInvalidRequest);
}

TEST(JsonRpcParseTest, BracketsInsideStringsDoNotCount) {
  const std::string deep_text(1000, '[');
  Message m =
      ParseMessage(R"({"jsonrpc":"2.0","id":1,"method":"m","params":{"t":")" +
                   deep_text + R"(\"\\{{{"}})");
  ASSERT_EQ(m.kind, Kind::kRequest) << m.error_message;
  EXPECT_EQ(m.params["t"], deep_text + "\"\\{{{");
}

TEST(JsonRpcSerializeTest, SingleLine) {
  std::string line = Serialize(MakeResult(Json(1), Json{{"text", "a\nb"}}));
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(
      Json::parse(line),
      Json({{"jsonrpc", "2.0"}, {"id", 1}, {"result", {{"text", "a\nb"}}}}));
}

TEST(JsonRpcSerializeTest, ReplacesInvalidUtf8) {
  Json message =
      MakeResult(Json("id"), Json{{"text", std::string("ok\xff\xfe!")}});
  std::string line;
  ASSERT_NO_THROW(line = Serialize(message));
  // U+FFFD in UTF-8.
  EXPECT_THAT(line, HasSubstr("ok\xEF\xBF\xBD"));
  EXPECT_THAT(line, HasSubstr("!"));
  EXPECT_NO_THROW(Json::parse(line));
}

TEST(JsonRpcMakeTest, ErrorShape) {
  Json data = {{"hint", "x"}};
  Json e = MakeError(nullptr, kInvalidRequest, "bad", &data);
  EXPECT_EQ(e["jsonrpc"], "2.0");
  EXPECT_TRUE(e["id"].is_null());
  EXPECT_EQ(e["error"]["code"], kInvalidRequest);
  EXPECT_EQ(e["error"]["message"], "bad");
  EXPECT_EQ(e["error"]["data"], data);
  EXPECT_FALSE(MakeError(Json(1), kParseError, "p")["error"].contains("data"));
}

TEST(JsonRpcMakeTest, NotificationShape) {
  Json n = MakeNotification("notifications/progress", Json{{"progress", 1}});
  EXPECT_EQ(n, Json({{"jsonrpc", "2.0"},
                     {"method", "notifications/progress"},
                     {"params", {{"progress", 1}}}}));
  EXPECT_FALSE(n.contains("id"));
}

}  // namespace
}  // namespace stopframe::gateway::jsonrpc

namespace stopframe::gateway::jsonrpc {
namespace {

TEST(JsonRpcParseNullIdTest, ErrorResponseWithNullIdIsAResponseNotAnError) {
  Message m = ParseMessage(
      R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}})");
  EXPECT_EQ(m.kind, Message::Kind::kResponse);
  EXPECT_FALSE(m.id.has_value());
}

}  // namespace
}  // namespace stopframe::gateway::jsonrpc
