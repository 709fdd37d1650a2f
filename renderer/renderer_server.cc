#include "renderer/renderer_server.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"

namespace stopframe::renderer {

absl::StatusOr<std::unique_ptr<RendererServer>> RendererServer::Start(
    const RendererServerOptions& options) {
  if (options.service.max_concurrent < 1) {
    return absl::InvalidArgumentError("max_concurrent must be at least 1");
  }
  std::unique_ptr<RendererServer> server(new RendererServer());
  server->service_ = std::make_unique<RenderService>(options.service);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int selected_port = 0;
  builder.AddListeningPort(options.listen, MakeServerCredentials(options.tls),
                           &selected_port);
  builder.RegisterService(server->service_.get());
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             options.keepalive_time_ms);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             options.keepalive_timeout_ms);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Accept the gateway's pings during long silent renders.
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  if (options.max_connection_age_ms > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                               options.max_connection_age_ms);
  }
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || selected_port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen,
                     " (address in use, or a bad address?)"));
  }
  if (absl::StartsWith(options.listen, "unix:")) {
    std::string path(absl::StripPrefix(options.listen, "unix:"));
    // Only this user may connect to a unix socket. Readiness is announced
    // only after this, so no client is told about a wider socket.
    if (chmod(path.c_str(), 0600) != 0) {
      return absl::InternalError(absl::StrCat(
          "cannot restrict ", path, " to mode 0600: ", strerror(errno)));
    }
    server->target_ = options.listen;
  } else {
    std::string host = options.listen.substr(0, options.listen.rfind(':'));
    server->target_ = absl::StrCat(host, ":", selected_port);
  }
  return server;
}

void RendererServer::Shutdown(absl::Duration grace) {
  if (server_ == nullptr) return;
  service_->EndWatchers();  // they never end by themselves
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
}

RendererServer::~RendererServer() {
  Shutdown(absl::ZeroDuration());
  server_.reset();
  service_.reset();
}

}  // namespace stopframe::renderer
