// Renderer frames/s against the ffmpeg CLI producing the same spec: same
// resolution, fps, codec, preset, crf, duration and number of text slides
// (drawn with drawtext). Both run in the same process run, alternating, and
// the report gives medians, because shared machines are noisy.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/sample_content.h"
#include "renderer/media/encode_lanes.h"
#include "renderer/media/slides.h"
#include "renderer/media/video_pipeline.h"

extern "C" {
#include <libavutil/log.h>
}

ABSL_FLAG(int, rounds, 3, "Alternating rounds (ours, then the CLI)");
ABSL_FLAG(std::string, quality, "standard", "draft, standard or high");
ABSL_FLAG(double, seconds_per_slide, 3.0, "Seconds each slide is shown");
ABSL_FLAG(std::string, preset, "veryfast", "x264 preset for both sides");
ABSL_FLAG(bool, skip_ffmpeg, false, "Only measure the renderer");
ABSL_FLAG(int, lanes, 0,
          "Encode lanes of the renderer; 0 = as the renderer "
          "picks for one render on this machine");
ABSL_FLAG(int, threads_per_lane, 0, "x264 threads per lane; 0 = auto");

namespace {

using stopframe::media::VideoSpec;

struct Sample {
  double seconds = 0;
  double cpu_seconds = 0;
};

double CpuSeconds(int who) {
  rusage u;
  getrusage(who, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

Sample RunOurs(const VideoSpec& spec, int64_t* frames) {
  std::stop_source cancelled;
  stopframe::media::RenderCallbacks callbacks;
  int64_t bytes = 0;
  callbacks.on_bytes = [&](absl::Span<const uint8_t> b) {
    bytes += b.size();
    return absl::OkStatus();
  };
  callbacks.on_progress = [](const stopframe::media::RenderProgress&) {};
  // The renderer service always asks for the poster, so the bench does too.
  callbacks.on_poster = [](std::string, int, int) {};
  const double cpu0 = CpuSeconds(RUSAGE_SELF);
  const absl::Time t0 = absl::Now();
  auto summary = stopframe::media::RenderWrappedVideo(
      stopframe::bench::SampleContent(), spec, cancelled.get_token(),
      callbacks);
  Sample s{absl::ToDoubleSeconds(absl::Now() - t0),
           CpuSeconds(RUSAGE_SELF) - cpu0};
  if (!summary.ok()) {
    std::fprintf(stderr, "render failed: %s\n",
                 summary.status().ToString().c_str());
    std::exit(1);
  }
  *frames = summary->frames;
  return s;
}

// The same deck as drawtext filters, one time window per slide.
std::string FfmpegCommand(const VideoSpec& spec, int slides, double seconds) {
  std::string filters;
  const std::string font = spec.font_dir + "/DejaVuSans-Bold.ttf";
  const std::string body_font = spec.font_dir + "/DejaVuSans.ttf";
  const int big = spec.height / 9, small = spec.height / 24;
  for (int i = 0; i < slides; ++i) {
    const double start = i * spec.seconds_per_slide;
    const double end = start + spec.seconds_per_slide;
    absl::StrAppend(
        &filters, filters.empty() ? "" : ",",
        absl::StrFormat(
            "drawtext=fontfile=%s:text='Slide %d of your 2025':fontsize=%d:"
            "fontcolor=white:x=(w-tw)/2:y=h/3:enable='between(t,%.3f,%.3f)',"
            "drawtext=fontfile=%s:text='214 entries - 48213 words - 17 "
            "tags':fontsize=%d:fontcolor=0xd0d0ff:x=(w-tw)/2:y=h/2:"
            "enable='between(t,%.3f,%.3f)'",
            font, i + 1, big, start, end, body_font, small, start, end));
  }
  return absl::StrFormat(
      "ffmpeg -v error -y -f lavfi -i color=c=0x1e1b4b:s=%dx%d:r=%d -t %.3f "
      "-vf \"%s\" -c:v libx264 -preset %s -crf %d -pix_fmt yuv420p "
      "-g %d -movflags frag_keyframe+empty_moov -f mp4 /dev/null",
      spec.width, spec.height, spec.fps, seconds, filters, spec.preset,
      spec.crf, 10 * spec.fps);
}

Sample RunFfmpeg(const std::string& command) {
  const double cpu0 = CpuSeconds(RUSAGE_CHILDREN);
  const absl::Time t0 = absl::Now();
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "ffmpeg failed: %s\n", command.c_str());
    std::exit(1);
  }
  return {absl::ToDoubleSeconds(absl::Now() - t0),
          CpuSeconds(RUSAGE_CHILDREN) - cpu0};
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  av_log_set_level(AV_LOG_ERROR);  // x264's per-encode lines are noise
  VideoSpec spec;
  const std::string quality = absl::GetFlag(FLAGS_quality);
  if (quality == "draft") {
    spec.width = 640, spec.height = 360;
  } else if (quality == "high") {
    spec.width = 1920, spec.height = 1080;
  }
  spec.seconds_per_slide = absl::GetFlag(FLAGS_seconds_per_slide);
  spec.preset = absl::GetFlag(FLAGS_preset);
  auto valid = stopframe::media::ValidateVideoSpec(spec);
  if (!valid.ok()) {
    std::fprintf(stderr, "%s\n", valid.status().ToString().c_str());
    return 1;
  }
  spec = *valid;
  const int slides = static_cast<int>(
      stopframe::media::BuildSlides(stopframe::bench::SampleContent()).size());
  const int64_t expected =
      stopframe::media::CountFrames(stopframe::bench::SampleContent(), spec);
  const double seconds = static_cast<double>(expected) / spec.fps;
  const std::string command = FfmpegCommand(spec, slides, seconds);

  // The renderer as it runs by default (one lane), then with a lane per
  // core (--max_lanes), then the CLI, alternating within each round.
  struct Side {
    std::string name;
    VideoSpec spec;
    std::vector<double> fps, cpu;
  };
  std::vector<Side> sides;
  sides.push_back({"stopframe renderer (1 lane, default)", spec, {}, {}});
  const int lanes = absl::GetFlag(FLAGS_lanes) > 0
                        ? absl::GetFlag(FLAGS_lanes)
                        : static_cast<int>(std::thread::hardware_concurrency());
  if (lanes > 1) {
    const stopframe::media::LanePlan plan =
        stopframe::media::PlanLanes(lanes, 1, lanes);
    VideoSpec multi = spec;
    multi.lanes = plan.lanes;
    multi.threads_per_lane = absl::GetFlag(FLAGS_threads_per_lane) > 0
                                 ? absl::GetFlag(FLAGS_threads_per_lane)
                                 : plan.threads_per_lane;
    sides.push_back(
        {absl::StrFormat("stopframe renderer (%d lanes x %d "
                         "threads, --max_lanes=%d)",
                         multi.lanes, multi.threads_per_lane, multi.lanes),
         multi,
         {},
         {}});
  }
  std::vector<double> cli_fps, cli_cpu;
  for (int r = 0; r < absl::GetFlag(FLAGS_rounds); ++r) {
    for (Side& side : sides) {
      int64_t frames = 0;
      Sample ours = RunOurs(side.spec, &frames);
      side.fps.push_back(frames / ours.seconds);
      side.cpu.push_back(ours.cpu_seconds / (seconds / 60.0));
    }
    if (!absl::GetFlag(FLAGS_skip_ffmpeg)) {
      Sample cli = RunFfmpeg(command);
      cli_fps.push_back(expected / cli.seconds);
      cli_cpu.push_back(cli.cpu_seconds / (seconds / 60.0));
    }
  }
  std::printf(
      "| %s %dx%d %d fps, %s crf %d, %d slides, %.0f s video | "
      "frames/s (median of %d) | CPU-s per video minute |\n",
      quality.c_str(), spec.width, spec.height, spec.fps, spec.preset.c_str(),
      spec.crf, slides, seconds, absl::GetFlag(FLAGS_rounds));
  std::printf("|---|---|---|\n");
  for (const Side& side : sides) {
    std::printf("| %s | %.1f | %.1f |\n", side.name.c_str(), Median(side.fps),
                Median(side.cpu));
  }
  if (!cli_fps.empty()) {
    std::printf("| ffmpeg CLI (drawtext) | %.1f | %.1f |\n", Median(cli_fps),
                Median(cli_cpu));
    for (const Side& side : sides) {
      std::printf("| ratio: %s / CLI | %.2fx | %.2fx |\n",
                  side.name.substr(side.name.find('(')).c_str(),
                  Median(side.fps) / Median(cli_fps),
                  Median(side.cpu) / Median(cli_cpu));
    }
  }
  return 0;
}
