// Tests for encoding slides on parallel lanes: how cores are shared, that
// the joined packets make the same video one encoder makes (checked with
// ffprobe and ffmpeg's PSNR), and that a lane's error or a stop ends every
// lane without a hang.

#include "renderer/media/encode_lanes.h"

#include <pthread.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "renderer/media/frame_composer.h"
#include "renderer/media/video_pipeline.h"
#include "renderer/media/wrapped_content.h"

extern "C" {
#include <libavcodec/packet.h>
#include <libavutil/log.h>
}

namespace stopframe::media {
namespace {

using ::testing::HasSubstr;

class EncodeLanesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { av_log_set_level(AV_LOG_ERROR); }

  // Writes `bytes` to a file named after the test and `suffix`.
  static std::string WriteTemp(const std::string& bytes,
                               const std::string& suffix) {
    const std::string path = absl::StrCat(
        ::testing::TempDir(), "/encode_lanes_",
        ::testing::UnitTest::GetInstance()->current_test_info()->name(),
        suffix);
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
  }
};

// Runs a shell command and returns what it printed (stdout and stderr).
std::string RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    output.append(buffer, n);
  }
  pclose(pipe);
  return output;
}

WrappedContent Content() {
  WrappedContent c;
  c.year = 2026;
  c.display_name = "Ada";
  c.entries = 12;
  c.words = 3400;
  c.tags = 4;
  c.entries_per_month = {1, 0, 2, 1, 0, 3, 1, 0, 1, 2, 1, 0};
  c.top_tags = {{"travel", 5}, {"work", 2}};
  c.moods = {{"calm", 7}};
  c.longest_streak_days = 3;
  c.favorites = {"First snow"};
  return c;
}

VideoSpec Spec(int lanes) {
  VideoSpec spec;
  spec.width = 320;
  spec.height = 180;
  spec.fps = 30;
  spec.seconds_per_slide = 0.5;  // 15 frames: shorter than x264's lookahead
  spec.lanes = lanes;
  spec.threads_per_lane = 1;
  return spec;
}

absl::StatusOr<std::string> Render(const VideoSpec& spec) {
  std::string bytes;
  RenderCallbacks cb;
  cb.on_bytes = [&](absl::Span<const uint8_t> b) {
    bytes.append(reinterpret_cast<const char*>(b.data()), b.size());
    return absl::OkStatus();
  };
  std::stop_source never;
  absl::StatusOr<RenderSummary> summary =
      RenderWrappedVideo(Content(), spec, never.get_token(), cb);
  if (!summary.ok()) return summary.status();
  return bytes;
}

TEST_F(EncodeLanesTest, PlanSharesTheCoresAmongRenders) {
  struct Case {
    int cores, active, max_lanes, lanes, threads;
  };
  const Case cases[] = {
      {2, 1, 1, 1, 2},  // the default: one encoder using both cores
      {2, 1, 4, 2, 2},  // two lanes, overlapping
      {2, 2, 4, 1, 1},  // two renders: one core each
      {2, 5, 4, 1, 1},  // more renders than cores
      {8, 1, 4, 4, 4},   {8, 2, 4, 4, 2}, {8, 1, 1, 1, 8},
      {0, 0, 0, 1, 1},    // cores unknown: still one lane, one thread
      {64, 1, 1, 1, 16},  // never more than 16 of either
      {64, 1, 4, 4, 8},
  };
  for (const Case& c : cases) {
    const LanePlan plan = PlanLanes(c.cores, c.active, c.max_lanes);
    EXPECT_EQ(plan.lanes, c.lanes)
        << c.cores << " cores, " << c.active << " renders";
    EXPECT_EQ(plan.threads_per_lane, c.threads)
        << c.cores << " cores, " << c.active << " renders";
  }
}

TEST_F(EncodeLanesTest, ValidationFillsAndBoundsTheLanes) {
  absl::StatusOr<VideoSpec> filled = ValidateVideoSpec(VideoSpec{});
  ASSERT_TRUE(filled.ok()) << filled.status();
  EXPECT_EQ(filled->lanes, 1);  // lanes are asked for, never assumed
  EXPECT_GE(filled->threads_per_lane, 1);

  VideoSpec too_many = Spec(17);
  EXPECT_THAT(ValidateVideoSpec(too_many).status().message(),
              HasSubstr("lanes and threads_per_lane must be in 1..16"));
  VideoSpec negative = Spec(2);
  negative.threads_per_lane = -1;
  EXPECT_EQ(ValidateVideoSpec(negative).status().code(),
            absl::StatusCode::kInvalidArgument);

  // One-frame slides back to back from two encoders would repeat an IDR
  // picture id, so they get one lane.
  VideoSpec one_frame = Spec(4);
  one_frame.fps = 1;
  one_frame.seconds_per_slide = 1;
  absl::StatusOr<VideoSpec> v = ValidateVideoSpec(one_frame);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->lanes, 1);
}

