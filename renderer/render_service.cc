#include "renderer/render_service.h"

#include "renderer/render_reactor.h"

namespace stopframe::renderer {

namespace pb = ::stopframe::renderer::v1;

RenderService::RenderService(RenderServiceOptions options)
    : options_(std::move(options)), pool_(options_.max_concurrent) {
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

bool RenderService::TryStartRender() {
  absl::MutexLock lock(&mu_);
  if (stats_.active() >= options_.max_concurrent) {
    stats_.set_rejected(stats_.rejected() + 1);
    return false;
  }
  stats_.set_active(stats_.active() + 1);
  stats_.set_started(stats_.started() + 1);
  return true;
}

void RenderService::CountRejected() {
  absl::MutexLock lock(&mu_);
  stats_.set_rejected(stats_.rejected() + 1);
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
}

}  // namespace stopframe::renderer
