// Memory of the real processes, from /proc/PID/status: VmRSS (now) and
// VmHWM (the process's peak), plus VmRSS sampled every few ms while work
// runs. The gateway idle after initialize and under a burst of pipelined
// cheap tools/call; the renderer idle, with one job at each quality, with
// 2..N concurrent high jobs (a fresh renderer per row, so VmHWM is that
// row's peak), and across a short and a 3x longer video.
// Renders are driven straight over gRPC; the gateway through its stdio.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/mcp_peer.h"
#include "bench/render_request.h"
#include "tests/integration/support/renderer_harness.h"
#include "tests/integration/support/subprocess.h"

ABSL_FLAG(int, burst, 100, "Pipelined tools/call in the gateway burst");
ABSL_FLAG(int, max_high_jobs, 4, "Concurrent high jobs: 2..this");
ABSL_FLAG(double, seconds_per_slide, 1.0,
          "Seconds per slide of the per-quality and concurrent jobs");
ABSL_FLAG(double, short_seconds, 1.0, "Seconds per slide of the short video");
ABSL_FLAG(double, long_factor, 3.0, "The long video's seconds per slide, x");
ABSL_FLAG(std::string, long_quality, "standard",
          "Quality of the short/long video pair");

namespace {

using stopframe::bench::Json;
using stopframe::bench::McpPeer;
using stopframe::testing::RendererHarness;
namespace rpb = ::stopframe::renderer::v1;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "memory_footprint: %s\n", what.c_str());
  std::exit(1);
}

// A field of /proc/PID/status in kB, or -1.
int64_t StatusKb(pid_t pid, const char* field) {
  const std::string status =
      stopframe::testing::ReadFile(absl::StrCat("/proc/", pid, "/status"));
  const size_t at = status.find(field);
  if (at == std::string::npos) return -1;
  return std::strtoll(status.c_str() + at + std::string(field).size(), nullptr,
                      10);
}
int64_t RssKb(pid_t pid) { return StatusKb(pid, "VmRSS:"); }
int64_t HwmKb(pid_t pid) { return StatusKb(pid, "VmHWM:"); }
double Mb(int64_t kb) { return kb / 1024.0; }

// Samples VmRSS of `pid` every `period` on its own thread until destroyed.
class RssSampler {
 public:
  struct Sample {
    double seconds;  // since the sampler started
    int64_t kb;
  };
  RssSampler(pid_t pid, absl::Duration period) : pid_(pid) {
    thread_ = std::thread([this, period] {
      const absl::Time t0 = absl::Now();
      while (!stop_.load()) {
        const int64_t kb = RssKb(pid_);
        {
          absl::MutexLock lock(&mu_);
          samples_.push_back({absl::ToDoubleSeconds(absl::Now() - t0), kb});
        }
        absl::SleepFor(period);
      }
    });
  }
  ~RssSampler() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<Sample> samples() {
    absl::MutexLock lock(&mu_);
    return samples_;
  }
  int64_t MaxKb() {
    int64_t m = 0;
    for (const Sample& s : samples()) m = std::max(m, s.kb);
    return m;
  }