// The same deck on one encoder and on three lanes: both decode without an
// error to the same frame count, timestamps and keyframes, and the pictures
// match (the slides are joined in order, not shuffled).
TEST_F(EncodeLanesTest, LanesMakeTheSameVideoAsOneEncoder) {
  absl::StatusOr<std::string> one = Render(Spec(1));
  ASSERT_TRUE(one.ok()) << one.status();
  absl::StatusOr<std::string> three = Render(Spec(3));
  ASSERT_TRUE(three.ok()) << three.status();
  const std::string one_path = WriteTemp(*one, "_one.mp4");
  const std::string three_path = WriteTemp(*three, "_three.mp4");
  const int64_t frames = CountFrames(Content(), Spec(3));
  ASSERT_GT(frames, 60);

  for (const std::string& path : {one_path, three_path}) {
    // The decoder itself complains about nothing.
    EXPECT_EQ(
        RunCommand(absl::StrCat("ffmpeg -v error -i '", path, "' -f null -")),
        "")
        << path;
    // One line per frame: pts in frames, and whether it is a keyframe.
    const std::string listing = RunCommand(
        absl::StrCat("ffprobe -v error -select_streams v:0 -show_entries "
                     "frame=pts,key_frame -of csv=p=0 '",
                     path, "'"));
    std::vector<std::string> lines =
        absl::StrSplit(listing, '\n', absl::SkipEmpty());
    ASSERT_EQ(static_cast<int64_t>(lines.size()), frames) << listing;
    int64_t previous_pts = -1;
    for (int64_t i = 0; i < frames; ++i) {
      std::vector<std::string> fields =
          absl::StrSplit(lines[i], ',', absl::SkipEmpty());
      ASSERT_EQ(fields.size(), 2u) << lines[i];
      int64_t pts = 0;
      ASSERT_TRUE(absl::SimpleAtoi(fields[1], &pts)) << lines[i];
      EXPECT_GT(pts, previous_pts) << path << " frame " << i;
      previous_pts = pts;
      // A keyframe exactly where each 15-frame slide starts.
      EXPECT_EQ(fields[0] == "1", i % 15 == 0) << path << " frame " << i;
    }
  }

  const std::string psnr = RunCommand(absl::StrCat(
      "ffmpeg -v info -nostats -i '", one_path, "' -i '", three_path,
      "' -lavfi '[0:v][1:v]psnr' -f null - 2>&1 | grep -o 'average:[^ ]*'"));
  double average = 0;
  const std::string value = psnr.substr(psnr.find(':') + 1);
  ASSERT_TRUE(
      value.rfind("inf", 0) == 0 ||
      absl::SimpleAtod(absl::StripTrailingAsciiWhitespace(value), &average))
      << psnr;
  if (value.rfind("inf", 0) != 0) {
    EXPECT_GT(average, 35.0) << psnr;
  }
  std::fprintf(stderr, "PSNR one vs three lanes: %s\n", psnr.c_str());
  std::remove(one_path.c_str());
  std::remove(three_path.c_str());
}

// Two-frame slides on two lanes: each lane's x264 sees fewer frames than
// its B-frame delay at first, so the dts it gives would collide across
// lanes; the writer's own dts makes a stream that decodes frame-exactly.
TEST_F(EncodeLanesTest, TwoFrameSlidesOnTwoLanesDecode) {
  WrappedContent empty;
  empty.year = 2026;
  empty.display_name = "Ada";
  VideoSpec spec = Spec(2);
  spec.fps = 10;
  spec.seconds_per_slide = 0.2;
  std::string bytes;
  RenderCallbacks cb;
  cb.on_bytes = [&](absl::Span<const uint8_t> b) {
    bytes.append(reinterpret_cast<const char*>(b.data()), b.size());
    return absl::OkStatus();
  };
  std::stop_source never;
  absl::StatusOr<RenderSummary> summary =
      RenderWrappedVideo(empty, spec, never.get_token(), cb);
  ASSERT_TRUE(summary.ok()) << summary.status();
  const int64_t frames = CountFrames(empty, spec);
  ASSERT_EQ(summary->frames, frames);
  const std::string path = WriteTemp(bytes, ".mp4");
  EXPECT_EQ(
      RunCommand(absl::StrCat("ffmpeg -v error -i '", path, "' -f null -")),
      "");
  EXPECT_EQ(RunCommand(absl::StrCat(
                "ffprobe -v error -count_frames -select_streams v:0 "
                "-show_entries stream=nb_read_frames -of csv=p=0 '",
                path, "'")),
            absl::StrCat(frames, "\n"));
  std::remove(path.c_str());
}

