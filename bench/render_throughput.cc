// Renderer frames/s against the ffmpeg CLI producing the same spec: same
// resolution, fps, codec, preset, crf, duration and number of text slides
// (drawn with drawtext). Both run in the same process run, alternating, and
// the report gives medians, because shared machines are noisy.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
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
#include "renderer/media/huge_pages.h"
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

// The two drawtext filters of slide `i` (1-based in its text).
std::string DrawtextFilters(const VideoSpec& spec, int i,
                            const std::string& enable) {
  const std::string font = spec.font_dir + "/DejaVuSans-Bold.ttf";
  const std::string body_font = spec.font_dir + "/DejaVuSans.ttf";
  const int big = spec.height / 9, small = spec.height / 24;
  return absl::StrFormat(
      "drawtext=fontfile=%s:text='Slide %d of your 2025':fontsize=%d:"
      "fontcolor=white:x=(w-tw)/2:y=h/3%s,"
      "drawtext=fontfile=%s:text='214 entries - 48213 words - 17 "
      "tags':fontsize=%d:fontcolor=0xd0d0ff:x=(w-tw)/2:y=h/2%s",
      font, i + 1, big, enable, body_font, small, enable);
}

// The lavfi source of a slide's background, as both CLI commands use it.
std::string ColorSource(const VideoSpec& spec) {
  return absl::StrFormat("color=c=0x1e1b4b:s=%dx%d:r=%d", spec.width,
                         spec.height, spec.fps);
}

// The encoder half of both CLI commands: the renderer's codec settings and
// keyframe cap, streamed as fragmented MP4 like ours.
std::string EncodeArgs(const VideoSpec& spec, double seconds,
                       const std::string& output) {
  return absl::StrFormat(
      "-t %.3f -c:v libx264 -preset %s -crf %d -pix_fmt yuv420p -g %d "
      "-movflags frag_keyframe+empty_moov -f mp4 %s",
      seconds, spec.preset, spec.crf, 10 * spec.fps, output);
}

// The deck with hard cuts: one colour source, each slide's drawtext enabled
// in its time window. Less work than our video, which crossfades.
std::string HardCutCommand(const VideoSpec& spec, int slides,
                           int frames_per_slide, double seconds,
                           const std::string& output) {
  const double slide = static_cast<double>(frames_per_slide) / spec.fps;
  std::string filters;
  for (int i = 0; i < slides; ++i) {
    const double start = i * slide;
    const double end = start + slide;
    absl::StrAppend(&filters, filters.empty() ? "" : ",",
                    DrawtextFilters(spec, i,
                                    absl::StrFormat(":enable='between(t,%.3f,"
                                                    "%.3f)'",
                                                    start, end)));
  }
  return absl::StrFormat("ffmpeg -v error -y -f lavfi -i %s -vf \"%s\" %s",
                         ColorSource(spec), filters,
                         EncodeArgs(spec, seconds, output));
}

// The deck as our video shows it: each slide blends into the next over its
// last `fade_frames` frames (xfade), so every frame lands where ours does.
// The fastest arrangement we found: slides generated in 4:4:4, the format
// xfade works in, so the only colour conversion is the encoder's 4:2:0 at
// the end (yuv420p sources: ~35% slower, converted in and out of xfade).
std::string CrossfadeCommand(const VideoSpec& spec, int slides,
                             int frames_per_slide, int fade_frames,
                             double seconds, const std::string& output) {
  const double slide = static_cast<double>(frames_per_slide) / spec.fps;
  // xfade's first transition frame is still all of the first slide, so a
  // transition one frame longer than ours blends the same frames with the
  // same weights as FrameComposer: i / (fade_frames + 1), i = 1..fade_frames.
  const double fade = (fade_frames + 1.0) / spec.fps;
  std::string inputs, graph;
  for (int i = 0; i < slides; ++i) {
    absl::StrAppend(&inputs,
                    absl::StrFormat(" -f lavfi -t %.4f -i %s,format=yuv444p",
                                    slide + fade, ColorSource(spec)));
    absl::StrAppend(&graph, absl::StrFormat("[%d:v]%s[s%d];", i,
                                            DrawtextFilters(spec, i, ""), i));
  }
  std::string last = "s0";
  for (int k = 1; k < slides; ++k) {
    absl::StrAppend(&graph,
                    absl::StrFormat("[%s][s%d]xfade=transition=fade:"
                                    "duration=%.4f:offset=%.4f[x%d];",
                                    last, k, fade, k * slide - fade, k));
    last = absl::StrCat("x", k);
  }
  graph.pop_back();  // the last ';'
  return absl::StrFormat(
      "ffmpeg -v error -y%s -filter_complex \"%s\" "
      "-map \"[%s]\" %s",
      inputs, graph, last, EncodeArgs(spec, seconds, output));
}

void SetHugePagesOrExit(bool enabled) {
  if (absl::Status s = stopframe::media::SetTransparentHugePages(enabled);
      !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    std::exit(1);
  }
}

