#ifndef STOPFRAME_RENDERER_RENDER_SERVICE_H_
#define STOPFRAME_RENDERER_RENDER_SERVICE_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/worker_pool.h"
#include "renderer/media/lane_plan.h"
#include "stopframe/renderer/v1/renderer.grpc.pb.h"

namespace stopframe::renderer {

class StatsWatchReactor;

struct RenderServiceOptions {
  int max_concurrent = 2;  // renders at once; more get RESOURCE_EXHAUSTED
  std::string font_dir = "/usr/share/fonts/truetype/dejavu";
  // Nice value of the render workers and, inherited, of x264's threads: an
  // encode is batch work and must not starve the gRPC threads that carry a
  // cancel, nor a gateway or its client sharing the machine. 0 keeps normal
  // priority. 19 by default: under 8 renders, a cheap gateway call's p99
  // was 15-33x idle at nice 10, and 1.2-1.8x at 19 with the encode slices
  // below (docs/performance.md, section 3).
  int render_nice = 19;
  // Time slice the threads that encode ask for: lane threads and x264's
  // (EEVDF's hint, Linux 6.12 and later; see SetCurrentThreadLatencySlice).
  // Long, because encoding is batch work, and because a waking thread whose
  // slice is shorter may preempt a running one at once: an ordinary thread
  // that wakes (a gateway, its client, our gRPC threads, the render's own
  // thread on a stop) then runs ahead of the encode instead of waiting for
  // its slice or the tick to end. Zero keeps the kernel's default.
  absl::Duration encode_slice = absl::Milliseconds(100);
  // A render encodes slides on up to this many lanes, taking its share of
  // the cores given the renders running (media::PlanLanes). Each lane is an
  // x264 encoder of its own (~150 MB more at 1080p), so 1 by default.
  int max_lanes = 1;
  // x264 threads split each frame into slices instead of encoding frames in
  // parallel: a 1080p job fits in ~147 MB instead of ~193, for ~20% fewer
  // frames/s from a render that has the cores to itself.
  bool slice_threads = false;
};

// The gRPC edge of the renderer: admits renders, runs each on a worker
// thread of its own pool, and keeps the counters GetStats reports.
// Owned by RendererServer, which must shut the grpc::Server down (finishing
// every RPC) before destroying this service.
// Thread-safe: gRPC calls its methods from any thread.
class RenderService final
    : public stopframe::renderer::v1::Renderer::CallbackService {
 public:
  explicit RenderService(RenderServiceOptions options);

  grpc::ServerWriteReactor<stopframe::renderer::v1::RenderEvent>* RenderWrapped(
      grpc::CallbackServerContext* context,
      const stopframe::renderer::v1::RenderRequest* request) override;

  grpc::ServerUnaryReactor* GetStats(
      grpc::CallbackServerContext* context,
      const stopframe::renderer::v1::GetStatsRequest* request,
      stopframe::renderer::v1::RendererStats* response) override;

  grpc::ServerWriteReactor<stopframe::renderer::v1::RendererStats>* WatchStats(
      grpc::CallbackServerContext* context,
      const stopframe::renderer::v1::WatchStatsRequest* request) override;

  // Called by render reactors.
  const RenderServiceOptions& options() const { return options_; }
  WorkerPool& pool() { return pool_; }
  // Reserves one of max_concurrent slots; false when all are taken. On
  // success, `plan` is this render's share of the cores.
  bool TryStartRender(media::LanePlan* plan);
  void CountRejected();
  enum class Outcome { kCompleted, kCancelled, kFailed };
  void EndRender(Outcome outcome, int64_t frames_encoded);
  // Ends every WatchStats stream; called when shutdown begins.
  void EndWatchers();
  // Called by a watcher's OnDone.
  void RemoveWatcher(StatsWatchReactor* watcher);

 private:
  const RenderServiceOptions options_;

  // Sends stats_ to every watcher; called with mu_ held so that watchers see
  // snapshots in order. Lock order: mu_, then watch_mu_, then a watcher's.
  void PublishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  stopframe::renderer::v1::RendererStats stats_ ABSL_GUARDED_BY(mu_);
  absl::Mutex watch_mu_ ABSL_ACQUIRED_AFTER(mu_);
  absl::flat_hash_set<StatsWatchReactor*> watchers_ ABSL_GUARDED_BY(watch_mu_);

  // Declared last: destroyed first, joining workers while the rest is alive.
  WorkerPool pool_;
};

}  // namespace stopframe::renderer

#endif  // STOPFRAME_RENDERER_RENDER_SERVICE_H_