// The encode-thread hint is set on each lane thread (named sf-lane), and on
// the calling thread only while the encoders open (x264 starts its threads
// there), then undone there.
TEST_F(EncodeLanesTest, EncodeThreadHintReachesLanesAndIsUndoneOnTheCaller) {
  struct Call {
    std::thread::id thread;
    std::string name;
    bool set;
  };
  absl::Mutex mu;
  std::vector<Call> calls;
  RenderCallbacks cb;
  cb.on_bytes = [](absl::Span<const uint8_t>) { return absl::OkStatus(); };
  cb.encode_thread_hint = [&](bool set) {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof(name));
    absl::MutexLock lock(&mu);
    calls.push_back({std::this_thread::get_id(), name, set});
  };
  std::stop_source never;
  absl::StatusOr<RenderSummary> summary =
      RenderWrappedVideo(Content(), Spec(2), never.get_token(), cb);
  ASSERT_TRUE(summary.ok()) << summary.status();
  absl::MutexLock lock(&mu);
  std::vector<bool> on_caller;
  std::vector<std::thread::id> lanes;
  for (const Call& call : calls) {
    if (call.thread == std::this_thread::get_id()) {
      on_caller.push_back(call.set);
    } else {
      EXPECT_TRUE(call.set);
      EXPECT_EQ(call.name, "sf-lane");
      lanes.push_back(call.thread);
    }
  }
  EXPECT_THAT(on_caller, testing::ElementsAre(true, false));
  ASSERT_EQ(lanes.size(), 2u);
  EXPECT_NE(lanes[0], lanes[1]);
}

// A lane that fails mid-render (here: painting slide 3) ends the render
// with its error; the other lanes stop and every thread is joined.
TEST_F(EncodeLanesTest, ALaneErrorReachesTheCallerAndStopsTheOthers) {
  const VideoSpec spec = *ValidateVideoSpec(Spec(2));
  FrameComposer::Options layout;
  layout.width = spec.width;
  layout.height = spec.height;
  layout.slide_count = 8;
  layout.frames_per_slide = 15;
  layout.fade_frames = 3;
  auto make_composer = [&]() {
    return FrameComposer::Create(layout, [](int index, RgbImage* canvas) {
      if (index == 3) return absl::DataLossError("slide 3 is unpaintable");
      canvas->pixels.assign(size_t(canvas->width) * canvas->height * 3,
                            static_cast<uint8_t>(20 * index));
      return absl::OkStatus();
    });
  };
  EncodeLanes::Options options;
  options.spec = spec;
  options.lanes = 2;
  options.threads_per_lane = 1;
  options.slide_count = layout.slide_count;
  options.frames_per_slide = layout.frames_per_slide;
  std::stop_source never;
  absl::StatusOr<std::unique_ptr<EncodeLanes>> lanes =
      EncodeLanes::Create(options, make_composer, never.get_token());
  ASSERT_TRUE(lanes.ok()) << lanes.status();
  (*lanes)->Start();

  absl::Status error;
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  std::vector<PacketPtr> packets;
  for (int slide = 0; slide < layout.slide_count && error.ok();) {
    ASSERT_LT(absl::Now(), give_up) << "the lanes never finished";
    absl::StatusOr<EncodeLanes::Wait> wait =
        (*lanes)->TakeSlide(slide, absl::Now() + absl::Seconds(1), &packets);
    if (!wait.ok()) {
      error = wait.status();
    } else if (*wait == EncodeLanes::Wait::kReady) {
      ++slide;
    } else {
      ASSERT_NE(*wait, EncodeLanes::Wait::kStopped);
    }
  }
  EXPECT_EQ(error, absl::DataLossError("slide 3 is unpaintable"));
  // Slides 0..2 came out whole before the failure: 15 packets each (slide
  // 2 fades into slide 3, so the failure may also come before slide 2).
  EXPECT_EQ(packets.size() % 15, 0u);
  EXPECT_LE(packets.size(), 45u);
  lanes->reset();  // joins both lanes; a hang here fails by ctest's timeout
}

