#include "renderer/stats_watch_reactor.h"

#include "common/reaction_order.h"
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

void StatsWatchReactor::End() {
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    ending_ = true;
    if (write_in_flight_) return;  // OnWriteDone finishes
    finished_ = true;
  }
  Finish(grpc::Status::OK);
}

void StatsWatchReactor::OnWriteDone(bool ok) {
  const pb::RendererStats* to_write = nullptr;
  bool finish = false;
  {
    absl::MutexLock lock(&mu_);
    write_in_flight_ = false;
    if (ending_ && !finished_) {
      finished_ = finish = true;
    } else if (ok && !finished_ && has_unsent_) {
      writing_ = latest_;
      has_unsent_ = false;
      write_in_flight_ = true;
      to_write = &writing_;
    }
  }
  ReactionFinished(this);
  if (finish) {
    Finish(grpc::Status::OK);
  } else if (to_write != nullptr) {
    StartWrite(to_write);
  }
}

void StatsWatchReactor::OnCancel() {
  bool finish = false;
  {
    absl::MutexLock lock(&mu_);
    finish = !finished_;
    finished_ = true;
  }
  ReactionFinished(this);
  if (finish) Finish(grpc::Status::CANCELLED);
}

void StatsWatchReactor::OnDone() {
  AllReactionsFinished(this);
  service_->RemoveWatcher(this);
  delete this;
}

}  // namespace stopframe::renderer
