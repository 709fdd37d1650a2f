#include "renderer/media/encode_lanes.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

extern "C" {
#include <libavcodec/packet.h>
#include <libavutil/frame.h>
}

namespace stopframe::media {

EncodeLanes::EncodeLanes(PrivateTag, const Options& options,
                         std::stop_token stop)
    : options_(options), stop_(std::move(stop)) {
  slides_.resize(options_.slide_count);
}

EncodeLanes::~EncodeLanes() {
  Halt();
  for (std::thread& t : threads_) t.join();
}

absl::StatusOr<std::unique_ptr<EncodeLanes>> EncodeLanes::Create(
    const Options& options, const ComposerFactory& make_composer,
    std::stop_token stop) {
  if (options.lanes < 1 || options.slide_count < 1 ||
      options.frames_per_slide < 1) {
    return absl::InvalidArgumentError("EncodeLanes: invalid options");
  }
  auto lanes = std::make_unique<EncodeLanes>(PrivateTag{}, options, stop);
  const int count = std::min(options.lanes, options.slide_count);
  for (int i = 0; i < count; ++i) {
    auto lane = std::make_unique<Lane>();
    lane->index = i;
    for (int s = i; s < options.slide_count; s += count) {
      lane->slides.push_back(s);
    }
    absl::StatusOr<std::unique_ptr<FrameComposer>> composer = make_composer();
    if (!composer.ok()) return composer.status();
    lane->composer = *std::move(composer);
    absl::StatusOr<std::unique_ptr<H264Encoder>> encoder =
        H264Encoder::Create(options.spec, options.threads_per_lane);
    if (!encoder.ok()) return encoder.status();
    lane->encoder = *std::move(encoder);
    lanes->lanes_.push_back(std::move(lane));
  }
  EncodeLanes* self = lanes.get();
  lanes->on_stop_ = std::make_unique<std::stop_callback<std::function<void()>>>(
      std::move(stop), std::function<void()>([self] {
        // Waiters' conditions read the stop token; releasing mu_ makes
        // absl::Mutex evaluate them again.
        absl::MutexLock lock(&self->mu_);
      }));
  return lanes;
}

void EncodeLanes::Start() {
  for (const std::unique_ptr<Lane>& lane : lanes_) {
    threads_.emplace_back([this, lane = lane.get()] { RunLane(lane); });
  }
}

bool EncodeLanes::StoppedLocked() const {
  return halted_ || stop_.stop_requested();
}

bool EncodeLanes::OwnsUnfinishedNextLocked(const Lane& lane) const {
  // The last frames of that slide may still be inside x264's lookahead, and
  // only more input pushes them out (with short slides, several slides'
  // worth), so its lane must not wait for it.
  return next_to_take_ < options_.slide_count &&
         next_to_take_ % static_cast<int>(lanes_.size()) == lane.index &&
         !slides_[next_to_take_].complete;
}

int EncodeLanes::lanes_waiting() const {
  absl::MutexLock lock(&mu_);
  return lanes_waiting_;
}

void EncodeLanes::RunLane(Lane* lane) {
  pthread_setname_np(pthread_self(), "sf-lane");  // for perf and /proc
  if (options_.on_thread_start) options_.on_thread_start();
  absl::Status status = EncodeLane(lane);
  absl::MutexLock lock(&mu_);
  if (status.ok() && !StoppedLocked()) {
    // A lane that ran to the end must have delivered every frame of its
    // slides, or the caller would wait for the missing ones forever.
    for (int slide : lane->slides) {
      if (slide >= next_to_take_ && !slides_[slide].complete) {
        status = absl::InternalError(absl::StrCat(
            "slide ", slide, ": x264 returned fewer packets than frames"));
        break;
      }
    }
  }
  if (status.ok()) return;
  if (failed_.ok()) failed_ = std::move(status);
  halted_ = true;  // the render cannot complete: stop the other lanes
}

absl::Status EncodeLanes::EncodeLane(Lane* lane) {
  const int frames_per_slide = options_.frames_per_slide;
  // Slides a lane may run ahead of the next one the caller takes, so that
  // a slow reader holds back the encode instead of piling up packets.
  const int window = 2 * static_cast<int>(lanes_.size());
  auto sink = [this, lane](PacketPtr packet) {
    return FilePacket(lane, std::move(packet));
  };
  for (size_t position = 0; position < lane->slides.size(); ++position) {
    const int slide = lane->slides[position];
    {
      absl::MutexLock lock(&mu_);
      auto may_start = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return StoppedLocked() || slide < next_to_take_ + window ||
               OwnsUnfinishedNextLocked(*lane);
      };
      ++lanes_waiting_;
      mu_.Await(absl::Condition(&may_start));
      --lanes_waiting_;
      if (StoppedLocked()) return absl::OkStatus();
    }
    lane->composer->SeekTo(int64_t{slide} * frames_per_slide,
                           static_cast<int64_t>(position) * frames_per_slide);
    for (int f = 0; f < frames_per_slide; ++f) {
      {
        absl::MutexLock lock(&mu_);
        if (StoppedLocked()) return absl::OkStatus();
        ++frames_started_;
      }
      absl::StatusOr<const AVFrame*> frame = lane->composer->Next();
      if (!frame.ok()) return frame.status();
      if (absl::Status s = lane->encoder->Encode(*frame, sink); !s.ok()) {
        return s;
      }
      absl::MutexLock lock(&mu_);
      ++frames_encoded_;
    }
  }
  return lane->encoder->Flush(sink);
}

