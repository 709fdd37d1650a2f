// The renderer's gRPC contract, end to end: a real stopframe-renderer
// process, real gRPC, real MP4s checked with ffprobe.
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "stopframe/renderer/v1/renderer.grpc.pb.h"
#include "tests/integration/support/renderer_harness.h"
#include "tests/integration/support/subprocess.h"

namespace stopframe::testing {
namespace {

namespace pb = ::stopframe::renderer::v1;
using ::testing::AnyOf;
using ::testing::HasSubstr;

constexpr absl::Duration kTimeout = absl::Seconds(20);
constexpr size_t kMaxChunkBytes = 1 << 20;
// Every optional slide has data: greeting, totals, rhythm, tags, moods,
// streak, extremes, favorites, closing.
constexpr int kSlides = 9;

// A small render whose deck has every slide.
pb::RenderRequest SmallRequest(double seconds_per_slide) {
  pb::RenderRequest request;
  request.set_year(2025);
  request.set_display_name("Ada");
  pb::WrappedStats* stats = request.mutable_stats();
  stats->set_entries(42);
  stats->set_words(12345);
  stats->set_tags(3);
  for (auto [month, entries] : {std::pair{1, 10}, {4, 7}, {10, 25}}) {
    pb::MonthCount* m = stats->add_months();
    m->set_month(month);
    m->set_entries(entries);
  }
  for (auto [name, entries] : {std::pair{"walks", 20}, {"garden", 9}}) {
    pb::NamedCount* tag = stats->add_top_tags();
    tag->set_name(name);
    tag->set_entries(entries);
  }
  pb::NamedCount* mood = stats->add_moods();
  mood->set_name("calm");
  mood->set_entries(12);
  stats->set_longest_streak_days(6);
  pb::EntryHighlight* longest = stats->mutable_longest_entry();
  longest->set_title("Autumn notes");
  longest->set_date("2025-10-05");
  longest->set_words(900);
  pb::EntryHighlight* shortest = stats->mutable_shortest_entry();
  shortest->set_title("Second day");
  shortest->set_date("2025-01-02");
  shortest->set_words(5);
  stats->add_favorites("New year walk");

  pb::RenderOptions* options = request.mutable_options();
  options->set_width(320);
  options->set_height(180);
  options->set_fps(30);
  options->set_preset("ultrafast");
  options->set_seconds_per_slide(seconds_per_slide);
  return request;
}

// 9 slides x 10 s at 1080p60 with x264 "medium": minutes of encoding, so it
// is still running whenever a test cancels it or stops the renderer (3 s
// grace). A 320x180 ultrafast render of the same length takes only ~0.5 s.
pb::RenderRequest LongRequest() {
  pb::RenderRequest request = SmallRequest(10);
  pb::RenderOptions* options = request.mutable_options();
  options->set_width(1920);
  options->set_height(1080);
  options->set_fps(60);
  options->set_preset("medium");
  return request;
}
constexpr int64_t kLongFrames = kSlides * 10 * 60;

// Every event of one finished stream, and its status.
struct Stream {
  std::vector<pb::RenderEvent> events;
  grpc::Status status;
};

// Reads until the server reports at least one encoded frame. False if the
// stream ended first.
bool ReadUntilFramesEncoded(grpc::ClientReader<pb::RenderEvent>* reader) {
  pb::RenderEvent event;
  while (reader->Read(&event)) {
    if (event.has_progress() && event.progress().frames_done() > 0) {
      return true;
    }
  }
  return false;
}

// Reads whatever is left, then the status.
grpc::Status Drain(grpc::ClientReader<pb::RenderEvent>* reader) {
  pb::RenderEvent event;
  while (reader->Read(&event)) {
  }
  return reader->Finish();
}

// A context that cannot hang a test even if the server never answers.
std::unique_ptr<grpc::ClientContext> ContextWithDeadline(
    absl::Duration timeout = kTimeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

// ffprobe's codec name and decoded frame count for the first video stream.
struct Probe {
  std::string codec;
  int64_t frames = -1;
};

Probe ProbeVideo(const std::string& path) {
  Probe probe;
  absl::StatusOr<std::string> out = RunCommand(absl::StrCat(
      "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
      "stream=codec_name,nb_read_frames -of default=nw=1 '",
      path, "'"));
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return probe;
  for (absl::string_view line : absl::StrSplit(*out, '\n')) {
    std::pair<std::string, std::string> kv = absl::StrSplit(line, '=');
    if (kv.first == "codec_name") probe.codec = kv.second;
    if (kv.first == "nb_read_frames") {
      EXPECT_TRUE(absl::SimpleAtoi(kv.second, &probe.frames)) << *out;
    }
  }
  return probe;
}

// A PNG whose header (IHDR) gives this size.
void ExpectPngOfSize(const std::string& png, int width, int height) {
  ASSERT_GE(png.size(), 24u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  auto be32 = [&](size_t at) {
    int value = 0;
    for (size_t i = at; i < at + 4; ++i) {
      value = (value << 8) | static_cast<unsigned char>(png[i]);
    }
    return value;
  };
  EXPECT_EQ(be32(16), width);
  EXPECT_EQ(be32(20), height);
}

class RendererServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // gRPC 1.51 polls an idle client channel only every 5 s, so it would not
    // answer the ping of the renderer's graceful GOAWAY, and each teardown
    // (SIGTERM) would wait out the whole 3 s grace. Read at grpc_init.
    setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "50",
           /*overwrite=*/0);
  }

