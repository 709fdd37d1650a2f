#ifndef STOPFRAME_RENDERER_RENDERER_SERVER_H_
#define STOPFRAME_RENDERER_RENDERER_SERVER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "renderer/render_service.h"
#include "renderer/server_tls.h"

namespace grpc {
class Server;
}

namespace stopframe::renderer {

struct RendererServerOptions {
  // "127.0.0.1:PORT" (PORT 0 picks a free one) or "unix:/path/to/socket".
  std::string listen = "127.0.0.1:50051";
  // nullopt: plaintext. Otherwise TLS, mutual if it has a client CA.
  std::optional<ServerTls> tls;
  RenderServiceOptions service;
  // Lets round_robin clients re-resolve and find new replicas; in-flight
  // streams are never cut (no grace limit). 0 disables.
  int max_connection_age_ms = 60000;
  // Notices a silently vanished gateway during a long render.
  int keepalive_time_ms = 10000;
  int keepalive_timeout_ms = 5000;
};

// A running renderer: the gRPC server with the render and health services.
// Owned by main or a test. Shutdown may be called from any thread, once or
// more; the destructor shuts down with no grace.
class RendererServer {
 public:
  static absl::StatusOr<std::unique_ptr<RendererServer>> Start(
      const RendererServerOptions& options);
  ~RendererServer();
  RendererServer(const RendererServer&) = delete;
  RendererServer& operator=(const RendererServer&) = delete;

  // The address clients dial: "127.0.0.1:<chosen port>" or "unix:/path".
  const std::string& target() const { return target_; }

  // Lets in-flight renders run for `grace`, then cancels them; returns when
  // every RPC is finished and every worker joined.
  void Shutdown(absl::Duration grace);

 private:
  RendererServer() = default;

  std::string target_;
  std::unique_ptr<RenderService> service_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace stopframe::renderer

#endif  // STOPFRAME_RENDERER_RENDERER_SERVER_H_
