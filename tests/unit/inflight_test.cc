#include "gateway/inflight.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace stopframe::gateway {
namespace {

using jsonrpc::Json;
using jsonrpc::RequestId;

RequestId Id(int64_t n) { return *RequestId::FromJson(Json(n)); }
RequestId Id(const std::string& s) { return *RequestId::FromJson(Json(s)); }

TEST(InflightTableTest, RegisterCompleteSends) {
  InflightTable table;
  ASSERT_TRUE(table.Register(Id(1)));
  EXPECT_EQ(table.size(), 1u);
  int sent = 0;
  EXPECT_TRUE(table.Complete(Id(1), [&] { ++sent; }));
  EXPECT_EQ(sent, 1);
  EXPECT_EQ(table.size(), 0u);
  // A second Complete finds nothing.
  EXPECT_FALSE(table.Complete(Id(1), [&] { ++sent; }));
  EXPECT_EQ(sent, 1);
}

TEST(InflightTableTest, CompleteUnknownDoesNotSend) {
  InflightTable table;
  bool sent = false;
  EXPECT_FALSE(table.Complete(Id(9), [&] { sent = true; }));
  EXPECT_FALSE(sent);
}

TEST(InflightTableTest, CancelBeforeDispatch) {
  InflightTable table;
  ASSERT_TRUE(table.Register(Id(1)));
  EXPECT_TRUE(table.Cancel(Id(1)));
  EXPECT_TRUE(table.IsCancelled(Id(1)));
  // Still in flight until the worker completes it.
  EXPECT_EQ(table.size(), 1u);
  std::unique_ptr<CancelSignal> signal = table.SignalFor(Id(1));
  EXPECT_TRUE(signal->cancelled());
  bool sent = false;
  EXPECT_FALSE(table.SendIfActive(Id(1), [&] { sent = true; }));
  EXPECT_FALSE(table.Complete(Id(1), [&] { sent = true; }));
  EXPECT_FALSE(sent);
  EXPECT_EQ(table.size(), 0u);
}

TEST(InflightTableTest, CancelDuringRunsHookOnce) {
  InflightTable table;
  ASSERT_TRUE(table.Register(Id(1)));
  std::unique_ptr<CancelSignal> signal = table.SignalFor(Id(1));
  EXPECT_FALSE(signal->cancelled());
  int hook_runs = 0;
  signal->OnCancel([&] { ++hook_runs; });
  EXPECT_EQ(hook_runs, 0);

  int sent = 0;
  EXPECT_TRUE(table.SendIfActive(Id(1), [&] { ++sent; }));
  EXPECT_EQ(sent, 1);

  EXPECT_TRUE(table.Cancel(Id(1)));
  EXPECT_EQ(hook_runs, 1);
  EXPECT_TRUE(signal->cancelled());
  EXPECT_FALSE(table.SendIfActive(Id(1), [&] { ++sent; }));
  EXPECT_FALSE(table.Complete(Id(1), [&] { ++sent; }));
  EXPECT_EQ(sent, 1);
  EXPECT_EQ(hook_runs, 1);
}

TEST(InflightTableTest, CancelAfterCompletionIsIgnored) {
  InflightTable table;
  ASSERT_TRUE(table.Register(Id(1)));
  std::unique_ptr<CancelSignal> signal = table.SignalFor(Id(1));
  int hook_runs = 0;
  signal->OnCancel([&] { ++hook_runs; });
  bool sent = false;
  EXPECT_TRUE(table.Complete(Id(1), [&] { sent = true; }));
  EXPECT_TRUE(sent);
  EXPECT_FALSE(table.Cancel(Id(1)));
  EXPECT_EQ(hook_runs, 0);
  EXPECT_FALSE(table.IsCancelled(Id(1)));
  EXPECT_EQ(table.size(), 0u);
}

TEST(InflightTableTest, CancelTwice) {
  InflightTable table;
  ASSERT_TRUE(table.Register(Id(1)));
  std::unique_ptr<CancelSignal> signal = table.SignalFor(Id(1));
  int hook_runs = 0;
  signal->OnCancel([&] { ++hook_runs; });
  EXPECT_TRUE(table.Cancel(Id(1)));
  EXPECT_FALSE(table.Cancel(Id(1)));
  EXPECT_EQ(hook_runs, 1);
  EXPECT_FALSE(table.Complete(Id(1), [] { FAIL() << "sent after cancel"; }));
}

TEST(InflightTableTest, CancelUnknownIsIgnored) {
  InflightTable table;
  EXPECT_FALSE(table.Cancel(Id(1)));
  EXPECT_FALSE(table.IsCancelled(Id(1)));
  EXPECT_EQ(table.size(), 0u);
}

TEST(InflightTableTest, OnCancelAfterCancelRunsImmediately) {
  InflightTable table;
  ASSERT_TRUE(table.Register(Id(1)));
  ASSERT_TRUE(table.Cancel(Id(1)));
  std::unique_ptr<CancelSignal> signal = table.SignalFor(Id(1));
  int hook_runs = 0;
  signal->OnCancel([&] { ++hook_runs; });
  EXPECT_EQ(hook_runs, 1);
  // Cancel again does not re-run it.
  EXPECT_FALSE(table.Cancel(Id(1)));
  EXPECT_EQ(hook_runs, 1);
}

TEST(InflightTableTest, OnCancelReplacedAndCleared) {
  InflightTable table;
  ASSERT_TRUE(table.Register(Id(1)));
  std::unique_ptr<CancelSignal> signal = table.SignalFor(Id(1));
  int first = 0;
  int second = 0;
  signal->OnCancel([&] { ++first; });
  signal->OnCancel([&] { ++second; });
  signal->ClearOnCancel();
  EXPECT_TRUE(table.Cancel(Id(1)));
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 0);
  EXPECT_TRUE(signal->cancelled());
}

