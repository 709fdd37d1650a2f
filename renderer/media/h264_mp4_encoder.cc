#include "renderer/media/h264_mp4_encoder.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/mem.h>
}

namespace stopframe::media {
namespace {

// Size of the AVIO write buffer: bytes reach the sink in pieces of at most
// this, and at every fragment boundary.
constexpr int kIoBufferSize = 64 * 1024;

absl::Status AvError(const char* what, int err) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, text, sizeof(text));
  return absl::InternalError(absl::StrCat(what, ": ", text));
}

// Owns an AVDictionary for the duration of an open call.
class Dict {
 public:
  Dict() = default;
  ~Dict() { av_dict_free(&dict_); }
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;

  void Set(const char* key, const std::string& value) {
    av_dict_set(&dict_, key, value.c_str(), 0);
  }
  AVDictionary** get() { return &dict_; }
  // Options the callee did not consume: a typo or an unsupported setting.
  std::string Leftovers() const {
    std::string keys;
    const AVDictionaryEntry* e = nullptr;
    while ((e = av_dict_get(dict_, "", e, AV_DICT_IGNORE_SUFFIX)) != nullptr) {
      absl::StrAppend(&keys, keys.empty() ? "" : ", ", e->key);
    }
    return keys;
  }

 private:
  AVDictionary* dict_ = nullptr;
};

}  // namespace

H264Mp4Encoder::H264Mp4Encoder(PrivateTag, const VideoSpec& spec, ByteSink sink)
    : sink_(std::move(sink)),
      description_(absl::StrCat("libx264 ", spec.preset, " crf ", spec.crf)) {}

H264Mp4Encoder::~H264Mp4Encoder() {
  // Without Finish() this drops buffered frames on purpose: a cancelled or
  // failed render must not emit more bytes.
  avcodec_free_context(&codec_);
  avformat_free_context(format_);  // does not touch the custom io_
  if (io_ != nullptr) {
    av_freep(&io_->buffer);  // may have been reallocated by avio
    avio_context_free(&io_);
  }
  av_packet_free(&packet_);
}

absl::StatusOr<std::unique_ptr<H264Mp4Encoder>> H264Mp4Encoder::Create(
    const VideoSpec& spec, ByteSink sink) {
  auto encoder =
      std::make_unique<H264Mp4Encoder>(PrivateTag{}, spec, std::move(sink));
  if (absl::Status s = encoder->Open(spec); !s.ok()) return s;
  return encoder;
}

