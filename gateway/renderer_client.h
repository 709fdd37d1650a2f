#ifndef STOPFRAME_GATEWAY_RENDERER_CLIENT_H_
#define STOPFRAME_GATEWAY_RENDERER_CLIENT_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "gateway/cancel_signal.h"
#include "gateway/renderer_tls.h"
#include "grpcpp/channel.h"
#include "stopframe/renderer/v1/renderer.grpc.pb.h"

namespace stopframe::gateway {

// Creates a channel to any gRPC target ("unix:/path", "host:port",
// "dns:///renderer:50051") with keepalive for long silent renders, quick
// reconnects, and round_robin across resolved replicas. Plaintext unless
// `tls` is given.
std::shared_ptr<grpc::Channel> MakeRendererChannel(
    const std::string& target,
    const std::optional<RendererTls>& tls = std::nullopt);

// The gateway's side of the renderer contract. The channel is made on the
// first render or stats call, not at startup: a gateway that only serves the
// journal never starts gRPC's threads or touches its code, which is most of
// an idle gateway's memory.
// Owned by the gateway app. Thread-safe: any number of concurrent renders.
class RendererClient {
 public:
  using ChannelFactory = std::function<std::shared_ptr<grpc::Channel>()>;
  explicit RendererClient(ChannelFactory make_channel);

  struct StreamCallbacks {
    std::function<void(const stopframe::renderer::v1::Progress&)> on_progress;
    // Bytes at `offset`. A non-OK status cancels the render and is returned.
    std::function<absl::Status(int64_t offset, absl::string_view bytes)>
        on_chunk;
    // The video's still, sent once before the first chunk. Optional.
    std::function<void(const stopframe::renderer::v1::Poster&)> on_poster;
  };

  // Streams one render. If `cancel` fires, calls TryCancel on the RPC and
  // returns CANCELLED once the stream has drained. Other failures come back
  // with a message fit for the user.
  absl::StatusOr<stopframe::renderer::v1::Summary> Render(
      const stopframe::renderer::v1::RenderRequest& request,
      CancelSignal& cancel, const StreamCallbacks& callbacks);

  absl::StatusOr<stopframe::renderer::v1::RendererStats> GetStats();

 private:
  struct Connection {
    std::shared_ptr<grpc::Channel> channel;
    stopframe::renderer::v1::Renderer::Stub* stub;  // owned by the client
  };
  Connection Connect();

  const ChannelFactory make_channel_;
  absl::Mutex mu_;
  std::shared_ptr<grpc::Channel> channel_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<stopframe::renderer::v1::Renderer::Stub> stub_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_RENDERER_CLIENT_H_