  void SetUp() override { StartRenderer(/*max_concurrent=*/2); }

  void StartRenderer(int max_concurrent) {
    stub_.reset();  // no idle channel to the old renderer while it stops
    renderer_.reset();
    renderer_ = RendererHarness::Start(max_concurrent);
    ASSERT_NE(renderer_, nullptr) << "renderer did not start";
    stub_ = pb::Renderer::NewStub(grpc::CreateChannel(
        renderer_->target(), grpc::InsecureChannelCredentials()));
  }

  // Runs one render to the end, keeping every event.
  Stream Render(const pb::RenderRequest& request) {
    Stream stream;
    std::unique_ptr<grpc::ClientContext> context = ContextWithDeadline();
    auto reader = stub_->RenderWrapped(context.get(), request);
    pb::RenderEvent event;
    while (reader->Read(&event)) stream.events.push_back(event);
    stream.status = reader->Finish();
    return stream;
  }

  // A request that must be refused before any event is sent.
  grpc::Status RenderExpectingNoEvents(const pb::RenderRequest& request) {
    Stream stream = Render(request);
    EXPECT_TRUE(stream.events.empty())
        << stream.events.size() << " events for a refused request";
    return stream.status;
  }

  bool WaitForStats(
      const std::function<bool(const pb::RendererStats&)>& predicate) {
    return renderer_->WaitForStats(predicate, kTimeout);
  }

  std::unique_ptr<RendererHarness> renderer_;
  std::unique_ptr<pb::Renderer::Stub> stub_;
};

TEST_F(RendererServiceTest, FullStreamIsOrderedCompleteAndPlayable) {
  Stream stream = Render(SmallRequest(0.3));
  ASSERT_TRUE(stream.status.ok()) << stream.status.error_message();
  ASSERT_GE(stream.events.size(), 3u);

  // Progress first (frames_done 0, with the total); one poster (a PNG),
  // before any chunk; the summary last and only there; no progress after
  // the last chunk (the final progress, "finishing" with frames_done ==
  // frames_total, precedes the encoder flush). Chunks are contiguous from
  // offset 0, each at most 1 MiB.
  ASSERT_TRUE(stream.events.front().has_progress());
  EXPECT_EQ(stream.events.front().progress().frames_done(), 0);
  ASSERT_TRUE(stream.events.back().has_summary());
  const pb::Summary& summary = stream.events.back().summary();
  std::string video;
  int64_t frames_done = -1;
  int64_t frames_total = -1;
  size_t last_progress = 0;
  size_t last_chunk = 0;
  std::vector<pb::Poster> posters;
  for (size_t i = 0; i + 1 < stream.events.size(); ++i) {
    const pb::RenderEvent& event = stream.events[i];
    switch (event.event_case()) {
      case pb::RenderEvent::kProgress:
        if (frames_total >= 0) {
          EXPECT_EQ(event.progress().frames_total(), frames_total);
        }
        EXPECT_GE(event.progress().frames_done(), frames_done);
        frames_done = event.progress().frames_done();
        frames_total = event.progress().frames_total();
        EXPECT_LE(frames_done, frames_total);
        last_progress = i;
        break;
      case pb::RenderEvent::kPoster:
        EXPECT_TRUE(video.empty()) << "poster after a chunk, event " << i;
        posters.push_back(event.poster());
        break;
      case pb::RenderEvent::kChunk:
        EXPECT_EQ(event.chunk().offset(), static_cast<int64_t>(video.size()));
        EXPECT_FALSE(event.chunk().data().empty());
        EXPECT_LE(event.chunk().data().size(), kMaxChunkBytes);
        video += event.chunk().data();
        last_chunk = i;
        break;
      default:
        ADD_FAILURE() << "event " << i << ": " << event.DebugString();
    }
  }
  ASSERT_EQ(posters.size(), 1u);
  ExpectPngOfSize(posters[0].png(), posters[0].width(), posters[0].height());
  EXPECT_LE(posters[0].width(), 320) << "never wider than the video";
  EXPECT_NEAR(posters[0].height(), posters[0].width() * 180 / 320, 1);
  EXPECT_LE(posters[0].png().size(), 200u * 1024);
  EXPECT_FALSE(video.empty());
  EXPECT_GT(last_chunk, last_progress) << "progress after the last chunk";
  EXPECT_EQ(frames_done, frames_total) << "no final progress";

  EXPECT_EQ(summary.bytes(), static_cast<int64_t>(video.size()));
  EXPECT_EQ(summary.frames(), frames_total);
  EXPECT_EQ(summary.frames(), kSlides * 9);  // round(0.3 s x 30 fps) = 9
  EXPECT_DOUBLE_EQ(summary.duration_seconds(), summary.frames() / 30.0);
  EXPECT_EQ(summary.width(), 320);
  EXPECT_EQ(summary.height(), 180);
  EXPECT_EQ(summary.fps(), 30);
  EXPECT_THAT(summary.encoder(), HasSubstr("ultrafast"));

  ASSERT_TRUE(WaitForStats([](const pb::RendererStats& s) {
    return s.completed() == 1 && s.active() == 0;
  })) << renderer_->Stats().DebugString();
  pb::RendererStats stats = renderer_->Stats();
  EXPECT_EQ(stats.started(), 1);
  EXPECT_EQ(stats.cancelled(), 0);
  EXPECT_EQ(stats.failed(), 0);
  EXPECT_EQ(stats.frames_encoded(), summary.frames());

  const std::string path = MakeTempDir() + "/wrapped.mp4";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(video.data(), static_cast<std::streamsize>(video.size()));
    ASSERT_TRUE(out.good());
  }
  Probe probe = ProbeVideo(path);
  EXPECT_EQ(probe.codec, "h264");
  EXPECT_EQ(probe.frames, summary.frames());
}

