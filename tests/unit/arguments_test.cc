#include "gateway/tools/arguments.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stopframe::gateway::args {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Json Parse(const char* text) { return Json::parse(text); }

// The status is InvalidArgument and its message contains every fragment.
template <typename T>
void ExpectInvalid(const absl::StatusOr<T>& result,
                   const std::vector<std::string>& fragments) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(result.status().message());
  for (const std::string& f : fragments) EXPECT_THAT(message, HasSubstr(f));
}

void ExpectInvalid(const absl::Status& status,
                   const std::vector<std::string>& fragments) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  const std::string message(status.message());
  for (const std::string& f : fragments) EXPECT_THAT(message, HasSubstr(f));
}

// CheckKnown

TEST(CheckKnownTest, AcceptsKnownAndEmpty) {
  EXPECT_TRUE(CheckKnown(Json::object(), {"a", "b"}).ok());
  EXPECT_TRUE(CheckKnown(Parse(R"({"a":1,"b":null})"), {"a", "b"}).ok());
}

TEST(CheckKnownTest, RejectsUnknownNamingItAndListingKnown) {
  ExpectInvalid(CheckKnown(Parse(R"({"a":1,"titel":"x"})"), {"a", "title"}),
                {"`titel`", "a, title"});
}

TEST(CheckKnownTest, RejectsAnythingWhenNothingKnown) {
  ExpectInvalid(CheckKnown(Parse(R"({"x":1})"), {}),
                {"`x`", "takes no arguments"});
}

// RequiredString

TEST(RequiredStringTest, Present) {
  auto v = RequiredString(Parse(R"({"text":"hello"})"), "text", 100);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, "hello");
}

TEST(RequiredStringTest, EmptyStringIsAllowed) {
  auto v = RequiredString(Parse(R"({"text":""})"), "text", 100);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, "");
}

TEST(RequiredStringTest, MissingOrNull) {
  ExpectInvalid(RequiredString(Json::object(), "text", 100),
                {"`text`", "required"});
  ExpectInvalid(RequiredString(Parse(R"({"text":null})"), "text", 100),
                {"`text`", "required"});
}

TEST(RequiredStringTest, WrongTypeNamesArgumentExpectationAndValue) {
  ExpectInvalid(RequiredString(Parse(R"({"text":42})"), "text", 100),
                {"`text`", "a string", "number", "42"});
  ExpectInvalid(RequiredString(Parse(R"({"text":["a"]})"), "text", 100),
                {"`text`", "a string", "array"});
  ExpectInvalid(RequiredString(Parse(R"({"text":true})"), "text", 100),
                {"`text`", "boolean"});
}

TEST(RequiredStringTest, LengthLimit) {
  EXPECT_TRUE(RequiredString(Parse(R"({"t":"abcd"})"), "t", 4).ok());
  ExpectInvalid(RequiredString(Parse(R"({"t":"abcde"})"), "t", 4),
                {"`t`", "5 bytes", "limit is 4"});
}

TEST(RequiredStringTest, LongValueDescriptionIsTruncated) {
  Json args{{"t", std::vector<int>(100, 12345)}};
  auto v = RequiredString(args, "t", 10);
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("..."));
  EXPECT_LT(v.status().message().size(), 200u);
}

// OptionalString

TEST(OptionalStringTest, AbsentNullPresent) {
  auto absent = OptionalString(Json::object(), "s", 10);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  auto null = OptionalString(Parse(R"({"s":null})"), "s", 10);
  ASSERT_TRUE(null.ok());
  EXPECT_FALSE(null->has_value());
  auto present = OptionalString(Parse(R"({"s":"x"})"), "s", 10);
  ASSERT_TRUE(present.ok());
  EXPECT_EQ(present->value(), "x");
}

TEST(OptionalStringTest, WrongTypeAndLength) {
  ExpectInvalid(OptionalString(Parse(R"({"s":1})"), "s", 10),
                {"`s`", "a string"});
  ExpectInvalid(OptionalString(Parse(R"({"s":"toolong"})"), "s", 3),
                {"`s`", "limit is 3"});
}

