// The core path end to end, with real processes: an MCP client on the
// gateway's stdio, the gateway, real gRPC, a real renderer, real MP4s.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/thread_priority.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/support/mcp_test_client.h"
#include "tests/integration/support/renderer_harness.h"
#include "tests/integration/support/subprocess.h"

namespace stopframe::testing {
namespace {

namespace pb = ::stopframe::renderer::v1;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr absl::Duration kTimeout = absl::Seconds(60);

// ffprobe's view of a video: key=value lines.
struct Probe {
  std::string codec, pix_fmt;
  int width = 0, height = 0;
  int64_t frames = 0;
  double duration = 0;
};

Probe ProbeVideo(const std::string& path) {
  Probe p;
  auto out = RunCommand(absl::StrCat(
      "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
      "stream=codec_name,pix_fmt,width,height,nb_read_frames:format=duration "
      "-of default=nw=1 '",
      path, "'"));
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return p;
  for (absl::string_view line : absl::StrSplit(*out, '\n')) {
    std::pair<std::string, std::string> kv = absl::StrSplit(line, '=');
    if (kv.first == "codec_name") p.codec = kv.second;
    if (kv.first == "pix_fmt") p.pix_fmt = kv.second;
    if (kv.first == "width") {
      EXPECT_TRUE(absl::SimpleAtoi(kv.second, &p.width));
    }
    if (kv.first == "height") {
      EXPECT_TRUE(absl::SimpleAtoi(kv.second, &p.height));
    }
    if (kv.first == "nb_read_frames") {
      EXPECT_TRUE(absl::SimpleAtoi(kv.second, &p.frames));
    }
    if (kv.first == "duration") {
      EXPECT_TRUE(absl::SimpleAtod(kv.second, &p.duration));
    }
  }
  return p;
}

class RenderCancelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    renderer_ = RendererHarness::Start(/*max_concurrent=*/2);
    ASSERT_NE(renderer_, nullptr) << "renderer did not start";
    StartGateway({"--renderer=" + renderer_->target()});
    SeedJournal();
  }

  void StartGateway(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--db=" + dir_ + "/journal.db",
                                     "--display_name=Ada"};
    args.insert(args.end(), extra.begin(), extra.end());
    gateway_ = McpTestClient::Start(args);
    ASSERT_NE(gateway_, nullptr);
    Json init = gateway_->Initialize();
    ASSERT_EQ(init["protocolVersion"], "2025-06-18") << init.dump();
  }

  // Enough variety that every slide of the deck has something to show.
  void SeedJournal() {
    const std::vector<Json> entries = {
        {{"title", "New year walk"},
         {"content", "Cold and bright by the river"},
         {"mood", "calm"},
         {"tags", {"walks", "river"}},
         {"date", "2025-01-01"},
         {"isFavorite", true}},
        {{"title", "Second day"},
         {"content", "Kept the streak going today"},
         {"mood", "happy"},
         {"tags", {"walks"}},
         {"date", "2025-01-02"}},
        {{"title", "Spring"},
         {"content", "Blossoms everywhere, long lunch"},
         {"mood", "happy"},
         {"tags", {"garden"}},
         {"date", "2025-04-12"}},
        {{"title", "Secret"},
         {"content", "Nobody should read this"},
         {"isPrivate", true},
         {"date", "2025-07-30"}},
        {{"title", "Autumn notes"},
         {"content",
          "A very long entry about leaves and light and tea and "
          "the smell of rain on warm stones in the afternoon"},
         {"mood", "thoughtful"},
         {"tags", {"walks", "garden"}},
         {"date", "2025-10-05"}},
    };
    int n = 0;
    for (const Json& e : entries) {
      std::string id = absl::StrCat("seed-", n++);
      gateway_->CallTool(id, "create_entry", e, /*with_progress=*/false);
      auto r = gateway_->WaitForResponse(id, kTimeout);
      ASSERT_TRUE(r.has_value());
      ASSERT_FALSE((*r)["result"]["isError"].get<bool>()) << r->dump();
    }
  }

  std::string VideosDir() const { return dir_ + "/videos"; }

  void AskForAThirdRenderWhileTwoRun();

  // Renders to completion and returns the whole tool result.
  Json RenderResult(const Json& id, Json arguments) {
    gateway_->CallTool(id, "create_wrapped_video", std::move(arguments));
    auto response = gateway_->WaitForResponse(id, kTimeout);
    EXPECT_TRUE(response.has_value()) << "no response for " << id.dump();
    if (!response) return Json();
    const Json& result = (*response)["result"];
    EXPECT_FALSE(result["isError"].get<bool>()) << response->dump();
    return result;
  }

  // Renders to completion and returns the result's structuredContent.
  Json RenderToCompletion(const Json& id, Json arguments) {
    Json result = RenderResult(id, std::move(arguments));
    return result.is_object() ? result["structuredContent"] : Json();
  }

  // Waits until the gateway reports progress beyond `frames` for `id`.
  bool WaitForProgress(const Json& id, double frames) {
    return gateway_->WaitForMessages(
        [&](const std::vector<Json>& messages) {
          for (const Json& m : messages) {
            if (m.value("method", "") == "notifications/progress" &&
                m["params"]["progressToken"] == id &&
                m["params"]["progress"].get<double>() >= frames) {
              return true;
            }
          }
          return false;
        },
        kTimeout);
  }

  // A ping that answers proves the gateway is alive and has processed
  // everything sent before it.
  void ExpectPingWorks(const std::string& id) {
    gateway_->Request(id, "ping", Json::object());
    auto pong = gateway_->WaitForResponse(id, absl::Seconds(10));
    ASSERT_TRUE(pong.has_value());
    EXPECT_EQ((*pong)["result"], Json::object());
  }

  std::vector<std::string> Videos() { return ListDir(VideosDir()); }

  std::string dir_;
  std::unique_ptr<RendererHarness> renderer_;
  std::unique_ptr<McpTestClient> gateway_;
};

