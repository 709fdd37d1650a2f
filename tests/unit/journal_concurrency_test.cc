// The journal under concurrency: reads that do not wait for a write,
// several stores and threads on one file, and a write-ahead log that
// stays bounded.

#include <algorithm>
#include <set>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gateway/journal/journal_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/journal_test_support.h"

namespace stopframe::journal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// An import of two entries on its own thread, paused half way inside its
// write transaction until Finish (or destruction), when it commits.
class PausedImport {
 public:
  explicit PausedImport(JournalStore& store) {
    thread_ = std::thread([this, &store] {
      absl::Status s = store.ImportEntries(2, [&](int64_t i, NewEntry& e) {
        if (i == 1) {
          paused_.Notify();
          resume_.WaitForNotification();
        }
        e = MakeEntry(absl::StrCat("Imported ", i), "2025-03-02");
      });
      EXPECT_TRUE(s.ok()) << s;
    });
  }
  ~PausedImport() { Finish(); }
  // Lets the import commit, and waits for it.
  void Finish() {
    if (!resume_.HasBeenNotified()) resume_.Notify();
    if (thread_.joinable()) thread_.join();
  }
  // False (and a test failure) if the import never got half way.
  bool WaitUntilPaused() {
    const bool paused =
        paused_.WaitForNotificationWithTimeout(absl::Seconds(10));
    EXPECT_TRUE(paused) << "the import never reached its second entry";
    return paused;
  }

 private:
  absl::Notification paused_, resume_;
  std::thread thread_;
};

// Reads go to connections of their own, so a write in progress (here: an
// import paused half way) holds none of them up: a read that must not wait
// (the gateway's reader thread) and one that may wait both answer at once,
// from the last commit; once the import commits, the next read sees it.
TEST_F(JournalStoreTest, ReadsDoNotWaitForAWriteInProgress) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Entry entry = Create(*store, MakeEntry("Busy day", "2025-03-01"));
  absl::StatusOr<Tag> tag =
      store->CreateTag({.name = "kept", .description = std::nullopt});
  ASSERT_TRUE(tag.ok()) << tag.status();
  {
    PausedImport import(*store);
    ASSERT_TRUE(import.WaitUntilPaused());
    absl::StatusOr<Entry> got = store->GetEntry(entry.id, Wait::kNo);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->title, "Busy day");
    absl::StatusOr<Tag> got_tag = store->GetTag(tag->id, Wait::kNo);
    ASSERT_TRUE(got_tag.ok()) << got_tag.status();
    EXPECT_EQ(got_tag->name, "kept");
    EXPECT_TRUE(
        absl::IsNotFound(store->GetEntry(entry.id + 1, Wait::kNo).status()))
        << "the import's first entry is not committed yet";

    // Reads that may wait, on another thread so that a read stuck behind
    // the import fails the test instead of hanging it.
    absl::Notification listed;
    std::vector<std::string> titles;
    int64_t year_entries = -1;
    std::thread reader([&] {
      absl::StatusOr<std::vector<Entry>> page =
          store->ListEntries(Query(std::nullopt, 0, 10));
      EXPECT_TRUE(page.ok()) << page.status();
      if (page.ok()) {
        for (const Entry& e : *page) titles.push_back(e.title);
      }
      absl::StatusOr<YearStats> stats = store->ComputeYearStats(2025);
      EXPECT_TRUE(stats.ok()) << stats.status();
      if (stats.ok()) year_entries = stats->entries;
      listed.Notify();
    });
    const bool answered =
        listed.WaitForNotificationWithTimeout(absl::Seconds(10));
    EXPECT_TRUE(answered) << "a read waited for the import";
    if (!answered) import.Finish();  // then the stuck read can finish
    reader.join();
    EXPECT_THAT(titles, ElementsAre("Busy day"));
    EXPECT_EQ(year_entries, 1);
  }
  absl::StatusOr<Entry> imported = store->GetEntry(entry.id + 2, Wait::kNo);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->title, "Imported 1");
  EXPECT_THAT(List(*store, Query(std::nullopt, 0, 10)), SizeIs(3));
}

