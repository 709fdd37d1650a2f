#include "renderer/media/poster.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "renderer/media/av_util.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

namespace stopframe::media {
namespace {

// Below this the poster would be an unreadable thumbnail; give up instead.
constexpr int kMinPosterWidth = 64;

struct CodecContextDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;

}  // namespace

absl::StatusOr<std::string> EncodePng(const RgbImage& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != size_t(image.width) * image.height * 3) {
    return absl::InvalidArgumentError("EncodePng: malformed image");
  }
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
  if (codec == nullptr) {
    return absl::FailedPreconditionError("libavcodec has no png encoder");
  }
  CodecContextPtr context(avcodec_alloc_context3(codec));
  if (context == nullptr) {
    return absl::ResourceExhaustedError("avcodec_alloc_context3");
  }
  context->width = image.width;
  context->height = image.height;
  context->pix_fmt = AV_PIX_FMT_RGB24;
  context->time_base = {1, 1};
  // The encoder's default (no row filter, zlib level 6) suits slides best:
  // the backdrop's rows repeat exactly, which deflate finds unfiltered, and
  // a 480x270 poster comes to ~15-20 KB (paeth or "mixed" filters: ~30%
  // larger).
  if (int err = avcodec_open2(context.get(), codec, nullptr); err < 0) {
    return AvError("avcodec_open2(png)", err);
  }

  FramePtr frame(av_frame_alloc());
  PacketPtr packet(av_packet_alloc());
  if (frame == nullptr || packet == nullptr) {
    return absl::ResourceExhaustedError("av_frame_alloc/av_packet_alloc");
  }
  frame->format = AV_PIX_FMT_RGB24;
  frame->width = image.width;
  frame->height = image.height;
  if (int err = av_frame_get_buffer(frame.get(), 0); err < 0) {
    return AvError("av_frame_get_buffer", err);
  }
  const int row_bytes = 3 * image.width;
  for (int y = 0; y < image.height; ++y) {
    std::copy_n(image.pixels.data() + size_t(y) * row_bytes, row_bytes,
                frame->data[0] + size_t(y) * frame->linesize[0]);
  }
  frame->pts = 0;

  if (int err = avcodec_send_frame(context.get(), frame.get()); err < 0) {
    return AvError("avcodec_send_frame(png)", err);
  }
  if (int err = avcodec_send_frame(context.get(), nullptr); err < 0) {
    return AvError("avcodec_send_frame(png, flush)", err);
  }
  std::string png;
  while (true) {
    const int err = avcodec_receive_packet(context.get(), packet.get());
    if (err == AVERROR_EOF) break;
    if (err < 0) return AvError("avcodec_receive_packet(png)", err);
    png.append(reinterpret_cast<const char*>(packet->data), packet->size);
    av_packet_unref(packet.get());
  }
  if (png.empty()) return absl::InternalError("the png encoder gave no data");
  return png;
}

const Slide& PosterSlide(const std::vector<Slide>& deck) {
  for (const Slide& slide : deck) {
    if (slide.layout == SlideLayout::kStats) return slide;
  }
  return deck.front();
}

absl::StatusOr<Poster> RenderPoster(const std::vector<Slide>& deck,
                                    int video_width, int video_height,
                                    SlidePainter& painter,
                                    const PosterOptions& options) {
  if (deck.empty() || video_width <= 0 || video_height <= 0 ||
      options.max_width < kMinPosterWidth) {
    return absl::InvalidArgumentError("RenderPoster: nothing to draw");
  }
  const Slide& slide = PosterSlide(deck);
  int width = std::min(video_width, options.max_width);
  while (true) {
    RgbImage canvas;
    canvas.width = width;
    canvas.height =
        std::max(1, static_cast<int>(std::lround(double(width) * video_height /
                                                 video_width)));
    if (absl::Status s = painter.Paint(slide, &canvas); !s.ok()) return s;
    absl::StatusOr<std::string> png = EncodePng(canvas);
    if (!png.ok()) return png.status();
    if (png->size() <= options.max_bytes) {
      return Poster{*std::move(png), canvas.width, canvas.height};
    }
    // PNG size grows about with the area: aim under the budget in one step
    // where possible, and always shrink by at least a tenth.
    const double ratio =
        std::sqrt(double(options.max_bytes) / double(png->size())) * 0.95;
    const int next = static_cast<int>(width * std::min(0.9, ratio));
    if (next < kMinPosterWidth) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the poster does not fit in ", options.max_bytes, " bytes"));
    }
    width = next;
  }
}

}  // namespace stopframe::media
