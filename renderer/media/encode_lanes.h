#ifndef STOPFRAME_RENDERER_MEDIA_ENCODE_LANES_H_
#define STOPFRAME_RENDERER_MEDIA_ENCODE_LANES_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "renderer/media/av_util.h"
#include "renderer/media/frame_composer.h"
#include "renderer/media/h264_encoder.h"
#include "renderer/media/lane_plan.h"
#include "renderer/media/video_pipeline.h"

namespace stopframe::media {

// Encodes a deck's slides in parallel "lanes": lane i is a thread with its
// own frame composer and x264 encoder that takes slides i, i+N, i+2N, ...
// Every slide starts with a forced keyframe and is a closed GOP, so each
// slide's packets stand alone and the caller joins them, slide by slide,
// into one track. One lane is the default: the encode then runs off the
// caller's thread, which stays free to notice a stop at once. More lanes
// can use the cores better than x264's frame threads alone (on 2 cores,
// 0-13% more frames/s) at the cost of an encoder's memory each.
// Each lane is fed contiguous timestamps; packets come back with pts on the
// video's frame numbers (dts is the caller's: see TakeSlide).
// Lanes stop before their next frame when `stop` is requested or Halt() is
// called; a lane finishes at most the frame it is in. Memory is bounded
// whatever the caller's pace: a lane does not start a slide 2N or more
// slides past the next one the caller takes, unless it owns that slide and
// has not finished it (its last frames may wait in x264's lookahead).
// Owned by the render; owns its threads and joins them in the destructor.
// Thread-safe: Start and TakeSlide are for one caller thread, slides taken
// in order; frames_encoded, lanes_waiting and Halt may be called from any
// thread. Lanes and the stop callback synchronise on mu_.
class EncodeLanes {
  // Only members can make a PrivateTag, so construction goes via Create().
  struct PrivateTag {
    explicit PrivateTag() = default;
  };

 public:
  using ComposerFactory =
      std::function<absl::StatusOr<std::unique_ptr<FrameComposer>>()>;

  struct Options {
    VideoSpec spec;  // validated
    int lanes = 1;
    int threads_per_lane = 1;
    int slide_count = 0;
    int frames_per_slide = 0;
    // Runs first on each lane thread, before its first frame: where the
    // caller gives the threads that do the encoding a scheduling hint.
    std::function<void()> on_thread_start;
  };

  // Opens every lane's composer and encoder on this thread; no frame is
  // encoded before Start().
  static absl::StatusOr<std::unique_ptr<EncodeLanes>> Create(
      const Options& options, const ComposerFactory& make_composer,
      std::stop_token stop);

  EncodeLanes(PrivateTag, const Options& options, std::stop_token stop);
  ~EncodeLanes();
  EncodeLanes(const EncodeLanes&) = delete;
  EncodeLanes& operator=(const EncodeLanes&) = delete;

  // The first lane's encoder: every lane's track parameters are the same.
  // Its context() may be read only before Start(); description() always.
  const H264Encoder& encoder() const { return *lanes_.front()->encoder; }

  // Starts the lane threads. Call once.
  void Start();

  enum class Wait { kReady, kTimedOut, kStopped };
  // Waits until slide `index` is fully encoded (kReady: its packets, in
  // decode order, with pts on the video's frame numbers, are appended to
  // `packets`; their dts are the lane's and must be set by the caller from
  // the packet's place in the whole stream), until the stop is requested
  // (kStopped), or until `deadline` (kTimedOut). A lane's error is returned
  // as the status. Slides must be taken in order, each once.
  absl::StatusOr<Wait> TakeSlide(int index, absl::Time deadline,
                                 std::vector<PacketPtr>* packets);

  // Frames whose encode has returned.
  int64_t frames_encoded() const;
  // Lanes waiting for the caller to take slides before they start another.
  int lanes_waiting() const;

  // Lets no lane start another frame and returns how many frames were
  // started: those encoded and those the lanes are finishing now.
  int64_t Halt();

 private:
  struct Lane {
    int index = 0;
    std::unique_ptr<FrameComposer> composer;
    // Declared after the composer, so destroyed first: the composer's frames
    // lend their bytes, which must outlive any reference the encoder holds.
    std::unique_ptr<H264Encoder> encoder;
    // Slides of this lane in order; the lane-local pts of each one's first
    // frame is position * frames_per_slide.
    std::vector<int> slides;
    size_t output_slide = 0;  // position in `slides` packets now belong to
  };
  struct SlideOutput {
    std::vector<PacketPtr> packets;
    bool complete = false;
  };

  void RunLane(Lane* lane);
  absl::Status EncodeLane(Lane* lane);
  // Moves a lane's packet onto the video's frame numbers and files it.
  absl::Status FilePacket(Lane* lane, PacketPtr packet);
  bool StoppedLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether `lane` owns the next slide to be taken and has not finished it.
  bool OwnsUnfinishedNextLocked(const Lane& lane) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  const std::stop_token stop_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::vector<std::thread> threads_;

  mutable absl::Mutex mu_;
  std::vector<SlideOutput> slides_ ABSL_GUARDED_BY(mu_);
  int next_to_take_ ABSL_GUARDED_BY(mu_) = 0;
  bool halted_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status failed_ ABSL_GUARDED_BY(mu_);
  int64_t frames_started_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t frames_encoded_ ABSL_GUARDED_BY(mu_) = 0;
  int lanes_waiting_ ABSL_GUARDED_BY(mu_) = 0;

  // Wakes waiters on mu_ when the stop is requested. Declared last: it is
  // removed (waiting for a running callback) before mu_ is destroyed.
  std::unique_ptr<std::stop_callback<std::function<void()>>> on_stop_;
};

}  // namespace stopframe::media

#endif  // STOPFRAME_RENDERER_MEDIA_ENCODE_LANES_H_
