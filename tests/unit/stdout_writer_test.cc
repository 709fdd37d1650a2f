// The stdout policy when the client stops reading: responses kept in order,
// progress coalesced, other notifications dropped past the cap.
#include "gateway/stdout_writer.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace stopframe::gateway {
namespace {

// Reads `fd` until a line equal to `last` arrives (or 10 s pass).
std::vector<std::string> ReadUntil(int fd, const std::string& last) {
  std::string data;
  char buffer[65536];
  while (data.find("\n" + last + "\n") == std::string::npos &&
         data.rfind(last + "\n", 0) != 0) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 10000) <= 0) break;
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  return absl::StrSplit(data, '\n', absl::SkipEmpty());
}

TEST(StdoutWriterTest, SlowReaderKeepsResponsesCoalescesProgressDropsRest) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  fcntl(fds[1], F_SETPIPE_SZ, 4096);  // a small pipe fills at once
  {
    StdoutWriter writer(fds[1], /*droppable_cap=*/64 * 1024);
    // Fill the pipe so the writer thread blocks: the client stopped reading.
    const std::string filler(1000, 'f');
    for (int i = 0; i < 20; ++i) writer.Send(filler);

    for (int i = 0; i < 1000; ++i) {
      writer.Send(absl::StrCat("response ", i));
      writer.SendDroppable(absl::StrCat("progress ", i), "progress:7");
      writer.SendDroppable(std::string(1000, 'n'), "");
    }
    EXPECT_LT(writer.queued_bytes(), 64 * 1024 + 20 * 1024)
        << "droppable messages must stop at the cap";
    EXPECT_GT(writer.dropped(), 900);
    writer.Send("END");

    std::vector<std::string> lines = ReadUntil(fds[0], "END");
    int next_response = 0;
    int progress_lines = 0;
    std::string last_progress;
    for (const std::string& line : lines) {
      if (line.rfind("response ", 0) == 0) {
        EXPECT_EQ(line, absl::StrCat("response ", next_response++));
      } else if (line.rfind("progress ", 0) == 0) {
        ++progress_lines;
        last_progress = line;
      }
    }
    EXPECT_EQ(next_response, 1000) << "every response arrives, in order";
    EXPECT_LE(progress_lines, 3) << "queued progress is coalesced";
    EXPECT_EQ(last_progress, "progress 999") << "the newest progress wins";
    EXPECT_EQ(lines.back(), "END");
  }
  close(fds[0]);
  close(fds[1]);
}

// Workers write their own responses (SendHeld + WriteHeld) while the writer
// thread serves Send: every line arrives whole, once, in each sender's order.
TEST(StdoutWriterTest, HeldLinesFromWorkersArriveWholeAndInOrder) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  fcntl(fds[1], F_SETPIPE_SZ, 4096);  // writes block and split often
  constexpr int kThreads = 4;
  constexpr int kLines = 500;
  std::vector<std::string> lines;
  std::thread reader([&] { lines = ReadUntil(fds[0], "END"); });
  {
    StdoutWriter writer(fds[1]);
    std::vector<std::thread> workers;
    for (int t = 0; t < kThreads; ++t) {
      workers.emplace_back([&writer, t] {
        for (int i = 0; i < kLines; ++i) {
          writer.SendHeld(absl::StrCat("held ", t, " ", i, " ",
                                       std::string(100 + i % 300, 'x')));
          writer.WriteHeld();
        }
      });
    }
    for (int i = 0; i < kLines; ++i) writer.Send(absl::StrCat("sent ", i));
    for (std::thread& w : workers) w.join();
    writer.Send("END");
    reader.join();
  }
  close(fds[0]);
  close(fds[1]);
  std::vector<int> next(kThreads, 0);
  int next_sent = 0;
  for (const std::string& line : lines) {
    if (line == "END") continue;
    if (line.rfind("sent ", 0) == 0) {
      EXPECT_EQ(line, absl::StrCat("sent ", next_sent++));
      continue;
    }
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    ASSERT_EQ(parts.size(), 4u) << line;
    const int t = std::stoi(parts[1]);
    const int i = std::stoi(parts[2]);
    ASSERT_GE(t, 0);
    ASSERT_LT(t, kThreads);
    EXPECT_EQ(i, next[t]++) << line;
    EXPECT_EQ(parts[3], std::string(100 + i % 300, 'x')) << line;
  }
  EXPECT_EQ(next_sent, kLines);
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(next[t], kLines);
}

