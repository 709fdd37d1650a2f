// Cancelling a render: stopframe against the EpicMe workshop's approach (an
// SDK server that spawns the ffmpeg CLI writing straight into its videos
// directory and SIGKILLs it on the request's AbortSignal;
// bench/node/epicme_render_server.mjs). Cancels alternate between the two at
// random frames of real renders; each side is timed from the client writing
// notifications/cancelled
//  - ours: to the renderer reporting active 0 (WatchStats) and to the
//    gateway logging the cancel (its request is done);
//  - reference: to the ffmpeg child being gone (a pidfd on it) and to the
//    tool handler returning (its stderr line).
// Then it counts the files each side left in its videos directory and how
// many of them ffprobe cannot read.
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/mcp_peer.h"
#include "tests/integration/support/mcp_test_client.h"
#include "tests/integration/support/renderer_harness.h"

ABSL_FLAG(int, cancels, 200, "Renders to cancel on each side");
ABSL_FLAG(std::string, quality, "standard", "draft, standard or high");
ABSL_FLAG(int, max_frame, 600, "Cancel at a random frame in [1, max_frame]");
ABSL_FLAG(std::string, node, STOPFRAME_NODE, "The node binary");
ABSL_FLAG(std::string, node_dir, STOPFRAME_BENCH_NODE_DIR,
          "bench/node, with its node_modules installed");

namespace {

using stopframe::bench::Json;
using stopframe::bench::McpPeer;
using stopframe::bench::Percentile;
using stopframe::testing::McpTestClient;
namespace pb = ::stopframe::renderer::v1;

constexpr absl::Duration kTimeout = absl::Seconds(60);

[[noreturn]] void Fail(const std::string& why) {
  std::fprintf(stderr, "cancel_vs_sigkill: %s\n", why.c_str());
  std::exit(1);
}

Json RenderArguments() {
  return {{"year", 2025},
          {"quality", absl::GetFlag(FLAGS_quality)},
          {"secondsPerSlide", 3}};
}

// Milliseconds from t0 to t1.
double Ms(absl::Time t0, absl::Time t1) {
  return absl::ToDoubleMilliseconds(t1 - t0);
}

// ---- ours -----------------------------------------------------------------

struct Ours {
  std::unique_ptr<stopframe::testing::RendererHarness> renderer;
  std::unique_ptr<McpTestClient> gateway;
  std::string dir, videos_dir;
  std::vector<double> idle_ms, done_ms;
};

void StartOurs(Ours& o) {
  o.renderer = stopframe::testing::RendererHarness::Start(2);
  if (!o.renderer) Fail("renderer did not start (set STOPFRAME_BIN_DIR)");
  o.dir = stopframe::testing::MakeTempDir();
  o.videos_dir = o.dir + "/videos";
  o.gateway = McpTestClient::Start({"--db=" + o.dir + "/journal.db",
                                    "--videos_dir=" + o.videos_dir,
                                    "--renderer=" + o.renderer->target()});
  o.gateway->Initialize();
  for (int i = 0; i < 6; ++i) {  // the cancel_latency journal
    const std::string id = absl::StrCat("seed", i);
    o.gateway->CallTool(id, "create_entry",
                        {{"title", absl::StrCat("Entry ", i)},
                         {"content", "a few words for the stats"},
                         {"mood", i % 2 ? "calm" : "happy"},
                         {"tags", {i % 3 ? "walks" : "books"}},
                         {"isFavorite", i == 0},
                         {"date", absl::StrCat("2025-0", i + 1, "-1", i)}},
                        false);
    if (!o.gateway->WaitForResponse(id, absl::Seconds(10))) Fail("seeding");
  }
}

void CancelOurs(Ours& o, int id, double at_frame) {
  const int64_t cancelled_before = o.renderer->Stats().cancelled();
  o.gateway->CallTool(id, "create_wrapped_video", RenderArguments());
  const bool reached = o.gateway->WaitForMessages(
      [&](const std::vector<Json>& messages) {
        for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
          if (it->value("method", "") == "notifications/progress" &&
              (*it)["params"]["progressToken"] == id) {
            return (*it)["params"]["progress"].get<double>() >= at_frame;
          }
        }
        return false;
      },
      kTimeout);
  if (!reached) Fail(absl::StrCat("our render ", id, " never got there"));
  const absl::Time t0 = absl::Now();
  o.gateway->Cancel(id, "benchmark");
  if (!o.renderer->WaitForStats(
          [&](const pb::RendererStats& s) {
            return s.active() == 0 && s.cancelled() == cancelled_before + 1;
          },
          kTimeout)) {
    Fail(absl::StrCat("our render ", id, " did not stop"));
  }
  const absl::Time t1 = absl::Now();
  if (!o.gateway->WaitForStderr(absl::StrCat("request ", id, " was cancelled"),
                                kTimeout)) {
    Fail(absl::StrCat("the gateway never finished request ", id));
  }
  const absl::Time t2 = absl::Now();
  o.idle_ms.push_back(Ms(t0, t1));
  o.done_ms.push_back(Ms(t0, t2));
  std::fprintf(stderr,
               "cancel_vs_sigkill: ours %d at frame %.0f: renderer idle "
               "%.2f ms, gateway done %.2f ms\n",
               id, at_frame, Ms(t0, t1), Ms(t0, t2));
}

