#include "common/thread_priority.h"

#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/worker_pool.h"
#include "gtest/gtest.h"

namespace stopframe {
namespace {

TEST(ThreadPriorityTest, LowersOnlyTheCallingThreadAndItsLaterChildren) {
  const int main_nice = CurrentThreadNice();
  int lowered = -100, inherited = -100;
  std::thread worker([&] {
    ASSERT_TRUE(SetCurrentThreadNice(main_nice + 5).ok());
    lowered = CurrentThreadNice();
    // What x264's threads rely on: created after the change, they inherit it.
    std::thread child([&] { inherited = CurrentThreadNice(); });
    child.join();
  });
  worker.join();
  EXPECT_EQ(lowered, main_nice + 5);
  EXPECT_EQ(inherited, main_nice + 5);
  EXPECT_EQ(CurrentThreadNice(), main_nice);
}

TEST(ThreadPriorityTest, OutOfRangeValuesAreClampedByTheKernelNotRefused) {
  // setpriority clamps to 19; the renderer's flag check keeps 0..19 anyway.
  int seen = -100;
  std::thread worker([&] {
    ASSERT_TRUE(SetCurrentThreadNice(40).ok());
    seen = CurrentThreadNice();
  });
  worker.join();
  EXPECT_EQ(seen, 19);
}

// The EEVDF latency hint: kept for the calling thread only, its nice value
// untouched, and zero gives the default back. Kernels before 6.12 accept
// and drop it (then nothing can be read back, and the test says so).
TEST(ThreadPriorityTest, LatencySliceIsKeptForTheCallingThreadOnly) {
  const int main_nice = CurrentThreadNice();
  const absl::Duration default_slice = CurrentThreadLatencySlice();
  absl::Duration set, cleared;
  absl::Status refused;
  int nice_after = -100;
  std::thread worker([&] {
    ASSERT_TRUE(SetCurrentThreadNice(main_nice + 2).ok());
    refused = SetCurrentThreadLatencySlice(absl::Microseconds(100));
    if (!refused.ok()) return;
    set = CurrentThreadLatencySlice();
    nice_after = CurrentThreadNice();
    ASSERT_TRUE(SetCurrentThreadLatencySlice(absl::ZeroDuration()).ok());
    cleared = CurrentThreadLatencySlice();
  });
  worker.join();
  if (!refused.ok()) GTEST_SKIP() << "the kernel refused the hint: " << refused;
  EXPECT_EQ(nice_after, main_nice + 2) << "the slice reset the nice value";
  EXPECT_EQ(CurrentThreadLatencySlice(), default_slice);
  if (set == absl::ZeroDuration()) {
    GTEST_SKIP() << "this kernel keeps no time-slice hint (before 6.12)";
  }
  EXPECT_EQ(set, absl::Microseconds(100));
  EXPECT_NE(default_slice, absl::Microseconds(100));
  EXPECT_EQ(cleared, default_slice);
}

TEST(WorkerPoolTest, EveryWorkerRunsOnStartBeforeAnyJob) {
  absl::Mutex mu;
  std::vector<int> nice_in_jobs;
  const int main_nice = CurrentThreadNice();
  {
    WorkerPool pool(
        3, [&] { ASSERT_TRUE(SetCurrentThreadNice(main_nice + 3).ok()); });
    for (int i = 0; i < 30; ++i) {
      pool.Submit([&] {
        absl::MutexLock lock(&mu);
        nice_in_jobs.push_back(CurrentThreadNice());
      });
    }
  }  // joins after every job ran
  ASSERT_EQ(nice_in_jobs.size(), 30u);
  for (int nice : nice_in_jobs) EXPECT_EQ(nice, main_nice + 3);
  EXPECT_EQ(CurrentThreadNice(), main_nice);
}

}  // namespace
}  // namespace stopframe
