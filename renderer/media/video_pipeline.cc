#include "renderer/media/video_pipeline.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "renderer/media/encode_lanes.h"
#include "renderer/media/frame_composer.h"
#include "renderer/media/lane_plan.h"
#include "renderer/media/mp4_fragment_writer.h"
#include "renderer/media/poster.h"
#include "renderer/media/slides.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavcodec/packet.h>
}

namespace stopframe::media {
namespace {

constexpr const char* kPresets[] = {"ultrafast", "superfast", "veryfast",
                                    "faster",    "fast",      "medium",
                                    "slow",      "slower",    "veryslow"};

// Crossfade between slides; clamped to a third of the slide so text is
// mostly shown still.
constexpr double kFadeSeconds = 0.4;
constexpr absl::Duration kProgressInterval = absl::Milliseconds(50);

absl::Status CheckEvenRange(const char* field, int value, int lo, int hi) {
  if (value < lo || value > hi || value % 2 != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " must be an even number in ", lo, "..", hi, ", got ", value));
  }
  return absl::OkStatus();
}

int FramesPerSlide(const VideoSpec& spec) {
  // At least one frame, so 0.2 s at 1 fps still shows every slide.
  return std::max(
      1, static_cast<int>(std::lround(spec.seconds_per_slide * spec.fps)));
}

}  // namespace

absl::StatusOr<VideoSpec> ValidateVideoSpec(VideoSpec spec) {
  // Zero means "unset" (proto3), so crf 0 also takes the default.
  const VideoSpec defaults;
  if (spec.width == 0) spec.width = defaults.width;
  if (spec.height == 0) spec.height = defaults.height;
  if (spec.fps == 0) spec.fps = defaults.fps;
  if (spec.seconds_per_slide == 0) {
    spec.seconds_per_slide = defaults.seconds_per_slide;
  }
  if (spec.preset.empty()) spec.preset = defaults.preset;
  if (spec.crf == 0) spec.crf = defaults.crf;
  if (spec.font_dir.empty()) spec.font_dir = defaults.font_dir;
  if (spec.lanes == 0 || spec.threads_per_lane == 0) {
    // One encoder with the machine's cores, like the renderer's default:
    // every lane holds an encoder's memory, so lanes are asked for.
    const LanePlan plan =
        PlanLanes(static_cast<int>(std::thread::hardware_concurrency()), 1,
                  /*max_lanes=*/1);
    if (spec.lanes == 0) spec.lanes = plan.lanes;
    if (spec.threads_per_lane == 0) {
      spec.threads_per_lane = plan.threads_per_lane;
    }
  }

  if (absl::Status s = CheckEvenRange("width", spec.width, 160, 1920);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckEvenRange("height", spec.height, 90, 1080);
      !s.ok()) {
    return s;
  }
  if (spec.fps < 1 || spec.fps > 60) {
    return absl::InvalidArgumentError(
        absl::StrCat("fps must be in 1..60, got ", spec.fps));
  }
  // Written so NaN fails too.
  if (!(spec.seconds_per_slide >= 0.2 && spec.seconds_per_slide <= 10)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "seconds_per_slide must be in 0.2..10, got ", spec.seconds_per_slide));
  }
  if (spec.crf < 0 || spec.crf > 51) {
    return absl::InvalidArgumentError(
        absl::StrCat("crf must be in 0..51, got ", spec.crf));
  }
  if (spec.lanes < 1 || spec.lanes > kMaxLanesOrThreads ||
      spec.threads_per_lane < 1 || spec.threads_per_lane > kMaxLanesOrThreads) {
    return absl::InvalidArgumentError(absl::StrCat(
        "lanes and threads_per_lane must be in 1..", kMaxLanesOrThreads,
        ", got ", spec.lanes, " and ", spec.threads_per_lane));
  }
  // Two one-frame slides in a row from different lanes would be two IDR
  // frames with the same idr_pic_id, which H.264 forbids.
  if (FramesPerSlide(spec) < 2) spec.lanes = 1;
  if (std::find(std::begin(kPresets), std::end(kPresets), spec.preset) ==
      std::end(kPresets)) {
    return absl::InvalidArgumentError(
        absl::StrCat("preset must be one of ", absl::StrJoin(kPresets, ", "),
                     "; got \"", spec.preset, "\""));
  }
  return spec;
}

int64_t CountFrames(const WrappedContent& content, const VideoSpec& spec) {
  absl::StatusOr<VideoSpec> valid = ValidateVideoSpec(spec);
  if (!valid.ok()) return 0;  // such a spec renders nothing
  return static_cast<int64_t>(BuildSlides(content).size()) *
         FramesPerSlide(*valid);
}

int CrossfadeFrames(const VideoSpec& spec) {
  absl::StatusOr<VideoSpec> valid = ValidateVideoSpec(spec);
  if (!valid.ok()) return 0;
  return std::min(static_cast<int>(std::lround(kFadeSeconds * valid->fps)),
                  FramesPerSlide(*valid) / 3);
}

