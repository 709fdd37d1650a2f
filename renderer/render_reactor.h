#ifndef STOPFRAME_RENDERER_RENDER_REACTOR_H_
#define STOPFRAME_RENDERER_RENDER_REACTOR_H_

#include <deque>
#include <stop_token>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "renderer/render_service.h"
#include "renderer/request_conversion.h"
#include "stopframe/renderer/v1/renderer.grpc.pb.h"

namespace stopframe::renderer {

// One RenderWrapped stream. The encode loop runs on a worker thread of the
// service's pool, never inside a gRPC callback; events pass to gRPC through a
// small bounded queue (progress coalesced, chunks wait for space), so memory
// stays flat whatever the client's read speed.
// Owned by gRPC: created by Start, deleted in OnDone. Finished exactly once,
// by whichever of the worker or OnWriteDone sees the last event written.
// Thread-safe: gRPC callbacks and the worker synchronize on mu_.
class RenderReactor final
    : public grpc::ServerWriteReactor<stopframe::renderer::v1::RenderEvent> {
 public:
  // Validates and admits the request, then starts the render on a worker.
  static RenderReactor* Start(
      RenderService* service,
      const stopframe::renderer::v1::RenderRequest* request);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  explicit RenderReactor(RenderService* service) : service_(service) {}

  // The worker body. Touches nothing of `this` after it hands off Finish.
  void Run(const RenderJobSpec& job);
  // Queues an event for writing; blocks for space unless it is progress,
  // which replaces a not-yet-written progress event instead.
  absl::Status Enqueue(stopframe::renderer::v1::RenderEvent event);
  void WorkerDone(grpc::Status status);

  RenderService* const service_;
  // Read lock-free by the encode; requested under mu_ so that a worker
  // waiting for queue space wakes up. request_stop() runs the encode's stop
  // callback on the spot, which takes EncodeLanes' mutex: lock order is
  // mu_, then that one, and the encode never calls back in holding it.
  std::stop_source stop_;

  absl::Mutex mu_;
  std::deque<stopframe::renderer::v1::RenderEvent> queue_ ABSL_GUARDED_BY(mu_);
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;  // queue_.front()
  bool worker_done_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace stopframe::renderer

#endif  // STOPFRAME_RENDERER_RENDER_REACTOR_H_