 private:
  const pid_t pid_;
  std::atomic<bool> stop_{false};
  absl::Mutex mu_;
  std::vector<Sample> samples_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// ---- gateway ----

void Gateway(const std::string& renderer_target) {
  const std::string dir = stopframe::testing::MakeTempDir();
  auto peer = McpPeer::Start(
      {stopframe::testing::BinaryPath("gateway/stopframe-gateway"),
       "--db=" + dir + "/journal.db", "--renderer=" + renderer_target});
  if (!peer || !peer->Initialize()) Fail("gateway did not initialize");
  const pid_t pid = peer->process().pid();
  absl::SleepFor(absl::Milliseconds(300));
  const int64_t idle_rss = RssKb(pid), idle_hwm = HwmKb(pid);
  const int64_t idle_anon = StatusKb(pid, "RssAnon:");
  const int64_t idle_file = StatusKb(pid, "RssFile:");

  // One entry to read back, then the burst: every request written before
  // any response is read.
  peer->CallTool("seed", "create_entry",
                 {{"title", "Entry"},
                  {"content", "a few words for the stats"},
                  {"mood", "calm"},
                  {"tags", {"walks"}},
                  {"date", "2025-03-14"}});
  auto seeded = peer->WaitForResponse("seed", absl::Seconds(10));
  if (!seeded || seeded->contains("error")) Fail("create_entry failed");
  const int burst = absl::GetFlag(FLAGS_burst);
  RssSampler sampler(pid, absl::Milliseconds(2));
  const absl::Time t0 = absl::Now();
  for (int i = 0; i < burst; ++i) {
    if (!peer->CallTool(i, "get_entry", {{"id", 1}})) Fail("write failed");
  }
  int answered = 0;
  while (answered < burst) {
    auto m = peer->Next(absl::Seconds(30));
    if (!m) Fail("burst timed out");
    if (McpPeer::IsResponse(*m)) ++answered;
  }
  const double burst_ms = absl::ToDoubleMilliseconds(absl::Now() - t0);
  sampler.Stop();
  const int64_t after_rss = RssKb(pid), after_hwm = HwmKb(pid);

  std::printf(
      "| stopframe-gateway | VmRSS MB | of which RssAnon / RssFile MB | "
      "VmHWM (peak) MB | target |\n|---|---|---|---|---|\n");
  std::printf(
      "| idle after initialize | %.1f | %.1f / %.1f | %.1f | <= 15 MB: "
      "%s |\n",
      Mb(idle_rss), Mb(idle_anon), Mb(idle_file), Mb(idle_hwm),
      Mb(idle_rss) <= 15 ? "met" : "MISSED");
  std::printf(
      "| after %d pipelined get_entry (%.0f ms; sampled max %.1f MB) | %.1f | "
      "%.1f / %.1f | %.1f | |\n",
      burst, burst_ms, Mb(sampler.MaxKb()), Mb(after_rss),
      Mb(StatusKb(pid, "RssAnon:")), Mb(StatusKb(pid, "RssFile:")),
      Mb(after_hwm));
  std::fflush(stdout);
}

// ---- renderer ----

struct JobsResult {
  int64_t idle_kb = 0;
  int64_t sampled_max_kb = 0;
  int64_t hwm_kb = 0;
  double seconds = 0;
  std::vector<RssSampler::Sample> samples;
};

// A fresh renderer; `jobs` concurrent renders of `request`.
JobsResult RunJobs(const rpb::RenderRequest& request, int jobs,
                   const std::vector<std::string>& renderer_flags) {
  auto renderer = RendererHarness::Start(std::max(jobs, 1), renderer_flags);
  if (!renderer) Fail("renderer did not start (set STOPFRAME_BIN_DIR)");
  const pid_t pid = renderer->process().pid();
  absl::SleepFor(absl::Milliseconds(300));
  JobsResult r;
  r.idle_kb = RssKb(pid);
  if (jobs == 0) {
    r.sampled_max_kb = r.idle_kb;
    r.hwm_kb = HwmKb(pid);
    return r;
  }
  auto stub = rpb::Renderer::NewStub(grpc::CreateChannel(
      renderer->target(), grpc::InsecureChannelCredentials()));
  RssSampler sampler(pid, absl::Milliseconds(10));
  const absl::Time t0 = absl::Now();
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int j = 0; j < jobs; ++j) {
    threads.emplace_back([&] {
      grpc::Status s = stopframe::bench::RenderAndDrain(*stub, request);
      if (!s.ok()) {
        std::fprintf(stderr, "render failed: %s\n", s.error_message().c_str());
        ++failed;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  r.seconds = absl::ToDoubleSeconds(absl::Now() - t0);
  sampler.Stop();
  if (failed > 0) Fail("a render failed");
  r.sampled_max_kb = sampler.MaxKb();
  r.hwm_kb = HwmKb(pid);
  r.samples = sampler.samples();
  return r;
}

void RendererJobs() {
  const double pace = absl::GetFlag(FLAGS_seconds_per_slide);
  std::printf(
      "| stopframe-renderer (fresh process per row, %.1f s/slide) | idle "
      "VmRSS MB | peak VmHWM MB | sampled max VmRSS MB | per job MB (peak - "
      "idle) / jobs | target |\n|---|---|---|---|---|---|\n",
      pace);
  auto row = [&](const std::string& label, const std::string& quality, int jobs,
                 std::vector<std::string> renderer_flags = {}) {
    JobsResult r = RunJobs(stopframe::bench::SampleRequest(quality, pace), jobs,
                           renderer_flags);
    const double per_job = jobs ? Mb(r.hwm_kb - r.idle_kb) / jobs : 0;
    std::string target;
    if (quality == "high" && jobs > 0) {
      target = per_job <= 150 ? "<= 150 MB/high job: met"
                              : "<= 150 MB/high job: MISSED";
    }
    std::printf("| %s | %.1f | %.1f | %.1f | %s | %s |\n", label.c_str(),
                Mb(r.idle_kb), Mb(r.hwm_kb), Mb(r.sampled_max_kb),
                jobs ? absl::StrFormat("%.1f", per_job).c_str() : "",
                target.c_str());
    std::fflush(stdout);
  };
  row("idle", "draft", 0);
  for (const char* q : {"draft", "standard", "high"}) {
    row(absl::StrCat("1 ", q, " job"), q, 1);
  }
  // The memory-saving option: x264 slice threads instead of frame threads.
  row("1 high job, --slice_threads", "high", 1, {"--slice_threads"});
  row("2 concurrent high jobs, --slice_threads", "high", 2,
      {"--slice_threads"});
  // A lane per core: the renderer's speed option, an x264 encoder per lane.
  if (const int cores = static_cast<int>(std::thread::hardware_concurrency());
      cores > 1) {
    const std::string flag = absl::StrCat("--max_lanes=", cores);
    for (const char* q : {"standard", "high"}) {
      row(absl::StrCat("1 ", q, " job, ", flag), q, 1, {flag});
    }
  }
  for (int jobs = 2; jobs <= absl::GetFlag(FLAGS_max_high_jobs); ++jobs) {
    row(absl::StrCat(jobs, " concurrent high jobs"), "high", jobs);
  }
}

// RSS in the first and last quarter of a render: flat means memory does not
// grow with the video's length.
void ShortVsLong() {
  const std::string quality = absl::GetFlag(FLAGS_long_quality);
  const double short_pace = absl::GetFlag(FLAGS_short_seconds);
  std::printf(
      "\n| %s, 9 slides | video s | render s | VmRSS MB, first quarter "
      "(median) | VmRSS MB, last quarter (median) | peak VmHWM MB |\n"
      "|---|---|---|---|---|---|\n",
      quality.c_str());
  for (double pace :
       {short_pace, short_pace * absl::GetFlag(FLAGS_long_factor)}) {
    JobsResult r =
        RunJobs(stopframe::bench::SampleRequest(quality, pace), 1, {});
    auto quarter_median = [&](double from, double to) {
      std::vector<double> kb;
      for (const auto& s : r.samples) {
        if (s.seconds >= from * r.seconds && s.seconds <= to * r.seconds) {
          kb.push_back(static_cast<double>(s.kb));
        }
      }
      return stopframe::bench::Median(kb) / 1024.0;
    };
    std::printf("| %.1f s/slide | %.0f | %.1f | %.1f | %.1f | %.1f |\n", pace,
                9 * pace, r.seconds, quarter_median(0, 0.25),
                quarter_median(0.75, 1.0), Mb(r.hwm_kb));
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  {
    // The gateway talks to a renderer it does not own (no embedded child), so
    // its RSS is its own.
    auto renderer = RendererHarness::Start(2);
    if (!renderer) Fail("renderer did not start (set STOPFRAME_BIN_DIR)");
    Gateway(renderer->target());
  }
  std::printf("\n");
  RendererJobs();
  ShortVsLong();
  return 0;
}
