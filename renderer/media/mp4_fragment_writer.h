#ifndef STOPFRAME_RENDERER_MEDIA_MP4_FRAGMENT_WRITER_H_
#define STOPFRAME_RENDERER_MEDIA_MP4_FRAGMENT_WRITER_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

struct AVCodecContext;
struct AVFormatContext;
struct AVIOContext;
struct AVPacket;
struct AVStream;

namespace stopframe::media {

// Muxes one H.264 track into a fragmented MP4
// (frag_keyframe+empty_moov+default_base_moof) written through a custom,
// non-seekable AVIOContext to a byte callback: nothing touches disk, and a
// fragment leaves at every keyframe.
// Owns every libav object it creates; the destructor frees them all, also
// mid-stream (then no trailer is written and the sink sees no more bytes).
// Not thread-safe: used from one thread. After any error it stays failed and
// every call returns that error.
class Mp4FragmentWriter {
  // Only members can make a PrivateTag, so construction goes via Create().
  struct PrivateTag {
    explicit PrivateTag() = default;
  };

 public:
  // Receives the MP4 bytes in order. A non-OK status aborts writing and is
  // returned by the call that triggered the write.
  using ByteSink = std::function<absl::Status(absl::Span<const uint8_t>)>;

  // Takes the track's parameters (size, colour, SPS/PPS) from an open
  // encoder and writes the header (ftyp + empty moov) before returning.
  static absl::StatusOr<std::unique_ptr<Mp4FragmentWriter>> Create(
      const AVCodecContext* encoder, ByteSink sink);

  Mp4FragmentWriter(PrivateTag, ByteSink sink);
  ~Mp4FragmentWriter();
  Mp4FragmentWriter(const Mp4FragmentWriter&) = delete;
  Mp4FragmentWriter& operator=(const Mp4FragmentWriter&) = delete;

  // Writes one packet, pts/dts in the encoder's time base, in decode order.
  // Takes the packet's data reference.
  absl::Status Write(AVPacket* packet);
  // Writes the last fragment and the trailer. Call once, last.
  absl::Status Finish();

  int64_t bytes_written() const { return bytes_written_; }

 private:
  static int WriteBytes(void* opaque, uint8_t* data, int size);
  absl::Status Open(const AVCodecContext* encoder);
  // Records the first error and returns it; later calls keep returning it.
  absl::Status Fail(absl::Status status);

  ByteSink sink_;
  AVFormatContext* format_ = nullptr;
  AVIOContext* io_ = nullptr;
  AVStream* stream_ = nullptr;  // owned by format_
  int encoder_time_base_num_ = 1;
  int encoder_time_base_den_ = 1;
  absl::Status sink_status_;
  absl::Status failed_;
  int64_t bytes_written_ = 0;
  bool finished_ = false;
};

}  // namespace stopframe::media

#endif  // STOPFRAME_RENDERER_MEDIA_MP4_FRAGMENT_WRITER_H_