TEST_F(RenderCancelTest, FullRenderIsRealH264WithExpectedFramesAndDuration) {
  Json result = RenderResult(
      "full", {{"year", 2025}, {"quality", "draft"}, {"secondsPerSlide", 0.5}});
  ASSERT_TRUE(result.is_object());
  Json video = result["structuredContent"];
  ASSERT_TRUE(video.is_object());

  // Content: the text, the poster as an inline PNG, then the video link.
  const Json& content = result["content"];
  ASSERT_TRUE(content.is_array());
  ASSERT_THAT(content, SizeIs(3)) << content.dump().substr(0, 2000);
  EXPECT_EQ(content[0]["type"], "text");
  EXPECT_EQ(content[2]["type"], "resource_link");
  const Json& image = content[1];
  EXPECT_EQ(image["type"], "image");
  EXPECT_EQ(image["mimeType"], "image/png");
  ASSERT_TRUE(image["data"].is_string());
  std::string png;
  ASSERT_TRUE(absl::Base64Unescape(image["data"].get<std::string>(), &png));
  EXPECT_TRUE(absl::StartsWith(png, "\x89PNG\r\n\x1a\n"));
  EXPECT_GT(png.size(), 1000u);
  EXPECT_LE(png.size(), 200u * 1024);
  const int64_t frames = video["frames"];
  // 9 slides (every slide has data) x 0.5 s x 30 fps.
  EXPECT_EQ(frames, 9 * 15);
  EXPECT_NEAR(video["durationSeconds"].get<double>(), frames / 30.0, 1e-6);

  const std::string path = video["path"];
  EXPECT_TRUE(absl::StartsWith(path, VideosDir() + "/"));
  EXPECT_TRUE(absl::StartsWith(video["videoUri"].get<std::string>(),
                               "stopframe://videos/"));
  Probe probe = ProbeVideo(path);
  EXPECT_EQ(probe.codec, "h264");
  EXPECT_EQ(probe.pix_fmt, "yuv420p");
  EXPECT_EQ(probe.width, 640);
  EXPECT_EQ(probe.height, 360);
  EXPECT_EQ(probe.frames, frames);
  EXPECT_NEAR(probe.duration, frames / 30.0, 0.05);

  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, video["bytes"].get<int64_t>());
  EXPECT_THAT(Videos(), SizeIs(1)) << "no temp file may remain";

  // Progress: present, strictly increasing, with the frame total.
  std::vector<Json> progress = gateway_->ProgressFor("full");
  ASSERT_FALSE(progress.empty());
  double last = -1;
  for (const Json& p : progress) {
    EXPECT_GT(p["progress"].get<double>(), last);
    last = p["progress"];
    EXPECT_EQ(p["total"].get<double>(), static_cast<double>(frames));
  }
  pb::RendererStats stats = renderer_->Stats();
  EXPECT_EQ(stats.completed(), 1);
  EXPECT_EQ(stats.active(), 0);
}

