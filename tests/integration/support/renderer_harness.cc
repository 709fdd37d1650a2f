#include "tests/integration/support/renderer_harness.h"

#include <signal.h>
#include <stdlib.h>

#include "absl/strings/str_cat.h"

namespace stopframe::testing {

namespace pb = ::stopframe::renderer::v1;

std::unique_ptr<RendererHarness> RendererHarness::Start(
    int max_concurrent, const std::vector<std::string>& extra_flags) {
  // gRPC 1.51 services an idle client channel only every 5 s; the renderer's
  // shutdown waits for our ping ack, so poll more often to stop promptly.
  setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "50", /*overwrite=*/0);
  Subprocess::Options options;
  options.argv = {
      BinaryPath("renderer/stopframe-renderer"), "--listen=127.0.0.1:0",
      absl::StrCat("--max_concurrent=", max_concurrent), "--ready_fd=3"};
  options.argv.insert(options.argv.end(), extra_flags.begin(),
                      extra_flags.end());
  options.ready_pipe = true;
  auto process = Subprocess::Start(std::move(options));
  if (!process.ok()) return nullptr;
  std::unique_ptr<RendererHarness> h(new RendererHarness());
  h->process_ = *std::move(process);
  absl::StatusOr<std::string> target =
      ReadLine(h->process_->ready_fd(), absl::Seconds(20));
  if (!target.ok()) return nullptr;
  h->target_ = *target;
  h->stub_ = pb::Renderer::NewStub(
      grpc::CreateChannel(h->target_, grpc::InsecureChannelCredentials()));
  h->watcher_ = std::thread([raw = h.get()] { raw->Watch(); });
  // The first snapshot arrives as soon as the stream is up.
  if (!h->WaitForStats([](const pb::RendererStats&) { return true; },
                       absl::Seconds(10))) {
    return nullptr;
  }
  return h;
}

RendererHarness::~RendererHarness() {
  watch_context_.TryCancel();
  if (watcher_.joinable()) watcher_.join();
  if (process_ && !process_->exited()) {
    process_->Signal(SIGTERM);
    process_->WaitForExit(absl::Seconds(10));
  }
}

void RendererHarness::Watch() {
  auto reader = stub_->WatchStats(&watch_context_, pb::WatchStatsRequest());
  pb::RendererStats stats;
  while (reader->Read(&stats)) {
    absl::MutexLock lock(&mu_);
    latest_ = stats;
    watching_ = true;
  }
  reader->Finish();
}

pb::RendererStats RendererHarness::Stats() {
  absl::MutexLock lock(&mu_);
  return latest_;
}

bool RendererHarness::WaitForStats(
    const std::function<bool(const pb::RendererStats&)>& predicate,
    absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return watching_ && predicate(latest_);
  };
  return mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
}

}  // namespace stopframe::testing