// OptionalInt

TEST(OptionalIntTest, AbsentAndNull) {
  auto absent = OptionalInt(Json::object(), "year", 2000, 2100);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  auto null = OptionalInt(Parse(R"({"year":null})"), "year", 2000, 2100);
  ASSERT_TRUE(null.ok());
  EXPECT_FALSE(null->has_value());
}

TEST(OptionalIntTest, IntegerInRange) {
  auto v = OptionalInt(Parse(R"({"year":2026})"), "year", 2000, 2100);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->value(), 2026);
}

TEST(OptionalIntTest, Bounds) {
  EXPECT_EQ(OptionalInt(Parse(R"({"n":1})"), "n", 1, 10)->value(), 1);
  EXPECT_EQ(OptionalInt(Parse(R"({"n":10})"), "n", 1, 10)->value(), 10);
  ExpectInvalid(OptionalInt(Parse(R"({"n":0})"), "n", 1, 10),
                {"`n`", "an integer from 1 to 10", "0"});
  ExpectInvalid(OptionalInt(Parse(R"({"n":11})"), "n", 1, 10),
                {"`n`", "an integer from 1 to 10", "11"});
  ExpectInvalid(OptionalInt(Parse(R"({"n":-5})"), "n", 1, 10), {"`n`"});
  EXPECT_EQ(OptionalInt(Parse(R"({"n":-5})"), "n", -10, -1)->value(), -5);
}

TEST(OptionalIntTest, HugeUnsignedRejected) {
  ExpectInvalid(
      OptionalInt(Parse(R"({"n":18446744073709551615})"), "n", 0, 100),
      {"`n`", "an integer from 0 to 100"});
  ExpectInvalid(OptionalInt(Parse(R"({"n":9223372036854775808})"), "n", 0,
                            std::numeric_limits<int64_t>::max()),
                {"`n`"});
}

TEST(OptionalIntTest, WholeFloatAcceptedFractionRejected) {
  auto whole = OptionalInt(Parse(R"({"year":2026.0})"), "year", 2000, 2100);
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(whole->value(), 2026);
  ExpectInvalid(OptionalInt(Parse(R"({"year":2026.5})"), "year", 2000, 2100),
                {"`year`", "an integer", "2026.5"});
  ExpectInvalid(OptionalInt(Parse(R"({"year":1e300})"), "year", 2000, 2100),
                {"`year`"});
  ExpectInvalid(OptionalInt(Parse(R"({"year":2200.0})"), "year", 2000, 2100),
                {"`year`"});
}

TEST(OptionalIntTest, WrongTypes) {
  ExpectInvalid(OptionalInt(Parse(R"({"year":"2026"})"), "year", 2000, 2100),
                {"`year`", "an integer", "string"});
  ExpectInvalid(OptionalInt(Parse(R"({"year":true})"), "year", 2000, 2100),
                {"`year`", "boolean"});
  ExpectInvalid(OptionalInt(Parse(R"({"year":{}})"), "year", 2000, 2100),
                {"`year`", "object"});
}

// OptionalNumber

TEST(OptionalNumberTest, AcceptsIntegersAndFloatsInRange) {
  EXPECT_FALSE(OptionalNumber(Json::object(), "x", 0, 1)->has_value());
  EXPECT_DOUBLE_EQ(OptionalNumber(Parse(R"({"x":0.25})"), "x", 0, 1)->value(),
                   0.25);
  EXPECT_DOUBLE_EQ(OptionalNumber(Parse(R"({"x":1})"), "x", 0, 1)->value(), 1);
  EXPECT_DOUBLE_EQ(OptionalNumber(Parse(R"({"x":0})"), "x", 0, 1)->value(), 0);
}