// Whether this kernel takes RWF_NOWAIT writes on pipes (Linux 6.4 and
// later). Where it does not, Uncork leaves every line to the writer thread.
bool PipesTakeNoWaitWrites() {
  int fds[2];
  if (pipe(fds) != 0) return false;
  iovec one{const_cast<char*>("x"), 1};
  const bool ok = pwritev2(fds[1], &one, 1, -1, RWF_NOWAIT) == 1;
  close(fds[0]);
  close(fds[1]);
  return ok;
}

// What the reader thread sends while corked leaves in Uncork, on its own
// thread: it is in the pipe when Uncork returns, whole and in order.
TEST(StdoutWriterTest, UncorkWritesOnTheCallersThread) {
  if (!PipesTakeNoWaitWrites()) {
    GTEST_SKIP() << "this kernel's pipes take no RWF_NOWAIT writes";
  }
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  {
    StdoutWriter writer(fds[1]);
    for (int round = 0; round < 50; ++round) {
      writer.Cork();
      writer.Send(absl::StrCat("a ", round));
      writer.Send(absl::StrCat("b ", round));
      writer.Uncork();
      // No waiting: had the writer thread been left to write, the bytes
      // could still be on their way.
      pollfd p{fds[0], POLLIN, 0};
      ASSERT_EQ(poll(&p, 1, 0), 1)
          << "nothing written by Uncork, round " << round;
      std::vector<std::string> lines =
          ReadUntil(fds[0], absl::StrCat("b ", round));
      EXPECT_EQ(lines, (std::vector<std::string>{absl::StrCat("a ", round),
                                                 absl::StrCat("b ", round)}));
    }
  }
  close(fds[0]);
  close(fds[1]);
}

// A client that stops reading never blocks the reader thread: Uncork writes
// what fits (here one page: a line cut in the middle), returns, and the
// writer thread delivers the rest once the client reads again; every line
// arrives whole, once, in order.
TEST(StdoutWriterTest, UncorkNeverBlocksOnAFullPipe) {
  if (!PipesTakeNoWaitWrites()) {
    GTEST_SKIP() << "this kernel's pipes take no RWF_NOWAIT writes";
  }
  const long page = sysconf(_SC_PAGESIZE);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(fcntl(fds[1], F_SETPIPE_SZ, 2 * page), 2 * page);
  // The client read nothing yet: one of the pipe's two pages is full.
  const std::string filler(page - 1, 'f');
  ASSERT_EQ(write(fds[1], (filler + "\n").data(), page), page);
  {
    StdoutWriter writer(fds[1]);
    const std::string body(600, 'x');  // a page is no whole number of lines
    absl::Notification uncorked;
    std::thread reader_thread([&] {
      writer.Cork();
      for (int i = 0; i < 20; ++i)
        writer.Send(absl::StrCat("line ", i, " ", body));
      writer.Uncork();
      uncorked.Notify();
    });
    const bool returned =
        uncorked.WaitForNotificationWithTimeout(absl::Seconds(10));
    EXPECT_TRUE(returned) << "Uncork blocked on a full pipe";
    int buffered = 0;
    ASSERT_EQ(ioctl(fds[0], FIONREAD, &buffered), 0);
    EXPECT_EQ(buffered, 2 * page) << "the pipe was not filled";
    std::vector<std::string> lines =
        ReadUntil(fds[0], absl::StrCat("line 19 ", body));
    reader_thread.join();
    ASSERT_EQ(lines.size(), 21u);
    EXPECT_EQ(lines[0], filler);
    for (int i = 0; i < 20; ++i) {
      EXPECT_EQ(lines[i + 1], absl::StrCat("line ", i, " ", body));
    }
  }
  close(fds[0]);
  close(fds[1]);
}

// A writer destroyed while corked (a reader that never got to Uncork) still
// writes what was queued and joins its thread instead of hanging.
TEST(StdoutWriterTest, DestroyedWhileCorkedWritesTheQueueAndStops) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  {
    StdoutWriter writer(fds[1]);
    writer.Cork();
    writer.Send("queued");
  }
  close(fds[1]);
  EXPECT_EQ(ReadUntil(fds[0], "queued"), std::vector<std::string>{"queued"});
  close(fds[0]);
}

}  // namespace
}  // namespace stopframe::gateway
