#ifndef STOPFRAME_GATEWAY_TOOLS_TOOL_H_
#define STOPFRAME_GATEWAY_TOOLS_TOOL_H_

#include <optional>
#include <string>

#include "gateway/cancel_signal.h"
#include "gateway/progress_reporter.h"
#include "nlohmann/json.hpp"

namespace stopframe::gateway {

using Json = nlohmann::json;

// What a tool gets for one call.
struct ToolCall {
  const Json& arguments;                // always an object
  const std::string& protocol_version;  // negotiated with the client
  ProgressReporter& progress;
  CancelSignal& cancel;
  // False on the server's reader thread (see Tool::runs_inline): the tool
  // must not block there and answers ToolResult::WouldWait() instead.
  bool may_wait = true;
};

// A tools/call result. Tool-level failures (bad arguments, a failed render)
// are results with is_error, so the model can read them and adjust.
struct ToolResult {
  Json content = Json::array();
  std::optional<Json> structured;
  bool is_error = false;
  // Not a result: the call could not finish without waiting (may_wait was
  // false), so the server runs it again where it may wait.
  bool would_wait = false;

  static ToolResult Error(std::string message);
  static ToolResult WouldWait();
  static ToolResult Text(std::string text, std::optional<Json> structured);
  Json ToJson() const&;
  Json ToJson() &&;  // moves the content out
};

// One MCP tool. Implementations are owned by the ToolRegistry and called
// concurrently from worker threads, so Call must be thread-safe.
class Tool {
 public:
  virtual ~Tool() = default;
  // {name, title, description, inputSchema, outputSchema?, annotations}.
  virtual const Json& definition() const = 0;
  virtual ToolResult Call(ToolCall& call) = 0;
  // Cheap and bounded (a read by id): the server may call it on the thread
  // that reads the protocol, with may_wait false, so that its answer costs no
  // hand-off between threads. Such a call must not block: where it would
  // wait (for a lock), it returns ToolResult::WouldWait().
  virtual bool runs_inline() const { return false; }

  std::string name() const { return definition().at("name"); }
};

// True when the negotiated version knows resource_link content and
// structuredContent (2025-06-18 and later).
bool SupportsStructuredResults(const std::string& protocol_version);

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_TOOLS_TOOL_H_