// ---- the reference --------------------------------------------------------

struct Reference {
  std::unique_ptr<McpPeer> server;
  std::string dir, videos_dir;
  std::vector<double> gone_ms, settled_ms;
};

void StartReference(Reference& r) {
  r.dir = stopframe::testing::MakeTempDir();
  r.videos_dir = r.dir + "/videos";
  r.server = McpPeer::Start(
      {absl::GetFlag(FLAGS_node),
       absl::GetFlag(FLAGS_node_dir) + "/epicme_render_server.mjs",
       "--videos_dir=" + r.videos_dir},
      /*pipe_stderr=*/true);
  if (!r.server || !r.server->Initialize()) {
    Fail("the reference server did not start (npm ci --prefix bench/node?)");
  }
}

// Reads the server's stderr until a line ending in `needle`; the line.
std::string WaitForStderrLine(Reference& r, const std::string& needle) {
  while (true) {
    absl::StatusOr<std::string> line =
        stopframe::testing::ReadLine(r.server->process().stderr_fd(), kTimeout);
    if (!line.ok()) Fail(absl::StrCat("no \"", needle, "\" from the server"));
    if (absl::EndsWith(*line, needle)) return *line;
  }
}

void CancelReference(Reference& r, int id, double at_frame) {
  r.server->CallTool(id, "create_wrapped_video", RenderArguments(),
                     /*progress=*/true);
  const std::string line =
      WaitForStderrLine(r, absl::StrCat(" for request ", id));
  int pid = 0;
  if (!absl::SimpleAtoi(line.substr(11, line.find(" for ") - 11), &pid)) {
    Fail("no ffmpeg pid in: " + line);
  }
  // A pidfd turns readable when the process exits (it is node's child, not
  // ours, so waitpid is not an option).
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) Fail("ffmpeg was gone before the cancel");
  double seen_frame = 0;
  while (true) {
    std::optional<Json> m = r.server->Next(kTimeout);
    if (!m) Fail(absl::StrCat("reference render ", id, " never got there"));
    if (McpPeer::IsResponse(*m) && (*m)["id"] == id) {
      Fail("reference render finished before the cancel: " + m->dump());
    }
    if (m->value("method", "") == "notifications/progress" &&
        (*m)["params"]["progressToken"] == id &&
        (*m)["params"]["progress"].get<double>() >= at_frame) {
      seen_frame = (*m)["params"]["progress"].get<double>();
      break;
    }
  }
  const absl::Time t0 = absl::Now();
  r.server->Cancel(id);
  pollfd p{pidfd, POLLIN, 0};
  while (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(kTimeout))) <
         0) {
  }
  const absl::Time t1 = absl::Now();
  close(pidfd);
  if (!(p.revents & POLLIN)) Fail("ffmpeg survived the cancel");
  WaitForStderrLine(r, absl::StrCat("request ", id, " settled"));
  const absl::Time t2 = absl::Now();
  r.gone_ms.push_back(Ms(t0, t1));
  r.settled_ms.push_back(Ms(t0, t2));
  std::fprintf(stderr,
               "cancel_vs_sigkill: reference %d at frame %.0f (seen %.0f): "
               "ffmpeg gone %.2f ms, handler returned %.2f ms\n",
               id, at_frame, seen_frame, Ms(t0, t1), Ms(t0, t2));
}

