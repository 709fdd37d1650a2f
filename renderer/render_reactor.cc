#include "renderer/render_reactor.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/reaction_order.h"
#include "common/thread_priority.h"
#include "renderer/media/video_pipeline.h"

namespace stopframe::renderer {
namespace {

namespace pb = ::stopframe::renderer::v1;

constexpr size_t kChunkBytes = 256 * 1024;  // well under the 4 MiB limit
constexpr size_t kMaxQueuedEvents = 16;     // at most ~4 MiB per render

grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace

RenderReactor* RenderReactor::Start(RenderService* service,
                                    const pb::RenderRequest* request) {
  // Owned by gRPC from here on; OnDone deletes it.
  auto* reactor = new RenderReactor(service);
  absl::StatusOr<RenderJobSpec> job =
      ConvertRenderRequest(*request, service->options().font_dir);
  if (!job.ok()) {
    service->CountRejected();
    reactor->Finish(ToGrpcStatus(job.status()));
    return reactor;
  }
  media::LanePlan plan;
  if (!service->TryStartRender(&plan)) {
    reactor->Finish(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        absl::StrCat("renderer is busy: ", service->options().max_concurrent,
                     " renders already running (--max_concurrent); retry "
                     "later or add a replica")));
    return reactor;
  }
  job->video.lanes = plan.lanes;
  job->video.threads_per_lane = plan.threads_per_lane;
  job->video.slice_threads = service->options().slice_threads;
  service->pool().Submit(
      [reactor, job = *std::move(job)] { reactor->Run(job); });
  return reactor;
}

void RenderReactor::Run(const RenderJobSpec& job) {
  int64_t frames_done = 0;
  int64_t offset = 0;
  std::string pending;  // bytes batched into chunks of kChunkBytes
  auto send_chunk = [&](size_t n) -> absl::Status {
    pb::RenderEvent event;
    pb::VideoChunk* chunk = event.mutable_chunk();
    chunk->set_offset(offset);
    chunk->set_data(pending.substr(0, n));
    pending.erase(0, n);
    offset += n;
    return Enqueue(std::move(event));
  };

  media::RenderCallbacks callbacks;
  callbacks.on_bytes = [&](absl::Span<const uint8_t> bytes) -> absl::Status {
    pending.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    while (pending.size() >= kChunkBytes) {
      if (absl::Status s = send_chunk(kChunkBytes); !s.ok()) return s;
    }
    return absl::OkStatus();
  };
  callbacks.on_progress = [&](const media::RenderProgress& p) {
    frames_done = p.frames_done;
    pb::RenderEvent event;
    pb::Progress* progress = event.mutable_progress();
    progress->set_frames_done(p.frames_done);
    progress->set_frames_total(p.frames_total);
    progress->set_stage(p.stage);
    Enqueue(std::move(event)).IgnoreError();  // a cancel is seen next frame
  };

  // Comes right after the first progress, before encoding starts, so it
  // always precedes the first chunk.
  callbacks.on_poster = [&](std::string png, int width, int height) {
    pb::RenderEvent event;
    pb::Poster* poster = event.mutable_poster();
    poster->set_png(std::move(png));
    poster->set_width(width);
    poster->set_height(height);
    Enqueue(std::move(event)).IgnoreError();  // a cancel is seen right after
  };

  // A cancel is reported as soon as the loop stops; the codec teardown that
  // follows inside RenderWrappedVideo must not delay "active 0" or the
  // RPC's status. After WorkerDone, `this` may already be deleted.
  bool finished_early = false;
  RenderService* const service = service_;
  callbacks.on_cancelled = [&](int64_t frames) {
    finished_early = true;
    service->EndRender(RenderService::Outcome::kCancelled, frames);
    WorkerDone(grpc::Status(grpc::StatusCode::CANCELLED, "render cancelled"));
  };

  if (const absl::Duration slice = service_->options().encode_slice;
      slice > absl::ZeroDuration()) {
    callbacks.encode_thread_hint = [slice](bool set) {
      // A hint: kernels before 6.12 ignore it and a refusal changes nothing
      // but latency, so it is not worth failing or logging a render over.
      // Zero gives the thread back the kernel's default slice.
      SetCurrentThreadLatencySlice(set ? slice : absl::ZeroDuration())
          .IgnoreError();
    };
  }

  absl::StatusOr<media::RenderSummary> summary = media::RenderWrappedVideo(
      job.content, job.video, stop_.get_token(), callbacks);
  if (finished_early) return;
  absl::Status status = summary.status();
  if (status.ok() && !pending.empty()) status = send_chunk(pending.size());
  if (status.ok()) {
    frames_done = summary->frames;
    pb::RenderEvent event;
    pb::Summary* s = event.mutable_summary();
    s->set_frames(summary->frames);
    s->set_duration_seconds(summary->duration_seconds);
    s->set_bytes(summary->bytes);
    s->set_encoder(summary->encoder);
    s->set_width(job.video.width);
    s->set_height(job.video.height);
    s->set_fps(job.video.fps);
    status = Enqueue(std::move(event));
  }

  RenderService::Outcome outcome = RenderService::Outcome::kCompleted;
  grpc::Status final_status = grpc::Status::OK;
  if (stop_.stop_requested()) {
    outcome = RenderService::Outcome::kCancelled;
    final_status =
        grpc::Status(grpc::StatusCode::CANCELLED, "render cancelled");
  } else if (!status.ok()) {
    outcome = RenderService::Outcome::kFailed;
    final_status = ToGrpcStatus(status);
  }
  // Counters first, so a client that sees the status also sees active drop.
  service_->EndRender(outcome, frames_done);
  WorkerDone(final_status);
}

absl::Status RenderReactor::Enqueue(pb::RenderEvent event) {
  const pb::RenderEvent* to_write = nullptr;
  {
    absl::MutexLock lock(&mu_);
    const size_t unsent_from = write_in_flight_ ? 1 : 0;
    if (event.has_progress() && queue_.size() > unsent_from &&
        queue_.back().has_progress()) {
      queue_.back() = std::move(event);  // coalesce: only the latest matters
      return absl::OkStatus();
    }
    auto has_space_or_cancelled = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stop_.stop_requested() || queue_.size() < kMaxQueuedEvents;
    };
    mu_.Await(absl::Condition(&has_space_or_cancelled));
    if (stop_.stop_requested()) return absl::CancelledError("render cancelled");
    queue_.push_back(std::move(event));
    if (!write_in_flight_) {
      write_in_flight_ = true;
      to_write = &queue_.front();  // deque keeps it in place until popped
    }
  }
  if (to_write != nullptr) StartWrite(to_write);
  return absl::OkStatus();
}