// A journal opened by URI has the one connection: there, a read that must
// not wait fails at once with UNAVAILABLE while a write holds it, instead of
// queueing behind it, and is answered once the write is done.
TEST_F(JournalStoreTest, UriJournalReadWithoutWaitingFailsAtOnceWhileBusy) {
  std::unique_ptr<JournalStore> created = OpenStore();  // makes the file
  ASSERT_NE(created, nullptr);
  created.reset();
  absl::StatusOr<std::unique_ptr<JournalStore>> opened =
      JournalStore::Open("file:" + path_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  JournalStore& store = **opened;
  const Entry entry = Create(store, MakeEntry("Busy day", "2025-03-01"));
  absl::StatusOr<Tag> tag =
      store.CreateTag({.name = "kept", .description = std::nullopt});
  ASSERT_TRUE(tag.ok()) << tag.status();
  {
    PausedImport import(store);
    ASSERT_TRUE(import.WaitUntilPaused());
    EXPECT_TRUE(
        absl::IsUnavailable(store.GetEntry(entry.id, Wait::kNo).status()));
    EXPECT_TRUE(absl::IsUnavailable(store.GetTag(tag->id, Wait::kNo).status()));
  }
  absl::StatusOr<Entry> got = store.GetEntry(entry.id, Wait::kNo);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->title, "Busy day");
  absl::StatusOr<Tag> got_tag = store.GetTag(tag->id, Wait::kNo);
  ASSERT_TRUE(got_tag.ok()) << got_tag.status();
  EXPECT_EQ(got_tag->name, "kept");
  // Not found is still not found, not "busy"; and the busy timeout that the
  // read turned off for itself is back.
  EXPECT_TRUE(
      absl::IsNotFound(store.GetEntry(entry.id + 100, Wait::kNo).status()));
  absl::StatusOr<ConnectionSettings> settings = store.GetConnectionSettings();
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->busy_timeout_ms, 5000);
}

// After a commit, SQLite checkpoints the write-ahead log once it holds 1000
// pages, and the next write starts the log over. It cannot while the
// writing connection still has a statement on a row (its read is then open
// past COMMIT): the log, and every read's search of it, would grow for as
// long as the gateway runs. Entries written one at a time, with tags that
// exist, must keep it bounded.
TEST_F(JournalStoreTest, WriteAheadLogStaysBoundedAsEntriesAreWrittenOneByOne) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const uintmax_t page_size = std::stoull(QueryText(path_, "PRAGMA page_size"));
  // Each entry writes ~10 pages (its row, indexes, tag links, aggregates):
  // 400 of them are ~4x the checkpoint threshold.
  constexpr int kEntries = 400;
  uintmax_t largest_log = 0;
  for (int i = 0; i < kEntries; ++i) {
    Create(*store, MakeEntry(absl::StrCat("Entry ", i), "2025-03-04",
                             "a walk with friends", {"walk", "Friends"}));
    largest_log =
        std::max(largest_log, std::filesystem::file_size(path_ + "-wal"));
  }
  // The threshold, one entry's pages past it, and each frame's header.
  EXPECT_LE(largest_log, 1100 * (page_size + 24));
  // The checkpoints copied the entries into the database file itself (37
  // pages; 1 before the fix).
  EXPECT_GE(std::filesystem::file_size(path_), 20 * page_size);
  absl::StatusOr<YearStats> stats = store->ComputeYearStats(2025);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->entries, kEntries);
}

