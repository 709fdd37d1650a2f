#include "gateway/batch_collector.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gateway/output_sink.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace stopframe::gateway {
namespace {

using Json = nlohmann::json;

// Records every line sent. Thread-safe.
class RecordingSink : public OutputSink {
 public:
  void Send(std::string line) override {
    absl::MutexLock lock(&mu_);
    lines_.push_back(std::move(line));
  }
  std::vector<std::string> lines() {
    absl::MutexLock lock(&mu_);
    return lines_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

std::string Result(int id) {
  return Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", Json::object()}}
      .dump();
}

TEST(BatchCollectorTest, SendsOneArrayInBatchOrderOnceAllAreAnswered) {
  RecordingSink sink;
  BatchCollector batch(&sink);
  const size_t a = batch.Add();
  const size_t b = batch.Add();
  const size_t c = batch.Add();
  batch.Seal();
  batch.Respond(c, Result(3));
  batch.Respond(a, Result(1));
  EXPECT_TRUE(sink.lines().empty());
  EXPECT_FALSE(batch.done());
  batch.Respond(b, Result(2));
  ASSERT_EQ(sink.lines().size(), 1u);
  EXPECT_TRUE(batch.done());
  Json array = Json::parse(sink.lines()[0]);
  ASSERT_TRUE(array.is_array());
  ASSERT_EQ(array.size(), 3u);
  EXPECT_EQ(array[0]["id"], 1);
  EXPECT_EQ(array[1]["id"], 2);
  EXPECT_EQ(array[2]["id"], 3);
}

TEST(BatchCollectorTest, NothingIsSentBeforeSeal) {
  RecordingSink sink;
  BatchCollector batch(&sink);
  batch.Respond(batch.Add(), Result(1));  // answered at once, e.g. a ping
  EXPECT_TRUE(sink.lines().empty());
  const size_t later = batch.Add();
  batch.Seal();
  EXPECT_TRUE(sink.lines().empty());
  batch.Respond(later, Result(2));
  ASSERT_EQ(sink.lines().size(), 1u);
  EXPECT_EQ(Json::parse(sink.lines()[0]).size(), 2u);
}

TEST(BatchCollectorTest, DroppedRequestsGetNoEntry) {
  RecordingSink sink;
  BatchCollector batch(&sink);
  const size_t a = batch.Add();
  const size_t b = batch.Add();
  batch.Seal();
  batch.Drop(a);
  batch.Respond(b, Result(2));
  ASSERT_EQ(sink.lines().size(), 1u);
  Json array = Json::parse(sink.lines()[0]);
  ASSERT_EQ(array.size(), 1u);
  EXPECT_EQ(array[0]["id"], 2);
}

TEST(BatchCollectorTest, AllDroppedSendsNothing) {
  RecordingSink sink;
  BatchCollector batch(&sink);
  const size_t a = batch.Add();
  const size_t b = batch.Add();
  batch.Drop(b);
  batch.Seal();
  batch.Drop(a);
  EXPECT_TRUE(batch.done());
  EXPECT_TRUE(sink.lines().empty());
}

TEST(BatchCollectorTest, NoRequestsSendsNothing) {
  RecordingSink sink;
  BatchCollector batch(&sink);  // a batch of notifications only
  batch.Seal();
  EXPECT_TRUE(batch.done());
  EXPECT_TRUE(sink.lines().empty());
}

TEST(BatchCollectorTest, SecondAnswerForAnEntryIsIgnored) {
  RecordingSink sink;
  BatchCollector batch(&sink);
  const size_t a = batch.Add();
  const size_t b = batch.Add();
  batch.Seal();
  batch.Drop(a);
  batch.Respond(a, Result(1));  // too late: it was dropped
  batch.Respond(b, Result(2));
  batch.Respond(b, Result(99));
  batch.Drop(b);
  batch.Respond(7, Result(7));  // no such entry
  ASSERT_EQ(sink.lines().size(), 1u);
  Json array = Json::parse(sink.lines()[0]);
  ASSERT_EQ(array.size(), 1u);
  EXPECT_EQ(array[0]["id"], 2);
}

TEST(BatchCollectorTest, ConcurrentAnswersSendExactlyOneArray) {
  constexpr int kRequests = 64;
  RecordingSink sink;
  auto batch = std::make_shared<BatchCollector>(&sink);
  std::vector<size_t> slots;
  for (int i = 0; i < kRequests; ++i) slots.push_back(batch->Add());
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&, i] {
      const ResponseRoute route = ResponseRoute::InBatch(batch, slots[i]);
      if (i % 4 == 0) {
        route.Drop();
      } else {
        route.Deliver(Result(i));
      }
    });
    if (i == kRequests / 2) batch->Seal();  // sealed while answers arrive
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(sink.lines().size(), 1u);
  Json array = Json::parse(sink.lines()[0]);
  ASSERT_EQ(array.size(), static_cast<size_t>(kRequests - kRequests / 4));
  int last = -1;
  for (const Json& r : array) {
    EXPECT_GT(r["id"].get<int>(), last);  // batch order
    EXPECT_NE(r["id"].get<int>() % 4, 0);
    last = r["id"];
  }
}

TEST(ResponseRouteTest, DirectSendsAtOnceAndDropSendsNothing) {
  RecordingSink sink;
  const ResponseRoute route = ResponseRoute::Direct(&sink);
  route.Drop();
  EXPECT_TRUE(sink.lines().empty());
  route.Deliver(Result(1));
  ASSERT_EQ(sink.lines().size(), 1u);
  EXPECT_EQ(Json::parse(sink.lines()[0])["id"], 1);
}

}  // namespace
}  // namespace stopframe::gateway
