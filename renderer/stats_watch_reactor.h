#ifndef STOPFRAME_RENDERER_STATS_WATCH_REACTOR_H_
#define STOPFRAME_RENDERER_STATS_WATCH_REACTOR_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "stopframe/renderer/v1/renderer.grpc.pb.h"

namespace stopframe::renderer {

class RenderService;

// One WatchStats stream: writes the current stats, then each change. While a
// write is in flight only the latest snapshot is kept, so a slow reader costs
// one message of memory and never slows the service.
// Owned by gRPC: created by the service, deleted in OnDone after it has
// unregistered itself. Thread-safe: Offer comes from render workers, the
// callbacks from gRPC.
class StatsWatchReactor final
    : public grpc::ServerWriteReactor<stopframe::renderer::v1::RendererStats> {
 public:
  explicit StatsWatchReactor(RenderService* service) : service_(service) {}

  // Publishes a snapshot; called by the service in stats order.
  void Offer(const stopframe::renderer::v1::RendererStats& stats);

  // Ends the stream with OK (server shutdown), once any write in flight is
  // done, so that watchers do not hold a graceful shutdown open.
  void End();

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  RenderService* const service_;
  absl::Mutex mu_;
  stopframe::renderer::v1::RendererStats writing_ ABSL_GUARDED_BY(mu_);
  stopframe::renderer::v1::RendererStats latest_ ABSL_GUARDED_BY(mu_);
  bool has_unsent_ ABSL_GUARDED_BY(mu_) = false;
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace stopframe::renderer

#endif  // STOPFRAME_RENDERER_STATS_WATCH_REACTOR_H_