// After one big transaction the log is checkpointed, and the next write
// starts it over and cuts its file back to 8 MiB instead of keeping the
// transaction's size on disk.
TEST_F(JournalStoreTest, WriteAheadLogShrinksAfterABigTransaction) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  constexpr uintmax_t kLimit = 8 << 20;
  constexpr int kEntries = 3000;  // ~4 kB each: a log of over 12 MB
  ASSERT_TRUE(store
                  ->ImportEntries(kEntries,
                                  [](int64_t i, NewEntry& e) {
                                    e = MakeEntry(absl::StrCat("Big ", i),
                                                  "2025-05-06",
                                                  std::string(4000, 'w'));
                                  })
                  .ok());
  ASSERT_GT(std::filesystem::file_size(path_ + "-wal"), kLimit);
  Create(*store, MakeEntry("after the import", "2025-05-07"));
  EXPECT_LE(std::filesystem::file_size(path_ + "-wal"), kLimit);
  absl::StatusOr<YearStats> stats = store->ComputeYearStats(2025);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->entries, kEntries + 1);
}

// Two gateways started at once on a journal that does not exist yet (a
// desktop client and an IDE at login) both switch the new file to WAL,
// which needs an exclusive lock that SQLite does not wait for: one of them
// used to fail at once with "database is locked" (~1 start in 8 when both
// began within a millisecond). Both must open, whoever switches it.
TEST_F(JournalStoreTest, TwoStoresOpeningANewJournalAtOnceBothOpen) {
  constexpr int kRounds = 40;
  for (int round = 0; round < kRounds; ++round) {
    const std::string path = absl::StrCat(dir_, "/new-", round, ".db");
    absl::Notification start;
    absl::StatusOr<std::unique_ptr<JournalStore>> opened[2];
    std::thread openers[2];
    for (int i = 0; i < 2; ++i) {
      openers[i] = std::thread([&, i] {
        start.WaitForNotification();
        opened[i] = JournalStore::Open(path);
      });
    }
    start.Notify();
    for (std::thread& t : openers) t.join();
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(opened[i].ok())
          << "round " << round << ", store " << i << ": " << opened[i].status();
      absl::StatusOr<ConnectionSettings> settings =
          (*opened[i])->GetConnectionSettings();
      ASSERT_TRUE(settings.ok()) << settings.status();
      EXPECT_EQ(settings->journal_mode, "wal");
    }
    // Both serve the same journal.
    Create(**opened[0], MakeEntry("from the first", "2026-01-02"));
    EXPECT_THAT(List(**opened[1], Query(std::nullopt, 0, 10)), SizeIs(1));
  }
}

TEST_F(JournalStoreTest, TwoStoresOnOneFileWriteConcurrently) {
  std::unique_ptr<JournalStore> first = OpenStore();
  std::unique_ptr<JournalStore> second = OpenStore();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);

  constexpr int kPerThread = 200;
  auto writer = [](JournalStore* store, int thread,
                   std::vector<absl::Status>* errors) {
    for (int i = 0; i < kPerThread; ++i) {
      NewEntry e =
          MakeEntry(absl::StrCat("w", thread, "-", i),
                    absl::StrCat("2026-0", 1 + i % 9, "-15"),
                    "concurrent words", {"shared", absl::StrCat("t", i % 7)});
      absl::StatusOr<Entry> created = store->CreateEntry(e);
      if (!created.ok()) errors->push_back(created.status());
      // Readers interleave with the other connection's writes.
      if (i % 50 == 0) {
        absl::StatusOr<YearStats> stats = store->ComputeYearStats(2026);
        if (!stats.ok()) errors->push_back(stats.status());
      }
    }
  };
  std::vector<absl::Status> errors0;
  std::vector<absl::Status> errors1;
  std::thread t0(writer, first.get(), 0, &errors0);
  std::thread t1(writer, second.get(), 1, &errors1);
  t0.join();
  t1.join();
  EXPECT_THAT(errors0, IsEmpty());
  EXPECT_THAT(errors1, IsEmpty());

  std::set<std::string> titles;
  int64_t after = 0;
  while (true) {
    const std::vector<Entry> page =
        List(*first, Query(std::nullopt, after, 200));
    if (page.empty()) break;
    for (const Entry& e : page) {
      titles.insert(e.title);
      EXPECT_THAT(e.tags, SizeIs(2));
    }
    after = page.back().id;
  }
  EXPECT_THAT(titles, SizeIs(2 * kPerThread));
  EXPECT_TRUE(titles.count("w0-199") == 1 && titles.count("w1-0") == 1);

  absl::StatusOr<YearStats> stats = second->ComputeYearStats(2026);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->entries, 2 * kPerThread);
  EXPECT_EQ(stats->tags, 8);  // "shared" + t0..t6, each created once.
  ASSERT_FALSE(stats->top_tags.empty());
  EXPECT_EQ(stats->top_tags[0].name, "shared");
  EXPECT_EQ(stats->top_tags[0].count, 2 * kPerThread);
}

