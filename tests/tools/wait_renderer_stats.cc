// wait_renderer_stats TARGET MIN_CANCELLED MIN_COMPLETED TIMEOUT_MS
// Watches a renderer's stats (WatchStats, no polling) until it is idle with
// at least the given cancelled/completed counts; prints the stats as JSON.
// Exit 0 when reached, 1 on timeout or error. For tests in other languages.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "grpcpp/grpcpp.h"
#include "stopframe/renderer/v1/renderer.grpc.pb.h"

namespace pb = ::stopframe::renderer::v1;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr,
                 "usage: %s TARGET MIN_CANCELLED MIN_COMPLETED TIMEOUT_MS\n",
                 argv[0]);
    return 2;
  }
  const long min_cancelled = std::atol(argv[2]);
  const long min_completed = std::atol(argv[3]);
  auto stub = pb::Renderer::NewStub(
      grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(std::atol(argv[4])));
  auto reader = stub->WatchStats(&context, pb::WatchStatsRequest());
  pb::RendererStats stats;
  bool reached = false;
  while (!reached && reader->Read(&stats)) {
    reached = stats.active() == 0 && stats.cancelled() >= min_cancelled &&
              stats.completed() >= min_completed;
  }
  std::printf(
      "{\"active\":%lld,\"started\":%lld,\"completed\":%lld,"
      "\"cancelled\":%lld,\"failed\":%lld,\"frames_encoded\":%lld}\n",
      static_cast<long long>(stats.active()),
      static_cast<long long>(stats.started()),
      static_cast<long long>(stats.completed()),
      static_cast<long long>(stats.cancelled()),
      static_cast<long long>(stats.failed()),
      static_cast<long long>(stats.frames_encoded()));
  context.TryCancel();
  reader->Finish();
  return reached ? 0 : 1;
}
