#ifndef STOPFRAME_RENDERER_MEDIA_AV_UTIL_H_
#define STOPFRAME_RENDERER_MEDIA_AV_UTIL_H_

#include <memory>

#include "absl/status/status.h"

struct AVFrame;
struct AVPacket;

namespace stopframe::media {

// An absl::Status for a negative libav return code, e.g.
// "avcodec_send_frame: Invalid argument".
absl::Status AvError(const char* what, int err);

struct PacketDeleter {
  void operator()(AVPacket* packet) const;
};
// An owned, reference-counted compressed packet.
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;

struct FrameDeleter {
  void operator()(AVFrame* frame) const;
};
// An owned picture.
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;

}  // namespace stopframe::media

#endif  // STOPFRAME_RENDERER_MEDIA_AV_UTIL_H_
