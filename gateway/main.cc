// stopframe-gateway: wiring only. Flags -> RunGateway.
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "gateway/gateway_app.h"

ABSL_FLAG(std::string, db, "",
          "Journal database (default $XDG_DATA_HOME/stopframe/journal.db)");
ABSL_FLAG(std::string, videos_dir, "",
          "Where finished videos go (default: videos/ next to the database)");
ABSL_FLAG(std::string, renderer, "",
          "gRPC target of a running renderer, e.g. localhost:50051 or "
          "dns:///renderer:50051. Default: start an embedded renderer");
ABSL_FLAG(std::string, renderer_binary, "",
          "stopframe-renderer to embed (default: next to this binary)");
ABSL_FLAG(std::string, display_name, "", "The name the wrapped video greets");
ABSL_FLAG(std::string, renderer_tls_ca, "",
          "PEM CA certificate(s) that signed the --renderer's certificate; "
          "enables TLS to it. Default: plaintext");
ABSL_FLAG(std::string, renderer_tls_cert, "",
          "PEM client certificate for mutual TLS (with --renderer_tls_key)");
ABSL_FLAG(std::string, renderer_tls_key, "",
          "PEM private key of --renderer_tls_cert");
ABSL_FLAG(std::string, renderer_tls_server_name, "",
          "Name the renderer's certificate must carry, if not the host in "
          "--renderer");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "MCP server (stdio) for the stopframe journal and its wrapped video");
  absl::ParseCommandLine(argc, argv);
  // Debian's libabsl is built without NDEBUG, so every Mutex acquisition
  // also records lock order in a global graph, a debugging aid: off in the
  // shipped binary (a ping p50 17 -> 10 us), on in the unit tests, and TSan
  // checks lock order too.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  stopframe::gateway::GatewayOptions options;
  options.db_path = absl::GetFlag(FLAGS_db);
  options.videos_dir = absl::GetFlag(FLAGS_videos_dir);
  options.renderer_target = absl::GetFlag(FLAGS_renderer);
  options.renderer_binary = absl::GetFlag(FLAGS_renderer_binary);
  options.display_name = absl::GetFlag(FLAGS_display_name);
  options.renderer_tls = {
      .ca_path = absl::GetFlag(FLAGS_renderer_tls_ca),
      .cert_path = absl::GetFlag(FLAGS_renderer_tls_cert),
      .key_path = absl::GetFlag(FLAGS_renderer_tls_key),
      .server_name = absl::GetFlag(FLAGS_renderer_tls_server_name)};
  return stopframe::gateway::RunGateway(options);
}