// A caller that does not take slides (a slow reader downstream) holds the
// lanes back after a few slides instead of letting them encode the whole
// deck into memory; taking slides lets them go on to the end.
TEST_F(EncodeLanesTest, ASlowReaderHoldsBackTheLanes) {
  for (int lane_count : {1, 2}) {
    SCOPED_TRACE(absl::StrCat(lane_count, " lanes"));
    const VideoSpec spec = *ValidateVideoSpec(Spec(lane_count));
    FrameComposer::Options layout;
    layout.width = spec.width;
    layout.height = spec.height;
    layout.slide_count = 20;
    layout.frames_per_slide = 15;
    auto make_composer = [&]() {
      return FrameComposer::Create(layout, [](int index, RgbImage* canvas) {
        canvas->pixels.assign(size_t(canvas->width) * canvas->height * 3,
                              static_cast<uint8_t>(10 * index));
        return absl::OkStatus();
      });
    };
    EncodeLanes::Options options;
    options.spec = spec;
    options.lanes = lane_count;
    options.threads_per_lane = 1;
    options.slide_count = layout.slide_count;
    options.frames_per_slide = layout.frames_per_slide;
    std::stop_source never;
    absl::StatusOr<std::unique_ptr<EncodeLanes>> lanes =
        EncodeLanes::Create(options, make_composer, never.get_token());
    ASSERT_TRUE(lanes.ok()) << lanes.status();
    (*lanes)->Start();

    // Every lane ends up waiting for the caller; none reached the end.
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while ((*lanes)->lanes_waiting() < lane_count) {
      ASSERT_LT(absl::Now(), give_up) << "the lanes never waited";
      std::this_thread::yield();
    }
    const int64_t ahead = (*lanes)->frames_encoded();
    // 2N slides of window, plus what x264's lookahead holds of the slide
    // the caller waits for (under one 15-frame slide at one thread).
    EXPECT_LE(ahead, (2 * lane_count + 1) * layout.frames_per_slide);
    EXPECT_GE(ahead, layout.frames_per_slide);

    std::vector<PacketPtr> packets;
    for (int slide = 0; slide < layout.slide_count;) {
      ASSERT_LT(absl::Now(), give_up) << "stuck at slide " << slide;
      absl::StatusOr<EncodeLanes::Wait> wait =
          (*lanes)->TakeSlide(slide, absl::Now() + absl::Seconds(1), &packets);
      ASSERT_TRUE(wait.ok()) << wait.status();
      ASSERT_NE(*wait, EncodeLanes::Wait::kStopped);
      if (*wait == EncodeLanes::Wait::kReady) ++slide;
    }
    EXPECT_EQ(packets.size(), 20u * 15u);
    EXPECT_EQ((*lanes)->frames_encoded(), 20 * 15);
  }
}

// A stop requested while the caller waits wakes it at once, and Halt counts
// the frames started so far; no lane starts another.
TEST_F(EncodeLanesTest, AStopWakesTheWaitingCaller) {
  VideoSpec spec = *ValidateVideoSpec(Spec(2));
  FrameComposer::Options layout;
  layout.width = spec.width;
  layout.height = spec.height;
  layout.slide_count = 4;
  layout.frames_per_slide = 30 * 60;  // a minute per slide: never ready
  auto make_composer = [&]() {
    return FrameComposer::Create(layout, [](int index, RgbImage* canvas) {
      canvas->pixels.assign(size_t(canvas->width) * canvas->height * 3,
                            static_cast<uint8_t>(30 * index));
      return absl::OkStatus();
    });
  };
  EncodeLanes::Options options;
  options.spec = spec;
  options.lanes = 2;
  options.threads_per_lane = 1;
  options.slide_count = layout.slide_count;
  options.frames_per_slide = layout.frames_per_slide;
  std::stop_source stop;
  absl::StatusOr<std::unique_ptr<EncodeLanes>> lanes =
      EncodeLanes::Create(options, make_composer, stop.get_token());
  ASSERT_TRUE(lanes.ok()) << lanes.status();
  (*lanes)->Start();
  std::thread stopper([&] {
    // Once some frames are encoded, from another thread.
    while ((*lanes)->frames_encoded() < 10 && !stop.stop_requested()) {
      std::this_thread::yield();
    }
    stop.request_stop();
  });
  std::vector<PacketPtr> packets;
  // The deadline is far beyond the test's timeout: only the stop can end
  // this wait.
  absl::StatusOr<EncodeLanes::Wait> wait =
      (*lanes)->TakeSlide(0, absl::Now() + absl::Hours(1), &packets);
  stop.request_stop();  // lets the stopper end if the wait failed early
  stopper.join();
  ASSERT_TRUE(wait.ok()) << wait.status();
  EXPECT_EQ(*wait, EncodeLanes::Wait::kStopped);
  const int64_t started = (*lanes)->Halt();
  EXPECT_GE(started, 10);
  EXPECT_LT(started, 4 * layout.frames_per_slide);
  EXPECT_TRUE(packets.empty());
}

}  // namespace
}  // namespace stopframe::media