TEST_F(JournalStoreTest, OneStoreSharedByThreads) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store, &failures, t] {
      for (int i = 0; i < 25; ++i) {
        if (!store->CreateEntry(MakeEntry("x", "2026-01-01", "", {"tag"}))
                 .ok()) {
          ++failures[t];
        }
        if (!store->ListEntries(Query(std::nullopt, 0, 10)).ok()) ++failures[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_THAT(failures, ElementsAre(0, 0, 0, 0));
  absl::StatusOr<YearStats> stats = store->ComputeYearStats(2026);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->entries, 100);
}

// Writes share one connection and reads take others, so a thread's read
// right after its own write must still see it: more threads than read
// connections, each writing, then reading back (by id, by page, with and
// without waiting) at once. A read that must not wait may find every read
// connection taken (UNAVAILABLE), but never an old answer.
TEST_F(JournalStoreTest, ThreadsReadTheirOwnWritesAtOnce) {
  std::unique_ptr<JournalStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<Tag> tag =
      store->CreateTag({.name = "shared", .description = std::nullopt});
  ASSERT_TRUE(tag.ok()) << tag.status();
  constexpr int kThreads = 12;
  constexpr int kRounds = 40;
  std::vector<std::vector<std::string>> problems(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::string>& out = problems[t];
      for (int i = 0; i < kRounds; ++i) {
        const std::string title = absl::StrCat("t", t, "-", i);
        absl::StatusOr<Entry> made = store->CreateEntry(
            MakeEntry(title, "2026-05-01", "words", {"shared"}));
        if (!made.ok()) {
          out.push_back(made.status().ToString());
          continue;
        }
        absl::StatusOr<Entry> got = store->GetEntry(made->id);
        if (!got.ok() || got->title != title)
          out.push_back("created: " + title);
        EntryUpdate update;
        update.title = title + "!";
        if (!store->UpdateEntry(made->id, update).ok()) out.push_back("update");
        absl::StatusOr<Entry> quick = store->GetEntry(made->id, Wait::kNo);
        if (quick.ok() ? quick->title != title + "!"
                       : !absl::IsUnavailable(quick.status())) {
          out.push_back("updated, no wait: " + title);
        }
        absl::StatusOr<std::vector<Entry>> page =
            store->ListEntries(Query(std::nullopt, made->id - 1, 1));
        if (!page.ok() || page->size() != 1 ||
            (*page)[0].title != title + "!") {
          out.push_back("updated, page: " + title);
        }
        if (i % 2 == 0) {
          if (!store->DeleteEntry(made->id).ok()) out.push_back("delete");
          // Its id may already be another thread's new entry (SQLite
          // reuses the highest rowid), but never this one again.
          absl::StatusOr<Entry> gone = store->GetEntry(made->id);
          if (gone.ok() ? gone->title == title + "!"
                        : !absl::IsNotFound(gone.status())) {
            out.push_back("deleted: " + title);
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_THAT(problems[t], IsEmpty()) << "thread " << t;
  }
  absl::StatusOr<Tag> counted = store->GetTag(tag->id);
  ASSERT_TRUE(counted.ok()) << counted.status();
  EXPECT_EQ(counted->entry_count, kThreads * kRounds / 2);
  absl::StatusOr<YearStats> stats = store->ComputeYearStats(2026);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->entries, kThreads * kRounds / 2);
}

}  // namespace
}  // namespace stopframe::journal
