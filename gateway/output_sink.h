#ifndef STOPFRAME_GATEWAY_OUTPUT_SINK_H_
#define STOPFRAME_GATEWAY_OUTPUT_SINK_H_

#include <string>

namespace stopframe::gateway {

// Where outgoing protocol messages go, one line each.
// Implementations must be thread-safe and must not block for long: callers
// may hold locks (the in-flight table's) while sending.
class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // `line` holds one serialized JSON-RPC message without a newline.
  virtual void Send(std::string line) = 0;
};

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_OUTPUT_SINK_H_
