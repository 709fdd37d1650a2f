#ifndef STOPFRAME_GATEWAY_MCP_SERVER_H_
#define STOPFRAME_GATEWAY_MCP_SERVER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/worker_pool.h"
#include "gateway/batch_collector.h"
#include "gateway/inflight.h"
#include "gateway/json_rpc.h"
#include "gateway/output_sink.h"
#include "gateway/progress_reporter.h"
#include "gateway/tools/tool_registry.h"

namespace stopframe::gateway {

struct McpServerOptions {
  std::string name = "stopframe";
  std::string version = "0.1.0";
  int worker_threads = 16;  // requests run here, never on the reader
  // Requests in flight at once; beyond it a request is refused at once
  // (-32000) instead of queueing without bound.
  size_t max_inflight = 256;
};

// What a request handler gets besides its params. Valid during the call.
struct RequestContext {
  const jsonrpc::RequestId& id;
  const std::string& protocol_version;
  ProgressReporter& progress;
  CancelSignal& cancel;
  // False on the reader thread: the handler must not block (see
  // Tool::runs_inline) and answers MethodResult::WouldWait() instead.
  bool may_wait = true;
};

// A handler's answer: a result object, or a JSON-RPC error.
struct MethodResult {
  MethodResult(jsonrpc::Json r) : result(std::move(r)) {}  // NOLINT: implicit
  static MethodResult Error(int code, std::string message) {
    MethodResult m(nullptr);
    m.error_code = code;
    m.error_message = std::move(message);
    return m;
  }
  // Not an answer: the handler would have had to wait (may_wait was false).
  static MethodResult WouldWait() {
    MethodResult m(nullptr);
    m.would_wait = true;
    return m;
  }

  jsonrpc::Json result;
  int error_code = 0;  // non-zero: an error
  std::string error_message;
  bool would_wait = false;
};

using MethodHandler =
    std::function<MethodResult(const jsonrpc::Json& params, RequestContext&)>;

// RFC 5424 levels, as MCP's logging utility names them.
enum class LogLevel {
  kDebug,
  kInfo,
  kNotice,
  kWarning,
  kError,
  kCritical,
  kAlert,
  kEmergency
};

// The MCP protocol engine: lifecycle and version negotiation, dispatch,
// cancellation, progress, logging to the client, and requests to the client
// (elicitation). The reader thread calls HandleLine for each incoming line;
// every request but initialize and ping runs on the worker pool, so
// notifications/cancelled is read and acted on while requests run. The one
// exception is a tool that runs inline (a read by id): the reader answers it
// itself when it can without waiting and no other message waits behind it,
// which saves two hand-offs between threads, and hands it to a worker
// otherwise. JSON-RPC
// batches are served only in protocol 2025-03-26, the one version that has
// them; their responses go out as one array (see BatchCollector).
// Owned by the gateway app; `tools` and `out` must outlive it. Methods and
// capabilities are added before the first line is handled.
// Thread-safe: HandleLine from one reader thread; Notify, CallClient,
// LogToClient and Shutdown from any thread.
class McpServer {
 public:
  McpServer(McpServerOptions options, const ToolRegistry* tools,
            OutputSink* out);
  ~McpServer();
  McpServer(const McpServer&) = delete;
  McpServer& operator=(const McpServer&) = delete;

  // Setup, before serving.
  void AddMethod(std::string method, MethodHandler handler);
  // Merged into the capabilities initialize advertises.
  void AddCapability(std::string name, jsonrpc::Json value);

  // `more_input`: another message has already been read and waits behind
  // this one. A request that could be answered inline then goes to a worker
  // all the same, so that a burst of requests runs on every core; the
  // reader answers only the last one itself.
  void HandleLine(std::string_view line, bool more_input = false);
  // A line longer than the framing limit was dropped.
  void HandleOversizedLine(size_t max_line_bytes);

