#ifndef STOPFRAME_COMMON_WORKER_POOL_H_
#define STOPFRAME_COMMON_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace stopframe {

// A fixed set of threads that run submitted jobs in order. Each thread first
// runs `on_start` (if given), e.g. to lower its own priority.
// Owns and joins its threads: the destructor finishes every queued job first,
// so a job's owner must make queued jobs quick to finish (e.g. cancel them).
// Thread-safe: Submit may be called from any thread, including a job.
class WorkerPool {
 public:
  explicit WorkerPool(int threads, std::function<void()> on_start = nullptr);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(std::function<void()> job);

 private:
  void Loop();

  absl::Mutex mu_;
  std::deque<std::function<void()>> jobs_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  const std::function<void()> on_start_;
  std::vector<std::thread> threads_;
};

}  // namespace stopframe

#endif  // STOPFRAME_COMMON_WORKER_POOL_H_
