#include "renderer/media/mp4_fragment_writer.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "renderer/media/av_util.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavutil/dict.h>
#include <libavutil/mem.h>
}

namespace stopframe::media {
namespace {

// Size of the AVIO write buffer: bytes reach the sink in pieces of at most
// this, and at every fragment boundary.
constexpr int kIoBufferSize = 64 * 1024;

}  // namespace

Mp4FragmentWriter::Mp4FragmentWriter(PrivateTag, ByteSink sink)
    : sink_(std::move(sink)) {}

Mp4FragmentWriter::~Mp4FragmentWriter() {
  avformat_free_context(format_);  // does not touch the custom io_
  if (io_ != nullptr) {
    av_freep(&io_->buffer);  // may have been reallocated by avio
    avio_context_free(&io_);
  }
}

absl::StatusOr<std::unique_ptr<Mp4FragmentWriter>> Mp4FragmentWriter::Create(
    const AVCodecContext* encoder, ByteSink sink) {
  auto writer =
      std::make_unique<Mp4FragmentWriter>(PrivateTag{}, std::move(sink));
  if (absl::Status s = writer->Open(encoder); !s.ok()) return s;
  return writer;
}

absl::Status Mp4FragmentWriter::Open(const AVCodecContext* encoder) {
  if (int err =
          avformat_alloc_output_context2(&format_, nullptr, "mp4", nullptr);
      err < 0) {
    return AvError("avformat_alloc_output_context2", err);
  }
  stream_ = avformat_new_stream(format_, nullptr);
  if (stream_ == nullptr) return absl::ResourceExhaustedError("no stream");
  if (int err = avcodec_parameters_from_context(stream_->codecpar, encoder);
      err < 0) {
    return AvError("avcodec_parameters_from_context", err);
  }
  encoder_time_base_num_ = encoder->time_base.num;
  encoder_time_base_den_ = encoder->time_base.den;
  stream_->time_base = encoder->time_base;
  stream_->avg_frame_rate = encoder->framerate;

  auto* buffer = static_cast<unsigned char*>(av_malloc(kIoBufferSize));
  if (buffer == nullptr) return absl::ResourceExhaustedError("av_malloc");
  // No seek callback: the context is non-seekable, which is why the MP4 is
  // fragmented with an empty moov up front.
  io_ = avio_alloc_context(buffer, kIoBufferSize, /*write_flag=*/1, this,
                           nullptr, &Mp4FragmentWriter::WriteBytes, nullptr);
  if (io_ == nullptr) {
    av_free(buffer);
    return absl::ResourceExhaustedError("avio_alloc_context");
  }
  format_->pb = io_;

  AVDictionary* options = nullptr;
  av_dict_set(&options, "movflags",
              "frag_keyframe+empty_moov+default_base_moof", 0);
  int err = avformat_write_header(format_, &options);
  const bool option_left = av_dict_count(options) > 0;
  av_dict_free(&options);
  if (!sink_status_.ok()) return Fail(sink_status_);
  if (err < 0) return Fail(AvError("avformat_write_header", err));
  if (option_left) {
    return Fail(absl::InternalError("mp4 muxer ignored its movflags"));
  }
  return absl::OkStatus();
}

int Mp4FragmentWriter::WriteBytes(void* opaque, uint8_t* data, int size) {
  auto* self = static_cast<Mp4FragmentWriter*>(opaque);
  if (!self->sink_status_.ok()) return AVERROR_EXTERNAL;
  self->sink_status_ = self->sink_(absl::MakeConstSpan(data, size));
  if (!self->sink_status_.ok()) return AVERROR_EXTERNAL;
  self->bytes_written_ += size;
  return size;
}

absl::Status Mp4FragmentWriter::Fail(absl::Status status) {
  if (failed_.ok()) failed_ = std::move(status);
  return failed_;
}

absl::Status Mp4FragmentWriter::Write(AVPacket* packet) {
  if (!failed_.ok()) return failed_;
  if (finished_) return absl::FailedPreconditionError("writer finished");
  av_packet_rescale_ts(
      packet, AVRational{encoder_time_base_num_, encoder_time_base_den_},
      stream_->time_base);
  packet->stream_index = stream_->index;
  // Takes the packet's reference and leaves it blank.
  int err = av_interleaved_write_frame(format_, packet);
  // avio keeps write errors to itself, so check the sink first.
  if (!sink_status_.ok()) return Fail(sink_status_);
  if (err < 0) return Fail(AvError("av_interleaved_write_frame", err));
  return absl::OkStatus();
}

absl::Status Mp4FragmentWriter::Finish() {
  if (!failed_.ok()) return failed_;
  if (finished_) return absl::FailedPreconditionError("writer finished");
  finished_ = true;
  int err = av_write_trailer(format_);
  avio_flush(io_);
  if (!sink_status_.ok()) return Fail(sink_status_);
  if (err < 0) return Fail(AvError("av_write_trailer", err));
  if (io_->error < 0) return Fail(AvError("writing mp4", io_->error));
  return absl::OkStatus();
}

}  // namespace stopframe::media