TEST(InflightTableTest, SignalForFinishedRequestReadsCancelled) {
  InflightTable table;
  std::unique_ptr<CancelSignal> signal = table.SignalFor(Id(1));
  // Not in flight: nothing more should be done for it.
  EXPECT_TRUE(signal->cancelled());
  int hook_runs = 0;
  signal->OnCancel([&] { ++hook_runs; });
  EXPECT_EQ(hook_runs, 1);
}

TEST(InflightTableTest, DuplicateRegister) {
  InflightTable table;
  ASSERT_TRUE(table.Register(Id(1)));
  EXPECT_FALSE(table.Register(Id(1)));
  // A different type of id is a different request.
  EXPECT_TRUE(table.Register(Id("1")));
  EXPECT_EQ(table.size(), 2u);
  EXPECT_TRUE(table.Complete(Id(1), [] {}));
  EXPECT_TRUE(table.Register(Id(1)));
  // A cancelled request still holds its id until it completes.
  ASSERT_TRUE(table.Cancel(Id(1)));
  EXPECT_FALSE(table.Register(Id(1)));
  EXPECT_FALSE(table.Complete(Id(1), [] {}));
  EXPECT_TRUE(table.Register(Id(1)));
  // The new registration is fresh: not cancelled.
  EXPECT_FALSE(table.IsCancelled(Id(1)));
}

TEST(InflightTableTest, StringAndIntegerIdsAreIndependent) {
  InflightTable table;
  ASSERT_TRUE(table.Register(Id(7)));
  ASSERT_TRUE(table.Register(Id("7")));
  EXPECT_TRUE(table.Cancel(Id("7")));
  EXPECT_TRUE(table.IsCancelled(Id("7")));
  EXPECT_FALSE(table.IsCancelled(Id(7)));
  bool sent = false;
  EXPECT_TRUE(table.Complete(Id(7), [&] { sent = true; }));
  EXPECT_TRUE(sent);
}

TEST(InflightTableTest, CancelAll) {
  InflightTable table;
  int hooks = 0;
  std::vector<std::unique_ptr<CancelSignal>> signals;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(table.Register(Id(i)));
    signals.push_back(table.SignalFor(Id(i)));
    signals.back()->OnCancel([&] { ++hooks; });
  }
  ASSERT_TRUE(table.Cancel(Id(2)));
  EXPECT_EQ(hooks, 1);
  table.CancelAll();
  EXPECT_EQ(hooks, 5);  // the already-cancelled one is not re-run
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(table.IsCancelled(Id(i)));
    EXPECT_FALSE(table.Cancel(Id(i)));
    EXPECT_FALSE(table.Complete(Id(i), [] { FAIL() << "sent"; }));
  }
  EXPECT_EQ(table.size(), 0u);
  table.CancelAll();  // empty: no-op
  EXPECT_EQ(hooks, 5);
}

TEST(InflightTableTest, WaitUntilEmptyWhenEmpty) {
  InflightTable table;
  EXPECT_TRUE(table.WaitUntilEmpty(absl::ZeroDuration()));
  EXPECT_TRUE(table.WaitUntilEmpty(absl::Milliseconds(1)));
}

