#include "renderer/render_service.h"

#include <cstdio>
#include <string>
#include <thread>

#include "common/thread_priority.h"
#include "renderer/render_reactor.h"
#include "renderer/stats_watch_reactor.h"

namespace stopframe::renderer {

namespace pb = ::stopframe::renderer::v1;

RenderService::RenderService(RenderServiceOptions options)
    : options_(std::move(options)),
      pool_(options_.max_concurrent, [nice = options_.render_nice] {
        if (nice == 0) return;
        if (absl::Status s = SetCurrentThreadNice(nice); !s.ok()) {
          std::fprintf(stderr,
                       "stopframe-renderer: %s; rendering at normal "
                       "priority\n",
                       std::string(s.message()).c_str());
        }
      }) {
  absl::MutexLock lock(&mu_);
  stats_.set_max_concurrent(options_.max_concurrent);
}

grpc::ServerWriteReactor<pb::RenderEvent>* RenderService::RenderWrapped(
    grpc::CallbackServerContext* context, const pb::RenderRequest* request) {
  return RenderReactor::Start(this, request);
}

grpc::ServerUnaryReactor* RenderService::GetStats(
    grpc::CallbackServerContext* context, const pb::GetStatsRequest* request,
    pb::RendererStats* response) {
  {
    absl::MutexLock lock(&mu_);
    *response = stats_;
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<pb::RendererStats>* RenderService::WatchStats(
    grpc::CallbackServerContext* context,
    const pb::WatchStatsRequest* request) {
  auto* watcher = new StatsWatchReactor(this);  // deleted in its OnDone
  absl::MutexLock lock(&mu_);
  {
    absl::MutexLock watch_lock(&watch_mu_);
    watchers_.insert(watcher);
  }
  watcher->Offer(stats_);
  return watcher;
}

void RenderService::EndWatchers() {
  absl::MutexLock lock(&watch_mu_);
  for (StatsWatchReactor* watcher : watchers_) watcher->End();
}

void RenderService::RemoveWatcher(StatsWatchReactor* watcher) {
  absl::MutexLock lock(&watch_mu_);
  watchers_.erase(watcher);
}

void RenderService::PublishLocked() {
  absl::MutexLock lock(&watch_mu_);
  for (StatsWatchReactor* watcher : watchers_) watcher->Offer(stats_);
}

bool RenderService::TryStartRender(media::LanePlan* plan) {
  absl::MutexLock lock(&mu_);
  if (stats_.active() >= options_.max_concurrent) {
    stats_.set_rejected(stats_.rejected() + 1);
    PublishLocked();
    return false;
  }
  stats_.set_active(stats_.active() + 1);
  stats_.set_started(stats_.started() + 1);
  *plan =
      media::PlanLanes(static_cast<int>(std::thread::hardware_concurrency()),
                       stats_.active(), options_.max_lanes);
  PublishLocked();
  return true;
}

void RenderService::CountRejected() {
  absl::MutexLock lock(&mu_);
  stats_.set_rejected(stats_.rejected() + 1);
  PublishLocked();
}

void RenderService::EndRender(Outcome outcome, int64_t frames_encoded) {
  absl::MutexLock lock(&mu_);
  stats_.set_active(stats_.active() - 1);
  stats_.set_frames_encoded(stats_.frames_encoded() + frames_encoded);
  switch (outcome) {
    case Outcome::kCompleted:
      stats_.set_completed(stats_.completed() + 1);
      break;
    case Outcome::kCancelled:
      stats_.set_cancelled(stats_.cancelled() + 1);
      break;
    case Outcome::kFailed:
      stats_.set_failed(stats_.failed() + 1);
      break;
  }
  PublishLocked();
}

}  // namespace stopframe::renderer
