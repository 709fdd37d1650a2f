// The stdout policy when the client stops reading: responses kept in order,
// progress coalesced, other notifications dropped past the cap.
#include "gateway/stdout_writer.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

}  // namespace
}  // namespace stopframe::gateway
