#ifndef STOPFRAME_RENDERER_MEDIA_H264_ENCODER_H_
#define STOPFRAME_RENDERER_MEDIA_H264_ENCODER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "renderer/media/av_util.h"
#include "renderer/media/video_pipeline.h"

struct AVCodecContext;
struct AVFrame;

namespace stopframe::media {

// One libx264 encoder (through libavcodec) for YUV420P frames of a spec.
// SPS/PPS are kept out of band (global header) for the MP4 muxer, so every
// encoder of the same spec and thread count produces the same headers and
// their closed GOPs can be joined into one stream.
// Owns its codec context; the destructor frees it, also mid-stream (x264's
// threads finish the frames they hold first). Not thread-safe: used from one
// thread at a time. x264 may run threads of its own (`threads` > 1).
class H264Encoder {
  // Only members can make a PrivateTag, so construction goes via Create().
  struct PrivateTag {
    explicit PrivateTag() = default;
  };

 public:
  // Receives each compressed packet in decode order; pts and dts are in
  // frames (time base 1/fps), as the frames were given.
  using PacketSink = std::function<absl::Status(PacketPtr)>;

  // `spec` must already be validated. `threads` is x264's frame threads.
  static absl::StatusOr<std::unique_ptr<H264Encoder>> Create(
      const VideoSpec& spec, int threads);

  H264Encoder(PrivateTag, const VideoSpec& spec);
  ~H264Encoder();
  H264Encoder(const H264Encoder&) = delete;
  H264Encoder& operator=(const H264Encoder&) = delete;

  // Encodes one frame (not retained) and passes on every packet now ready.
  absl::Status Encode(const AVFrame* frame, const PacketSink& sink);
  // Drains the frames x264 still holds. Call once, last.
  absl::Status Flush(const PacketSink& sink);

  // For the muxer: size, colour tags, time base and the SPS/PPS.
  const AVCodecContext* context() const { return codec_; }
  // For summaries and logs, e.g. "libx264 veryfast crf 23".
  const std::string& description() const { return description_; }

 private:
  absl::Status Open(const VideoSpec& spec, int threads);
  absl::Status Drain(const PacketSink& sink);

  const std::string description_;
  AVCodecContext* codec_ = nullptr;
};

}  // namespace stopframe::media

#endif  // STOPFRAME_RENDERER_MEDIA_H264_ENCODER_H_
