// 500 draft renders on one gateway, most cancelled at a random point, the
// rest completed: afterwards nothing has leaked (threads, file descriptors,
// temp files, memory) and the renderer is idle.
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/support/mcp_test_client.h"
#include "tests/integration/support/renderer_harness.h"
#include "tests/integration/support/subprocess.h"

namespace stopframe::testing {
namespace {

constexpr absl::Duration kTimeout = absl::Seconds(60);
constexpr int kRenders = 500;

size_t CountEntries(const std::string& dir) { return ListDir(dir).size(); }

TEST(SoakTest, FiveHundredRendersCancelledOrCompletedLeaveNothingBehind) {
  const std::string dir = MakeTempDir();
  auto renderer = RendererHarness::Start(2);
  ASSERT_NE(renderer, nullptr);
  auto gateway = McpTestClient::Start(
      {"--db=" + dir + "/journal.db", "--renderer=" + renderer->target()});
  ASSERT_NE(gateway, nullptr);
  gateway->Initialize();
  gateway->CallTool("seed", "create_entry",
                    {{"title", "Soak"},
                     {"content", "a few words"},
                     {"tags", {"soak"}},
                     {"mood", "calm"},
                     {"date", "2025-04-01"}},
                    false);
  ASSERT_TRUE(gateway->WaitForResponse("seed", kTimeout).has_value());

  const std::string proc = absl::StrCat("/proc/", gateway->process().pid());
  absl::BitGen rng;
  size_t threads_warm = 0, fds_warm = 0;
  int64_t rss_warm = 0;
  int completed = 0, cancelled = 0, lost_races = 0;
  for (int i = 0; i < kRenders; ++i) {
    const bool cancel = i % 4 != 0;  // three in four are cancelled
    gateway->CallTool(i, "create_wrapped_video",
                      {{"year", 2025},
                       {"quality", "draft"},
                       {"secondsPerSlide", cancel ? 1.0 : 0.2}});
    if (cancel) {
      const double at = absl::Uniform<int>(rng, 0, 120);
      ASSERT_TRUE(gateway->WaitForMessages(
          [&](const std::vector<Json>& messages) {
            for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
              if (it->value("method", "") == "notifications/progress" &&
                  (*it)["params"]["progressToken"] == i) {
                return (*it)["params"]["progress"].get<double>() >= at;
              }
            }
            return false;
          },
          kTimeout))
          << "render " << i << " made no progress";
      gateway->Cancel(i, "soak");
      // The gateway logs either "cancelled request i: soak" or, when the
      // render's last frames beat the cancel (the client reacts to a
      // progress notification near the end), "ignored cancel for request i:
      // not in flight"; then the render completed, which MCP allows.
      ASSERT_TRUE(
          gateway->WaitForStderr(absl::StrCat("request ", i, ": "), kTimeout))
          << "render " << i << ": the cancel was never handled";
      if (gateway->WaitForStderr(
              absl::StrCat("ignored cancel for request ", i, ":"),
              absl::ZeroDuration())) {
        auto response = gateway->WaitForResponse(i, kTimeout);
        ASSERT_TRUE(response.has_value());
        ASSERT_FALSE((*response)["result"]["isError"].get<bool>());
        ++completed;
        ++lost_races;
      } else {
        ASSERT_TRUE(gateway->WaitForStderr(
            absl::StrCat("request ", i, " was cancelled"), kTimeout))
            << "render " << i << " never wound down";
        EXPECT_FALSE(gateway->HasResponse(i));
        ++cancelled;
      }
    } else {
      auto response = gateway->WaitForResponse(i, kTimeout);
      ASSERT_TRUE(response.has_value());
      ASSERT_FALSE((*response)["result"]["isError"].get<bool>())
          << response->dump();
      ++completed;
    }
    if (i == 49) {  // warmed up: pools, caches and channels exist
      threads_warm = CountEntries(proc + "/task");
      fds_warm = CountEntries(proc + "/fd");
      rss_warm = gateway->GatewayRssKb();
    }
  }
  // Most cancels must win; a lost race needs the client to react slower
  // than the render's last few frames.
  EXPECT_LE(lost_races, kRenders / 10);
  ASSERT_TRUE(renderer->WaitForStats(
      [&](const auto& s) {
        return s.active() == 0 && s.cancelled() + s.completed() == kRenders;
      },
      kTimeout))
      << renderer->Stats().DebugString();
  // A cancel can lose the race to the render's last frame: the renderer then
  // counts it completed while the gateway still drops the result (no
  // response, no file), as MCP allows.
  EXPECT_GE(renderer->Stats().completed(), completed);
  EXPECT_LE(renderer->Stats().cancelled(), cancelled);

  // gRPC's own executor starts and retires a thread or two on demand; a leak
  // would grow with the 450 renders after warm-up.
  EXPECT_LE(CountEntries(proc + "/task"), threads_warm + 2) << "leaked threads";
  EXPECT_EQ(CountEntries(proc + "/fd"), fds_warm) << "leaked descriptors";
  const int64_t rss_end = gateway->GatewayRssKb();
  EXPECT_LE(rss_end, rss_warm * 11 / 10)
      << "gateway memory " << rss_warm << " kB -> " << rss_end << " kB";
  for (const std::string& name : ListDir(dir + "/videos")) {
    EXPECT_FALSE(absl::EndsWith(name, ".part")) << "temp file left: " << name;
  }
  // Every completed call published its video. A cancel that arrives after
  // publishing (but before the response) leaves its video too, and only
  // then: never more files than the renderer completed.
  const size_t videos = ListDir(dir + "/videos").size();
  EXPECT_GE(videos, static_cast<size_t>(completed));
  EXPECT_LE(videos, static_cast<size_t>(renderer->Stats().completed()));
}

}  // namespace
}  // namespace stopframe::testing
