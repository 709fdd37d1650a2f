// Faults a stop button meets in real life: a full disk while the video is
// written, a journal locked by another process, and a read-only journal.
// Real processes.
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/support/mcp_test_client.h"
#include "tests/integration/support/renderer_harness.h"
#include "tests/integration/support/subprocess.h"

namespace stopframe::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr absl::Duration kTimeout = absl::Seconds(60);

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    renderer_ = RendererHarness::Start();
    ASSERT_NE(renderer_, nullptr);
  }

  std::unique_ptr<McpTestClient> StartGateway(long max_file_bytes = 0) {
    auto gateway = McpTestClient::Start(
        {"--db=" + dir_ + "/journal.db", "--renderer=" + renderer_->target()},
        max_file_bytes);
    if (gateway) gateway->Initialize();
    return gateway;
  }

  Json Call(McpTestClient& gateway, const Json& id, const std::string& tool,
            Json arguments) {
    gateway.CallTool(id, tool, std::move(arguments), /*with_progress=*/false);
    auto response = gateway.WaitForResponse(id, kTimeout);
    EXPECT_TRUE(response.has_value()) << "no reply to " << id.dump();
    return response ? (*response)["result"] : Json();
  }

  std::string dir_;
  std::unique_ptr<RendererHarness> renderer_;
};

TEST_F(FaultTest, DiskFullWhileWritingGivesClearErrorAndKeepsOldVideos) {
  // A 256 kB file-size limit: the journal and a small video fit, a
  // standard-quality video does not.
  auto gateway = StartGateway(/*max_file_bytes=*/256 * 1024);
  ASSERT_NE(gateway, nullptr);
  for (int i = 0; i < 3; ++i) {
    Json r = Call(*gateway, absl::StrCat("e", i), "create_entry",
                  {{"title", absl::StrCat("Day ", i)},
                   {"content", "words"},
                   {"date", absl::StrCat("2025-0", i + 1, "-01")}});
    ASSERT_FALSE(r["isError"].get<bool>()) << r.dump();
  }
  Json small =
      Call(*gateway, "small", "create_wrapped_video",
           {{"year", 2025}, {"quality", "draft"}, {"secondsPerSlide", 0.2}});
  ASSERT_FALSE(small["isError"].get<bool>()) << small.dump();
  const std::string kept = small["structuredContent"]["path"];
  const std::string kept_bytes = ReadFile(kept);

  Json big =
      Call(*gateway, "big", "create_wrapped_video",
           {{"year", 2025}, {"quality", "standard"}, {"secondsPerSlide", 3}});
  ASSERT_TRUE(big["isError"].get<bool>()) << big.dump();
  const std::string text = big["content"][0]["text"];
  EXPECT_THAT(text, HasSubstr("File too large"));
  EXPECT_THAT(text, HasSubstr("No video was saved"));
  // No partial file; the earlier video is byte-identical.
  EXPECT_THAT(ListDir(dir_ + "/videos"), SizeIs(1));
  EXPECT_EQ(ReadFile(kept), kept_bytes);
  // The server is fine and the renderer stopped the job.
  EXPECT_TRUE(renderer_->WaitForStats(
      [](const auto& s) { return s.active() == 0; }, kTimeout));
  Json again =
      Call(*gateway, "again", "create_wrapped_video",
           {{"year", 2025}, {"quality", "draft"}, {"secondsPerSlide", 0.2}});
  EXPECT_FALSE(again["isError"].get<bool>()) << again.dump();
}

TEST_F(FaultTest, JournalLockedByAnotherProcessGivesClearErrorThenRecovers) {
  auto gateway = StartGateway();
  ASSERT_NE(gateway, nullptr);
  Json first = Call(*gateway, "first", "create_entry",
                    {{"title", "Before the lock"}, {"content", "kept"}});
  ASSERT_FALSE(first["isError"].get<bool>()) << first.dump();

  // Another process takes the write lock and holds it.
  Subprocess::Options options;
  options.argv = {"/usr/bin/sqlite3", dir_ + "/journal.db"};
  options.pipe_stdin = options.pipe_stdout = true;
  auto locker = Subprocess::Start(std::move(options));
  ASSERT_TRUE(locker.ok());
  const std::string lock = "BEGIN EXCLUSIVE;\nSELECT 'locked';\n";
  ASSERT_EQ(write((*locker)->stdin_fd(), lock.data(), lock.size()),
            static_cast<ssize_t>(lock.size()));
  auto line = ReadLine((*locker)->stdout_fd(), kTimeout);
  ASSERT_TRUE(line.ok()) << line.status();
  ASSERT_EQ(*line, "locked");

  Json blocked = Call(*gateway, "blocked", "create_entry",
                      {{"title", "During the lock"}, {"content", "waits"}});
  ASSERT_TRUE(blocked["isError"].get<bool>()) << blocked.dump();
  EXPECT_THAT(blocked["content"][0]["text"].get<std::string>(),
              HasSubstr("locked by another process"));
  // Reads still work meanwhile (WAL).
  Json list = Call(*gateway, "list", "list_entries", Json::object());
  EXPECT_FALSE(list["isError"].get<bool>());
  EXPECT_THAT(list["structuredContent"]["entries"], SizeIs(1));

  (*locker)->CloseStdin();  // sqlite3 exits and its transaction rolls back
  ASSERT_TRUE((*locker)->WaitForExit(kTimeout).has_value());
  Json after = Call(*gateway, "after", "create_entry",
                    {{"title", "After the lock"}, {"content", "works"}});
  EXPECT_FALSE(after["isError"].get<bool>()) << after.dump();
  list = Call(*gateway, "list2", "list_entries", Json::object());
  EXPECT_THAT(list["structuredContent"]["entries"], SizeIs(2));
}

