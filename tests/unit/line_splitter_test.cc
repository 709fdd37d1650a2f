#include "gateway/line_splitter.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stopframe::gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Records what a LineSplitter delivers.
class Recorder {
 public:
  LineSplitter::Callbacks Callbacks() {
    return {
        .on_line = [this](std::string_view line) { lines.emplace_back(line); },
        .on_oversized =
            [this](size_t limit) {
              ++oversized;
              last_limit = limit;
            },
    };
  }

  std::vector<std::string> lines;
  int oversized = 0;
  size_t last_limit = 0;
};

TEST(LineSplitterTest, SplitsOnNewlines) {
  Recorder r;
  LineSplitter splitter(1024, r.Callbacks());
  splitter.Feed("one\ntwo\nthree\n");
  EXPECT_THAT(r.lines, ElementsAre("one", "two", "three"));
  EXPECT_EQ(r.oversized, 0);
}

// While a line is handled, the splitter tells whether another complete line
// was read with it (the gateway then hands a burst to its workers).
TEST(LineSplitterTest, TellsWhetherMoreLinesWereReadWithALine) {
  std::vector<std::pair<std::string, bool>> seen;
  LineSplitter* splitter_ptr = nullptr;
  LineSplitter splitter(
      1024, {.on_line =
                 [&](std::string_view line) {
                   seen.emplace_back(line, splitter_ptr->more_lines_buffered());
                 },
             .on_oversized = [](size_t) {}});
  splitter_ptr = &splitter;
  splitter.Feed("one\ntwo\nthr");
  splitter.Feed("ee\n");
  splitter.Feed("four");
  splitter.Finish();
  EXPECT_THAT(seen, ElementsAre(std::pair<std::string, bool>{"one", true},
                                std::pair<std::string, bool>{"two", false},
                                std::pair<std::string, bool>{"three", false},
                                std::pair<std::string, bool>{"four", false}));
  EXPECT_FALSE(splitter.more_lines_buffered());
}

TEST(LineSplitterTest, JoinsPartialLinesAcrossFeeds) {
  Recorder r;
  LineSplitter splitter(1024, r.Callbacks());
  splitter.Feed("{\"a\":");
  EXPECT_THAT(r.lines, IsEmpty());
  splitter.Feed("1}\n{\"b\"");
  EXPECT_THAT(r.lines, ElementsAre("{\"a\":1}"));
  splitter.Feed(":2}\n");
  EXPECT_THAT(r.lines, ElementsAre("{\"a\":1}", "{\"b\":2}"));
}

TEST(LineSplitterTest, ByteByByte) {
  Recorder r;
  LineSplitter splitter(1024, r.Callbacks());
  const std::string input = "alpha\r\nbeta\n\n  \ngamma\r\n";
  for (char c : input) splitter.Feed(std::string_view(&c, 1));
  splitter.Finish();
  EXPECT_THAT(r.lines, ElementsAre("alpha", "beta", "gamma"));
  EXPECT_EQ(r.oversized, 0);
}

TEST(LineSplitterTest, StripsCarriageReturn) {
  Recorder r;
  LineSplitter splitter(1024, r.Callbacks());
  splitter.Feed("one\r\ntwo\r");
  splitter.Feed("\n");
  EXPECT_THAT(r.lines, ElementsAre("one", "two"));
}

TEST(LineSplitterTest, KeepsInteriorCarriageReturn) {
  Recorder r;
  LineSplitter splitter(1024, r.Callbacks());
  splitter.Feed("a\rb\n");
  EXPECT_THAT(r.lines, ElementsAre("a\rb"));
}

TEST(LineSplitterTest, SkipsEmptyAndWhitespaceOnlyLines) {
  Recorder r;
  LineSplitter splitter(1024, r.Callbacks());
  splitter.Feed("\n\r\n   \n\t \t\n \r\nx\n");
  EXPECT_THAT(r.lines, ElementsAre("x"));
  EXPECT_EQ(r.oversized, 0);
}

TEST(LineSplitterTest, FinishEmitsFinalLineWithoutNewline) {
  Recorder r;
  LineSplitter splitter(1024, r.Callbacks());
  splitter.Feed("first\nlast");
  EXPECT_THAT(r.lines, ElementsAre("first"));
  splitter.Finish();
  EXPECT_THAT(r.lines, ElementsAre("first", "last"));
}

TEST(LineSplitterTest, FinishStripsCarriageReturnAndSkipsBlank) {
  Recorder r;
  LineSplitter splitter(1024, r.Callbacks());
  splitter.Feed("last\r");
  splitter.Finish();
  EXPECT_THAT(r.lines, ElementsAre("last"));

  Recorder blank;
  LineSplitter blank_splitter(1024, blank.Callbacks());
  blank_splitter.Feed("  \t");
  blank_splitter.Finish();
  EXPECT_THAT(blank.lines, IsEmpty());
}

TEST(LineSplitterTest, FinishWithNothingPendingEmitsNothing) {
  Recorder r;
  LineSplitter splitter(1024, r.Callbacks());
  splitter.Feed("a\n");
  splitter.Finish();
  EXPECT_THAT(r.lines, ElementsAre("a"));
}

