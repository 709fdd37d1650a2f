#ifndef STOPFRAME_GATEWAY_OUTPUT_SINK_H_
#define STOPFRAME_GATEWAY_OUTPUT_SINK_H_

#include <string>
#include <utility>

namespace stopframe::gateway {

// Where outgoing protocol messages go, one line each.
// Implementations must be thread-safe and must not block for long: callers
// may hold locks (the in-flight table's) while sending.
class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // `line` holds one serialized JSON-RPC message without a newline.
  virtual void Send(std::string line) = 0;
  // A notification the client can do without when it is not keeping up
  // (progress, logs, resource changes). With a non-empty `coalesce_key`, a
  // still-queued message with the same key is replaced: only the newest
  // progress of a request matters. By default sent like any other line.
  virtual void SendDroppable(std::string line,
                             const std::string& coalesce_key) {
    Send(std::move(line));
  }
  // Sends `line` like Send, for a caller that calls WriteHeld exactly once
  // soon after, holding no locks then and able to wait for the output (a
  // worker that has finished its request). An implementation may hold the
  // line back until WriteHeld and write it on the caller's thread there,
  // rather than hand it to a thread of its own.
  virtual void SendHeld(std::string line) { Send(std::move(line)); }
  virtual void WriteHeld() {}
  // For the thread that reads the protocol, around each chunk of input it
  // handles: what is sent in between is held, and Uncork writes it on the
  // caller's thread in one go if that cannot block, or else leaves it to be
  // written elsewhere. So a burst of requests answered on that thread costs
  // one write and no hand-off, and a client that stops reading never blocks
  // it. By default nothing is held.
  virtual void Cork() {}
  virtual void Uncork() {}
};

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_OUTPUT_SINK_H_