TEST_F(RenderCancelTest, CancelMidRenderStopsRendererAndSendsNoResponse) {
  // A video that already exists must come through untouched.
  Json before = RenderToCompletion(
      "before",
      {{"year", 2025}, {"quality", "draft"}, {"secondsPerSlide", 0.3}});
  const std::string existing = before["path"];
  const std::string existing_bytes = ReadFile(existing);
  ASSERT_FALSE(existing_bytes.empty());

  gateway_->CallTool(
      7, "create_wrapped_video",
      {{"year", 2025}, {"quality", "standard"}, {"secondsPerSlide", 4}});
  ASSERT_TRUE(WaitForProgress(7, 10));
  gateway_->Cancel(7, "changed my mind");

  ASSERT_TRUE(renderer_->WaitForStats(
      [](const pb::RendererStats& s) {
        return s.active() == 0 && s.cancelled() == 1;
      },
      kTimeout))
      << renderer_->Stats().DebugString();
  ASSERT_TRUE(gateway_->WaitForStderr("request 7 was cancelled", kTimeout));
  ExpectPingWorks("after-cancel");
  EXPECT_FALSE(gateway_->HasResponse(7)) << "a cancelled request got a reply";

  // Nothing for id 7 after the ping's reply: no late progress either.
  std::vector<Json> messages = gateway_->Messages();
  size_t pong = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].value("id", Json()) == "after-cancel") pong = i;
  }
  for (size_t i = pong; i < messages.size(); ++i) {
    EXPECT_NE(messages[i].value("method", ""), "notifications/progress");
  }

  EXPECT_THAT(Videos(), SizeIs(1)) << "the cancelled render left a file";
  EXPECT_EQ(ReadFile(existing), existing_bytes);

  // The next request still works.
  Json after = RenderToCompletion(
      "next", {{"year", 2025}, {"quality", "draft"}, {"secondsPerSlide", 0.2}});
  EXPECT_GT(after["frames"].get<int64_t>(), 0);
  EXPECT_THAT(Videos(), SizeIs(2));
}

// A thread as /proc/PID/task/TID shows it.
struct ThreadInfo {
  std::string name;
  int nice = 0;
  std::string slice;  // se.slice in ns; "" where /proc does not show it
};

// Every thread of `pid`. A thread that exits while being read shows up with
// empty fields.
std::vector<ThreadInfo> Threads(pid_t pid) {
  std::vector<ThreadInfo> threads;
  const std::string dir = absl::StrCat("/proc/", pid, "/task");
  for (const auto& task : std::filesystem::directory_iterator(dir)) {
    ThreadInfo info;
    info.name = std::string(absl::StripTrailingAsciiWhitespace(
        ReadFile(task.path().string() + "/comm")));
    const std::string stat = ReadFile(task.path().string() + "/stat");
    // Fields after "(comm)": state is field 3, nice is field 19.
    if (const size_t paren = stat.rfind(')'); paren != std::string::npos) {
      std::vector<std::string> fields =
          absl::StrSplit(stat.substr(paren + 2), ' ');
      if (fields.size() > 16) {
        (void)absl::SimpleAtoi(fields[16], &info.nice);
      }
    }
    const std::string sched = ReadFile(task.path().string() + "/sched");
    if (const size_t at = sched.find("se.slice"); at != std::string::npos) {
      const size_t colon = sched.find(':', at);
      info.slice = std::string(absl::StripAsciiWhitespace(
          sched.substr(colon + 1, sched.find('\n', colon) - colon - 1)));
    }
    threads.push_back(std::move(info));
  }
  return threads;
}