absl::Status EncodeLanes::FilePacket(Lane* lane, PacketPtr packet) {
  const int64_t frames_per_slide = options_.frames_per_slide;
  // Packets come in decode order and a slide is a closed GOP, so they move
  // from one slide of the lane to the next and never back.
  const int64_t local_pts = packet->pts;
  while (lane->output_slide + 1 < lane->slides.size() &&
         local_pts >=
             static_cast<int64_t>(lane->output_slide + 1) * frames_per_slide) {
    ++lane->output_slide;
  }
  const int64_t local_start =
      static_cast<int64_t>(lane->output_slide) * frames_per_slide;
  if (local_pts < local_start || local_pts >= local_start + frames_per_slide) {
    return absl::InternalError(
        absl::StrCat("lane ", lane->index, ": packet pts ", local_pts,
                     " is outside its slide: x264 did not close the GOP"));
  }
  const int slide = lane->slides[lane->output_slide];
  packet->pts += int64_t{slide} * frames_per_slide - local_start;
  absl::MutexLock lock(&mu_);
  SlideOutput& out = slides_[slide];
  if (out.complete) {
    return absl::InternalError(absl::StrCat("slide ", slide,
                                            ": more packets than its ",
                                            frames_per_slide, " frames"));
  }
  out.packets.push_back(std::move(packet));
  out.complete = static_cast<int64_t>(out.packets.size()) == frames_per_slide;
  return absl::OkStatus();
}

absl::StatusOr<EncodeLanes::Wait> EncodeLanes::TakeSlide(
    int index, absl::Time deadline, std::vector<PacketPtr>* packets) {
  absl::MutexLock lock(&mu_);
  if (index != next_to_take_ || index >= options_.slide_count) {
    return absl::InternalError(
        absl::StrCat("EncodeLanes: slide ", index, " taken out of order"));
  }
  auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !failed_.ok() || StoppedLocked() || slides_[index].complete;
  };
  mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
  if (!failed_.ok()) return failed_;
  if (StoppedLocked()) return Wait::kStopped;
  if (!slides_[index].complete) return Wait::kTimedOut;
  for (PacketPtr& p : slides_[index].packets) packets->push_back(std::move(p));
  slides_[index].packets.clear();
  ++next_to_take_;  // lets lanes start further slides
  return Wait::kReady;
}

int64_t EncodeLanes::frames_encoded() const {
  absl::MutexLock lock(&mu_);
  return frames_encoded_;
}

int64_t EncodeLanes::Halt() {
  absl::MutexLock lock(&mu_);
  halted_ = true;
  return frames_started_;
}

}  // namespace stopframe::media
