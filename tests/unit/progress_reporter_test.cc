#include "gateway/progress_reporter.h"

#include <optional>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace stopframe::gateway {
namespace {

using Json = nlohmann::json;

// Collects notifications; `accept` decides what send returns.
struct Capture {
  std::vector<Json> sent;
  int calls = 0;
  bool accept = true;

  std::function<bool(const Json&)> Sender() {
    return [this](const Json& n) {
      ++calls;
      if (!accept) return false;
      sent.push_back(n);
      return true;
    };
  }
  std::vector<double> Progress() const {
    std::vector<double> out;
    for (const Json& n : sent) out.push_back(n["params"]["progress"]);
    return out;
  }
};

TEST(ProgressReporterTest, NoTokenSendsNothing) {
  Capture c;
  ProgressReporter reporter(std::nullopt, c.Sender());
  EXPECT_FALSE(reporter.enabled());
  EXPECT_FALSE(reporter.Report(1, 10, "hi"));
  EXPECT_FALSE(reporter.Report(2, std::nullopt, ""));
  EXPECT_EQ(c.calls, 0);
}

TEST(ProgressReporterTest, NotificationShape) {
  Capture c;
  ProgressReporter reporter(Json("tok"), c.Sender());
  EXPECT_TRUE(reporter.enabled());
  ASSERT_TRUE(reporter.Report(1, 4, "rendering slide 1"));
  ASSERT_EQ(c.sent.size(), 1u);
  EXPECT_EQ(c.sent[0], Json::parse(R"({"jsonrpc":"2.0",
      "method":"notifications/progress",
      "params":{"progressToken":"tok","progress":1.0,"total":4.0,
                "message":"rendering slide 1"}})"));
  EXPECT_FALSE(c.sent[0].contains("id"));
}

TEST(ProgressReporterTest, TotalAndMessageOmittedWhenAbsent) {
  Capture c;
  ProgressReporter reporter(Json("tok"), c.Sender());
  ASSERT_TRUE(reporter.Report(0.5, std::nullopt, ""));
  ASSERT_EQ(c.sent.size(), 1u);
  const Json& params = c.sent[0]["params"];
  EXPECT_EQ(params["progress"], 0.5);
  EXPECT_FALSE(params.contains("total"));
  EXPECT_FALSE(params.contains("message"));
}

TEST(ProgressReporterTest, StringTokenEchoed) {
  Capture c;
  ProgressReporter reporter(Json("abc-123"), c.Sender());
  ASSERT_TRUE(reporter.Report(1, std::nullopt, ""));
  EXPECT_EQ(c.sent.at(0)["params"]["progressToken"], Json("abc-123"));
  EXPECT_TRUE(c.sent.at(0)["params"]["progressToken"].is_string());
}

TEST(ProgressReporterTest, IntegerTokenEchoed) {
  Capture c;
  ProgressReporter reporter(Json(42), c.Sender());
  ASSERT_TRUE(reporter.Report(1, std::nullopt, ""));
  const Json& token = c.sent.at(0)["params"]["progressToken"];
  EXPECT_TRUE(token.is_number_integer());
  EXPECT_EQ(token, Json(42));
}

TEST(ProgressReporterTest, StrictlyIncreasing) {
  Capture c;
  ProgressReporter reporter(Json(1), c.Sender());
  EXPECT_TRUE(reporter.Report(1, 5, ""));
  EXPECT_FALSE(reporter.Report(1, 5, ""));    // repeat
  EXPECT_FALSE(reporter.Report(0.5, 5, ""));  // lower
  EXPECT_TRUE(reporter.Report(1.5, 5, ""));
  EXPECT_TRUE(reporter.Report(3, 5, ""));
  EXPECT_FALSE(reporter.Report(2, 5, ""));
  EXPECT_FALSE(reporter.Report(3, 5, ""));
  EXPECT_TRUE(reporter.Report(5, 5, ""));
  EXPECT_THAT(c.Progress(), ::testing::ElementsAre(1, 1.5, 3, 5));
  EXPECT_EQ(c.calls, 4);  // dropped values never reach the sender
}

TEST(ProgressReporterTest, FirstValueMayBeZero) {
  Capture c;
  ProgressReporter reporter(Json(1), c.Sender());
  EXPECT_TRUE(reporter.Report(0, std::nullopt, ""));
  EXPECT_FALSE(reporter.Report(0, std::nullopt, ""));
  EXPECT_TRUE(reporter.Report(0.1, std::nullopt, ""));
}

TEST(ProgressReporterTest, NothingSentAfterSendFails) {
  Capture c;
  ProgressReporter reporter(Json("t"), c.Sender());
  EXPECT_TRUE(reporter.Report(1, 10, ""));
  c.accept = false;
  EXPECT_FALSE(reporter.Report(2, 10, ""));
  EXPECT_EQ(c.calls, 2);
  // Even if the sender would accept again, the reporter stays closed.
  c.accept = true;
  EXPECT_FALSE(reporter.Report(3, 10, ""));
  EXPECT_FALSE(reporter.Report(100, 10, "late"));
  EXPECT_EQ(c.calls, 2);
  EXPECT_THAT(c.Progress(), ::testing::ElementsAre(1));
}

TEST(ProgressReporterTest, FirstSendFailingClosesReporter) {
  Capture c;
  c.accept = false;
  ProgressReporter reporter(Json("t"), c.Sender());
  EXPECT_FALSE(reporter.Report(1, std::nullopt, ""));
  c.accept = true;
  EXPECT_FALSE(reporter.Report(2, std::nullopt, ""));
  EXPECT_EQ(c.calls, 1);
  EXPECT_TRUE(c.sent.empty());
}

}  // namespace
}  // namespace stopframe::gateway