TEST(OptionalNumberTest, BoundsAndTypes) {
  ExpectInvalid(OptionalNumber(Parse(R"({"x":1.5})"), "x", 0, 1),
                {"`x`", "a number from 0 to 1"});
  ExpectInvalid(OptionalNumber(Parse(R"({"x":-0.1})"), "x", 0, 1), {"`x`"});
  ExpectInvalid(OptionalNumber(Parse(R"({"x":"0.5"})"), "x", 0, 1),
                {"`x`", "string"});
}

// OptionalBool

TEST(OptionalBoolTest, Values) {
  EXPECT_FALSE(OptionalBool(Json::object(), "b")->has_value());
  EXPECT_TRUE(OptionalBool(Parse(R"({"b":true})"), "b")->value());
  EXPECT_FALSE(OptionalBool(Parse(R"({"b":false})"), "b")->value());
}

TEST(OptionalBoolTest, WrongTypes) {
  ExpectInvalid(OptionalBool(Parse(R"({"b":1})"), "b"),
                {"`b`", "true or false", "number"});
  ExpectInvalid(OptionalBool(Parse(R"({"b":"true"})"), "b"), {"`b`", "string"});
}

// OptionalStringList

TEST(OptionalStringListTest, AbsentIsEmpty) {
  auto v = OptionalStringList(Json::object(), "tags", 3, 10);
  ASSERT_TRUE(v.ok());
  EXPECT_THAT(*v, IsEmpty());
}

TEST(OptionalStringListTest, Values) {
  auto v = OptionalStringList(Parse(R"({"tags":["a","bc"]})"), "tags", 3, 10);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_THAT(*v, ElementsAre("a", "bc"));
}

TEST(OptionalStringListTest, Limits) {
  EXPECT_TRUE(
      OptionalStringList(Parse(R"({"tags":["a","b","c"]})"), "tags", 3, 10)
          .ok());
  ExpectInvalid(
      OptionalStringList(Parse(R"({"tags":["a","b","c","d"]})"), "tags", 3, 10),
      {"`tags`", "at most 3 strings"});
  ExpectInvalid(OptionalStringList(Parse(R"({"tags":["short","muchtoolong"]})"),
                                   "tags", 3, 5),
                {"`tags[]`", "limit is 5"});
}

TEST(OptionalStringListTest, WrongTypes) {
  ExpectInvalid(OptionalStringList(Parse(R"({"tags":"a"})"), "tags", 3, 10),
                {"`tags`", "an array", "string"});
  ExpectInvalid(OptionalStringList(Parse(R"({"tags":["a",1]})"), "tags", 3, 10),
                {"`tags`", "an array"});
}

// OptionalEnum

TEST(OptionalEnumTest, Values) {
  const std::vector<absl::string_view> allowed = {"mp4", "gif"};
  EXPECT_FALSE(OptionalEnum(Json::object(), "format", allowed)->has_value());
  auto v = OptionalEnum(Parse(R"({"format":"gif"})"), "format", allowed);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->value(), "gif");
}

TEST(OptionalEnumTest, RejectsOthersListingAllowed) {
  const std::vector<absl::string_view> allowed = {"mp4", "gif"};
  ExpectInvalid(OptionalEnum(Parse(R"({"format":"avi"})"), "format", allowed),
                {"`format`", "one of \"mp4\", \"gif\"", "avi"});
  // Case matters.
  ExpectInvalid(OptionalEnum(Parse(R"({"format":"MP4"})"), "format", allowed),
                {"`format`"});
  ExpectInvalid(OptionalEnum(Parse(R"({"format":1})"), "format", allowed),
                {"`format`", "number"});
}

// NullableString

TEST(NullableStringTest, AbsentNullPresent) {
  auto absent = NullableString(Json::object(), "mood", 10);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  auto null = NullableString(Parse(R"({"mood":null})"), "mood", 10);
  ASSERT_TRUE(null.ok());
  ASSERT_TRUE(null->has_value());
  EXPECT_FALSE(null->value().has_value());
  auto present = NullableString(Parse(R"({"mood":"calm"})"), "mood", 10);
  ASSERT_TRUE(present.ok());
  ASSERT_TRUE(present->has_value());
  EXPECT_EQ(present->value(), "calm");
}