// Whether this kernel keeps a thread's time-slice hint (Linux 6.12 and
// later, and not refused by a sandbox).
bool KernelKeepsSliceHints() {
  absl::Duration kept;
  std::thread probe([&] {
    if (SetCurrentThreadLatencySlice(absl::Microseconds(100)).ok()) {
      kept = CurrentThreadLatencySlice();
    }
  });
  probe.join();
  return kept == absl::Microseconds(100);
}

TEST_F(RenderCancelTest, EncodeThreadsYieldTheCpuAndGrpcThreadsDoNot) {
  gateway_->CallTool(
      "nice", "create_wrapped_video",
      {{"year", 2025}, {"quality", "standard"}, {"secondsPerSlide", 4}});
  ASSERT_TRUE(WaitForProgress("nice", 5));
  const std::vector<ThreadInfo> threads = Threads(renderer_->process().pid());
  gateway_->Cancel("nice", "seen enough");
  constexpr absl::string_view kLongSlice = "100000000";  // 100 ms
  int niced = 0, niced_long = 0, normal = 0, normal_long = 0, lanes = 0;
  std::string listing;
  for (const ThreadInfo& t : threads) {
    absl::StrAppend(&listing, t.name, " nice ", t.nice, " slice ", t.slice,
                    "\n");
    if (t.nice == 19) {
      ++niced;
      if (t.slice == kLongSlice) ++niced_long;
    } else if (t.nice == 0) {
      ++normal;
      if (t.slice == kLongSlice) ++normal_long;
    }
    if (t.name == "sf-lane") {
      ++lanes;
      EXPECT_EQ(t.nice, 19) << listing;
    }
  }
  // The render's thread, its lane and the x264 threads started for it run
  // at nice 19 (x264 starts frame and lookahead threads only with more than
  // one core); the main and gRPC threads, which carry the cancel, stay at 0.
  const bool multicore = std::thread::hardware_concurrency() > 1;
  EXPECT_EQ(lanes, 1) << listing;
  EXPECT_GE(niced, multicore ? 4 : 2) << listing;
  EXPECT_GE(normal, 2) << listing;
  // The lane and x264's threads ask for 100 ms slices; the render's own
  // thread is back at the default, so a stop wakes it at once, and so are
  // the threads at nice 0. Only where the kernel keeps the hint (6.12+).
  if (!KernelKeepsSliceHints() || threads.empty() || threads[0].slice.empty()) {
    std::fprintf(stderr, "no slice hints on this kernel: not checked\n");
  } else {
    EXPECT_GE(niced_long, multicore ? 3 : 1) << listing;
    // Both render workers (max_concurrent 2), the busy one included.
    EXPECT_GE(niced - niced_long, 2)
        << "the render's thread kept the long slice\n"
        << listing;
    EXPECT_EQ(normal_long, 0) << listing;
  }
  ASSERT_TRUE(renderer_->WaitForStats(
      [](const pb::RendererStats& s) { return s.active() == 0; }, kTimeout));
}

// The gateway's reader, which every message passes through, asks the kernel
// for short slices, so that with the cores busy rendering its wake-ups
// preempt a render; its other threads keep the default.
TEST_F(RenderCancelTest, ReaderThreadAsksForShortTimeSlices) {
  const std::vector<ThreadInfo> threads = Threads(gateway_->process().pid());
  std::vector<std::string> reader;
  int short_sliced = 0;
  for (const ThreadInfo& t : threads) {
    if (t.name == "sf-reader") reader.push_back(t.slice);
    if (t.slice == "100000") ++short_sliced;
  }
  ASSERT_EQ(reader.size(), 1u) << "no thread named sf-reader";
  if (reader[0].empty()) GTEST_SKIP() << "no se.slice in /proc";
  // A kernel (or sandbox) that refuses the hint: the gateway logs and goes
  // on.
  if (!KernelKeepsSliceHints()) {
    GTEST_SKIP() << "this kernel keeps no time-slice hint";
  }
  EXPECT_EQ(reader[0], "100000");
  EXPECT_EQ(short_sliced, 1) << "only the reader asks for short slices";
}

