#include "gateway/json_rpc.h"

#include <string>
#include <utility>

namespace stopframe::gateway::jsonrpc {
namespace {

// Whether the brackets of `line` (outside strings) nest deeper than `max`.
bool NestsDeeperThan(std::string_view line, int max) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : line) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

std::optional<RequestId> RequestId::FromJson(const Json& value) {
  RequestId id;
  if (value.is_string()) {
    id.key_ = "s:" + value.get_ref<const std::string&>();
  } else if (value.is_number_integer()) {
    // Signed and unsigned integers of equal value are the same id.
    id.key_ = "n:" + value.dump();
  } else {
    return std::nullopt;
  }
  id.value_ = value;
  return id;
}

Message ParseMessage(std::string_view line) {
  Message m;
  if (NestsDeeperThan(line, kMaxNestingDepth)) {
    m.error_code = kInvalidRequest;
    m.error_message = "Invalid Request: the message nests deeper than " +
                      std::to_string(kMaxNestingDepth) + " levels";
    return m;
  }
  // A raw NUL is never valid JSON text, but nlohmann::json takes it for the
  // end of input: '{...}\0junk' would be served with the junk ignored.
  const bool has_nul = line.find('\0') != std::string_view::npos;
  Json doc = has_nul ? Json(Json::value_t::discarded)
                     : Json::parse(line.begin(), line.end(), /*cb=*/nullptr,
                                   /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    m.error_code = kParseError;
    m.error_message = "Parse error: the line is not valid JSON";
    return m;
  }
  if (doc.is_array()) {
    m.kind = Message::Kind::kBatch;
    m.params = std::move(doc);
    return m;
  }
  return ClassifyMessage(std::move(doc));
}

Message ClassifyMessage(Json doc) {
  Message m;
  if (!doc.is_object()) {
    m.error_code = kInvalidRequest;
    m.error_message = "Invalid Request: a message must be a JSON object";
    return m;
  }
  // A response from the client (even an error with a null id) gets no reply.
  if (!doc.contains("method") && doc.contains("id") &&
      (doc.contains("result") || doc.contains("error"))) {
    m.kind = Message::Kind::kResponse;
    m.id = RequestId::FromJson(doc["id"]);  // nullopt for a null id
    m.params = std::move(doc);
    return m;
  }
  auto id_it = doc.find("id");
  const bool has_id = id_it != doc.end();
  if (has_id) {
    m.id = RequestId::FromJson(*id_it);
    if (!m.id) {
      m.error_code = kInvalidRequest;
      m.error_message =
          "Invalid Request: id must be a string or an integer (not null, a "
          "float, an object, an array or a boolean)";
      return m;
    }
  }
  auto version = doc.find("jsonrpc");
  if (version == doc.end() || !version->is_string() ||
      version->get_ref<const std::string&>() != "2.0") {
    m.error_code = kInvalidRequest;
    m.error_message = "Invalid Request: \"jsonrpc\" must be \"2.0\"";
    return m;
  }
  auto method = doc.find("method");
  if (method == doc.end()) {
    m.error_code = kInvalidRequest;
    m.error_message = "Invalid Request: missing \"method\"";
    return m;
  }
  if (!method->is_string()) {
    m.error_code = kInvalidRequest;
    m.error_message = "Invalid Request: \"method\" must be a string";
    return m;
  }
  m.method = method->get<std::string>();
  auto params = doc.find("params");
  if (params == doc.end() || params->is_null()) {
    m.params = Json::object();
  } else if (params->is_object()) {
    m.params = std::move(*params);
  } else if (params->is_array() && !has_id) {
    // By-position params are valid JSON-RPC that MCP cannot use, and a
    // notification never gets a reply, not even an error: it is ignored
    // (as an empty object, which no notification handler acts on).
    m.params = Json::object();
  } else {
    m.error_code = params->is_array() ? kInvalidParams : kInvalidRequest;
    m.error_message = params->is_array()
                          ? "Invalid params: MCP params must be an object"
                          : "Invalid Request: \"params\" must be an object";
    return m;
  }
  m.kind = has_id ? Message::Kind::kRequest : Message::Kind::kNotification;
  return m;
}

std::string Serialize(const Json& message) {
  return message.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Field by field: a braced list first builds a two-element array per field,
// on every reply.
Json MakeResult(const Json& id, Json result) {
  Json out = Json::object();
  out["jsonrpc"] = "2.0";
  out["id"] = id;
  out["result"] = std::move(result);
  return out;
}

Json MakeError(const Json& id, int code, std::string_view message,
               const Json* data) {
  Json error{{"code", code}, {"message", std::string(message)}};
  if (data != nullptr) error["data"] = *data;
  return Json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}};
}

Json MakeNotification(std::string_view method, Json params) {
  return Json{{"jsonrpc", "2.0"},
              {"method", std::string(method)},
              {"params", std::move(params)}};
}

}  // namespace stopframe::gateway::jsonrpc