TEST(LineSplitterTest, LineExactlyAtLimitAccepted) {
  constexpr size_t kLimit = 16;
  Recorder r;
  LineSplitter splitter(kLimit, r.Callbacks());
  const std::string line(kLimit, 'x');
  splitter.Feed(line + "\n");
  splitter.Feed(line + "\r\n");  // the CR is not part of the message
  splitter.Feed(line);
  splitter.Finish();
  EXPECT_THAT(r.lines, ElementsAre(line, line, line));
  EXPECT_EQ(r.oversized, 0);
}

TEST(LineSplitterTest, LineExactlyAtLimitAcceptedByteByByte) {
  constexpr size_t kLimit = 16;
  Recorder r;
  LineSplitter splitter(kLimit, r.Callbacks());
  const std::string input = std::string(kLimit, 'y') + "\r\n";
  for (char c : input) splitter.Feed(std::string_view(&c, 1));
  EXPECT_THAT(r.lines, ElementsAre(std::string(kLimit, 'y')));
  EXPECT_EQ(r.oversized, 0);
}

TEST(LineSplitterTest, OneByteOverLimitRejected) {
  constexpr size_t kLimit = 16;
  Recorder r;
  LineSplitter splitter(kLimit, r.Callbacks());
  splitter.Feed(std::string(kLimit + 1, 'x') + "\nok\n");
  EXPECT_THAT(r.lines, ElementsAre("ok"));
  EXPECT_EQ(r.oversized, 1);
  EXPECT_EQ(r.last_limit, kLimit);
}

TEST(LineSplitterTest, OneByteOverLimitRejectedAtFinish) {
  constexpr size_t kLimit = 16;
  Recorder r;
  LineSplitter splitter(kLimit, r.Callbacks());
  splitter.Feed(std::string(kLimit + 1, 'x'));
  splitter.Finish();
  EXPECT_THAT(r.lines, IsEmpty());
  EXPECT_EQ(r.oversized, 1);
}

TEST(LineSplitterTest, HugeLineReportedOnceAndNextLineIntact) {
  constexpr size_t kLimit = 64;
  Recorder r;
  LineSplitter splitter(kLimit, r.Callbacks());
  splitter.Feed("before\n");
  splitter.Feed(std::string(10 * kLimit, 'z'));
  splitter.Feed(std::string(10 * kLimit, 'z'));
  splitter.Feed("zzz\n{\"after\":true}\n");
  EXPECT_THAT(r.lines, ElementsAre("before", "{\"after\":true}"));
  EXPECT_EQ(r.oversized, 1);
  EXPECT_EQ(r.last_limit, kLimit);
}

TEST(LineSplitterTest, HugeLineByteByByteReportedOnce) {
  constexpr size_t kLimit = 8;
  Recorder r;
  LineSplitter splitter(kLimit, r.Callbacks());
  const std::string input = std::string(100, 'q') + "\nnext\n";
  for (char c : input) splitter.Feed(std::string_view(&c, 1));
  EXPECT_THAT(r.lines, ElementsAre("next"));
  EXPECT_EQ(r.oversized, 1);
}

TEST(LineSplitterTest, HugeLineUnterminatedAtFinishNotEmitted) {
  constexpr size_t kLimit = 8;
  Recorder r;
  LineSplitter splitter(kLimit, r.Callbacks());
  splitter.Feed(std::string(100, 'q'));
  splitter.Finish();
  EXPECT_THAT(r.lines, IsEmpty());
  EXPECT_EQ(r.oversized, 1);
}

TEST(LineSplitterTest, TwoHugeLinesReportedTwice) {
  constexpr size_t kLimit = 8;
  Recorder r;
  LineSplitter splitter(kLimit, r.Callbacks());
  splitter.Feed(std::string(20, 'a') + "\n" + std::string(20, 'b') + "\nc\n");
  EXPECT_THAT(r.lines, ElementsAre("c"));
  EXPECT_EQ(r.oversized, 2);
}

// 50 MB in 1 MB pieces against a 1 MB limit: the splitter must drop the bytes
// as they come (one report) and recover for the next line.
TEST(LineSplitterTest, FiftyMegabyteLineInMegabytePieces) {
  constexpr size_t kMiB = 1 << 20;
  Recorder r;
  LineSplitter splitter(kMiB, r.Callbacks());
  const std::string piece(kMiB, 'm');
  for (int i = 0; i < 50; ++i) splitter.Feed(piece);
  EXPECT_EQ(r.oversized, 1);
  EXPECT_THAT(r.lines, IsEmpty());
  splitter.Feed("\n{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":1}\n");
  EXPECT_EQ(r.oversized, 1);
  EXPECT_THAT(
      r.lines,
      ElementsAre("{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":1}"));
  // A line exactly at the limit still fits afterwards.
  splitter.Feed(piece);
  splitter.Feed("\n");
  EXPECT_EQ(r.oversized, 1);
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(r.lines[1].size(), kMiB);
}

}  // namespace
}  // namespace stopframe::gateway
