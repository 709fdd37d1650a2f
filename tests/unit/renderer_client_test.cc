#include "gateway/renderer_client.h"

#include <atomic>
#include <thread>
#include <vector>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"

namespace stopframe::gateway {
namespace {

// Nothing listens here, so every call fails fast with UNAVAILABLE.
std::shared_ptr<grpc::Channel> ChannelToNowhere() {
  return grpc::CreateChannel("unix:/nonexistent/stopframe-test.sock",
                             grpc::InsecureChannelCredentials());
}

TEST(RendererClientTest, MakesNoChannelUntilTheFirstCall) {
  std::atomic<int> made{0};
  RendererClient client([&] {
    ++made;
    return ChannelToNowhere();
  });
  EXPECT_EQ(made.load(), 0) << "a journal-only gateway must not start gRPC";
  absl::StatusOr<stopframe::renderer::v1::RendererStats> stats =
      client.GetStats();
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kUnavailable)
      << stats.status();
  EXPECT_EQ(made.load(), 1);
  EXPECT_FALSE(client.GetStats().ok());
  EXPECT_EQ(made.load(), 1) << "the channel is made once and kept";
}

TEST(RendererClientTest, ConcurrentFirstCallsShareOneChannel) {
  std::atomic<int> made{0};
  RendererClient client([&] {
    ++made;
    return ChannelToNowhere();
  });
  std::vector<std::thread> callers;
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&] { EXPECT_FALSE(client.GetStats().ok()); });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(made.load(), 1);
}

}  // namespace
}  // namespace stopframe::gateway