// ---- files ----------------------------------------------------------------

struct Leftovers {
  int files = 0;
  int unreadable = 0;
};

Leftovers CountLeftovers(const std::string& dir) {
  Leftovers l;
  for (const std::string& name : stopframe::testing::ListDir(dir)) {
    ++l.files;
    if (!stopframe::testing::RunCommand(
             absl::StrCat("ffprobe -v quiet -show_entries format=duration "
                          "-of csv=p=0 '",
                          dir, "/", name, "' 2>&1"))
             .ok()) {
      ++l.unreadable;
    }
  }
  return l;
}

std::string Row(const std::string& what, const std::vector<double>& ms,
                const std::string& files, const std::string& unreadable) {
  return absl::StrFormat("| %s | %.2f | %.2f | %.2f | %s | %s |\n", what,
                         Percentile(ms, 0.5), Percentile(ms, 0.99),
                         *std::max_element(ms.begin(), ms.end()), files,
                         unreadable);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int cancels = absl::GetFlag(FLAGS_cancels);
  if (cancels < 1) return 2;
  Ours ours;
  Reference reference;
  StartOurs(ours);
  StartReference(reference);

  absl::BitGen rng;
  for (int i = 0; i < cancels; ++i) {
    const double at_frame =
        absl::Uniform<int>(rng, 1, absl::GetFlag(FLAGS_max_frame) + 1);
    // Alternate who goes first; both cancel at the same frame. Ids start at
    // 1: SDK 1.32.2 ignores notifications/cancelled for request id 0 (its
    // _oncancel tests `!requestId`).
    const int id = i + 1;
    if (i % 2 == 0) CancelOurs(ours, id, at_frame);
    CancelReference(reference, id, at_frame);
    if (i % 2 == 1) CancelOurs(ours, id, at_frame);
  }
  const Leftovers our_files = CountLeftovers(ours.videos_dir);
  const Leftovers their_files = CountLeftovers(reference.videos_dir);

  std::printf(
      "| %s, %d cancels at random frames | p50 ms | p99 ms | max ms | "
      "files left | unreadable |\n|---|---|---|---|---|---|\n",
      absl::GetFlag(FLAGS_quality).c_str(), cancels);
  std::printf("%s", Row("stopframe: to renderer idle", ours.idle_ms,
                        absl::StrCat(our_files.files),
                        absl::StrCat(our_files.unreadable))
                        .c_str());
  std::printf("%s",
              Row("stopframe: to gateway done", ours.done_ms, "", "").c_str());
  std::printf("%s", Row("ffmpeg CLI + SIGKILL: to ffmpeg gone",
                        reference.gone_ms, absl::StrCat(their_files.files),
                        absl::StrCat(their_files.unreadable))
                        .c_str());
  std::printf("%s", Row("ffmpeg CLI + SIGKILL: to handler returned",
                        reference.settled_ms, "", "")
                        .c_str());
  ours.gateway.reset();
  reference.server.reset();
  std::filesystem::remove_all(ours.dir);
  std::filesystem::remove_all(reference.dir);
  return 0;
}
