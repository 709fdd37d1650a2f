#include "renderer/media/frame_composer.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "renderer/media/av_util.h"

extern "C" {
#include <libavutil/buffer.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
}

namespace stopframe::media {
namespace {

struct Yuv {
  uint8_t y, u, v;
};

// BT.709 limited range, matching the swscale setup and the stream's tags.
constexpr Yuv ToYuv(int r, int g, int b) {
  const double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const double u = (b - y) / 1.8556;
  const double v = (r - y) / 1.5748;
  return {static_cast<uint8_t>(16 + y * 219 / 255 + 0.5),
          static_cast<uint8_t>(128 + u * 224 / 255 + 0.5),
          static_cast<uint8_t>(128 + v * 224 / 255 + 0.5)};
}

constexpr Yuv kProgressFill = ToYuv(236, 236, 244);
constexpr Yuv kProgressTrack = ToYuv(36, 36, 52);

// Bytes swscale may read past the end of a packed RGB input (vector loads).
constexpr size_t kSwscaleReadSlack = 64;
// Alignment of out_'s planes and rows, as av_frame_get_buffer would give.
constexpr int kFrameAlign = 64;

int PlaneWidth(const AVFrame* f, int plane) {
  return plane == 0 ? f->width : (f->width + 1) / 2;
}
int PlaneHeight(const AVFrame* f, int plane) {
  return plane == 0 ? f->height : (f->height + 1) / 2;
}

void CopyPlanes(const AVFrame* from, AVFrame* to) {
  for (int p = 0; p < 3; ++p) {
    const int w = PlaneWidth(from, p), h = PlaneHeight(from, p);
    for (int row = 0; row < h; ++row) {
      std::memcpy(to->data[p] + row * to->linesize[p],
                  from->data[p] + row * from->linesize[p], w);
    }
  }
}

// out = (a * (256 - weight) + b * weight) / 256, per byte.
void BlendRow(const uint8_t* __restrict a, const uint8_t* __restrict b,
              uint8_t* __restrict out, int width, int weight) {
  const uint16_t wb = static_cast<uint16_t>(weight);
  const uint16_t wa = static_cast<uint16_t>(256 - weight);
  // Fixed-size blocks: at -O2 GCC only vectorizes loops with a known trip
  // count, and a scalar blend of a 720p frame costs ~1.5 ms.
  constexpr int kBlock = 32;
  int x = 0;
  for (; x + kBlock <= width; x += kBlock) {
    for (int k = 0; k < kBlock; ++k) {
      out[x + k] = static_cast<uint8_t>(
          (uint16_t(a[x + k] * wa + b[x + k] * wb + 128)) >> 8);
    }
  }
  for (; x < width; ++x) {
    out[x] = static_cast<uint8_t>((uint16_t(a[x] * wa + b[x] * wb + 128)) >> 8);
  }
}

void BlendPlanes(const AVFrame* a, const AVFrame* b, int weight, AVFrame* out) {
  for (int p = 0; p < 3; ++p) {
    const int w = PlaneWidth(a, p), h = PlaneHeight(a, p);
    for (int row = 0; row < h; ++row) {
      BlendRow(a->data[p] + row * a->linesize[p],
               b->data[p] + row * b->linesize[p],
               out->data[p] + row * out->linesize[p], w, weight);
    }
  }
}

void FillSpan(AVFrame* f, int plane, int row, int x0, int x1, uint8_t value) {
  if (x1 > x0)
    std::memset(f->data[plane] + row * f->linesize[plane] + x0, value, x1 - x0);
}

}  // namespace

void FrameComposer::SwsDeleter::operator()(SwsContext* context) const {
  sws_freeContext(context);
}

absl::StatusOr<FramePtr> FrameComposer::AllocFrame(int width, int height) {
  FramePtr frame(av_frame_alloc());
  if (frame == nullptr) return absl::ResourceExhaustedError("av_frame_alloc");
  frame->format = AV_PIX_FMT_YUV420P;
  frame->width = width;
  frame->height = height;
  if (int err = av_frame_get_buffer(frame.get(), 0); err < 0) {
    return AvError("av_frame_get_buffer", err);
  }
  return frame;
}

FrameComposer::FrameComposer(PrivateTag, const Options& options,
                             SlideSource source)
    : options_(options), source_(std::move(source)) {}

FrameComposer::~FrameComposer() = default;

absl::StatusOr<std::unique_ptr<FrameComposer>> FrameComposer::Create(
    const Options& options, SlideSource source) {
  if (options.width <= 0 || options.height <= 0 || options.width % 2 != 0 ||
      options.height % 2 != 0 || options.slide_count <= 0 ||
      options.frames_per_slide <= 0 || options.fade_frames < 0 ||
      options.fade_frames >= options.frames_per_slide) {
    return absl::InvalidArgumentError("FrameComposer: invalid options");
  }
  auto c =
      std::make_unique<FrameComposer>(PrivateTag{}, options, std::move(source));
  c->sws_.reset(sws_getContext(
      options.width, options.height, AV_PIX_FMT_RGB24, options.width,
      options.height, AV_PIX_FMT_YUV420P, SWS_BICUBIC | SWS_ACCURATE_RND,
      nullptr, nullptr, nullptr));
  if (c->sws_ == nullptr) return absl::InternalError("sws_getContext failed");
  // Full-range RGB in, BT.709 limited-range YUV out; the encoder tags the
  // stream the same way so players show the colours we drew.
  const int* bt709 = sws_getCoefficients(SWS_CS_ITU709);
  sws_setColorspaceDetails(c->sws_.get(), bt709, /*srcRange=*/1, bt709,
                           /*dstRange=*/0, 0, 1 << 16, 1 << 16);
  c->canvas_.width = options.width;
  c->canvas_.height = options.height;
  for (FramePtr* f : {&c->current_, &c->next_}) {
    absl::StatusOr<FramePtr> frame = AllocFrame(options.width, options.height);
    if (!frame.ok()) return frame.status();
    *f = *std::move(frame);
  }
  c->out_.reset(av_frame_alloc());
  if (c->out_ == nullptr) return absl::ResourceExhaustedError("av_frame_alloc");
  if (absl::Status s = c->BindOutToCanvas(); !s.ok()) return s;
  return c;
}

absl::Status FrameComposer::BindOutToCanvas() {
  const int w = options_.width, h = options_.height;
  const size_t rgb_bytes = size_t(w) * h * 3;
  // swscale's SIMD input readers load whole vectors and may read a little
  // past the last pixel; keep that slack inside the allocation (capacity).
  if (canvas_.pixels.capacity() < rgb_bytes + kSwscaleReadSlack) {
    canvas_.pixels.reserve(rgb_bytes + kSwscaleReadSlack);
  }
  canvas_.pixels.resize(rgb_bytes);
  out_holds_ = -1;
  const int yuv_bytes =
      av_image_get_buffer_size(AV_PIX_FMT_YUV420P, w, h, kFrameAlign);
  if (yuv_bytes < 0) return AvError("av_image_get_buffer_size", yuv_bytes);
  if (size_t(yuv_bytes) + kFrameAlign > rgb_bytes) {
    // Tiny frames, where row alignment outgrows the RGB: a buffer of its own,
    // made once.
    if (out_->buf[0] != nullptr) return absl::OkStatus();
    absl::StatusOr<FramePtr> frame = AllocFrame(w, h);
    if (!frame.ok()) return frame.status();
    out_ = *std::move(frame);
    return absl::OkStatus();
  }
  uint8_t* base = canvas_.pixels.data();
  base += (kFrameAlign - reinterpret_cast<uintptr_t>(base) % kFrameAlign) %
          kFrameAlign;
  av_frame_unref(out_.get());
  // The canvas owns the bytes; the frame's buffer only lends them.
  out_->buf[0] = av_buffer_create(
      base, yuv_bytes, [](void*, uint8_t*) {}, nullptr, 0);
  if (out_->buf[0] == nullptr) return absl::ResourceExhaustedError("buffer");
  out_->format = AV_PIX_FMT_YUV420P;
  out_->width = w;
  out_->height = h;
  if (int err = av_image_fill_arrays(out_->data, out_->linesize, base,
                                     AV_PIX_FMT_YUV420P, w, h, kFrameAlign);
      err < 0) {
    return AvError("av_image_fill_arrays", err);
  }
  return absl::OkStatus();
}

absl::Status FrameComposer::Load(int index, AVFrame* into) {
  // out_ lives in the canvas's bytes, so painting overwrites it;
  // BindOutToCanvas below forgets what it held.
  const absl::Status painted = source_(index, &canvas_);
  const bool sized =
      canvas_.width == options_.width && canvas_.height == options_.height &&
      canvas_.pixels.size() == size_t(canvas_.width) * canvas_.height * 3;
  // Even after an error: the source may have swapped in another vector, and
  // out_ must not be left pointing into the freed one. This also restores
  // swscale's read slack.
  if (absl::Status s = BindOutToCanvas(); !s.ok()) return s;
  if (!painted.ok()) return painted;
  if (!sized) {
    return absl::InternalError("slide source returned a wrongly sized canvas");
  }
  const uint8_t* src[] = {canvas_.pixels.data()};
  const int src_stride[] = {3 * canvas_.width};
  sws_scale(sws_.get(), src, src_stride, 0, canvas_.height, into->data,
            into->linesize);
  if (options_.progress_line) DrawProgress(index, into);
  return absl::OkStatus();
}

absl::StatusOr<const AVFrame*> FrameComposer::Next() {
  if (next_frame_ >= frame_count()) {
    return absl::OutOfRangeError("no frames left");
  }
  // out_ lives in the canvas's bytes, which the next slide is painted into,
  // so nothing may hold the previous frame now. An encoder is done with a
  // frame once its packets are drained to EAGAIN (H264Encoder::Encode does):
  // libavcodec hands it to libx264, which copies it in.
  if (!av_frame_is_writable(out_.get())) {
    return absl::FailedPreconditionError(
        "the previous frame is still referenced");
  }
  const int64_t i = next_frame_;
  const int slide = static_cast<int>(i / options_.frames_per_slide);
  const int local = static_cast<int>(i % options_.frames_per_slide);

  if (current_index_ != slide) {
    if (next_index_ == slide) {
      std::swap(current_, next_);  // the old current's buffer is reused next
      next_index_ = -1;
    } else if (absl::Status s = Load(slide, current_.get()); !s.ok()) {
      return s;
    }
    current_index_ = slide;
  }

  const int fade_start = options_.frames_per_slide - options_.fade_frames;
  if (options_.fade_frames > 0 && slide + 1 < options_.slide_count &&
      local >= fade_start) {
    if (next_index_ != slide + 1) {
      if (absl::Status s = Load(slide + 1, next_.get()); !s.ok()) return s;
      next_index_ = slide + 1;
    }
    const int step = local - fade_start + 1;  // 1..fade_frames
    BlendPlanes(current_.get(), next_.get(),
                step * 256 / (options_.fade_frames + 1), out_.get());
    out_holds_ = -1;
  } else if (out_holds_ != slide) {
    CopyPlanes(current_.get(), out_.get());
    out_holds_ = slide;
  }
  // Otherwise out_ already holds this slide: a held frame costs nothing.
  out_->pts = i + pts_offset_;
  // A keyframe where each slide begins: a seek point that x264 would spend
  // bits on anyway, instead of one every N frames in the middle of a slide.
  out_->pict_type = local == 0 ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
  ++next_frame_;
  return out_.get();
}

void FrameComposer::SeekTo(int64_t index, int64_t pts) {
  next_frame_ = index;
  pts_offset_ = pts - index;
}

void FrameComposer::DrawProgress(int slide, AVFrame* f) const {
  // One segment per slide along the bottom edge, lit up to this slide. Even
  // coordinates keep the 2x2 chroma blocks whole.
  const int thickness = std::max(2, (f->height / 180) & ~1);
  const int gap = std::max(2, (f->width / 320) & ~1);
  const int top = f->height - thickness;
  for (int i = 0; i < options_.slide_count; ++i) {
    const int x0 = (f->width * i / options_.slide_count) & ~1;
    const int x1 = ((f->width * (i + 1) / options_.slide_count) & ~1) -
                   (i + 1 < options_.slide_count ? gap : 0);
    const Yuv c = i <= slide ? kProgressFill : kProgressTrack;
    for (int row = top; row < f->height; ++row) {
      FillSpan(f, 0, row, x0, x1, c.y);
    }
    for (int row = top / 2; row < f->height / 2; ++row) {
      FillSpan(f, 1, row, x0 / 2, x1 / 2, c.u);
      FillSpan(f, 2, row, x0 / 2, x1 / 2, c.v);
    }
  }
}

}  // namespace stopframe::media
