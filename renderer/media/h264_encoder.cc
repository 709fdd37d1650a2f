#include "renderer/media/h264_encoder.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
}

namespace stopframe::media {
namespace {

// Owns an AVDictionary of codec options for the duration of an open call.
class CodecOptions {
 public:
  CodecOptions() = default;
  ~CodecOptions() { av_dict_free(&dict_); }
  CodecOptions(const CodecOptions&) = delete;
  CodecOptions& operator=(const CodecOptions&) = delete;

  void Set(const char* key, const std::string& value) {
    av_dict_set(&dict_, key, value.c_str(), 0);
  }
  AVDictionary** get() { return &dict_; }
  // Options the codec did not consume: a typo or an unsupported setting.
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

H264Encoder::H264Encoder(PrivateTag, const VideoSpec& spec)
    : description_(absl::StrCat("libx264 ", spec.preset, " crf ", spec.crf)) {}

H264Encoder::~H264Encoder() { avcodec_free_context(&codec_); }

absl::StatusOr<std::unique_ptr<H264Encoder>> H264Encoder::Create(
    const VideoSpec& spec, int threads) {
  auto encoder = std::make_unique<H264Encoder>(PrivateTag{}, spec);
  if (absl::Status s = encoder->Open(spec, threads); !s.ok()) return s;
  return encoder;
}

absl::Status H264Encoder::Open(const VideoSpec& spec, int threads) {
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  if (codec == nullptr) {
    return absl::FailedPreconditionError(
        "libavcodec was built without libx264");
  }
  codec_ = avcodec_alloc_context3(codec);
  if (codec_ == nullptr) {
    return absl::ResourceExhaustedError("cannot allocate encoder");
  }
  codec_->width = spec.width;
  codec_->height = spec.height;
  codec_->pix_fmt = AV_PIX_FMT_YUV420P;
  codec_->time_base = AVRational{1, spec.fps};
  codec_->framerate = AVRational{spec.fps, 1};
  codec_->sample_aspect_ratio = AVRational{1, 1};
  // Keyframes are forced at each slide's first frame (FrameComposer), which
  // makes every slide a seek point, a fragment and a closed GOP; this only
  // caps the gap. Fewer needless text keyframes was worth ~20% of encode
  // time.
  codec_->gop_size = 10 * spec.fps;
  codec_->thread_count = std::max(1, threads);
  // Frame threads by default: the fastest for one render (x264 keeps ~1.75
  // of 2 cores busy). Slice threads hold one frame in flight instead, so no
  // extra frames per thread nor a second lookahead buffer: ~46 MB less at
  // 1080p, for ~20% fewer frames/s and ~2.6% more bytes
  // (docs/performance.md, section 4).
  codec_->thread_type = spec.slice_threads ? FF_THREAD_SLICE : FF_THREAD_FRAME;
  // Matches the BT.709 limited-range conversion in FrameComposer.
  codec_->color_range = AVCOL_RANGE_MPEG;
  codec_->colorspace = AVCOL_SPC_BT709;
  codec_->color_primaries = AVCOL_PRI_BT709;
  codec_->color_trc = AVCOL_TRC_BT709;
  // SPS/PPS go in the MP4's moov, not in the stream, so that packets of
  // several encoders can share one track.
  codec_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

  CodecOptions options;
  options.Set("preset", spec.preset);
  options.Set("crf", absl::StrCat(spec.crf));
  // B-frames are never kept as references: x264 holds ~2 fewer 1080p
  // frames (~20 MB) for ~1% more bytes on our slides.
  options.Set("b-pyramid", "none");
  if (int err = avcodec_open2(codec_, codec, options.get()); err < 0) {
    return AvError("cannot open libx264", err);
  }
  if (std::string left = options.Leftovers(); !left.empty()) {
    return absl::InternalError(absl::StrCat("libx264 ignored options: ", left));
  }
  return absl::OkStatus();
}

absl::Status H264Encoder::Encode(const AVFrame* frame, const PacketSink& sink) {
  if (int err = avcodec_send_frame(codec_, frame); err < 0) {
    return AvError("avcodec_send_frame", err);
  }
  return Drain(sink);
}

absl::Status H264Encoder::Flush(const PacketSink& sink) {
  if (int err = avcodec_send_frame(codec_, nullptr); err < 0) {
    return AvError("flushing libx264", err);
  }
  return Drain(sink);
}

absl::Status H264Encoder::Drain(const PacketSink& sink) {
  while (true) {
    PacketPtr packet(av_packet_alloc());
    if (packet == nullptr) return absl::ResourceExhaustedError("no packet");
    int err = avcodec_receive_packet(codec_, packet.get());
    if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return absl::OkStatus();
    if (err < 0) return AvError("avcodec_receive_packet", err);
    if (absl::Status s = sink(std::move(packet)); !s.ok()) return s;
  }
}

}  // namespace stopframe::media
