#ifndef STOPFRAME_RENDERER_MEDIA_FRAME_COMPOSER_H_
#define STOPFRAME_RENDERER_MEDIA_FRAME_COMPOSER_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "renderer/media/av_util.h"
#include "renderer/media/slides.h"

extern "C" {
#include <libavutil/frame.h>
}

struct SwsContext;

namespace stopframe::media {

// Turns a deck of slides into the video's YUV420P frames. Each slide is
// painted, colour-converted and given its progress segments exactly once;
// frames then only copy it or blend two slides during a crossfade. The
// progress line is per slide, not per frame, on purpose: a line that moves
// every frame keeps x264 from skipping held frames and cost ~20% of encode
// time.
// Owns its swscale context, one RGB canvas, and the YUV of at most two
// slides (current and next); the output frame borrows the canvas's bytes,
// which are idle once a slide is converted: 3 MB less at 1080p, where every
// MB counts against 150 per job. So a reference to an output frame must not
// outlive the composer nor the next call. Memory does not grow with the
// video's length. Not thread-safe: one per render, used from one thread.
class FrameComposer {
  // Only members can make a PrivateTag, so construction goes via Create().
  struct PrivateTag {
    explicit PrivateTag() = default;
  };

 public:
  // Paints slide `index` into `canvas` (width and height already set).
  using SlideSource = std::function<absl::Status(int index, RgbImage* canvas)>;

  struct Options {
    int width = 0;   // even
    int height = 0;  // even
    int slide_count = 0;
    int frames_per_slide = 0;   // >= 1
    int fade_frames = 0;        // crossfade length; < frames_per_slide
    bool progress_line = true;  // one segment per slide at the bottom
  };

  static absl::StatusOr<std::unique_ptr<FrameComposer>> Create(
      const Options& options, SlideSource source);

  FrameComposer(PrivateTag, const Options& options, SlideSource source);
  ~FrameComposer();
  FrameComposer(const FrameComposer&) = delete;
  FrameComposer& operator=(const FrameComposer&) = delete;

  int64_t frame_count() const {
    return int64_t{options_.slide_count} * options_.frames_per_slide;
  }

  // Composes the next frame (pts = its index, starting at 0, unless SeekTo
  // said otherwise). The frame is owned by the composer and stays valid until
  // the next call, which fails (FAILED_PRECONDITION) if a reference to it
  // (av_frame_ref) is still held: its bytes are the RGB canvas's, reused to
  // paint the next slide. OUT_OF_RANGE after frame_count() frames.
  absl::StatusOr<const AVFrame*> Next();

  // Makes frame `index` the next one, stamped with `pts` (and the frames
  // after it with pts + 1, ...). Slides are painted again only if needed.
  void SeekTo(int64_t index, int64_t pts);

 private:
  struct SwsDeleter {
    void operator()(SwsContext* context) const;
  };

  static absl::StatusOr<FramePtr> AllocFrame(int width, int height);
  // Sizes the canvas for an RGB slide (capacity: plus swscale's read slack)
  // and points out_'s planes into its bytes; frames too small for that get a
  // buffer of their own.
  absl::Status BindOutToCanvas();
  absl::Status Load(int index, AVFrame* into);
  void DrawProgress(int slide, AVFrame* frame) const;

  const Options options_;
  const SlideSource source_;
  std::unique_ptr<SwsContext, SwsDeleter> sws_;
  RgbImage canvas_;
  FramePtr current_;
  FramePtr next_;
  FramePtr out_;  // planes in canvas_.pixels' storage
  int current_index_ = -1;
  int next_index_ = -1;
  int out_holds_ = -1;  // slide whose pixels out_ holds unblended, or -1
  int64_t next_frame_ = 0;
  int64_t pts_offset_ = 0;  // pts - frame index
};

}  // namespace stopframe::media

#endif  // STOPFRAME_RENDERER_MEDIA_FRAME_COMPOSER_H_
