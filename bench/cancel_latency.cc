// Cancel latency across the process boundary: from the client writing
// notifications/cancelled on the gateway's stdin to the renderer process
// reporting active 0 (its WatchStats stream; no polling), and to the
// renderer's CPU going quiet (its process CPU clock, sampled every 1 ms).
// Real gateway, real renderer, real gRPC; cancels land at random points.
#include <time.h>

#include <algorithm>
#include <deque>
#include <utility>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/support/mcp_test_client.h"
#include "tests/integration/support/renderer_harness.h"

ABSL_FLAG(int, cancels, 50, "How many renders to cancel");
ABSL_FLAG(std::string, quality, "standard", "draft, standard or high");
ABSL_FLAG(int, max_frame, 600, "Cancel at a random frame in [1, max_frame]");
ABSL_FLAG(std::string, samples_file, "",
          "If set, also writes every latency (ms), one per line, for plots");

namespace {

using stopframe::testing::Json;
namespace pb = ::stopframe::renderer::v1;

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  size_t i = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

absl::Duration CpuTime(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return absl::DurationFromTimespec(ts);
}

// The first moment from which the process uses under a tenth of one core for
// kWindow: its encoder threads have stopped, not just its bookkeeping.
absl::Time QuietSince(clockid_t clock) {
  constexpr absl::Duration kWindow = absl::Milliseconds(10);
  std::deque<std::pair<absl::Time, absl::Duration>> samples;
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline) {
    samples.emplace_back(absl::Now(), CpuTime(clock));
    while (samples.size() > 2 &&
           samples.back().first - samples[1].first >= kWindow) {
      samples.pop_front();
    }
    const auto& [t0, cpu0] = samples.front();
    const auto& [t1, cpu1] = samples.back();
    if (t1 - t0 >= kWindow && cpu1 - cpu0 < kWindow / 10) return t0;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return absl::InfiniteFuture();
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto renderer = stopframe::testing::RendererHarness::Start(2);
  if (!renderer) {
    std::fprintf(stderr, "renderer did not start (set STOPFRAME_BIN_DIR)\n");
    return 1;
  }
  const std::string dir = stopframe::testing::MakeTempDir();
  auto gateway = stopframe::testing::McpTestClient::Start(
      {"--db=" + dir + "/journal.db", "--renderer=" + renderer->target()});
  gateway->Initialize();
  for (int i = 0; i < 6; ++i) {
    gateway->CallTool(absl::StrCat("seed", i), "create_entry",
                      {{"title", absl::StrCat("Entry ", i)},
                       {"content", "a few words for the stats"},
                       {"mood", i % 2 ? "calm" : "happy"},
                       {"tags", {i % 3 ? "walks" : "books"}},
                       {"isFavorite", i == 0},
                       {"date", absl::StrCat("2025-0", i + 1, "-1", i)}},
                      false);
    gateway->WaitForResponse(absl::StrCat("seed", i), absl::Seconds(10));
  }

  clockid_t renderer_cpu;
  if (clock_getcpuclockid(renderer->process().pid(), &renderer_cpu) != 0) {
    std::fprintf(stderr, "no CPU clock for the renderer process\n");
    return 1;
  }

  absl::BitGen rng;
  std::vector<double> latencies_ms, quiet_ms;
  const int cancels = absl::GetFlag(FLAGS_cancels);
  for (int i = 0; i < cancels; ++i) {
    const int64_t cancelled_before = renderer->Stats().cancelled();
    const double at_frame =
        absl::Uniform<int>(rng, 1, absl::GetFlag(FLAGS_max_frame) + 1);
    gateway->CallTool(i, "create_wrapped_video",
                      {{"year", 2025},
                       {"quality", absl::GetFlag(FLAGS_quality)},
                       {"secondsPerSlide", 3}});
    bool reached = gateway->WaitForMessages(
        [&](const std::vector<Json>& messages) {
          for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
            if (it->value("method", "") == "notifications/progress" &&
                (*it)["params"]["progressToken"] == i) {
              return (*it)["params"]["progress"].get<double>() >= at_frame;
            }
          }
          return false;
        },
        absl::Seconds(60));
    if (!reached) {
      std::fprintf(stderr, "render %d never reached frame %.0f\n", i, at_frame);
      return 1;
    }
    const absl::Time t0 = absl::Now();
    gateway->Cancel(i, "benchmark");
    bool idle = renderer->WaitForStats(
        [&](const pb::RendererStats& s) {
          return s.active() == 0 && s.cancelled() == cancelled_before + 1;
        },
        absl::Seconds(30));
    const absl::Time t1 = absl::Now();
    if (!idle) {
      std::fprintf(stderr, "render %d did not stop\n", i);
      return 1;
    }
    latencies_ms.push_back(absl::ToDoubleMilliseconds(t1 - t0));
    const absl::Time quiet = QuietSince(renderer_cpu);
    if (quiet == absl::InfiniteFuture()) {
      std::fprintf(stderr, "renderer %d kept using the CPU\n", i);
      return 1;
    }
    quiet_ms.push_back(absl::ToDoubleMilliseconds(quiet - t0));
    // Let the gateway finish its side before the next render starts.
    gateway->WaitForStderr(absl::StrCat("request ", i, " was cancelled"),
                           absl::Seconds(30));
  }
  if (const std::string path = absl::GetFlag(FLAGS_samples_file);
      !path.empty()) {
    std::ofstream out(path);
    for (double ms : latencies_ms) out << ms << "\n";
  }
  std::printf("| %d cancels (%s), ms from the client's write to | p50 | "
              "p99 | max |\n|---|---|---|---|\n",
              cancels, absl::GetFlag(FLAGS_quality).c_str());
  for (const auto& [what, v] :
       {std::pair{"renderer reports active 0", &latencies_ms},
        std::pair{"renderer CPU quiet (< 10% of a core for 10 ms)", &quiet_ms}}) {
    std::printf("| %s | %.2f | %.2f | %.2f |\n", what, Percentile(*v, 0.5),
                Percentile(*v, 0.99), *std::max_element(v->begin(), v->end()));
  }
  return 0;
}