TEST(NullableStringTest, WrongTypeAndLength) {
  ExpectInvalid(NullableString(Parse(R"({"mood":3})"), "mood", 10),
                {"`mood`", "a string"});
  ExpectInvalid(NullableString(Parse(R"({"mood":"toolong"})"), "mood", 3),
                {"`mood`", "limit is 3"});
}

// NotNull

TEST(NotNullTest, AbsentAndValuesPassNullFails) {
  EXPECT_TRUE(NotNull(Json::object(), "title").ok());
  EXPECT_TRUE(NotNull(Parse(R"({"title":"x"})"), "title").ok());
  EXPECT_TRUE(NotNull(Parse(R"({"title":false})"), "title").ok());
  ExpectInvalid(NotNull(Parse(R"({"title":null})"), "title"),
                {"`title`", "cannot be null", "leave it out"});
}

// RequiredInt

TEST(RequiredIntTest, Present) {
  auto v = RequiredInt(Parse(R"({"id":42})"), "id", 1, 100);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, 42);
  v = RequiredInt(Parse(R"({"id":7.0})"), "id", 1, 100);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, 7);
}

TEST(RequiredIntTest, MissingNullWrongTypeOutOfRange) {
  ExpectInvalid(RequiredInt(Json::object(), "id", 1, 100),
                {"`id` is required", "from 1 to 100"});
  ExpectInvalid(RequiredInt(Parse(R"({"id":null})"), "id", 1, 100),
                {"`id` is required"});
  ExpectInvalid(RequiredInt(Parse(R"({"id":"42"})"), "id", 1, 100),
                {"`id`", "string \"42\""});
  ExpectInvalid(RequiredInt(Parse(R"({"id":0})"), "id", 1, 100),
                {"`id`", "from 1 to 100"});
  ExpectInvalid(RequiredInt(Parse(R"({"id":1.5})"), "id", 1, 100), {"`id`"});
}

TEST(RequiredIntTest, UnboundedIdsReadAsAtLeast) {
  constexpr int64_t kMaxSafe = (int64_t{1} << 53) - 1;
  ExpectInvalid(RequiredInt(Parse(R"({"id":-3})"), "id", 1, kMaxSafe),
                {"`id`", "an integer of at least 1"});
  auto v = RequiredInt(Parse(R"({"id":9007199254740991})"), "id", 1, kMaxSafe);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, kMaxSafe);
}

// OptionalIntList

TEST(OptionalIntListTest, AbsentNullAndValues) {
  auto absent = OptionalIntList(Json::object(), "ids", 3, 1, 10);
  ASSERT_TRUE(absent.ok());
  EXPECT_THAT(*absent, IsEmpty());
  auto null = OptionalIntList(Parse(R"({"ids":null})"), "ids", 3, 1, 10);
  ASSERT_TRUE(null.ok());
  EXPECT_THAT(*null, IsEmpty());
  auto values = OptionalIntList(Parse(R"({"ids":[3,1,2.0]})"), "ids", 3, 1, 10);
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_THAT(*values, ElementsAre(3, 1, 2));
}

TEST(OptionalIntListTest, BadItemsNameTheirPosition) {
  ExpectInvalid(OptionalIntList(Parse(R"({"ids":5})"), "ids", 3, 1, 10),
                {"`ids`", "an array of at most 3"});
  ExpectInvalid(OptionalIntList(Parse(R"({"ids":[1,2,3,4]})"), "ids", 3, 1, 10),
                {"`ids`", "at most 3"});
  ExpectInvalid(OptionalIntList(Parse(R"({"ids":[1,"2"]})"), "ids", 3, 1, 10),
                {"`ids[1]`", "from 1 to 10"});
  ExpectInvalid(OptionalIntList(Parse(R"({"ids":[11]})"), "ids", 3, 1, 10),
                {"`ids[0]`"});
}

}  // namespace
}  // namespace stopframe::gateway::args
