// What the gateway sends the renderer: only what it draws, and never the
// text of a private entry.
#include <string>

#include "gateway/journal/journal_store.h"
#include "gateway/tools/wrapped_video_tool.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stopframe::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RenderRequestTest, PrivateEntryTextNeverReachesTheRenderer) {
  std::string dir = ::testing::TempDir() + "render_request_XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  auto store = journal::JournalStore::Open(dir + "/j.db");
  ASSERT_TRUE(store.ok()) << store.status();

  // The private entry is the longest and a favourite: the slides would show
  // its title if anything leaked.
  journal::NewEntry secret;
  secret.title = "ZEBRA-SECRET-TITLE";
  secret.content = "QUOKKA-SECRET-CONTENT " + std::string(2000, 'w') +
                   " many many words here to be the longest entry";
  secret.is_private = true;
  secret.is_favorite = true;
  secret.mood = "calm";
  secret.tags = {"diary"};
  secret.entry_date = "2025-06-01";
  ASSERT_TRUE((*store)->CreateEntry(secret).ok());
  journal::NewEntry open;
  open.title = "Public walk";
  open.content = "short";
  open.is_favorite = true;
  open.entry_date = "2025-06-02";
  ASSERT_TRUE((*store)->CreateEntry(open).ok());

  auto stats = (*store)->ComputeYearStats(2025);
  ASSERT_TRUE(stats.ok()) << stats.status();
  stopframe::renderer::v1::WrappedStats sent = ToRenderStats(*stats);
  const std::string wire = sent.SerializeAsString();

  // Counted in the totals...
  EXPECT_EQ(sent.entries(), 2);
  EXPECT_GT(sent.words(), 2);
  EXPECT_EQ(sent.longest_entry().title(), "A private entry");
  // ...but none of its text is on the wire.
  EXPECT_THAT(wire, Not(HasSubstr("ZEBRA")));
  EXPECT_THAT(wire, Not(HasSubstr("QUOKKA")));
  EXPECT_THAT(wire, HasSubstr("Public walk"));  // favourites still shown
}

}  // namespace
}  // namespace stopframe::gateway