// Runs a CLI command through the shell as a user would, with the machine's
// huge-page policy: ours (off, as in the renderer) is inherited across fork
// and exec, so it is lifted for the child and restored after. No render of
// ours runs meanwhile.
int RunCli(const std::string& command) {
  SetHugePagesOrExit(true);
  const int rc = std::system(command.c_str());
  SetHugePagesOrExit(false);
  return rc;
}

// Runs a CLI command once into a file and checks with ffprobe that it holds
// `expected` frames, so each comparison is with a video as long as ours.
// Untimed.
void CheckFrameCount(
    const std::string& name,
    const std::function<std::string(const std::string&)>& command,
    int64_t expected) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    absl::StrCat("stopframe-bench-", getpid());
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "cli.mp4").string();
  const std::string run = command(file);
  std::string failure;
  long long counted = -1;
  if (RunCli(run) != 0) {
    failure = absl::StrCat(name, " failed: ", run);
  } else {
    const std::string probe =
        "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
        "stream=nb_read_frames -of csv=p=0 " +
        file;
    FILE* out = popen(probe.c_str(), "r");
    const bool read = out != nullptr && std::fscanf(out, "%lld", &counted) == 1;
    const int status = out != nullptr ? pclose(out) : -1;
    if (!read || status != 0) {
      failure = absl::StrCat("ffprobe could not count the frames of ", name);
    } else if (counted != expected) {
      failure = absl::StrFormat("%s made %lld frames, not %lld", name, counted,
                                static_cast<long long>(expected));
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  if (!failure.empty()) {
    std::fprintf(stderr, "%s\n", failure.c_str());
    std::exit(1);
  }
}

Sample RunFfmpeg(const std::string& command) {
  const double cpu0 = CpuSeconds(RUSAGE_CHILDREN);
  const absl::Time t0 = absl::Now();
  const int rc = RunCli(command);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - t0);
  if (rc != 0) {
    std::fprintf(stderr, "ffmpeg failed: %s\n", command.c_str());
    std::exit(1);
  }
  return {seconds, CpuSeconds(RUSAGE_CHILDREN) - cpu0};
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  av_log_set_level(AV_LOG_ERROR);  // x264's per-encode lines are noise
  SetHugePagesOrExit(false);       // as the renderer does (huge_pages.h)
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
  const int frames_per_slide = static_cast<int>(expected / slides);
  const int fade_frames = stopframe::media::CrossfadeFrames(spec);

  // The CLI making the same deck two ways: with hard cuts (less work than
  // our video) and with our crossfades (the same video). A deck too short
  // to fade only gets the first.
  struct Cli {
    std::string name;
    std::function<std::string(const std::string&)> command;
    std::vector<double> fps, cpu;
  };
  std::vector<Cli> clis;
  if (!absl::GetFlag(FLAGS_skip_ffmpeg)) {
    clis.push_back({"ffmpeg CLI (drawtext, hard cuts)",
                    [&](const std::string& out) {
                      return HardCutCommand(spec, slides, frames_per_slide,
                                            seconds, out);
                    },
                    {},
                    {}});
    if (fade_frames > 0 && slides > 1) {
      clis.push_back({"ffmpeg CLI (drawtext, xfade crossfades as ours)",
                      [&](const std::string& out) {
                        return CrossfadeCommand(spec, slides, frames_per_slide,
                                                fade_frames, seconds, out);
                      },
                      {},
                      {}});
    }
  }
  for (const Cli& cli : clis) CheckFrameCount(cli.name, cli.command, expected);

  // The renderer as it runs by default (one lane), then with a lane per
  // core (--max_lanes), then the CLI, alternating within each round.
  struct Side {
    std::string name;
    VideoSpec spec;
    std::vector<double> fps, cpu;
  };
  std::vector<Side> sides;
  sides.push_back({"stopframe renderer (1 lane, default)", spec, {}, {}});
  // The memory-saving option: x264 slice threads (--slice_threads).
  VideoSpec sliced = spec;
  sliced.slice_threads = true;
  sides.push_back(
      {"stopframe renderer (1 lane, --slice_threads)", sliced, {}, {}});
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
  for (int r = 0; r < absl::GetFlag(FLAGS_rounds); ++r) {
    for (Side& side : sides) {
      int64_t frames = 0;
      Sample ours = RunOurs(side.spec, &frames);
      side.fps.push_back(frames / ours.seconds);
      side.cpu.push_back(ours.cpu_seconds / (seconds / 60.0));
    }
    for (Cli& cli : clis) {
      Sample sample = RunFfmpeg(cli.command("/dev/null"));
      cli.fps.push_back(expected / sample.seconds);
      cli.cpu.push_back(sample.cpu_seconds / (seconds / 60.0));
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
  for (const Cli& cli : clis) {
    std::printf("| %s | %.1f | %.1f |\n", cli.name.c_str(), Median(cli.fps),
                Median(cli.cpu));
  }
  for (const Cli& cli : clis) {
    for (const Side& side : sides) {
      std::printf("| ratio: %s / %s | %.2fx | %.2fx |\n",
                  side.name.substr(side.name.find('(')).c_str(),
                  cli.name.substr(cli.name.find('(')).c_str(),
                  Median(side.fps) / Median(cli.fps),
                  Median(side.cpu) / Median(cli.cpu));
    }
  }
  return 0;
}
