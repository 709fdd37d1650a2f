#include "gateway/renderer_client.h"

#include <chrono>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"

namespace stopframe::gateway {
namespace {

namespace pb = ::stopframe::renderer::v1;

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

}  // namespace

std::shared_ptr<grpc::Channel> MakeRendererChannel(
    const std::string& target, const std::optional<RendererTls>& tls) {
  grpc::ChannelArguments args;
  // Renders can be silent for a while; keep the connection provably alive.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // A restarted renderer should be found in well under a second or two.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // round_robin over the resolved replicas. A render refused because every
  // slot is taken (RESOURCE_EXHAUSTED, sent before any event, so nothing is
  // lost by trying again) is retried with backoff, on the next replica: a
  // stopped render frees its slot a moment after its stream ends, and a user
  // who presses stop and then starts again should not be told "busy".
  // gRPC spaces the attempts at random up to 0.5, 1, 2 and 4 s (it allows
  // at most 5 attempts): room for a stopped render to wind down on a loaded
  // machine, where its niced threads get little CPU; a renderer busy for
  // longer is reported after ~3.75 s on average, 7.5 s at most.
  args.SetServiceConfigJSON(R"({
    "loadBalancingConfig": [{"round_robin": {}}],
    "methodConfig": [{
      "name": [{"service": "stopframe.renderer.v1.Renderer",
                "method": "RenderWrapped"}],
      "retryPolicy": {
        "maxAttempts": 5,
        "initialBackoff": "0.5s",
        "maxBackoff": "4s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["RESOURCE_EXHAUSTED"]
      }
    }]
  })");
  if (tls && !tls->server_name.empty()) {
    args.SetSslTargetNameOverride(tls->server_name);
  }
  return grpc::CreateCustomChannel(target, MakeRendererCredentials(tls), args);
}

RendererClient::RendererClient(ChannelFactory make_channel)
    : make_channel_(std::move(make_channel)) {}

RendererClient::Connection RendererClient::Connect() {
  absl::MutexLock lock(&mu_);
  if (channel_ == nullptr) {
    channel_ = make_channel_();
    stub_ = pb::Renderer::NewStub(channel_);
  }
  return {channel_, stub_.get()};
}

absl::StatusOr<pb::Summary> RendererClient::Render(
    const pb::RenderRequest& request, CancelSignal& cancel,
    const StreamCallbacks& callbacks) {
  // A renderer that just restarted may still be inside the channel's
  // reconnect backoff: give it a moment to connect, but fail quickly (and
  // clearly) when nothing is there.
  const Connection connection = Connect();
  if (!connection.channel->WaitForConnected(std::chrono::system_clock::now() +
                                  std::chrono::seconds(2))) {
    return absl::UnavailableError(
        "the renderer is unreachable: nothing accepted a connection within "
        "2 s; is stopframe-renderer running at the configured address?");
  }
  grpc::ClientContext context;
  // The context outlives the hook: it is cleared before `context` dies.
  cancel.OnCancel([&context] { context.TryCancel(); });
  std::unique_ptr<grpc::ClientReader<pb::RenderEvent>> reader =
      connection.stub->RenderWrapped(&context, request);

  pb::RenderEvent event;
  absl::Status local_error;  // a failure on our side (e.g. disk)
  std::optional<pb::Summary> summary;
  while (reader->Read(&event)) {
    if (!local_error.ok()) continue;  // draining after our TryCancel
    switch (event.event_case()) {
      case pb::RenderEvent::kProgress:
        if (callbacks.on_progress) callbacks.on_progress(event.progress());
        break;
      case pb::RenderEvent::kChunk:
        local_error =
            callbacks.on_chunk(event.chunk().offset(), event.chunk().data());
        if (!local_error.ok()) context.TryCancel();
        break;
      case pb::RenderEvent::kPoster:
        if (callbacks.on_poster) callbacks.on_poster(event.poster());
        break;
      case pb::RenderEvent::kSummary:
        summary = event.summary();
        break;
      case pb::RenderEvent::EVENT_NOT_SET:
        break;
    }
  }
  grpc::Status status = reader->Finish();
  cancel.ClearOnCancel();

  if (!local_error.ok()) return local_error;
  if (cancel.cancelled()) return absl::CancelledError("render cancelled");
  if (!status.ok()) {
    absl::Status s = FromGrpc(status);
    switch (status.error_code()) {
      case grpc::StatusCode::UNAVAILABLE:
        return absl::UnavailableError(
            absl::StrCat("the renderer is unreachable or stopped mid-render (",
                         status.error_message(), ")"));
      case grpc::StatusCode::RESOURCE_EXHAUSTED:
      case grpc::StatusCode::INVALID_ARGUMENT:
        return s;
      case grpc::StatusCode::CANCELLED:
        return absl::UnavailableError(
            absl::StrCat("the renderer cancelled the render (",
                         status.error_message(), "); it may be shutting down"));
      default:
        return absl::Status(s.code(), absl::StrCat("the renderer failed: ",
                                                   status.error_message()));
    }
  }
  if (!summary) {
    return absl::InternalError(
        "the renderer ended the stream without a summary");
  }
  return *summary;
}

absl::StatusOr<pb::RendererStats> RendererClient::GetStats() {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  pb::RendererStats stats;
  grpc::Status status =
      Connect().stub->GetStats(&context, pb::GetStatsRequest(), &stats);
  if (!status.ok()) return FromGrpc(status);
  return stats;
}

}  // namespace stopframe::gateway