  // Sends a notification once the session is initialized (dropped before).
  void Notify(std::string_view method, jsonrpc::Json params);
  // stderr (unless `to_stderr` is false); notifications/message too once
  // the client has chosen a level with logging/setLevel and `level` reaches
  // it.
  void LogToClient(LogLevel level, const std::string& message,
                   bool to_stderr = true);
  // Whether initialize declared this client capability ("elicitation").
  bool ClientSupports(std::string_view capability);
  // Sends a request to the client and waits for its result, a cancel of
  // the request being served (`cancel`), or the timeout (after which the
  // client is told to stop with notifications/cancelled).
  absl::StatusOr<jsonrpc::Json> CallClient(const std::string& method,
                                           jsonrpc::Json params,
                                           CancelSignal& cancel,
                                           absl::Duration timeout);

  // Cancels every request in flight (no responses are sent for them) and
  // waits up to `timeout` for their workers to wind down.
  void Shutdown(absl::Duration timeout);
  // Joins the worker threads (after Shutdown), so that nothing the handlers
  // use is touched afterwards. Idempotent; the destructor does both.
  void JoinWorkers();

  const InflightTable& inflight() const { return inflight_; }

 private:
  struct PendingClientCall {
    std::optional<jsonrpc::Json> response;
    bool cancelled = false;
  };

  void HandleBatch(jsonrpc::Json elements);
  // The final response (or none, if cancelled) goes to `route`.
  // `may_run_inline`: the reader may answer it itself (see HandleLine).
  void HandleRequest(jsonrpc::Message message, const ResponseRoute& route,
                     bool may_run_inline);
  void HandleNotification(const jsonrpc::Message& message);
  void HandleClientResponse(const jsonrpc::Message& message);
  void HandleCancelled(const jsonrpc::Json& params);
  // Runs the handler and sends the response (none if the request was
  // cancelled). `on_reader`: on the reader thread, where the handler must
  // not wait; if it would, nothing is sent and false is returned, so that
  // the caller hands the request to a worker.
  bool RunRequest(const jsonrpc::RequestId& id, const ResponseRoute& route,
                  const MethodHandler* handler, const jsonrpc::Json& params,
                  std::optional<jsonrpc::Json> progress_token, bool on_reader);
  // Whether the request is a tools/call of a tool that runs inline.
  bool RunsInline(const std::string& method, const jsonrpc::Json& params) const;
  MethodResult Initialize(const jsonrpc::Json& params);
  MethodResult SetLogLevel(const jsonrpc::Json& params);
  MethodResult CallTool(const jsonrpc::Json& params, RequestContext& context);

  void Send(const jsonrpc::Json& message);
  void SendError(const jsonrpc::Json& id, int code, std::string_view message);
  void Reply(const ResponseRoute& route, const jsonrpc::Json& message);
  void ReplyError(const ResponseRoute& route, const jsonrpc::Json& id, int code,
                  std::string_view message);
  std::string ProtocolVersion();

  const McpServerOptions options_;
  const ToolRegistry* const tools_;
  OutputSink* const out_;
  InflightTable inflight_;
  absl::flat_hash_map<std::string, MethodHandler> methods_;  // setup only
  jsonrpc::Json capabilities_;                               // setup only

  // Taken after the in-flight table's lock, never before it.
  absl::Mutex mu_;
  bool initialized_ ABSL_GUARDED_BY(mu_) = false;
  std::string protocol_version_ ABSL_GUARDED_BY(mu_);
  jsonrpc::Json client_capabilities_ ABSL_GUARDED_BY(mu_);
  std::optional<LogLevel> client_log_level_ ABSL_GUARDED_BY(mu_);
  int64_t next_client_call_ ABSL_GUARDED_BY(mu_) = 0;
  // Keyed by our request id; entries live on the waiting worker's stack.
  absl::flat_hash_map<std::string, PendingClientCall*> pending_client_calls_
      ABSL_GUARDED_BY(mu_);

  // Declared last: destroyed first, joining workers while the rest is alive.
  std::unique_ptr<WorkerPool> pool_;
};

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_MCP_SERVER_H_
