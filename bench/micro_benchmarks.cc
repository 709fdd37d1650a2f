// Micro benchmarks (Google Benchmark) of the hot paths inside one process:
// painting a slide, turning it into YUV420P and crossfading, cutting stdin
// into lines, parsing and dispatching a JSON-RPC line, and a get_entry call
// over a real SQLite journal and its parts. Numbers, not
// tests: scripts/bench.sh prints them as a table. A benchmark that stops
// with an error fails the run, so the smoke pass in ctest catches it.
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bench/sample_content.h"
#include "benchmark/benchmark.h"
#include "gateway/journal/journal_store.h"
#include "gateway/json_rpc.h"
#include "gateway/line_splitter.h"
#include "gateway/mcp_server.h"
#include "gateway/output_sink.h"
#include "gateway/tools/journal_tools.h"
#include "gateway/tools/tool_registry.h"
#include "renderer/media/frame_composer.h"
#include "renderer/media/slides.h"

namespace {

namespace media = ::stopframe::media;
namespace gw = ::stopframe::gateway;
using ::stopframe::journal::JournalStore;
using ::stopframe::journal::Wait;

constexpr const char* kFontDir = "/usr/share/fonts/truetype/dejavu";

const std::vector<media::Slide>& Deck() {
  static const auto* deck = new std::vector<media::Slide>(
      media::BuildSlides(stopframe::bench::SampleContent()));
  return *deck;
}

// One slide painted with FreeType into an RGB canvas; cycles through the
// deck so every layout counts. Args: width, height.
void BM_PaintSlide(benchmark::State& state) {
  auto painter = media::SlidePainter::Create(kFontDir);
  if (!painter.ok()) {
    state.SkipWithError("fonts missing");
    return;
  }
  media::RgbImage canvas;
  canvas.width = static_cast<int>(state.range(0));
  canvas.height = static_cast<int>(state.range(1));
  const auto& deck = Deck();
  // FreeType's first glyph loads are setup, not a steady per-slide cost.
  for (const media::Slide& slide : deck) {
    if (!(*painter)->Paint(slide, &canvas).ok()) {
      state.SkipWithError("paint failed");
      return;
    }
  }
  size_t i = 0;
  for (auto _ : state) {
    if (!(*painter)->Paint(deck[i++ % deck.size()], &canvas).ok()) {
      state.SkipWithError("paint failed");
      return;
    }
    benchmark::DoNotOptimize(canvas.pixels.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * canvas.width * canvas.height *
                          3);
}
BENCHMARK(BM_PaintSlide)
    ->Args({1280, 720})
    ->Args({1920, 1080})
    ->Unit(benchmark::kMillisecond);

// FrameComposer fed pre-painted canvases, so only its own work is timed.
// frames_per_slide 1: every frame is a new slide, i.e. one RGB->YUV420P
// swscale conversion (BT.709, bicubic, accurate rounding) + progress line +
// plane copy, plus the source's copy of the pre-painted RGB canvas.
// frames_per_slide 31 with 30 fade frames: 30 of 31 frames are crossfade
// blends of two YUV frames (plus one conversion per slide).
void ComposeFrames(benchmark::State& state, int frames_per_slide,
                   int fade_frames) {
  const int width = static_cast<int>(state.range(0));
  const int height = static_cast<int>(state.range(1));
  auto painter = media::SlidePainter::Create(kFontDir);
  if (!painter.ok()) {
    state.SkipWithError("fonts missing");
    return;
  }
  const auto& deck = Deck();
  std::vector<media::RgbImage> painted(deck.size());
  for (size_t i = 0; i < deck.size(); ++i) {
    painted[i].width = width;
    painted[i].height = height;
    if (!(*painter)->Paint(deck[i], &painted[i]).ok()) {
      state.SkipWithError("paint failed");
      return;
    }
  }
  media::FrameComposer::Options options;
  options.width = width;
  options.height = height;
  // The real deck; a fresh composer (untimed) when it runs out of frames.
  options.slide_count = static_cast<int>(deck.size());
  options.frames_per_slide = frames_per_slide;
  options.fade_frames = fade_frames;
  auto source = [&painted](int index, media::RgbImage* canvas) {
    const media::RgbImage& from = painted[index % painted.size()];
    canvas->pixels.assign(from.pixels.begin(), from.pixels.end());
    return absl::OkStatus();
  };
  auto composer = media::FrameComposer::Create(options, source);
  if (!composer.ok()) {
    state.SkipWithError("composer");
    return;
  }
  // The first frame pays for swscale's lazy setup: not a steady cost.
  if (!(*composer)->Next().ok()) {
    state.SkipWithError("Next failed");
    return;
  }
  for (auto _ : state) {
    auto frame = (*composer)->Next();
    if (absl::IsOutOfRange(frame.status())) {
      state.PauseTiming();
      composer = media::FrameComposer::Create(options, source);
      state.ResumeTiming();
      frame = (*composer)->Next();
    }
    if (!frame.ok()) {
      state.SkipWithError("Next failed");
      return;
    }
    benchmark::DoNotOptimize(*frame);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ConvertRgbToYuv(benchmark::State& state) {
  ComposeFrames(state, /*frames_per_slide=*/1, /*fade_frames=*/0);
}
BENCHMARK(BM_ConvertRgbToYuv)
    ->Args({1280, 720})
    ->Args({1920, 1080})
    ->Unit(benchmark::kMicrosecond);

void BM_CrossfadeFrame(benchmark::State& state) {
  ComposeFrames(state, /*frames_per_slide=*/31, /*fade_frames=*/30);
}
BENCHMARK(BM_CrossfadeFrame)
    ->Args({1280, 720})
    ->Args({1920, 1080})
    ->Unit(benchmark::kMicrosecond);

std::string ToolsCallLine(int id) {
  return absl::StrCat(R"({"jsonrpc":"2.0","id":)", id,
                      R"(,"method":"tools/call","params":{"name":"get_entry",)"
                      R"("arguments":{"id":)",
                      id % 100 + 1, R"(},"_meta":{"progressToken":)", id,
                      "}}}");
}

// LineSplitter over a buffer of 1000 JSON-RPC lines fed in 64 KiB reads,
// as the read loop does.
void BM_LineSplitter(benchmark::State& state) {
  std::string input;
  for (int i = 0; i < 1000; ++i)
    absl::StrAppend(&input, ToolsCallLine(i), "\n");
  size_t lines = 0;
  gw::LineSplitter splitter(1 << 20,
                            {.on_line = [&lines](std::string_view) { ++lines; },
                             .on_oversized = [](size_t) {}});
  const size_t chunk = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    for (size_t at = 0; at < input.size(); at += chunk) {
      splitter.Feed(std::string_view(input).substr(at, chunk));
    }
  }
  if (lines != 1000 * static_cast<size_t>(state.iterations())) {
    state.SkipWithError("lines lost");
  }
  state.SetBytesProcessed(state.iterations() * input.size());
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_LineSplitter)->Arg(64 << 10)->Arg(4 << 10);

// jsonrpc::ParseMessage on one tools/call line: parse + classify.
void BM_ParseToolsCall(benchmark::State& state) {
  const std::string line = ToolsCallLine(42);
  for (auto _ : state) {
    gw::jsonrpc::Message m = gw::jsonrpc::ParseMessage(line);
    if (m.kind != gw::jsonrpc::Message::Kind::kRequest) {
      state.SkipWithError("not a request");
      return;
    }
    benchmark::DoNotOptimize(m);
  }
  state.SetBytesProcessed(state.iterations() * line.size());
}
BENCHMARK(BM_ParseToolsCall);

// Serialize a result as the writer does.
void BM_SerializeResult(benchmark::State& state) {
  const gw::jsonrpc::Json result = {
      {"content",
       {{{"type", "text"}, {"text", "Entry 42: a walk by the river"}}}},
      {"structuredContent",
       {{"id", 42}, {"title", "A walk"}, {"tags", {"walks", "river"}}}}};
  for (auto _ : state) {
    std::string line =
        gw::jsonrpc::Serialize(gw::jsonrpc::MakeResult(42, result));
    benchmark::DoNotOptimize(line);
  }
}
BENCHMARK(BM_SerializeResult);

class DiscardSink : public gw::OutputSink {
 public:
  void Send(std::string line) override { benchmark::DoNotOptimize(line); }
};

// Counts the tool results that succeeded; used from one thread.
class ResultCountingSink : public gw::OutputSink {
 public:
  void Send(std::string line) override {
    if (absl::StrContains(line, R"("isError":false)")) ++successes_;
  }
  int64_t successes() const { return successes_; }

 private:
  int64_t successes_ = 0;
};

// The MCP handshake, so that `server` serves requests.
void Initialize(gw::McpServer& server) {
  server.HandleLine(
      R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{)"
      R"("protocolVersion":"2025-06-18","capabilities":{},)"
      R"("clientInfo":{"name":"bench","version":"1"}}})");
  server.HandleLine(
      R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
}

// McpServer::HandleLine for ping after initialize: the whole protocol path
// (parse, classify, lifecycle check, reply, serialize) on the reader thread,
// with a sink that discards.
void BM_McpServerPing(benchmark::State& state) {
  gw::ToolRegistry tools;
  DiscardSink sink;
  gw::McpServer server(gw::McpServerOptions{.worker_threads = 1}, &tools,
                       &sink);
  Initialize(server);
  const std::string ping = R"({"jsonrpc":"2.0","id":7,"method":"ping"})";
  for (auto _ : state) server.HandleLine(ping);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_McpServerPing);

// A journal of 1000 small entries (two tags each) and one as large as the
// store allows, in a temporary directory that is removed at exit. One
// instance, made on first use (thread-safe) and never destroyed, shared by
// the get_entry benchmarks (BM_JournalGetEntryThreads reads from several
// threads at once; the store is thread-safe).
class BenchJournal {
 public:
  static constexpr int64_t kEntries = 1000;
  static constexpr int64_t kLargestEntry = kEntries + 1;
  // The store's limits (kMaxContentBytes, kMaxTags in journal_store.cc).
  static constexpr size_t kLargestContentBytes = 100000;
  static constexpr size_t kLargestTags = 20;

  static BenchJournal& Get() {
    static BenchJournal* journal = new BenchJournal();
    return *journal;
  }
  JournalStore* store() { return store_.get(); }
  bool ok() const { return store_ != nullptr; }

 private:
  BenchJournal() {
    std::error_code error;
    std::string dir =
        (std::filesystem::temp_directory_path(error) / "stopframe_micro_XXXXXX")
            .string();
    if (error || mkdtemp(dir.data()) == nullptr) return;
    dir_ = dir;
    std::atexit([] {  // registered first, so that a failure below cleans up
      BenchJournal& j = Get();
      j.store_.reset();
      std::error_code ignored;
      std::filesystem::remove_all(j.dir_, ignored);
    });
    auto store = JournalStore::Open(dir + "/journal.db");
    if (!store.ok()) return;
    // Entries 1..kEntries are small, with two tags; the last is the largest.
    const absl::Status imported = (*store)->ImportEntries(
        kEntries + 1, [](int64_t i, stopframe::journal::NewEntry& e) {
          e.title = absl::StrCat("Entry ", i);
          e.mood = "calm";
          e.entry_date = "2025-03-04";
          if (i == kEntries) {  // the last: i counts from 0, ids from 1
            e.content = std::string(kLargestContentBytes, 'w');
            for (size_t t = 0; t < kLargestTags; ++t) {
              e.tags.push_back(absl::StrCat("t", t));
            }
            return;
          }
          e.content =
              absl::StrCat("Words for entry ", i,
                           " about the day, the weather and the people.");
          e.tags = {absl::StrCat("tag", i % 8),
                    absl::StrCat("Tag", i % 5 + 10)};
        });
    if (imported.ok()) store_ = *std::move(store);
  }
  std::string dir_;
  std::unique_ptr<JournalStore> store_;
};

// Runs `read(store, i)` for the i-th iteration on the shared journal; a
// non-null result is an error message that stops the benchmark.
template <typename ReadFn>
void RunJournalReads(benchmark::State& state, ReadFn read) {
  BenchJournal& journal = BenchJournal::Get();
  if (!journal.ok()) {
    state.SkipWithError("cannot create the journal");
    return;
  }
  int64_t i = 0;
  for (auto _ : state) {
    if (const char* error = read(*journal.store(), i++)) {
      state.SkipWithError(error);
      return;
    }
  }
}

// JournalStore::GetEntry: reads of the small entries and their two tags.
void RunSmallEntryReads(benchmark::State& state, Wait wait) {
  RunJournalReads(state, [wait](JournalStore& store, int64_t i) -> const char* {
    auto entry = store.GetEntry(i % BenchJournal::kEntries + 1, wait);
    if (!entry.ok()) return "GetEntry failed";
    benchmark::DoNotOptimize(entry);
    return nullptr;
  });
}

// One read, as the gateway's reader thread makes it (never waiting).
void BM_JournalGetEntry(benchmark::State& state) {
  RunSmallEntryReads(state, Wait::kNo);
}
BENCHMARK(BM_JournalGetEntry);

// The same read from several threads at once, as the gateway's workers do
// under pipelined calls: items/s is the reads of all threads per second of
// wall time, so it grows with the threads only while reads do not queue for
// one connection.
void BM_JournalGetEntryThreads(benchmark::State& state) {
  RunSmallEntryReads(state, Wait::kYes);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JournalGetEntryThreads)->Threads(1)->Threads(2)->UseRealTime();

// The same for the largest entry a journal may hold.
void BM_JournalGetLargestEntry(benchmark::State& state) {
  RunJournalReads(state, [](JournalStore& store, int64_t) -> const char* {
    auto entry = store.GetEntry(BenchJournal::kLargestEntry, Wait::kNo);
    if (!entry.ok()) return "GetEntry failed";
    if (entry->content.size() != BenchJournal::kLargestContentBytes ||
        entry->tags.size() != BenchJournal::kLargestTags) {
      return "the largest entry came back cut short";
    }
    benchmark::DoNotOptimize(entry);
    return nullptr;
  });
}
BENCHMARK(BM_JournalGetLargestEntry);

// JournalStore::GetTag: one read of a tag and its use count (get_tag).
void BM_JournalGetTag(benchmark::State& state) {
  RunJournalReads(state, [](JournalStore& store, int64_t i) -> const char* {
    // Ids 1..8 are tags of the small entries.
    auto tag = store.GetTag(i % 8 + 1, Wait::kNo);
    if (!tag.ok() || tag->entry_count == 0) return "GetTag failed";
    benchmark::DoNotOptimize(tag);
    return nullptr;
  });
}
BENCHMARK(BM_JournalGetTag);

// The entry as JSON (get_entry's structuredContent).
void BM_EntryToJson(benchmark::State& state) {
  BenchJournal& journal = BenchJournal::Get();
  auto entry = journal.ok() ? journal.store()->GetEntry(7, Wait::kYes)
                            : absl::InternalError("no journal");
  if (!entry.ok()) {
    state.SkipWithError("cannot read an entry");
    return;
  }
  for (auto _ : state) {
    gw::jsonrpc::Json j = gw::EntryToJson(*entry);
    benchmark::DoNotOptimize(j);
  }
}
BENCHMARK(BM_EntryToJson);

// McpServer::HandleLine for tools/call get_entry: the whole path a lone
// request takes on the reader thread, from the line to the serialized reply.
void BM_McpServerGetEntry(benchmark::State& state) {
  BenchJournal& journal = BenchJournal::Get();
  if (!journal.ok()) {
    state.SkipWithError("cannot create the journal");
    return;
  }
  gw::ToolRegistry tools;
  gw::AddJournalTools(tools, journal.store(), /*listener=*/nullptr);
  ResultCountingSink sink;
  gw::McpServer server(gw::McpServerOptions{.worker_threads = 1}, &tools,
                       &sink);
  Initialize(server);
  const int64_t replies_before = sink.successes();
  std::vector<std::string> lines;
  for (int i = 0; i < 1000; ++i) {
    lines.push_back(
        absl::StrCat(R"({"jsonrpc":"2.0","id":)", i + 1,
                     R"(,"method":"tools/call","params":{"name":"get_entry",)",
                     R"("arguments":{"id":)", i + 1, "}}}"));
  }
  size_t i = 0;
  for (auto _ : state) server.HandleLine(lines[i++ % lines.size()]);
  // Every call answered, inline, with an entry: not the error path.
  if (sink.successes() - replies_before !=
      static_cast<int64_t>(state.iterations())) {
    state.SkipWithError("a get_entry call did not return its entry");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_McpServerGetEntry);

// The library's own display reporter (as --benchmark_format and
// --benchmark_color ask), noting each benchmark that stops with an error so
// that the run fails, and with it the smoke pass in ctest. Made after
// benchmark::Initialize, which reads those flags. Used on the main thread.
class ErrorCountingReporter : public benchmark::BenchmarkReporter {
 public:
  ErrorCountingReporter()
      : display_(benchmark::CreateDefaultDisplayReporter()) {}

  bool ReportContext(const Context& context) override {
    return display_->ReportContext(context);
  }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred) failed_.insert(run.benchmark_name());
    }
    display_->ReportRuns(runs);
  }
  void Finalize() override { display_->Finalize(); }

  const std::set<std::string>& failed() const { return failed_; }

 private:
  std::unique_ptr<benchmark::BenchmarkReporter> display_;
  std::set<std::string> failed_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ErrorCountingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  for (const std::string& name : reporter.failed()) {
    std::fprintf(stderr, "%s stopped with an error\n", name.c_str());
  }
  return reporter.failed().empty() ? 0 : 1;
}
