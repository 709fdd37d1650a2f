#include "renderer/media/av_util.h"

#include "absl/strings/str_cat.h"

extern "C" {
#include <libavcodec/packet.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
}

namespace stopframe::media {

absl::Status AvError(const char* what, int err) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, text, sizeof(text));
  return absl::InternalError(absl::StrCat(what, ": ", text));
}

void PacketDeleter::operator()(AVPacket* packet) const {
  av_packet_free(&packet);
}

void FrameDeleter::operator()(AVFrame* frame) const { av_frame_free(&frame); }

}  // namespace stopframe::media
