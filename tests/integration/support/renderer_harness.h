#ifndef STOPFRAME_TESTS_INTEGRATION_SUPPORT_RENDERER_HARNESS_H_
#define STOPFRAME_TESTS_INTEGRATION_SUPPORT_RENDERER_HARNESS_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "stopframe/renderer/v1/renderer.grpc.pb.h"
#include "tests/integration/support/subprocess.h"

namespace stopframe::testing {

// A real stopframe-renderer process on 127.0.0.1 port 0, plus a WatchStats
// stream so tests wait for stats events instead of polling.
// Owned by one test. Thread-safe.
class RendererHarness {
 public:
  // `extra_flags` are passed to the renderer as they are.
  static std::unique_ptr<RendererHarness> Start(
      int max_concurrent = 2, const std::vector<std::string>& extra_flags = {});
  ~RendererHarness();

  const std::string& target() const { return target_; }
  Subprocess& process() { return *process_; }

  stopframe::renderer::v1::RendererStats Stats();
  // Waits until the streamed stats satisfy `predicate`.
  bool WaitForStats(
      const std::function<bool(const stopframe::renderer::v1::RendererStats&)>&
          predicate,
      absl::Duration timeout);

 private:
  RendererHarness() = default;
  void Watch();

  std::unique_ptr<Subprocess> process_;
  std::string target_;
  std::unique_ptr<stopframe::renderer::v1::Renderer::Stub> stub_;
  grpc::ClientContext watch_context_;
  std::thread watcher_;

  absl::Mutex mu_;
  stopframe::renderer::v1::RendererStats latest_ ABSL_GUARDED_BY(mu_);
  bool watching_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace stopframe::testing

#endif  // STOPFRAME_TESTS_INTEGRATION_SUPPORT_RENDERER_HARNESS_H_
