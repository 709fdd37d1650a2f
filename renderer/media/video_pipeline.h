#ifndef STOPFRAME_RENDERER_MEDIA_VIDEO_PIPELINE_H_
#define STOPFRAME_RENDERER_MEDIA_VIDEO_PIPELINE_H_

#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "renderer/media/wrapped_content.h"

namespace stopframe::media {

// Validated encode settings. ValidateVideoSpec() fills defaults and checks
// bounds.
struct VideoSpec {
  int width = 1280;
  int height = 720;
  int fps = 30;
  double seconds_per_slide = 3.0;
  std::string preset = "veryfast";  // any libx264 preset name
  int crf = 23;
  std::string font_dir = "/usr/share/fonts/truetype/dejavu";
  // How the encode is spread over cores; not part of the output. Slides are
  // encoded on `lanes` threads at once, each running x264 with
  // `threads_per_lane` threads (see encode_lanes.h). 0 means one lane
  // whose x264 uses every core, as if this were the only render.
  int lanes = 0;
  int threads_per_lane = 0;
  // x264's threads each take a slice of every frame instead of a frame each:
  // less memory, fewer frames/s, ~3% more bytes (see h264_encoder.cc).
  bool slice_threads = false;
};

// Replaces zero/empty fields with the defaults above and checks the bounds
// documented in renderer.proto. INVALID_ARGUMENT names the offending field.
absl::StatusOr<VideoSpec> ValidateVideoSpec(VideoSpec spec);

struct RenderProgress {
  int64_t frames_done = 0;
  int64_t frames_total = 0;
  // "encoding", "finishing" or "cancelled" ("drawing" is not used: slides
  // are drawn lazily inside the frame loop).
  const char* stage = "";
};

struct RenderSummary {
  int64_t frames = 0;
  double duration_seconds = 0;
  int64_t bytes = 0;
  std::string encoder;  // e.g. "libx264 veryfast crf 23"
};

// Callbacks are invoked on the calling thread, never under a lock of the
// pipeline: they may request the stop.
struct RenderCallbacks {
  // Receives the fragmented MP4 bytes in order. A non-OK status aborts the
  // render and is returned from RenderWrappedVideo.
  std::function<absl::Status(absl::Span<const uint8_t>)> on_bytes;
  // Called once at the start (frames_done 0), about every 50 ms of render
  // time with the frames encoded so far, and once at the end with
  // frames_done == frames_total ("finishing", before the trailer). A
  // cancelled render ends with one "cancelled" call whose frames_done is the
  // number of frames encoded: those done, and the at most one per lane that
  // was being encoded when the stop came and is finished but not written.
  std::function<void(const RenderProgress&)> on_progress;
  // Called once when a cancel stops the frame loop, with the frames encoded,
  // before the codec is torn down. Freeing x264's frame pools takes ~10 ms
  // at 720p; this lets the caller report the stop without waiting for it.
  // No bytes or progress follow. Optional.
  std::function<void(int64_t frames_encoded)> on_cancelled;
  // Called once before encoding starts, right after the first progress
  // report and before any bytes, with a PNG still of the video (see
  // poster.h): at most 480 px wide and 200 KB. Optional; the poster is only
  // drawn when this is set. A poster that cannot be made is skipped: the
  // video matters more than its still.
  std::function<void(std::string png, int width, int height)> on_poster;
  // A scheduling hint for the threads that encode, e.g. a time slice.
  // Optional. Called with true first on each lane thread (named "sf-lane"),
  // and on the calling thread just before the encoders open, because x264
  // starts its own threads there and they inherit the opener's settings;
  // then with false on the calling thread, to undo it there: that thread
  // waits for packets and must keep waking promptly, for a stop above all.
  std::function<void(bool set)> encode_thread_hint;
};

// The number of frames RenderWrappedVideo produces for this content and spec
// (slides * round(seconds_per_slide * fps), at least one frame per slide);
// 0 if ValidateVideoSpec rejects the spec.
int64_t CountFrames(const WrappedContent& content, const VideoSpec& spec);

// How many of a slide's last frames blend into the next slide (a crossfade
// of about 0.4 s, at most a third of the slide); 0 for an invalid spec.
int CrossfadeFrames(const VideoSpec& spec);

// Draws the slides and encodes them as H.264 (libx264, yuv420p) in a
// fragmented MP4 streamed through callbacks.on_bytes; nothing touches disk.
// Slides are encoded on spec.lanes threads at once (encode_lanes.h) and
// written in order from the calling thread. A stop requested on `stop` is
// seen at once: no more bytes, the "cancelled" report and on_cancelled
// follow, and every lane stops before its next frame; CANCELLED is returned
// after every thread is joined and every codec resource freed.
// Thread-safe: independent calls may run concurrently on different threads.
absl::StatusOr<RenderSummary> RenderWrappedVideo(
    const WrappedContent& content, const VideoSpec& spec, std::stop_token stop,
    const RenderCallbacks& callbacks);

}  // namespace stopframe::media

#endif  // STOPFRAME_RENDERER_MEDIA_VIDEO_PIPELINE_H_
