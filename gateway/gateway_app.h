#ifndef STOPFRAME_GATEWAY_GATEWAY_APP_H_
#define STOPFRAME_GATEWAY_GATEWAY_APP_H_

#include <cstddef>
#include <string>

#include "absl/time/time.h"
#include "gateway/renderer_tls.h"

namespace stopframe::gateway {

struct GatewayOptions {
  std::string db_path;            // empty: $XDG_DATA_HOME/stopframe/journal.db
  std::string videos_dir;         // empty: <db dir>/videos
  std::string renderer_target;    // empty: start the embedded renderer
  std::string renderer_binary;    // empty: next to this binary
  RendererTlsFiles renderer_tls;  // only with renderer_target
  std::string display_name;
  size_t max_line_bytes = 8 * 1024 * 1024;
  absl::Duration shutdown_timeout = absl::Seconds(5);
};

// Runs the gateway on stdin/stdout until stdin closes or SIGTERM/SIGINT
// arrives, then cancels in-flight renders, stops the embedded renderer and
// returns the process exit code. Call from main before any other thread.
int RunGateway(const GatewayOptions& options);

// $XDG_DATA_HOME/stopframe/journal.db, falling back to ~/.local/share.
std::string DefaultDatabasePath();

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_GATEWAY_APP_H_