TEST_F(RendererServiceTest, ClientCancelMidStreamIsCountedCancelled) {
  std::unique_ptr<grpc::ClientContext> context = ContextWithDeadline();
  auto reader = stub_->RenderWrapped(context.get(), LongRequest());
  ASSERT_TRUE(ReadUntilFramesEncoded(reader.get()))
      << reader->Finish().error_message();
  context->TryCancel();
  grpc::Status status = Drain(reader.get());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED)
      << status.error_message();

  ASSERT_TRUE(WaitForStats([](const pb::RendererStats& s) {
    return s.active() == 0 && s.cancelled() == 1;
  })) << renderer_->Stats().DebugString();
  pb::RendererStats stats = renderer_->Stats();
  EXPECT_EQ(stats.completed(), 0);
  EXPECT_EQ(stats.failed(), 0);
  EXPECT_GT(stats.frames_encoded(), 0);
  EXPECT_LT(stats.frames_encoded(), kLongFrames);
}

TEST_F(RendererServiceTest, DeadlineExceededIsCountedCancelled) {
  grpc::ClientContext context;
  context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Milliseconds(300)));
  auto reader = stub_->RenderWrapped(&context, LongRequest());
  grpc::Status status = Drain(reader.get());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << status.error_message();

  ASSERT_TRUE(WaitForStats([](const pb::RendererStats& s) {
    return s.active() == 0 && s.cancelled() == 1;
  })) << renderer_->Stats().DebugString();
  EXPECT_EQ(renderer_->Stats().completed(), 0);
  EXPECT_EQ(renderer_->Stats().failed(), 0);
}

