#ifndef STOPFRAME_GATEWAY_JSON_RPC_H_
#define STOPFRAME_GATEWAY_JSON_RPC_H_

#include <optional>
#include <string>
#include <string_view>

#include "nlohmann/json.hpp"

// JSON-RPC 2.0 framing meaning: classify one parsed line and build replies.
// Knows nothing of MCP methods.
namespace stopframe::gateway::jsonrpc {

using Json = nlohmann::json;

// Error codes from the JSON-RPC 2.0 specification.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;

// Messages nested deeper than this are refused before parsing: nlohmann::json
// copies, compares and dumps recursively, so a line of a few hundred KB of
// "[" would otherwise overflow the stack of whoever touches it next.
inline constexpr int kMaxNestingDepth = 64;

// A request id: a string or an integer. 1 and "1" are different ids.
class RequestId {
 public:
  // Returns nullopt unless `value` is a string or an integer.
  static std::optional<RequestId> FromJson(const Json& value);
  const Json& json() const { return value_; }
  // A map key that keeps numbers and strings apart.
  const std::string& key() const { return key_; }
  bool operator==(const RequestId& other) const { return key_ == other.key_; }

 private:
  Json value_;
  std::string key_;
};

// One incoming message, classified.
struct Message {
  enum class Kind { kRequest, kNotification, kResponse, kBatch, kInvalid };
  Kind kind = Kind::kInvalid;
  std::optional<RequestId> id;  // requests and responses
  std::string method;
  // An object (empty when absent); for kResponse, the message; for kBatch,
  // the array of elements (possibly empty), each for ClassifyMessage.
  Json params;
  // For kInvalid: the error to send back (always with `id` or null).
  int error_code = 0;
  std::string error_message;
};

// Parses and classifies one line. Never throws. A top-level array is a
// kBatch whatever it holds: whether batches are allowed is the caller's call.
Message ParseMessage(std::string_view line);
// Classifies one parsed message, e.g. an element of a batch (an array there
// is an invalid element: batches do not nest). Never throws.
Message ClassifyMessage(Json doc);

// Serializes one message as a single line (no trailing newline). Invalid
// UTF-8 in strings is replaced rather than failing.
std::string Serialize(const Json& message);

Json MakeResult(const Json& id, Json result);
Json MakeError(const Json& id, int code, std::string_view message,
               const Json* data = nullptr);
Json MakeNotification(std::string_view method, Json params);

}  // namespace stopframe::gateway::jsonrpc

#endif  // STOPFRAME_GATEWAY_JSON_RPC_H_
