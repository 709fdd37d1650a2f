#include "renderer/stats_watch_reactor.h"

#include "renderer/render_service.h"

namespace stopframe::renderer {

namespace pb = ::stopframe::renderer::v1;

void StatsWatchReactor::Offer(const pb::RendererStats& stats) {
  const pb::RendererStats* to_write = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    if (write_in_flight_) {
      latest_ = stats;
      has_unsent_ = true;
      return;
    }
    writing_ = stats;
    write_in_flight_ = true;
    to_write = &writing_;
  }
  StartWrite(to_write);
}

void StatsWatchReactor::OnWriteDone(bool ok) {
  const pb::RendererStats* to_write = nullptr;
  {
    absl::MutexLock lock(&mu_);
    write_in_flight_ = false;
    if (!ok || finished_ || !has_unsent_) return;
    writing_ = latest_;
    has_unsent_ = false;
    write_in_flight_ = true;
    to_write = &writing_;
  }
  StartWrite(to_write);
}

void StatsWatchReactor::OnCancel() {
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    finished_ = true;
  }
  Finish(grpc::Status::CANCELLED);
}

void StatsWatchReactor::OnDone() {
  service_->RemoveWatcher(this);
  delete this;
}

}  // namespace stopframe::renderer