void RenderReactor::OnWriteDone(bool ok) {
  const pb::RenderEvent* next = nullptr;
  bool finish = false;
  grpc::Status status;
  {
    absl::MutexLock lock(&mu_);
    queue_.pop_front();
    write_in_flight_ = false;
    if (!ok) stop_.request_stop();  // the stream broke: nobody is reading
    if (!stop_.stop_requested() && !queue_.empty()) {
      write_in_flight_ = true;
      next = &queue_.front();
    } else if (worker_done_ && !finished_) {
      finished_ = finish = true;
      status = final_status_;
    }
  }
  ReactionFinished(this);
  if (next != nullptr) {
    StartWrite(next);
  } else if (finish) {
    Finish(status);
  }
}

void RenderReactor::WorkerDone(grpc::Status status) {
  bool finish = false;
  {
    absl::MutexLock lock(&mu_);
    worker_done_ = true;
    final_status_ = status;
    if (!write_in_flight_ && (queue_.empty() || stop_.stop_requested()) &&
        !finished_) {
      finished_ = finish = true;
    }
  }
  // Past this point OnDone may delete `this` at any moment.
  ReactionFinished(this);
  if (finish) Finish(status);
}

void RenderReactor::OnCancel() {
  {
    absl::MutexLock lock(&mu_);
    stop_.request_stop();
  }
  ReactionFinished(this);
}

void RenderReactor::OnDone() {
  AllReactionsFinished(this);
  delete this;
}

}  // namespace stopframe::renderer