TEST_F(FaultTest, ReadOnlyJournalGivesClearErrorReadsWorkAndNothingChanges) {
  const std::string db = dir_ + "/journal.db";
  int64_t id = 0;
  {
    auto gateway = StartGateway();
    ASSERT_NE(gateway, nullptr);
    Json first = Call(*gateway, "first", "create_entry",
                      {{"title", "Before read-only"},
                       {"content", "kept"},
                       {"tags", {"kept"}}});
    ASSERT_FALSE(first["isError"].get<bool>()) << first.dump();
    id = first["structuredContent"]["id"];
  }  // the gateway exits: the journal is checkpointed and closed
  const std::string before = ReadFile(db);
  ASSERT_FALSE(before.empty());

  // Read-only even for root, whom file modes do not stop: SQLite's mode=ro.
  auto gateway = McpTestClient::Start({"--db=file:" + db + "?mode=ro",
                                       "--videos_dir=" + dir_ + "/videos",
                                       "--renderer=" + renderer_->target()});
  ASSERT_NE(gateway, nullptr);
  ASSERT_EQ(gateway->Initialize()["protocolVersion"], "2025-06-18")
      << gateway->Stderr();

  Json create = Call(*gateway, "create", "create_entry",
                     {{"title", "During read-only"}, {"content", "refused"}});
  ASSERT_TRUE(create["isError"].get<bool>()) << create.dump();
  const std::string text = create["content"][0]["text"];
  EXPECT_THAT(text, HasSubstr("Could not create the entry"));
  EXPECT_THAT(text, HasSubstr("journal database is read-only"));
  EXPECT_THAT(text, HasSubstr("nothing was saved"));
  Json tag = Call(*gateway, "tag", "create_tag", {{"name", "refused"}});
  ASSERT_TRUE(tag["isError"].get<bool>()) << tag.dump();
  EXPECT_THAT(tag["content"][0]["text"].get<std::string>(),
              HasSubstr("read-only"));
  Json update = Call(*gateway, "update", "update_entry",
                     {{"id", id}, {"title", "Changed"}});
  ASSERT_TRUE(update["isError"].get<bool>()) << update.dump();
  EXPECT_THAT(update["content"][0]["text"].get<std::string>(),
              HasSubstr("read-only"));

  // Reads still work.
  Json list = Call(*gateway, "list", "list_entries", Json::object());
  ASSERT_FALSE(list["isError"].get<bool>()) << list.dump();
  EXPECT_THAT(list["structuredContent"]["entries"], SizeIs(1));
  Json got = Call(*gateway, "get", "get_entry", {{"id", id}});
  ASSERT_FALSE(got["isError"].get<bool>()) << got.dump();
  EXPECT_EQ(got["structuredContent"]["title"], "Before read-only");
  Json tags = Call(*gateway, "tags", "list_tags", Json::object());
  EXPECT_FALSE(tags["isError"].get<bool>()) << tags.dump();
  gateway.reset();  // closes stdin; waits for the gateway to exit

  // Nothing changed, and the file is sound.
  EXPECT_TRUE(ReadFile(db) == before) << "the journal file changed";
  Subprocess::Options options;
  options.argv = {"/usr/bin/sqlite3", "file:" + db + "?mode=ro",
                  "PRAGMA integrity_check;"};
  options.pipe_stdout = true;
  auto check = Subprocess::Start(std::move(options));
  ASSERT_TRUE(check.ok()) << check.status();
  auto line = ReadLine((*check)->stdout_fd(), kTimeout);
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(*line, "ok");
  ASSERT_TRUE((*check)->WaitForExit(kTimeout).has_value());
}

}  // namespace
}  // namespace stopframe::testing
