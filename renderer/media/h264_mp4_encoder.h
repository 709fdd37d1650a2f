#ifndef STOPFRAME_RENDERER_MEDIA_H264_MP4_ENCODER_H_
#define STOPFRAME_RENDERER_MEDIA_H264_MP4_ENCODER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "renderer/media/video_pipeline.h"

struct AVCodecContext;
struct AVFormatContext;
struct AVFrame;
struct AVIOContext;
struct AVPacket;
struct AVStream;

namespace stopframe::media {

// Encodes YUV420P frames with libx264 and muxes them into a fragmented MP4
// (frag_keyframe+empty_moov+default_base_moof) written through a custom,
// non-seekable AVIOContext to a byte callback: nothing touches disk.
// Owns every libav object it creates; the destructor frees them all, also
// mid-stream (then no trailer is written and the sink sees no more bytes).
// Not thread-safe: one per render, used from one thread. x264 runs its own
// worker threads internally. After any error the encoder stays failed and
// every call returns that error.
class H264Mp4Encoder {
  // Only members can make a PrivateTag, so construction goes via Create().
  struct PrivateTag {
    explicit PrivateTag() = default;
  };

 public:
  // Receives the MP4 bytes in order. A non-OK status aborts encoding and is
  // returned by the call that triggered the write.
  using ByteSink = std::function<absl::Status(absl::Span<const uint8_t>)>;

  // `spec` must already be validated. Writes the MP4 header (ftyp + moov)
  // through `sink` before returning.
  static absl::StatusOr<std::unique_ptr<H264Mp4Encoder>> Create(
      const VideoSpec& spec, ByteSink sink);

  H264Mp4Encoder(PrivateTag, const VideoSpec& spec, ByteSink sink);
  ~H264Mp4Encoder();
  H264Mp4Encoder(const H264Mp4Encoder&) = delete;
  H264Mp4Encoder& operator=(const H264Mp4Encoder&) = delete;

  // Encodes one YUV420P frame of the spec's size; frame->pts counts frames
  // from 0. The frame is not retained after the call.
  absl::Status EncodeFrame(const AVFrame* frame);

  // Flushes the encoder and writes the last fragment. Call once, last.
  absl::Status Finish();

  int64_t bytes_written() const { return bytes_written_; }

  // For summaries and logs, e.g. "libx264 veryfast crf 23".
  const std::string& description() const { return description_; }

 private:
  static int WritePacket(void* opaque, uint8_t* data, int size);

  absl::Status Open(const VideoSpec& spec);
  // Moves every packet the encoder has ready into the muxer.
  absl::Status Drain();
  // Records the first error and returns it; later calls keep returning it.
  absl::Status Fail(absl::Status status);

  ByteSink sink_;
  std::string description_;
  AVCodecContext* codec_ = nullptr;
  AVFormatContext* format_ = nullptr;
  AVIOContext* io_ = nullptr;
  AVStream* stream_ = nullptr;  // owned by format_
  AVPacket* packet_ = nullptr;
  absl::Status sink_status_;
  absl::Status failed_;
  int64_t bytes_written_ = 0;
  bool finished_ = false;
};

}  // namespace stopframe::media

#endif  // STOPFRAME_RENDERER_MEDIA_H264_MP4_ENCODER_H_