TEST_F(RenderCancelTest, CancelBeforeFirstFrameDoesNoHarm) {
  // The call and its cancel arrive in one write.
  Json call{{"jsonrpc", "2.0"},
            {"id", "early"},
            {"method", "tools/call"},
            {"params",
             {{"name", "create_wrapped_video"},
              {"arguments", {{"year", 2025}, {"quality", "draft"}}},
              {"_meta", {{"progressToken", "early"}}}}}};
  Json cancel{{"jsonrpc", "2.0"},
              {"method", "notifications/cancelled"},
              {"params", {{"requestId", "early"}}}};
  gateway_->SendRaw(call.dump() + "\n" + cancel.dump());
  ASSERT_TRUE(
      gateway_->WaitForStderr("request \"early\" was cancelled", kTimeout));
  ASSERT_TRUE(renderer_->WaitForStats(
      [](const pb::RendererStats& s) { return s.active() == 0; }, kTimeout));
  ExpectPingWorks("p");
  EXPECT_FALSE(gateway_->HasResponse("early"));
  EXPECT_THAT(Videos(), IsEmpty());
}

TEST_F(RenderCancelTest, CancelAfterCompletionIsIgnored) {
  RenderToCompletion(
      "done", {{"year", 2025}, {"quality", "draft"}, {"secondsPerSlide", 0.2}});
  const size_t before = gateway_->Messages().size();
  gateway_->Cancel("done");
  gateway_->Cancel("done");
  ExpectPingWorks("p");
  // Only the ping's reply arrived: a late cancel produces nothing.
  EXPECT_EQ(gateway_->Messages().size(), before + 1);
  EXPECT_THAT(Videos(), SizeIs(1));
  EXPECT_TRUE(
      gateway_->WaitForStderr("ignored cancel for request \"done\"", kTimeout));
}

TEST_F(RenderCancelTest, StdinEofMidRenderExitsCleanly) {
  gateway_->CallTool(
      1, "create_wrapped_video",
      {{"year", 2025}, {"quality", "standard"}, {"secondsPerSlide", 4}});
  ASSERT_TRUE(WaitForProgress(1, 5));
  gateway_->process().CloseStdin();
  std::optional<int> code = gateway_->process().WaitForExit(kTimeout);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  EXPECT_TRUE(renderer_->WaitForStats(
      [](const pb::RendererStats& s) {
        return s.active() == 0 && s.cancelled() == 1;
      },
      kTimeout));
  EXPECT_FALSE(gateway_->HasResponse(1));
  EXPECT_THAT(Videos(), IsEmpty());
}

TEST_F(RenderCancelTest, SigtermMidRenderExitsCleanly) {
  gateway_->CallTool(
      1, "create_wrapped_video",
      {{"year", 2025}, {"quality", "standard"}, {"secondsPerSlide", 4}});
  ASSERT_TRUE(WaitForProgress(1, 5));
  gateway_->process().Signal(SIGTERM);
  std::optional<int> code = gateway_->process().WaitForExit(kTimeout);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  EXPECT_TRUE(renderer_->WaitForStats(
      [](const pb::RendererStats& s) { return s.active() == 0; }, kTimeout));
  EXPECT_THAT(Videos(), IsEmpty());
}

TEST_F(RenderCancelTest, RendererKilledMidRenderReturnsClearError) {
  gateway_->CallTool(
      3, "create_wrapped_video",
      {{"year", 2025}, {"quality", "standard"}, {"secondsPerSlide", 4}});
  ASSERT_TRUE(WaitForProgress(3, 5));
  renderer_->process().Signal(SIGKILL);
  auto response = gateway_->WaitForResponse(3, absl::Seconds(5));
  ASSERT_TRUE(response.has_value()) << "no reply within 5 s of the kill";
  const Json& result = (*response)["result"];
  EXPECT_TRUE(result["isError"].get<bool>());
  const std::string text = result["content"][0]["text"];
  EXPECT_THAT(text, ::testing::HasSubstr("renderer"));
  EXPECT_THAT(text, ::testing::HasSubstr("No video was saved"));
  EXPECT_THAT(Videos(), IsEmpty());
  ExpectPingWorks("alive");
}

