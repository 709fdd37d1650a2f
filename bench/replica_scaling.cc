// Throughput and per-render latency of concurrent draft renders through a
// real stopframe-gateway (create_wrapped_video over its stdio), against one
// renderer process and against three renderer replicas on loopback behind
// the gateway's round_robin channel (--renderer=ipv4:A,B,C). A closed loop:
// C calls in flight at all times until --renders have finished. Each
// renderer takes up to 8 jobs, so nothing is refused.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/mcp_peer.h"
#include "tests/integration/support/renderer_harness.h"
#include "tests/integration/support/subprocess.h"

ABSL_FLAG(std::string, levels, "1,2,4,8", "Concurrent renders to try");
ABSL_FLAG(int, renders, 16, "Renders per level (at least the level)");
ABSL_FLAG(double, seconds_per_slide, 1.0, "Seconds per slide (draft)");
ABSL_FLAG(int, replicas, 3, "Renderer replicas in the second setup");
ABSL_FLAG(std::string, data_file, "",
          "If set, also writes gnuplot data: level, videos/min and p99 s for "
          "one renderer, then for the replicas");

namespace {

using stopframe::bench::Json;
using stopframe::bench::McpPeer;
using stopframe::testing::RendererHarness;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "replica_scaling: %s\n", what.c_str());
  std::exit(1);
}

struct Level {
  int concurrency = 0;
  int renders = 0;
  double videos_per_minute = 0;
  double p50_s = 0;
  double p99_s = 0;
  std::vector<int64_t> per_replica;  // completed renders on each replica
};

class Setup {
 public:
  explicit Setup(int replicas) {
    std::vector<std::string> addresses;
    for (int i = 0; i < replicas; ++i) {
      renderers_.push_back(RendererHarness::Start(8));
      if (!renderers_.back())
        Fail("renderer did not start (STOPFRAME_BIN_DIR)");
      addresses.push_back(renderers_.back()->target());
    }
    const std::string target =
        replicas == 1 ? addresses[0]
                      : absl::StrCat("ipv4:", absl::StrJoin(addresses, ","));
    const std::string dir = stopframe::testing::MakeTempDir();
    peer_ = McpPeer::Start(
        {stopframe::testing::BinaryPath("gateway/stopframe-gateway"),
         "--db=" + dir + "/journal.db", "--renderer=" + target});
    if (!peer_ || !peer_->Initialize()) Fail("gateway did not initialize");
    for (int i = 0; i < 6; ++i) {
      const std::string id = absl::StrCat("seed", i);
      peer_->CallTool(id, "create_entry",
                      {{"title", absl::StrCat("Entry ", i)},
                       {"content", "a few words for the stats"},
                       {"mood", i % 2 ? "calm" : "happy"},
                       {"tags", {i % 3 ? "walks" : "books"}},
                       {"isFavorite", i == 0},
                       {"date", absl::StrCat("2025-0", i + 1, "-1", i)}});
      if (!peer_->WaitForResponse(id, absl::Seconds(10))) Fail("seed failed");
    }
    // Warm up: connects the channel (to every replica) and the caches.
    for (int i = 0; i < replicas; ++i) RunLevel(1, 1);
  }

  // `renders` renders with `concurrency` in flight at all times.
  Level RunLevel(int concurrency, int renders) {
    std::vector<int64_t> before;
    for (auto& r : renderers_) before.push_back(r->Stats().completed());
    std::map<int64_t, absl::Time> started;
    std::vector<double> latencies;
    int sent = 0;
    auto send = [&] {
      const int64_t id = next_id_++;
      started[id] = absl::Now();
      ++sent;
      peer_->CallTool(
          id, "create_wrapped_video",
          {{"year", 2025},
           {"quality", "draft"},
           {"secondsPerSlide", absl::GetFlag(FLAGS_seconds_per_slide)}});
    };
    const absl::Time t0 = absl::Now();
    while (sent < concurrency && sent < renders) send();
    while (!started.empty()) {
      std::optional<Json> m = peer_->Next(absl::Seconds(300));
      if (!m) Fail("no response within 300 s");
      if (!McpPeer::IsResponse(*m) || !(*m)["id"].is_number_integer()) {
        continue;
      }
      const int64_t id = (*m)["id"].get<int64_t>();
      auto it = started.find(id);
      if (it == started.end()) continue;
      if (m->contains("error") || (*m)["result"].value("isError", false)) {
        Fail(absl::StrCat("render failed: ", m->dump()));
      }
      latencies.push_back(absl::ToDoubleSeconds(absl::Now() - it->second));
      started.erase(it);
      if (sent < renders) send();
    }
    const double seconds = absl::ToDoubleSeconds(absl::Now() - t0);
    Level level;
    level.concurrency = concurrency;
    level.renders = renders;
    level.videos_per_minute = renders / (seconds / 60.0);
    level.p50_s = stopframe::bench::Percentile(latencies, 0.5);
    level.p99_s = stopframe::bench::Percentile(latencies, 0.99);
    // The stats stream may lag the last response by a moment.
    for (size_t i = 0; i < renderers_.size(); ++i) {
      absl::SleepFor(absl::Milliseconds(50));
      level.per_replica.push_back(renderers_[i]->Stats().completed() -
                                  before[i]);
    }
    return level;
  }

 private:
  std::vector<std::unique_ptr<RendererHarness>> renderers_;
  std::unique_ptr<McpPeer> peer_;  // after the renderers: stopped first
  int64_t next_id_ = 1;
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::vector<int> levels;
  for (absl::string_view t : absl::StrSplit(absl::GetFlag(FLAGS_levels), ',')) {
    int c = 0;
    if (!absl::SimpleAtoi(t, &c) || c <= 0) Fail("bad --levels");
    levels.push_back(c);
  }
  const int replicas = absl::GetFlag(FLAGS_replicas);
  std::printf(
      "| renderers | concurrent | renders | videos/min | p50 s | p99 s | "
      "completed per replica |\n|---|---|---|---|---|---|---|\n");
  std::map<int, std::vector<Level>> results;  // by replica count
  for (int n : {1, replicas}) {
    Setup setup(n);
    for (int c : levels) {
      Level l = setup.RunLevel(c, std::max(c, absl::GetFlag(FLAGS_renders)));
      std::printf("| %d | %d | %d | %.1f | %.2f | %.2f | %s |\n", n,
                  l.concurrency, l.renders, l.videos_per_minute, l.p50_s,
                  l.p99_s, absl::StrJoin(l.per_replica, " / ").c_str());
      std::fflush(stdout);
      results[n].push_back(l);
    }
  }
  if (const std::string path = absl::GetFlag(FLAGS_data_file); !path.empty()) {
    std::ofstream out(path);
    out << "# concurrency vpm_1 p99_1 vpm_" << replicas << " p99_" << replicas
        << "\n";
    for (size_t i = 0; i < levels.size(); ++i) {
      const Level& a = results[1][i];
      const Level& b = results[replicas][i];
      out << a.concurrency << " " << a.videos_per_minute << " " << a.p99_s
          << " " << b.videos_per_minute << " " << b.p99_s << "\n";
    }
  }
  return 0;
}
