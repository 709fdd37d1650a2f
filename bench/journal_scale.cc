// Cost against journal size: for journals of N entries (generated here),
// the time from tools/call create_wrapped_video to the first
// notifications/progress, the total render time, and the stats query alone.
// Real gateway and renderer processes; the journal is real SQLite.
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gateway/journal/journal_store.h"
#include "tests/integration/support/mcp_test_client.h"
#include "tests/integration/support/renderer_harness.h"

ABSL_FLAG(std::string, sizes, "1000,10000,100000",
          "Comma-separated journal sizes");
ABSL_FLAG(std::string, quality, "draft", "Render quality");
ABSL_FLAG(std::string, journal_dir, "",
          "Keep generated journals here (journal-N.db) and reuse them on "
          "later runs; empty: a fresh temporary directory per size");

namespace {

using stopframe::journal::JournalStore;
using stopframe::journal::NewEntry;
using stopframe::testing::Json;

constexpr const char* kMoods[] = {"happy", "calm", "tired", "thoughtful",
                                  "excited"};
constexpr const char* kTags[] = {"family", "running", "books", "garden",
                                 "work",   "travel",  "food",  "music"};

// Writes `count` entries in one transaction (statements prepared once).
bool Generate(const std::string& path, int count) {
  auto store = JournalStore::Open(path);
  if (!store.ok()) return false;
  return (*store)
      ->ImportEntries(count,
                      [](int64_t i, NewEntry& e) {
                        e.title = absl::StrCat("Entry ", i);
                        e.content = absl::StrCat(
                            "Words for entry ", i,
                            " about the day, the weather and the people.");
                        e.mood = kMoods[i % 5];
                        e.tags = {kTags[i % 8], kTags[(i / 8) % 8]};
                        e.is_favorite = i % 97 == 0;
                        e.is_private = i % 31 == 0;
                        e.entry_date = absl::StrFormat("2025-%02d-%02d",
                                                       1 + i % 12, 1 + i % 28);
                      })
      .ok();
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto renderer = stopframe::testing::RendererHarness::Start(2);
  if (!renderer) {
    std::fprintf(stderr, "renderer did not start (set STOPFRAME_BIN_DIR)\n");
    return 1;
  }
  std::printf(
      "| entries | generate s | db MB | stats query ms | "
      "call to first progress ms | total render ms |\n"
      "|---|---|---|---|---|---|\n");
  for (absl::string_view size_text :
       absl::StrSplit(absl::GetFlag(FLAGS_sizes), ',')) {
    int size = 0;
    if (!absl::SimpleAtoi(size_text, &size) || size <= 0) return 2;
    const std::string keep = absl::GetFlag(FLAGS_journal_dir);
    const std::string db =
        keep.empty() ? stopframe::testing::MakeTempDir() + "/journal.db"
                     : absl::StrCat(keep, "/journal-", size, ".db");
    std::error_code error;
    double generate_s = 0;  // 0: reused
    if (keep.empty() || !std::filesystem::exists(db, error)) {
      const absl::Time g0 = absl::Now();
      if (!Generate(db, size)) {
        std::fprintf(stderr, "could not generate %d entries\n", size);
        return 1;
      }
      generate_s = absl::ToDoubleSeconds(absl::Now() - g0);
    }
    double stats_ms = 0;
    {
      auto store = JournalStore::Open(db);
      const absl::Time t0 = absl::Now();
      auto stats = (*store)->ComputeYearStats(2025);
      stats_ms = absl::ToDoubleMilliseconds(absl::Now() - t0);
      if (!stats.ok() || stats->entries != size) return 1;
    }
    auto gateway = stopframe::testing::McpTestClient::Start(
        {"--db=" + db, "--renderer=" + renderer->target()});
    gateway->Initialize();
    const absl::Time t0 = absl::Now();
    gateway->CallTool(1, "create_wrapped_video",
                      {{"year", 2025},
                       {"quality", absl::GetFlag(FLAGS_quality)},
                       {"secondsPerSlide", 0.5}});
    bool progressed = gateway->WaitForMessages(
        [](const std::vector<Json>& messages) {
          for (const Json& m : messages) {
            if (m.value("method", "") == "notifications/progress") return true;
          }
          return false;
        },
        absl::Seconds(60));
    const absl::Time t1 = absl::Now();
    auto response = gateway->WaitForResponse(1, absl::Seconds(120));
    const absl::Time t2 = absl::Now();
    if (!progressed || !response) return 1;
    const double db_mb =
        static_cast<double>(std::filesystem::file_size(db, error)) / 1e6;
    std::printf("| %d | %.1f | %.0f | %.1f | %.1f | %.0f |\n", size, generate_s,
                db_mb, stats_ms, absl::ToDoubleMilliseconds(t1 - t0),
                absl::ToDoubleMilliseconds(t2 - t0));
    std::fflush(stdout);
  }
  return 0;
}
