#ifndef STOPFRAME_GATEWAY_ELICITATION_H_
#define STOPFRAME_GATEWAY_ELICITATION_H_

#include <string>

#include "absl/status/statusor.h"
#include "gateway/cancel_signal.h"
#include "gateway/mcp_server.h"

namespace stopframe::gateway {

// Asks the user to confirm `question` through MCP elicitation and returns
// whether they accepted. A client without the elicitation capability is not
// asked (true: the caller proceeds, as MCP intends for such clients).
// Blocks the calling worker until the answer, a cancel of the request being
// served, or a five-minute timeout.
absl::StatusOr<bool> ConfirmWithUser(McpServer& server,
                                     const std::string& question,
                                     CancelSignal& cancel);

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_ELICITATION_H_