TEST_F(RendererServiceTest, BusyRendererRejectsWithResourceExhausted) {
  StartRenderer(/*max_concurrent=*/1);
  ASSERT_EQ(renderer_->Stats().max_concurrent(), 1);

  std::unique_ptr<grpc::ClientContext> first = ContextWithDeadline();
  auto first_reader = stub_->RenderWrapped(first.get(), LongRequest());
  ASSERT_TRUE(WaitForStats([](const pb::RendererStats& s) {
    return s.active() == 1;
  })) << renderer_->Stats().DebugString();

  grpc::Status second = RenderExpectingNoEvents(SmallRequest(0.2));
  EXPECT_EQ(second.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << second.error_message();
  EXPECT_THAT(second.error_message(), HasSubstr("busy"));
  ASSERT_TRUE(WaitForStats([](const pb::RendererStats& s) {
    return s.rejected() == 1;
  })) << renderer_->Stats().DebugString();
  EXPECT_EQ(renderer_->Stats().started(), 1);

  first->TryCancel();
  EXPECT_EQ(Drain(first_reader.get()).error_code(),
            grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(WaitForStats([](const pb::RendererStats& s) {
    return s.active() == 0 && s.cancelled() == 1;
  })) << renderer_->Stats().DebugString();
}

TEST_F(RendererServiceTest, InvalidRequestsNameTheFieldAndDoNoHarm) {
  struct Case {
    std::string name;
    std::function<void(pb::RenderRequest*)> mutate;
    std::string field;  // the message must name it
  };
  const std::vector<Case> cases = {
      {"width too large",
       [](pb::RenderRequest* r) { r->mutable_options()->set_width(4000); },
       "width"},
      {"odd width",
       [](pb::RenderRequest* r) { r->mutable_options()->set_width(321); },
       "width"},
      {"year 0", [](pb::RenderRequest* r) { r->set_year(0); }, "year"},
      {"month 13",
       [](pb::RenderRequest* r) {
         pb::MonthCount* m = r->mutable_stats()->add_months();
         m->set_month(13);
         m->set_entries(1);
       },
       "month"},
      {"10 kB display_name",
       [](pb::RenderRequest* r) {
         r->set_display_name(std::string(10 * 1024, 'x'));
       },
       "display_name"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    pb::RenderRequest request = SmallRequest(0.2);
    c.mutate(&request);
    grpc::Status status = RenderExpectingNoEvents(request);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(c.field));
  }
  const int64_t rejected = static_cast<int64_t>(cases.size());
  ASSERT_TRUE(WaitForStats([&](const pb::RendererStats& s) {
    return s.rejected() == rejected;
  })) << renderer_->Stats().DebugString();
  EXPECT_EQ(renderer_->Stats().started(), 0);

  // fps 0 means the default (30), and the renderer still serves.
  pb::RenderRequest valid = SmallRequest(0.2);
  valid.mutable_options()->set_fps(0);
  Stream stream = Render(valid);
  ASSERT_TRUE(stream.status.ok()) << stream.status.error_message();
  ASSERT_FALSE(stream.events.empty());
  ASSERT_TRUE(stream.events.back().has_summary());
  EXPECT_EQ(stream.events.back().summary().fps(), 30);
  EXPECT_EQ(stream.events.back().summary().frames(), kSlides * 6);
  ASSERT_TRUE(WaitForStats([&](const pb::RendererStats& s) {
    return s.completed() == 1 && s.active() == 0 && s.rejected() == rejected;
  })) << renderer_->Stats().DebugString();
}

TEST_F(RendererServiceTest, SigtermMidRenderEndsStreamAndExitsZero) {
  // The render needs minutes, far beyond the default 3 s grace: the
  // renderer must cancel it, end the stream and exit by itself.
  std::unique_ptr<grpc::ClientContext> context = ContextWithDeadline();
  auto reader = stub_->RenderWrapped(context.get(), LongRequest());
  ASSERT_TRUE(ReadUntilFramesEncoded(reader.get()))
      << reader->Finish().error_message();

  const absl::Time signalled = absl::Now();
  renderer_->process().Signal(SIGTERM);
  grpc::Status status = Drain(reader.get());
  EXPECT_THAT(status.error_code(),
              AnyOf(grpc::StatusCode::CANCELLED, grpc::StatusCode::UNAVAILABLE))
      << status.error_message();
  std::optional<int> code = renderer_->process().WaitForExit(absl::Seconds(10));
  ASSERT_TRUE(code.has_value()) << "renderer still running 10 s after SIGTERM";
  EXPECT_EQ(*code, 0);
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(10));
}

TEST_F(RendererServiceTest, GetStatsMatchesWatchStats) {
  auto get_stats = [&] {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kTimeout));
    pb::RendererStats stats;
    grpc::Status status =
        stub_->GetStats(&context, pb::GetStatsRequest(), &stats);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return stats;
  };
  pb::RendererStats initial = get_stats();
  EXPECT_EQ(initial.DebugString(), renderer_->Stats().DebugString());
  EXPECT_EQ(initial.max_concurrent(), 2);
  EXPECT_EQ(initial.started(), 0);

  // A rejection and a completed render.
  pb::RenderRequest invalid = SmallRequest(0.2);
  invalid.set_year(0);
  EXPECT_EQ(RenderExpectingNoEvents(invalid).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(Render(SmallRequest(0.2)).status.ok());
  ASSERT_TRUE(WaitForStats([](const pb::RendererStats& s) {
    return s.completed() == 1 && s.rejected() == 1 && s.active() == 0;
  })) << renderer_->Stats().DebugString();

  pb::RendererStats unary = get_stats();
  EXPECT_EQ(unary.DebugString(), renderer_->Stats().DebugString());
  EXPECT_EQ(unary.started(), 1);
  EXPECT_EQ(unary.frames_encoded(), kSlides * 6);
}

}  // namespace
}  // namespace stopframe::testing