TEST_F(RenderCancelTest, TwoConcurrentRendersOneCancelledOtherCompletes) {
  gateway_->CallTool(
      "a", "create_wrapped_video",
      {{"year", 2025}, {"quality", "draft"}, {"secondsPerSlide", 1}});
  gateway_->CallTool(
      "b", "create_wrapped_video",
      {{"year", 2025}, {"quality", "draft"}, {"secondsPerSlide", 10}});
  ASSERT_TRUE(WaitForProgress("b", 5));
  gateway_->Cancel("b");
  auto a = gateway_->WaitForResponse("a", kTimeout);
  ASSERT_TRUE(a.has_value());
  ASSERT_FALSE((*a)["result"]["isError"].get<bool>()) << a->dump();
  Probe probe = ProbeVideo((*a)["result"]["structuredContent"]["path"]);
  EXPECT_EQ(probe.codec, "h264");
  EXPECT_EQ(probe.frames, 9 * 30);
  ASSERT_TRUE(renderer_->WaitForStats(
      [](const pb::RendererStats& s) {
        return s.active() == 0 && s.completed() == 1 && s.cancelled() == 1;
      },
      kTimeout))
      << renderer_->Stats().DebugString();
  ExpectPingWorks("p");
  EXPECT_FALSE(gateway_->HasResponse("b"));
  EXPECT_THAT(Videos(), SizeIs(1));
}

// Long renders "a" and "b" take both of the renderer's slots (1080p, 10 s a
// slide: tens of seconds of work, longer than the gateway's retries), then
// a short render "c" is asked for.
void RenderCancelTest::AskForAThirdRenderWhileTwoRun() {
  for (const char* id : {"a", "b"}) {
    gateway_->CallTool(
        id, "create_wrapped_video",
        {{"year", 2025}, {"quality", "high"}, {"secondsPerSlide", 10}});
  }
  ASSERT_TRUE(WaitForProgress("a", 1));
  ASSERT_TRUE(WaitForProgress("b", 1));
  gateway_->CallTool(
      "c", "create_wrapped_video",
      {{"year", 2025}, {"quality", "draft"}, {"secondsPerSlide", 0.2}});
}

// Stop, then start again at once: the new render finds every slot still
// taken for a moment (the stopped one is winding down), and is retried by
// gRPC until one frees, instead of failing with "renderer is busy".
TEST_F(RenderCancelTest, RenderStartedWhileSlotsAreTakenGetsTheNextFreeSlot) {
  ASSERT_NO_FATAL_FAILURE(AskForAThirdRenderWhileTwoRun());
  // c's first attempt was refused: both slots are taken.
  ASSERT_TRUE(renderer_->WaitForStats(
      [](const pb::RendererStats& s) { return s.rejected() >= 1; }, kTimeout))
      << renderer_->Stats().DebugString();
  gateway_->Cancel("a", "start over");
  auto c = gateway_->WaitForResponse("c", kTimeout);
  ASSERT_TRUE(c.has_value());
  ASSERT_FALSE((*c)["result"]["isError"].get<bool>()) << c->dump();
  EXPECT_GT((*c)["result"]["structuredContent"]["frames"].get<int64_t>(), 0);
  gateway_->Cancel("b");
  ASSERT_TRUE(renderer_->WaitForStats(
      [](const pb::RendererStats& s) {
        return s.active() == 0 && s.completed() == 1 && s.cancelled() == 2;
      },
      kTimeout))
      << renderer_->Stats().DebugString();
  // The gateway removes a cancelled render's temp file as its call ends.
  for (const char* id : {"a", "b"}) {
    ASSERT_TRUE(gateway_->WaitForStderr(
        absl::StrCat("request \"", id, "\" was cancelled"), kTimeout));
    EXPECT_FALSE(gateway_->HasResponse(id));
  }
  EXPECT_THAT(Videos(), SizeIs(1));
}