absl::Status H264Mp4Encoder::Open(const VideoSpec& spec) {
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  if (codec == nullptr) {
    return absl::FailedPreconditionError(
        "libavcodec was built without libx264");
  }
  codec_ = avcodec_alloc_context3(codec);
  packet_ = av_packet_alloc();
  if (codec_ == nullptr || packet_ == nullptr) {
    return absl::ResourceExhaustedError("cannot allocate encoder");
  }
  codec_->width = spec.width;
  codec_->height = spec.height;
  codec_->pix_fmt = AV_PIX_FMT_YUV420P;
  codec_->time_base = AVRational{1, spec.fps};
  codec_->framerate = AVRational{spec.fps, 1};
  codec_->sample_aspect_ratio = AVRational{1, 1};
  // Keyframes are forced at each slide's first frame (FrameComposer), which
  // makes every slide a seek point and a fragment; this only caps the gap.
  // Fewer needless text keyframes was worth ~20% of encode time.
  codec_->gop_size = 10 * spec.fps;
  // One x264 frame thread per core. Its default, 1.5 per core, bought no
  // speed on 2 cores, but held ~20 MB more at 1080p and more frames in
  // flight that a cancelled encoder must finish before its threads stop.
  codec_->thread_count = static_cast<int>(
      std::clamp(std::thread::hardware_concurrency(), 1u, 16u));
  // Matches the BT.709 limited-range conversion in FrameComposer.
  codec_->color_range = AVCOL_RANGE_MPEG;
  codec_->colorspace = AVCOL_SPC_BT709;
  codec_->color_primaries = AVCOL_PRI_BT709;
  codec_->color_trc = AVCOL_TRC_BT709;

  if (int err =
          avformat_alloc_output_context2(&format_, nullptr, "mp4", nullptr);
      err < 0) {
    return AvError("avformat_alloc_output_context2", err);
  }
  if (format_->oformat->flags & AVFMT_GLOBALHEADER) {
    codec_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // SPS/PPS go in the moov
  }

  Dict codec_options;
  codec_options.Set("preset", spec.preset);
  codec_options.Set("crf", absl::StrCat(spec.crf));
  if (int err = avcodec_open2(codec_, codec, codec_options.get()); err < 0) {
    return AvError("cannot open libx264", err);
  }
  if (std::string left = codec_options.Leftovers(); !left.empty()) {
    return absl::InternalError(absl::StrCat("libx264 ignored options: ", left));
  }

  stream_ = avformat_new_stream(format_, nullptr);
  if (stream_ == nullptr) return absl::ResourceExhaustedError("no stream");
  if (int err = avcodec_parameters_from_context(stream_->codecpar, codec_);
      err < 0) {
    return AvError("avcodec_parameters_from_context", err);
  }
  stream_->time_base = codec_->time_base;
  stream_->avg_frame_rate = codec_->framerate;

  auto* buffer = static_cast<unsigned char*>(av_malloc(kIoBufferSize));
  if (buffer == nullptr) return absl::ResourceExhaustedError("av_malloc");
  // No seek callback: the context is non-seekable, which is why the MP4 is
  // fragmented with an empty moov up front.
  io_ = avio_alloc_context(buffer, kIoBufferSize, /*write_flag=*/1, this,
                           nullptr, &H264Mp4Encoder::WritePacket, nullptr);
  if (io_ == nullptr) {
    av_free(buffer);
    return absl::ResourceExhaustedError("avio_alloc_context");
  }
  format_->pb = io_;

  Dict mux_options;
  mux_options.Set("movflags", "frag_keyframe+empty_moov+default_base_moof");
  int err = avformat_write_header(format_, mux_options.get());
  if (!sink_status_.ok()) return Fail(sink_status_);
  if (err < 0) return Fail(AvError("avformat_write_header", err));
  if (std::string left = mux_options.Leftovers(); !left.empty()) {
    return Fail(
        absl::InternalError(absl::StrCat("mp4 muxer ignored options: ", left)));
  }
  return absl::OkStatus();
}

int H264Mp4Encoder::WritePacket(void* opaque, uint8_t* data, int size) {
  auto* self = static_cast<H264Mp4Encoder*>(opaque);
  if (!self->sink_status_.ok()) return AVERROR_EXTERNAL;
  self->sink_status_ = self->sink_(absl::MakeConstSpan(data, size));
  if (!self->sink_status_.ok()) return AVERROR_EXTERNAL;
  self->bytes_written_ += size;
  return size;
}

absl::Status H264Mp4Encoder::Fail(absl::Status status) {
  if (failed_.ok()) failed_ = std::move(status);
  return failed_;
}

absl::Status H264Mp4Encoder::EncodeFrame(const AVFrame* frame) {
  if (!failed_.ok()) return failed_;
  if (finished_) return absl::FailedPreconditionError("encoder finished");
  if (int err = avcodec_send_frame(codec_, frame); err < 0) {
    return Fail(AvError("avcodec_send_frame", err));
  }
  return Drain();
}

absl::Status H264Mp4Encoder::Drain() {
  while (true) {
    int err = avcodec_receive_packet(codec_, packet_);
    if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return absl::OkStatus();
    if (err < 0) return Fail(AvError("avcodec_receive_packet", err));
    av_packet_rescale_ts(packet_, codec_->time_base, stream_->time_base);
    packet_->stream_index = stream_->index;
    // Takes the packet's reference and leaves packet_ blank.
    err = av_interleaved_write_frame(format_, packet_);
    // avio keeps write errors to itself, so check the sink first.
    if (!sink_status_.ok()) return Fail(sink_status_);
    if (err < 0) return Fail(AvError("av_interleaved_write_frame", err));
  }
}

absl::Status H264Mp4Encoder::Finish() {
  if (!failed_.ok()) return failed_;
  if (finished_) return absl::FailedPreconditionError("encoder finished");
  finished_ = true;
  if (int err = avcodec_send_frame(codec_, nullptr); err < 0) {
    return Fail(AvError("flushing libx264", err));
  }
  if (absl::Status s = Drain(); !s.ok()) return s;
  int err = av_write_trailer(format_);
  avio_flush(io_);
  if (!sink_status_.ok()) return Fail(sink_status_);
  if (err < 0) return Fail(AvError("av_write_trailer", err));
  if (io_->error < 0) return Fail(AvError("writing mp4", io_->error));
  return absl::OkStatus();
}

}  // namespace stopframe::media
