#ifndef STOPFRAME_GATEWAY_MCP_SERVER_H_
#define STOPFRAME_GATEWAY_MCP_SERVER_H_

#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/worker_pool.h"
#include "gateway/inflight.h"
#include "gateway/json_rpc.h"
#include "gateway/output_sink.h"
#include "gateway/tools/tool_registry.h"

namespace stopframe::gateway {

struct McpServerOptions {
  std::string name = "stopframe";
  std::string version = "0.1.0";
  int worker_threads = 16;  // tools/call runs here, never on the reader
};

// The MCP protocol engine: lifecycle and version negotiation, dispatch of
// requests and notifications, and cancellation. The reader thread calls
// HandleLine for each incoming line; tools/call runs on the worker pool, so
// notifications/cancelled is read and acted on while tools run.
// Owned by the gateway app; `tools` and `out` must outlive it.
// Thread-safe: HandleLine from one reader thread, Shutdown from any thread.
class McpServer {
 public:
  McpServer(McpServerOptions options, const ToolRegistry* tools,
            OutputSink* out);
  ~McpServer();
  McpServer(const McpServer&) = delete;
  McpServer& operator=(const McpServer&) = delete;

  void HandleLine(std::string_view line);
  // A line longer than the framing limit was dropped.
  void HandleOversizedLine(size_t max_line_bytes);

  // Cancels every request in flight (no responses are sent for them) and
  // waits up to `timeout` for their workers to wind down.
  void Shutdown(absl::Duration timeout);

  const InflightTable& inflight() const { return inflight_; }

 private:
  void HandleRequest(jsonrpc::Message message);
  void HandleNotification(const jsonrpc::Message& message);
  void HandleCancelled(const jsonrpc::Json& params);
  void StartToolCall(const jsonrpc::RequestId& id,
                     const jsonrpc::Json& params);
  void RunToolCall(const jsonrpc::RequestId& id, Tool* tool,
                   const jsonrpc::Json& arguments,
                   std::optional<jsonrpc::Json> progress_token);
  jsonrpc::Json Initialize(const jsonrpc::Json& params);

  void Send(const jsonrpc::Json& message);
  void SendError(const jsonrpc::Json& id, int code, std::string_view message);

  const McpServerOptions options_;
  const ToolRegistry* const tools_;
  OutputSink* const out_;
  InflightTable inflight_;

  absl::Mutex mu_;
  bool initialized_ ABSL_GUARDED_BY(mu_) = false;
  std::string protocol_version_ ABSL_GUARDED_BY(mu_);

  // Declared last: destroyed first, joining workers while the rest is alive.
  WorkerPool pool_;
};

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_MCP_SERVER_H_