// A renderer that stays busy past the retries: a clear tool error that says
// what to do, and nothing saved.
TEST_F(RenderCancelTest, RendererBusyPastTheRetriesIsAClearError) {
  ASSERT_NO_FATAL_FAILURE(AskForAThirdRenderWhileTwoRun());
  auto c = gateway_->WaitForResponse("c", kTimeout);
  ASSERT_TRUE(c.has_value());
  ASSERT_TRUE((*c)["result"]["isError"].get<bool>()) << c->dump();
  const std::string text = (*c)["result"]["content"][0]["text"];
  EXPECT_THAT(text, HasSubstr("renderer is busy"));
  EXPECT_THAT(text, HasSubstr("retry later or add a replica"));
  // Five attempts, each refused. The stats come over the renderer's
  // WatchStats stream, which may arrive after c's response: wait for it.
  ASSERT_TRUE(renderer_->WaitForStats(
      [](const pb::RendererStats& s) { return s.rejected() >= 5; }, kTimeout))
      << renderer_->Stats().DebugString();
  EXPECT_EQ(renderer_->Stats().rejected(), 5)
      << renderer_->Stats().DebugString();
  gateway_->Cancel("a");
  gateway_->Cancel("b");
  ASSERT_TRUE(renderer_->WaitForStats(
      [](const pb::RendererStats& s) {
        return s.active() == 0 && s.cancelled() == 2;
      },
      kTimeout))
      << renderer_->Stats().DebugString();
  for (const char* id : {"a", "b"}) {
    ASSERT_TRUE(gateway_->WaitForStderr(
        absl::StrCat("request \"", id, "\" was cancelled"), kTimeout));
  }
  EXPECT_THAT(Videos(), SizeIs(0));
}

// A client that stops reading stdout while a render streams progress: the
// gateway keeps reading stdin, a cancel still stops the renderer, and memory
// stays bounded (progress is coalesced; responses wait their turn).
TEST_F(RenderCancelTest, ClientThatStopsReadingCanStillCancel) {
  const int64_t rss_before = gateway_->GatewayRssKb();
  gateway_->PauseReading();
  gateway_->CallTool(
      "stalled", "create_wrapped_video",
      {{"year", 2025}, {"quality", "standard"}, {"secondsPerSlide", 4}});
  ASSERT_TRUE(renderer_->WaitForStats(
      [](const pb::RendererStats& s) { return s.active() == 1; }, kTimeout));
  // Far more output than a pipe holds.
  std::string pings;
  for (int i = 0; i < 5000; ++i) {
    pings += Json{{"jsonrpc", "2.0"}, {"id", i}, {"method", "ping"}}.dump();
    pings += "\n";
  }
  pings.pop_back();
  gateway_->SendRaw(pings);
  gateway_->Cancel("stalled", "stalled client pressed stop");
  ASSERT_TRUE(renderer_->WaitForStats(
      [](const pb::RendererStats& s) {
        return s.active() == 0 && s.cancelled() == 1;
      },
      kTimeout))
      << "a cancel must work while stdout is blocked";
  const int64_t rss_stalled = gateway_->GatewayRssKb();
  EXPECT_LT(rss_stalled - rss_before, 64 * 1024)
      << "gateway memory grew by " << (rss_stalled - rss_before) << " kB";

  gateway_->ResumeReading();
  ASSERT_TRUE(gateway_->WaitForResponse(4999, kTimeout).has_value());
  ExpectPingWorks("after-stall");
  EXPECT_FALSE(gateway_->HasResponse("stalled"));
  for (int i = 0; i < 5000; i += 499) {
    EXPECT_TRUE(gateway_->HasResponse(i)) << "ping " << i << " lost";
  }
  EXPECT_THAT(Videos(), IsEmpty());
}

// The embedded default: no --renderer, the gateway runs its own child.
TEST(EmbeddedRendererTest, RendersAndLeavesNoChildBehind) {
  const std::string dir = MakeTempDir();
  auto gateway = McpTestClient::Start(
      {"--db=" + dir + "/journal.db",
       "--renderer_binary=" + BinaryPath("renderer/stopframe-renderer")});
  ASSERT_NE(gateway, nullptr);
  ASSERT_EQ(gateway->Initialize()["protocolVersion"], "2025-06-18");
  ASSERT_TRUE(gateway->WaitForStderr("embedded renderer pid ", kTimeout));
  const std::string log = gateway->Stderr();
  const size_t at = log.find("embedded renderer pid ") + 22;
  int child = 0;
  ASSERT_TRUE(absl::SimpleAtoi(log.substr(at, log.find(' ', at) - at), &child));
  ASSERT_TRUE(ProcessAlive(child));

  // An empty year still gets a friendly video.
  gateway->CallTool(
      1, "create_wrapped_video",
      {{"year", 1999}, {"quality", "draft"}, {"secondsPerSlide", 0.5}});
  auto response = gateway->WaitForResponse(1, kTimeout);
  ASSERT_TRUE(response.has_value());
  ASSERT_FALSE((*response)["result"]["isError"].get<bool>())
      << response->dump();
  Probe probe = ProbeVideo((*response)["result"]["structuredContent"]["path"]);
  EXPECT_EQ(probe.codec, "h264");
  EXPECT_GT(probe.frames, 0);

  gateway->process().CloseStdin();
  std::optional<int> code = gateway->process().WaitForExit(kTimeout);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  EXPECT_FALSE(ProcessAlive(child))
      << "the renderer child outlived the gateway";
}

