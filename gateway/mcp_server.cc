#include "gateway/mcp_server.h"

#include <array>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/log.h"

namespace stopframe::gateway {
namespace {

using jsonrpc::Json;
using jsonrpc::Message;
using jsonrpc::RequestId;

// Newest first: the reply to an unknown version is the first one.
constexpr std::array<std::string_view, 4> kSupportedVersions = {
    "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};

std::string IdForLog(const Json& id) {
  return id.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

McpServer::McpServer(McpServerOptions options, const ToolRegistry* tools,
                     OutputSink* out)
    : options_(std::move(options)),
      tools_(tools),
      out_(out),
      pool_(options_.worker_threads) {}

McpServer::~McpServer() { Shutdown(absl::Seconds(10)); }

void McpServer::Send(const Json& message) {
  out_->Send(jsonrpc::Serialize(message));
}

void McpServer::SendError(const Json& id, int code, std::string_view message) {
  Send(jsonrpc::MakeError(id, code, message));
}

void McpServer::HandleOversizedLine(size_t max_line_bytes) {
  Log("dropped a line over the %d-byte limit", max_line_bytes);
  SendError(nullptr, jsonrpc::kInvalidRequest,
            absl::StrCat("Invalid Request: the message is larger than the ",
                         max_line_bytes, "-byte limit and was dropped"));
}

void McpServer::HandleLine(std::string_view line) {
  Message message = jsonrpc::ParseMessage(line);
  switch (message.kind) {
    case Message::Kind::kInvalid:
      SendError(message.id ? message.id->json() : Json(nullptr),
                message.error_code, message.error_message);
      return;
    case Message::Kind::kResponse:
      return;  // this server sends no requests yet
    case Message::Kind::kNotification:
      HandleNotification(message);
      return;
    case Message::Kind::kRequest:
      HandleRequest(std::move(message));
      return;
  }
}

void McpServer::HandleNotification(const Message& message) {
  if (message.method == "notifications/cancelled") {
    HandleCancelled(message.params);
  } else if (message.method == "notifications/initialized") {
    // Nothing to do: requests are already served once initialize answered.
  } else {
    Log("ignored notification %s", message.method);
  }
}

void McpServer::HandleCancelled(const Json& params) {
  auto it = params.find("requestId");
  std::optional<RequestId> id;
  if (it != params.end()) id = RequestId::FromJson(*it);
  if (!id) {
    Log("ignored a malformed notifications/cancelled (no valid requestId)");
    return;
  }
  std::string reason;
  if (auto r = params.find("reason"); r != params.end() && r->is_string()) {
    reason = r->get<std::string>();
  }
  if (inflight_.Cancel(*id)) {
    Log("cancelled request %s%s%s", IdForLog(id->json()),
        reason.empty() ? "" : ": ", reason);
  } else {
    // Unknown, finished, or not cancellable (initialize never is in flight).
    Log("ignored cancel for request %s: not in flight",
        IdForLog(id->json()));
  }
}

void McpServer::HandleRequest(Message message) {
  const RequestId& id = *message.id;
  const std::string& method = message.method;
  if (method == "ping") {
    Send(jsonrpc::MakeResult(id.json(), Json::object()));
    return;
  }
  if (method == "initialize") {
    Json result = Initialize(message.params);
    if (result.contains("error")) {
      SendError(id.json(), result["error"]["code"],
                result["error"]["message"].get<std::string>());
    } else {
      Send(jsonrpc::MakeResult(id.json(), std::move(result)));
    }
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    if (!initialized_) {
      SendError(id.json(), jsonrpc::kInvalidRequest,
                absl::StrCat("Server not initialized: send \"initialize\" "
                             "before \"",
                             method, "\""));
      return;
    }
  }
  if (method == "tools/list") {
    Send(jsonrpc::MakeResult(id.json(), Json{{"tools", tools_->List()}}));
  } else if (method == "tools/call") {
    StartToolCall(id, message.params);
  } else {
    SendError(id.json(), jsonrpc::kMethodNotFound,
              absl::StrCat("Method not found: ", method));
  }
}

Json McpServer::Initialize(const Json& params) {
  auto error = [](int code, std::string message) {
    return Json{{"error", {{"code", code}, {"message", std::move(message)}}}};
  };
  auto version = params.find("protocolVersion");
  if (version == params.end() || !version->is_string()) {
    return error(jsonrpc::kInvalidParams,
                 "Invalid params: initialize needs a string protocolVersion, "
                 "e.g. \"2025-06-18\"");
  }
  std::string negotiated(kSupportedVersions.front());
  for (std::string_view v : kSupportedVersions) {
    if (*version == v) negotiated = std::string(v);
  }
  {
    absl::MutexLock lock(&mu_);
    if (initialized_) {
      return error(jsonrpc::kInvalidRequest,
                   "Invalid Request: the session is already initialized");
    }
    initialized_ = true;
    protocol_version_ = negotiated;
  }
  Log("initialized with protocol %s", negotiated);
  return Json{
      {"protocolVersion", negotiated},
      {"capabilities", {{"tools", {{"listChanged", false}}}}},
      {"serverInfo",
       {{"name", options_.name},
        {"title", "stopframe journal"},
        {"version", options_.version}}},
      {"instructions",
       "A journal you can write to and a year-in-review video of it. "
       "create_wrapped_video streams progress and can be cancelled at any "
       "moment."}};
}

void McpServer::StartToolCall(const RequestId& id, const Json& params) {
  auto name = params.find("name");
  if (name == params.end() || !name->is_string()) {
    SendError(id.json(), jsonrpc::kInvalidParams,
              "Invalid params: tools/call needs a string \"name\"");
    return;
  }
  Tool* tool = tools_->Find(name->get_ref<const std::string&>());
  if (tool == nullptr) {
    std::vector<std::string> names;
    for (const Json& t : tools_->List()) names.push_back(t["name"]);
    SendError(id.json(), jsonrpc::kInvalidParams,
              absl::StrCat("Unknown tool: ", name->get<std::string>(),
                           ". Available tools: ", absl::StrJoin(names, ", ")));
    return;
  }
  Json arguments = Json::object();
  if (auto a = params.find("arguments"); a != params.end() && !a->is_null()) {
    if (!a->is_object()) {
      SendError(id.json(), jsonrpc::kInvalidParams,
                "Invalid params: tools/call \"arguments\" must be an object");
      return;
    }
    arguments = *a;
  }
  std::optional<Json> token;
  if (auto meta = params.find("_meta");
      meta != params.end() && meta->is_object()) {
    if (auto t = meta->find("progressToken");
        t != meta->end() && (t->is_string() || t->is_number_integer())) {
      token = *t;
    }
  }
  // Registered before the worker sees it, so an immediate cancel lands.
  if (!inflight_.Register(id)) {
    SendError(id.json(), jsonrpc::kInvalidRequest,
              absl::StrCat("Invalid Request: id ", IdForLog(id.json()),
                           " is already used by a request in flight"));
    return;
  }
  pool_.Submit([this, id, tool, arguments = std::move(arguments),
                token = std::move(token)] {
    RunToolCall(id, tool, arguments, token);
  });
}

void McpServer::RunToolCall(const RequestId& id, Tool* tool,
                            const Json& arguments,
                            std::optional<Json> progress_token) {
  std::string version;
  {
    absl::MutexLock lock(&mu_);
    version = protocol_version_;
  }
  std::unique_ptr<CancelSignal> cancel = inflight_.SignalFor(id);
  ProgressReporter progress(std::move(progress_token),
                            [this, &id](const Json& notification) {
                              std::string line =
                                  jsonrpc::Serialize(notification);
                              return inflight_.SendIfActive(id, [&] {
                                out_->Send(std::move(line));
                              });
                            });
  Json response;
  if (cancel->cancelled()) {
    response = nullptr;  // cancelled before it started: nothing to run
  } else {
    ToolCall call{arguments, version, progress, *cancel};
    try {
      response = jsonrpc::MakeResult(id.json(), tool->Call(call).ToJson());
    } catch (const std::exception& e) {
      // A bug, not a user error: report it rather than take the server down.
      Log("tool %s threw: %s", tool->name(), e.what());
      response = jsonrpc::MakeError(
          id.json(), jsonrpc::kInternalError,
          absl::StrCat("Internal error in tool ", tool->name()));
    }
  }
  std::string line = jsonrpc::Serialize(response);
  if (!inflight_.Complete(id, [&] { out_->Send(std::move(line)); })) {
    Log("request %s was cancelled: no response sent", IdForLog(id.json()));
  }
}

void McpServer::Shutdown(absl::Duration timeout) {
  inflight_.CancelAll();
  if (!inflight_.WaitUntilEmpty(timeout)) {
    Log("shutdown: %d requests still winding down", inflight_.size());
  }
}

}  // namespace stopframe::gateway
