#include "renderer/media/video_pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "renderer/media/frame_composer.h"
#include "renderer/media/h264_mp4_encoder.h"
#include "renderer/media/poster.h"
#include "renderer/media/slides.h"

namespace stopframe::media {
namespace {

constexpr const char* kPresets[] = {"ultrafast", "superfast", "veryfast",
                                    "faster",    "fast",      "medium",
                                    "slow",      "slower",    "veryslow"};

// Crossfade between slides; clamped to a third of the slide so text is
// mostly shown still.
constexpr double kFadeSeconds = 0.4;
constexpr auto kProgressInterval = std::chrono::milliseconds(50);

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

absl::StatusOr<RenderSummary> RenderWrappedVideo(
    const WrappedContent& content, const VideoSpec& raw_spec,
    const std::atomic<bool>& cancelled, const RenderCallbacks& callbacks) {
  absl::StatusOr<VideoSpec> valid = ValidateVideoSpec(raw_spec);
  if (!valid.ok()) return valid.status();
  const VideoSpec& spec = *valid;

  const std::vector<Slide> deck = BuildSlides(content);
  absl::StatusOr<std::unique_ptr<SlidePainter>> painter =
      SlidePainter::Create(spec.font_dir);
  if (!painter.ok()) return painter.status();

  FrameComposer::Options layout;
  layout.width = spec.width;
  layout.height = spec.height;
  layout.slide_count = static_cast<int>(deck.size());
  layout.frames_per_slide = FramesPerSlide(spec);
  layout.fade_frames =
      std::min(static_cast<int>(std::lround(kFadeSeconds * spec.fps)),
               layout.frames_per_slide / 3);
  absl::StatusOr<std::unique_ptr<FrameComposer>> composer =
      FrameComposer::Create(layout, [&](int index, RgbImage* canvas) {
        return (*painter)->Paint(deck[index], canvas);
      });
  if (!composer.ok()) return composer.status();

  const int64_t total = (*composer)->frame_count();
  auto report = [&](int64_t done, const char* stage) {
    if (callbacks.on_progress) callbacks.on_progress({done, total, stage});
  };
  // Tells the caller exactly how many frames were encoded, then lets the
  // codec and painter be freed on the way out.
  auto stopped = [&](int64_t frames) -> absl::Status {
    report(frames, "cancelled");
    if (callbacks.on_cancelled) callbacks.on_cancelled(frames);
    return absl::CancelledError("render cancelled");
  };

  // Checked before the poster and the encoder: a render cancelled while
  // queued should not start x264 at all.
  if (cancelled.load()) return stopped(0);
  report(0, "encoding");  // lets the caller show the total right away
  if (callbacks.on_poster) {
    // A few ms at 480x270; a failure costs the client only the still.
    absl::StatusOr<Poster> poster =
        RenderPoster(deck, spec.width, spec.height, **painter);
    if (poster.ok()) {
      callbacks.on_poster(std::move(poster->png), poster->width,
                          poster->height);
    }
    if (cancelled.load()) return stopped(0);
  }
  absl::StatusOr<std::unique_ptr<H264Mp4Encoder>> encoder =
      H264Mp4Encoder::Create(spec, [&](absl::Span<const uint8_t> bytes) {
        return callbacks.on_bytes ? callbacks.on_bytes(bytes)
                                  : absl::OkStatus();
      });
  if (!encoder.ok()) return encoder.status();

  auto last_report = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < total; ++i) {
    if (cancelled.load()) return stopped(i);
    absl::StatusOr<const AVFrame*> frame = (*composer)->Next();
    if (!frame.ok()) return frame.status();
    if (absl::Status s = (*encoder)->EncodeFrame(*frame); !s.ok()) return s;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_report >= kProgressInterval) {
      report(i + 1, "encoding");
      last_report = now;
    }
  }
  if (cancelled.load()) return stopped(total);
  report(total, "finishing");
  if (absl::Status s = (*encoder)->Finish(); !s.ok()) return s;

  RenderSummary summary;
  summary.frames = total;
  summary.duration_seconds = static_cast<double>(total) / spec.fps;
  summary.bytes = (*encoder)->bytes_written();
  summary.encoder = (*encoder)->description();
  return summary;
}

}  // namespace stopframe::media