// The embedded renderer dies between calls: the gateway restarts it on the
// same socket and the next render works.
TEST(EmbeddedRendererTest, RestartsItsChildWhenItDies) {
  const std::string dir = MakeTempDir();
  auto gateway = McpTestClient::Start(
      {"--db=" + dir + "/journal.db",
       "--renderer_binary=" + BinaryPath("renderer/stopframe-renderer")});
  ASSERT_NE(gateway, nullptr);
  gateway->Initialize();
  ASSERT_TRUE(gateway->WaitForStderr("embedded renderer pid ", kTimeout));
  const std::string log = gateway->Stderr();
  const size_t at = log.find("embedded renderer pid ") + 22;
  int child = 0;
  ASSERT_TRUE(absl::SimpleAtoi(log.substr(at, log.find(' ', at) - at), &child));
  ASSERT_EQ(kill(child, SIGKILL), 0);
  ASSERT_TRUE(gateway->WaitForStderr("restarting it", kTimeout));
  // The new child logs its pid once it serves.
  ASSERT_TRUE(gateway->WaitForStderr("serving on", kTimeout, 2));
  gateway->CallTool(
      1, "create_wrapped_video",
      {{"year", 2025}, {"quality", "draft"}, {"secondsPerSlide", 0.2}});
  auto response = gateway->WaitForResponse(1, kTimeout);
  ASSERT_TRUE(response.has_value());
  EXPECT_FALSE((*response)["result"]["isError"].get<bool>())
      << response->dump();
}

// No renderer at the address: a clear error, quickly, and no hang.
TEST(RendererDownTest, CallFailsQuicklyWithAClearError) {
  const std::string dir = MakeTempDir();
  auto renderer = RendererHarness::Start();
  ASSERT_NE(renderer, nullptr);
  const std::string target = renderer->target();
  renderer.reset();  // stopped: nothing listens there now
  auto gateway = McpTestClient::Start(
      {"--db=" + dir + "/journal.db", "--renderer=" + target});
  ASSERT_NE(gateway, nullptr);
  gateway->Initialize();
  const absl::Time start = absl::Now();
  gateway->CallTool(1, "create_wrapped_video", {{"quality", "draft"}});
  auto response = gateway->WaitForResponse(1, absl::Seconds(10));
  ASSERT_TRUE(response.has_value()) << "the call hung";
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  const Json& result = (*response)["result"];
  EXPECT_TRUE(result["isError"].get<bool>());
  EXPECT_THAT(result["content"][0]["text"].get<std::string>(),
              ::testing::HasSubstr("renderer is unreachable"));
  EXPECT_THAT(ListDir(dir + "/videos"), IsEmpty());
}

// The gateway is SIGKILLed mid-render: the renderer sees the connection
// drop, stops the job and returns to active 0.
TEST_F(RenderCancelTest, GatewayKilledMidRenderStopsTheRender) {
  gateway_->CallTool(
      9, "create_wrapped_video",
      {{"year", 2025}, {"quality", "standard"}, {"secondsPerSlide", 4}});
  ASSERT_TRUE(WaitForProgress(9, 5));
  gateway_->process().Signal(SIGKILL);
  ASSERT_TRUE(gateway_->process().WaitForExit(kTimeout).has_value());
  EXPECT_TRUE(renderer_->WaitForStats(
      [](const pb::RendererStats& s) {
        return s.active() == 0 && s.cancelled() == 1;
      },
      absl::Seconds(20)))
      << renderer_->Stats().DebugString();
}

}  // namespace
}  // namespace stopframe::testing