absl::StatusOr<RenderSummary> RenderWrappedVideo(
    const WrappedContent& content, const VideoSpec& raw_spec,
    std::stop_token stop, const RenderCallbacks& callbacks) {
  absl::StatusOr<VideoSpec> valid = ValidateVideoSpec(raw_spec);
  if (!valid.ok()) return valid.status();
  const VideoSpec& spec = *valid;

  const std::vector<Slide> deck = BuildSlides(content);
  FrameComposer::Options layout;
  layout.width = spec.width;
  layout.height = spec.height;
  layout.slide_count = static_cast<int>(deck.size());
  layout.frames_per_slide = FramesPerSlide(spec);
  layout.fade_frames = CrossfadeFrames(spec);
  const int64_t total = int64_t{layout.slide_count} * layout.frames_per_slide;

  auto report = [&](int64_t done, const char* stage) {
    if (callbacks.on_progress) callbacks.on_progress({done, total, stage});
  };
  // Tells the caller how many frames were encoded, then lets the lanes and
  // codecs be freed on the way out.
  auto stopped = [&](int64_t frames) -> absl::Status {
    report(frames, "cancelled");
    if (callbacks.on_cancelled) callbacks.on_cancelled(frames);
    return absl::CancelledError("render cancelled");
  };

  // Checked before the poster and the encoders: a render cancelled while
  // queued should not start x264 at all.
  if (stop.stop_requested()) return stopped(0);
  report(0, "encoding");  // lets the caller show the total right away
  if (callbacks.on_poster) {
    absl::StatusOr<std::unique_ptr<SlidePainter>> painter =
        SlidePainter::Create(spec.font_dir);
    if (!painter.ok()) return painter.status();
    // A few ms at 480x270; a failure costs the client only the still.
    absl::StatusOr<Poster> poster =
        RenderPoster(deck, spec.width, spec.height, **painter);
    if (poster.ok()) {
      callbacks.on_poster(std::move(poster->png), poster->width,
                          poster->height);
    }
    if (stop.stop_requested()) return stopped(0);
  }

  // Each lane paints with its own FreeType library: they are not shared
  // between threads.
  auto make_composer = [&]() -> absl::StatusOr<std::unique_ptr<FrameComposer>> {
    absl::StatusOr<std::unique_ptr<SlidePainter>> painter =
        SlidePainter::Create(spec.font_dir);
    if (!painter.ok()) return painter.status();
    std::shared_ptr<SlidePainter> shared = *std::move(painter);
    return FrameComposer::Create(layout,
                                 [&deck, shared](int index, RgbImage* canvas) {
                                   return shared->Paint(deck[index], canvas);
                                 });
  };
  EncodeLanes::Options lane_options;
  lane_options.spec = spec;
  lane_options.lanes = spec.lanes;
  lane_options.threads_per_lane = spec.threads_per_lane;
  lane_options.slide_count = layout.slide_count;
  lane_options.frames_per_slide = layout.frames_per_slide;
  const std::function<void(bool)>& hint = callbacks.encode_thread_hint;
  if (hint) lane_options.on_thread_start = [hint] { hint(true); };
  // x264's threads start while the encoders open and inherit the hint.
  if (hint) hint(true);
  absl::StatusOr<std::unique_ptr<EncodeLanes>> lanes =
      EncodeLanes::Create(lane_options, make_composer, stop);
  if (hint) hint(false);
  if (!lanes.ok()) return lanes.status();
  absl::StatusOr<std::unique_ptr<Mp4FragmentWriter>> writer =
      Mp4FragmentWriter::Create(
          (*lanes)->encoder().context(), [&](absl::Span<const uint8_t> bytes) {
            return callbacks.on_bytes ? callbacks.on_bytes(bytes)
                                      : absl::OkStatus();
          });
  if (!writer.ok()) return writer.status();
  // Packets get their dts here, from their place in the whole stream: the
  // n-th decodes at frame n - delay, as one encoder would have said.
  const int64_t reorder_delay = (*lanes)->encoder().context()->has_b_frames;
  if (stop.stop_requested()) return stopped(0);
  (*lanes)->Start();

  // Slides are written in order as their lanes finish them; between slides
  // the wait wakes for progress reports and at once for a stop.
  int64_t reported = 0;
  absl::Time next_report = absl::Now() + kProgressInterval;
  int64_t packets_written = 0;
  std::vector<PacketPtr> packets;
  for (int slide = 0; slide < layout.slide_count; ++slide) {
    while (true) {
      absl::StatusOr<EncodeLanes::Wait> wait =
          (*lanes)->TakeSlide(slide, next_report, &packets);
      if (!wait.ok()) return wait.status();
      if (*wait == EncodeLanes::Wait::kStopped) {
        return stop.stop_requested()
                   ? stopped((*lanes)->Halt())
                   : absl::InternalError("encode lanes halted on their own");
      }
      if (const absl::Time now = absl::Now(); now >= next_report) {
        next_report = now + kProgressInterval;
        if (int64_t done = (*lanes)->frames_encoded(); done > reported) {
          report(done, "encoding");
          reported = done;
        }
      }
      if (*wait == EncodeLanes::Wait::kReady) break;
    }
    for (PacketPtr& packet : packets) {
      if (stop.stop_requested()) return stopped((*lanes)->Halt());
      packet->dts = packets_written++ - reorder_delay;
      // A frame shown before it is decoded: x264 reordered further than it
      // said, and players would reject the file.
      if (packet->dts > packet->pts) {
        return absl::InternalError(
            absl::StrCat("slide ", slide, ": packet dts ", packet->dts,
                         " after its pts ", packet->pts));
      }
      if (absl::Status s = (*writer)->Write(packet.get()); !s.ok()) {
        // A stop also fails a write blocked on a full queue downstream.
        return stop.stop_requested() ? stopped((*lanes)->Halt()) : s;
      }
    }
    packets.clear();
  }
  if (stop.stop_requested()) return stopped(total);
  report(total, "finishing");
  if (absl::Status s = (*writer)->Finish(); !s.ok()) {
    return stop.stop_requested() ? stopped(total) : s;
  }

  RenderSummary summary;
  summary.frames = total;
  summary.duration_seconds = static_cast<double>(total) / spec.fps;
  summary.bytes = (*writer)->bytes_written();
  summary.encoder = (*lanes)->encoder().description();
  return summary;
}

}  // namespace stopframe::media