TEST(InflightTableTest, WaitUntilEmptyTimesOut) {
  InflightTable table;
  ASSERT_TRUE(table.Register(Id(1)));
  const absl::Time start = absl::Now();
  EXPECT_FALSE(table.WaitUntilEmpty(absl::Milliseconds(50)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(40));
  EXPECT_FALSE(table.WaitUntilEmpty(absl::ZeroDuration()));
}

TEST(InflightTableTest, WaitUntilEmptyWakesOnComplete) {
  InflightTable table;
  ASSERT_TRUE(table.Register(Id(1)));
  ASSERT_TRUE(table.Register(Id(2)));
  absl::Notification waiting;
  std::atomic<bool> result{false};
  std::thread waiter([&] {
    waiting.Notify();
    result = table.WaitUntilEmpty(absl::Seconds(10));
  });
  waiting.WaitForNotification();
  EXPECT_TRUE(table.Complete(Id(1), [] {}));
  ASSERT_TRUE(table.Cancel(Id(2)));
  EXPECT_FALSE(table.Complete(Id(2), [] {}));
  waiter.join();
  EXPECT_TRUE(result);
}

// Many threads race Complete (the worker) against Cancel (the reader) on the
// same ids. For each id exactly one side must win: if Cancel returned true,
// Complete must have returned false (and sent nothing); if Complete returned
// true (sent), a later Cancel must return false. Never both, never neither.
TEST(InflightTableTest, StressCompleteVersusCancel) {
  constexpr int kThreads = 8;
  constexpr int kIdsPerThread = 2000;
  constexpr int kTotal = kThreads * kIdsPerThread;
  InflightTable table;
  for (int i = 0; i < kTotal; ++i) ASSERT_TRUE(table.Register(Id(i)));

  std::vector<std::unique_ptr<std::atomic<int>>> sends(kTotal);
  std::vector<std::unique_ptr<std::atomic<int>>> hooks(kTotal);
  std::vector<char> complete_won(kTotal, 0);
  std::vector<char> cancel_won(kTotal, 0);
  std::vector<std::unique_ptr<CancelSignal>> signals(kTotal);
  for (int i = 0; i < kTotal; ++i) {
    sends[i] = std::make_unique<std::atomic<int>>(0);
    hooks[i] = std::make_unique<std::atomic<int>>(0);
    signals[i] = table.SignalFor(Id(i));
    std::atomic<int>* h = hooks[i].get();
    signals[i]->OnCancel([h] { h->fetch_add(1); });
  }

  std::atomic<int> ready{0};
  auto wait_for_all = [&] {
    ready.fetch_add(1);
    while (ready.load() < 2 * kThreads) std::this_thread::yield();
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    // Completers walk their slice forwards, cancellers backwards, so the two
    // sides meet in the middle and both orders occur.
    threads.emplace_back([&, t] {
      wait_for_all();
      for (int k = 0; k < kIdsPerThread; ++k) {
        const int i = t * kIdsPerThread + k;
        complete_won[i] =
            table.Complete(Id(i), [&sends, i] { sends[i]->fetch_add(1); });
      }
    });
    threads.emplace_back([&, t] {
      wait_for_all();
      for (int k = kIdsPerThread - 1; k >= 0; --k) {
        const int i = t * kIdsPerThread + k;
        cancel_won[i] = table.Cancel(Id(i));
      }
    });
  }
  for (std::thread& th : threads) th.join();

  int completed = 0;
  int cancelled = 0;
  for (int i = 0; i < kTotal; ++i) {
    SCOPED_TRACE(i);
    ASSERT_NE(complete_won[i] != 0, cancel_won[i] != 0)
        << "complete=" << int{complete_won[i]}
        << " cancel=" << int{cancel_won[i]};
    ASSERT_EQ(sends[i]->load(), complete_won[i] ? 1 : 0);
    ASSERT_EQ(hooks[i]->load(), cancel_won[i] ? 1 : 0);
    completed += complete_won[i];
    cancelled += cancel_won[i];
  }
  EXPECT_EQ(completed + cancelled, kTotal);
  EXPECT_EQ(table.size(), 0u);
  // Everything is gone: late cancels and completes do nothing.
  for (int i = 0; i < kTotal; i += 97) {
    EXPECT_FALSE(table.Cancel(Id(i)));
    EXPECT_FALSE(table.Complete(Id(i), [] { FAIL() << "late send"; }));
  }
}

// A worker streams SendIfActive while the reader cancels: once Cancel has
// returned true, no further send may run.
TEST(InflightTableTest, StressNoSendAfterCancel) {
  constexpr int kRounds = 50;
  for (int round = 0; round < kRounds; ++round) {
    InflightTable table;
    const RequestId id = Id(round);
    ASSERT_TRUE(table.Register(id));
    std::atomic<bool> cancel_returned{false};
    std::atomic<int> sends_after_cancel{0};
    std::atomic<bool> started{false};
    std::thread worker([&] {
      started = true;
      while (table.SendIfActive(id, [&] {
        if (cancel_returned.load()) sends_after_cancel.fetch_add(1);
      })) {
      }
      EXPECT_FALSE(table.Complete(id, [] { FAIL() << "sent after cancel"; }));
    });
    while (!started.load()) std::this_thread::yield();
    ASSERT_TRUE(table.Cancel(id));
    cancel_returned = true;
    worker.join();
    EXPECT_EQ(sends_after_cancel.load(), 0);
    EXPECT_EQ(table.size(), 0u);
  }
}

}  // namespace
}  // namespace stopframe::gateway
