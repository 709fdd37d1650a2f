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

constexpr std::array<const char*, 8> kLevelNames = {
    "debug", "info",     "notice", "warning",
    "error", "critical", "alert",  "emergency"};

// The only protocol version with JSON-RPC batches: 2025-03-26 added them,
// 2025-06-18 removed them again.
constexpr char kBatchingVersion[] = "2025-03-26";

// JSON-RPC's range for server-defined errors.
constexpr int kServerBusy = -32000;

std::string IdForLog(const Json& id) {
  return id.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

McpServer::McpServer(McpServerOptions options, const ToolRegistry* tools,
                     OutputSink* out)
    : options_(std::move(options)),
      tools_(tools),
      out_(out),
      capabilities_(Json::object()),
      pool_(std::make_unique<WorkerPool>(options_.worker_threads)) {
  AddCapability("tools", {{"listChanged", true}});
  AddCapability("logging", Json::object());
  AddMethod("tools/list", [this](const Json&, RequestContext&) {
    return MethodResult(Json{{"tools", tools_->List()}});
  });
  AddMethod("tools/call", [this](const Json& params, RequestContext& context) {
    return CallTool(params, context);
  });
  AddMethod("logging/setLevel", [this](const Json& params, RequestContext&) {
    return SetLogLevel(params);
  });
}

McpServer::~McpServer() {
  Shutdown(absl::Seconds(10));
  JoinWorkers();
}

void McpServer::JoinWorkers() { pool_.reset(); }

void McpServer::AddMethod(std::string method, MethodHandler handler) {
  methods_[std::move(method)] = std::move(handler);
}

void McpServer::AddCapability(std::string name, Json value) {
  capabilities_[std::move(name)] = std::move(value);
}

void McpServer::Send(const Json& message) {
  out_->Send(jsonrpc::Serialize(message));
}

void McpServer::SendError(const Json& id, int code, std::string_view message) {
  Send(jsonrpc::MakeError(id, code, message));
}

void McpServer::Reply(const ResponseRoute& route, const Json& message) {
  route.Deliver(jsonrpc::Serialize(message));
}

void McpServer::ReplyError(const ResponseRoute& route, const Json& id, int code,
                           std::string_view message) {
  Reply(route, jsonrpc::MakeError(id, code, message));
}

std::string McpServer::ProtocolVersion() {
  absl::MutexLock lock(&mu_);
  return protocol_version_;
}

void McpServer::HandleOversizedLine(size_t max_line_bytes) {
  Log("dropped a line over the %d-byte limit", max_line_bytes);
  SendError(nullptr, jsonrpc::kInvalidRequest,
            absl::StrCat("Invalid Request: the message is larger than the ",
                         max_line_bytes, "-byte limit and was dropped"));
}

void McpServer::HandleLine(std::string_view line, bool more_input) {
  Message message = jsonrpc::ParseMessage(line);
  switch (message.kind) {
    case Message::Kind::kInvalid:
      SendError(message.id ? message.id->json() : Json(nullptr),
                message.error_code, message.error_message);
      return;
    case Message::Kind::kResponse:
      HandleClientResponse(message);
      return;
    case Message::Kind::kNotification:
      HandleNotification(message);
      return;
    case Message::Kind::kRequest:
      HandleRequest(std::move(message), ResponseRoute::Direct(out_),
                    /*may_run_inline=*/!more_input);
      return;
    case Message::Kind::kBatch:
      HandleBatch(std::move(message.params));
      return;
  }
}

void McpServer::HandleBatch(Json elements) {
  const std::string version = ProtocolVersion();
  if (version != kBatchingVersion) {
    SendError(nullptr, jsonrpc::kInvalidRequest,
              absl::StrCat("Invalid Request: JSON-RPC batches are not "
                           "supported in ",
                           version.empty() ? "a session not yet initialized"
                                           : "protocol version " + version,
                           " (only in ", kBatchingVersion,
                           "); send one JSON-RPC message per line"));
    return;
  }
  if (elements.empty()) {
    SendError(nullptr, jsonrpc::kInvalidRequest,
              "Invalid Request: an empty batch");
    return;
  }
  // Each element as if sent alone, in order; only the responses are held
  // back, to go out together.
  auto batch = std::make_shared<BatchCollector>(out_);
  for (Json& element : elements) {
    Message message = jsonrpc::ClassifyMessage(std::move(element));
    switch (message.kind) {
      case Message::Kind::kRequest:
        if (message.method == "initialize") {
          Reply(ResponseRoute::InBatch(batch, batch->Add()),
                jsonrpc::MakeError(message.id->json(), jsonrpc::kInvalidRequest,
                                   "Invalid Request: initialize must not be "
                                   "part of a JSON-RPC batch"));
        } else {
          // A batch's requests run side by side, on the workers.
          HandleRequest(std::move(message),
                        ResponseRoute::InBatch(batch, batch->Add()),
                        /*may_run_inline=*/false);
        }
        break;
      case Message::Kind::kNotification:
        HandleNotification(message);
        break;
      case Message::Kind::kResponse:
        HandleClientResponse(message);
        break;
      case Message::Kind::kInvalid:
      case Message::Kind::kBatch:  // never from ClassifyMessage
        Reply(
            ResponseRoute::InBatch(batch, batch->Add()),
            jsonrpc::MakeError(message.id ? message.id->json() : Json(nullptr),
                               message.error_code, message.error_message));
        break;
    }
  }
  batch->Seal();
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

void McpServer::HandleClientResponse(const Message& message) {
  if (!message.id) return;  // an error about something we cannot place
  absl::MutexLock lock(&mu_);
  auto it = pending_client_calls_.find(message.id->key());
  if (it == pending_client_calls_.end()) {
    Log("ignored a response to unknown request %s",
        IdForLog(message.id->json()));
    return;
  }
  it->second->response = message.params;
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
    LogToClient(LogLevel::kInfo,
                absl::StrCat("cancelled request ", IdForLog(id->json()),
                             reason.empty() ? "" : ": ", reason));
  } else {
    // Unknown, finished, or not cancellable (initialize never is in flight).
    Log("ignored cancel for request %s: not in flight", IdForLog(id->json()));
  }
}

void McpServer::HandleRequest(Message message, const ResponseRoute& route,
                              bool may_run_inline) {
  const RequestId& id = *message.id;
  const std::string& method = message.method;
  if (method == "ping") {
    Reply(route, jsonrpc::MakeResult(id.json(), Json::object()));
    return;
  }
  if (method == "initialize") {
    MethodResult result = Initialize(message.params);
    if (result.error_code != 0) {
      ReplyError(route, id.json(), result.error_code, result.error_message);
    } else {
      Reply(route, jsonrpc::MakeResult(id.json(), std::move(result.result)));
    }
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    if (!initialized_) {
      ReplyError(route, id.json(), jsonrpc::kInvalidRequest,
                 absl::StrCat("Server not initialized: send \"initialize\" "
                              "before \"",
                              method, "\""));
      return;
    }
  }
  auto handler = methods_.find(method);
  if (handler == methods_.end()) {
    ReplyError(route, id.json(), jsonrpc::kMethodNotFound,
               absl::StrCat("Method not found: ", method));
    return;
  }
  std::optional<Json> token;
  if (auto meta = message.params.find("_meta");
      meta != message.params.end() && meta->is_object()) {
    if (auto t = meta->find("progressToken");
        t != meta->end() && (t->is_string() || t->is_number_integer())) {
      token = *t;
    }
  }
  if (pool_ == nullptr) {  // shutting down: the reader has stopped
    route.Drop();
    return;
  }
  if (inflight_.size() >= options_.max_inflight) {
    ReplyError(route, id.json(), kServerBusy,
               absl::StrCat("Server busy: ", options_.max_inflight,
                            " requests are already in flight; wait for some "
                            "to finish or cancel them"));
    return;
  }
  // Registered before the worker sees it, so an immediate cancel lands.
  if (!inflight_.Register(id)) {
    ReplyError(route, id.json(), jsonrpc::kInvalidRequest,
               absl::StrCat("Invalid Request: id ", IdForLog(id.json()),
                            " is already used by a request in flight"));
    return;
  }
  if (may_run_inline && RunsInline(method, message.params) &&
      RunRequest(id, route, &handler->second, message.params, token,
                 /*on_reader=*/true)) {
    return;
  }
  pool_->Submit([this, id, route, handler = &handler->second,
                 params = std::move(message.params), token = std::move(token)] {
    RunRequest(id, route, handler, params, token, /*on_reader=*/false);
  });
}

bool McpServer::RunsInline(const std::string& method,
                           const Json& params) const {
  if (method != "tools/call") return false;
  auto name = params.find("name");
  if (name == params.end() || !name->is_string()) return false;
  const Tool* tool = tools_->Find(name->get_ref<const std::string&>());
  return tool != nullptr && tool->runs_inline();
}

bool McpServer::RunRequest(const RequestId& id, const ResponseRoute& route,
                           const MethodHandler* handler, const Json& params,
                           std::optional<Json> progress_token, bool on_reader) {
  const std::string version = ProtocolVersion();
  std::unique_ptr<CancelSignal> cancel = inflight_.SignalFor(id);
  ProgressReporter progress(
      std::move(progress_token), [this, &id](const Json& notification) {
        std::string line = jsonrpc::Serialize(notification);
        return inflight_.SendIfActive(id, [&] {
          out_->SendDroppable(std::move(line), "progress:" + id.key());
        });
      });
  Json response;
  if (!cancel->cancelled()) {  // else: cancelled before it started
    RequestContext context{id, version, progress, *cancel,
                           /*may_wait=*/!on_reader};
    try {
      MethodResult result = (*handler)(params, context);
      if (result.would_wait && on_reader) return false;  // for a worker
      if (result.would_wait) {  // a worker may wait: a handler bug
        Log("request %s: handler would wait on a worker", IdForLog(id.json()));
        result = MethodResult::Error(jsonrpc::kInternalError, "Internal error");
      }
      response = result.error_code == 0
                     ? jsonrpc::MakeResult(id.json(), std::move(result.result))
                     : jsonrpc::MakeError(id.json(), result.error_code,
                                          result.error_message);
    } catch (const std::exception& e) {
      // A bug, not a user error: report it rather than take the server down.
      Log("request %s threw: %s", IdForLog(id.json()), e.what());
      response = jsonrpc::MakeError(id.json(), jsonrpc::kInternalError,
                                    "Internal error");
    }
  }
  // In a batch the response goes into the batch's array; under the table's
  // lock all the same, so a cancelled request never gets an entry.
  // A worker's line is queued under the lock and written after it (on the
  // worker, when the writer is idle). The reader never writes a line that
  // could block it: its lines go out when it has handled its input (see
  // OutputSink::Cork).
  std::string line = jsonrpc::Serialize(response);
  if (!inflight_.Complete(id, [&] {
        if (on_reader) {
          route.Deliver(std::move(line));
        } else {
          route.DeliverHeld(std::move(line));
        }
      })) {
    route.Drop();
    Log("request %s was cancelled: no response sent", IdForLog(id.json()));
  } else if (!on_reader) {
    route.WriteHeld();
  }
  return true;
}

MethodResult McpServer::CallTool(const Json& params, RequestContext& context) {
  auto name = params.find("name");
  if (name == params.end() || !name->is_string()) {
    return MethodResult::Error(
        jsonrpc::kInvalidParams,
        "Invalid params: tools/call needs a string \"name\"");
  }
  Tool* tool = tools_->Find(name->get_ref<const std::string&>());
  if (tool == nullptr) {
    std::vector<std::string> names;
    for (const Json& t : tools_->List()) names.push_back(t["name"]);
    return MethodResult::Error(
        jsonrpc::kInvalidParams,
        absl::StrCat("Unknown tool: ", name->get<std::string>(),
                     ". Available tools: ", absl::StrJoin(names, ", ")));
  }
  // The tool reads the arguments where they are: a request line may be up
  // to 8 MiB, and a tool refuses an oversized field only after this point.
  static const Json* const kNoArguments = new Json(Json::object());
  const Json* arguments = kNoArguments;
  if (auto a = params.find("arguments"); a != params.end() && !a->is_null()) {
    if (!a->is_object()) {
      return MethodResult::Error(
          jsonrpc::kInvalidParams,
          "Invalid params: tools/call \"arguments\" must be an object");
    }
    arguments = &*a;
  }
  ToolCall call{*arguments, context.protocol_version, context.progress,
                context.cancel, context.may_wait};
  ToolResult result = tool->Call(call);
  if (result.would_wait) return MethodResult::WouldWait();
  if (result.is_error &&
      !context.cancel.cancelled()) {  // a cancel is logged once
    // On the reader (may_wait false), not to stderr: a client that does not
    // drain our stderr must not be able to block the reader.
    LogToClient(
        LogLevel::kWarning,
        absl::StrCat(
            "tool ", tool->name(), " failed: ",
            result.content.empty() ? "" : result.content[0].value("text", "")),
        /*to_stderr=*/context.may_wait);
  }
  return MethodResult(std::move(result).ToJson());
}

MethodResult McpServer::Initialize(const Json& params) {
  auto version = params.find("protocolVersion");
  if (version == params.end() || !version->is_string()) {
    return MethodResult::Error(
        jsonrpc::kInvalidParams,
        "Invalid params: initialize needs a string protocolVersion, "
        "e.g. \"2025-06-18\"");
  }
  std::string negotiated(kSupportedVersions.front());
  for (std::string_view v : kSupportedVersions) {
    if (*version == v) negotiated = std::string(v);
  }
  Json client_capabilities = Json::object();
  if (auto c = params.find("capabilities");
      c != params.end() && c->is_object()) {
    client_capabilities = *c;
  }
  {
    absl::MutexLock lock(&mu_);
    if (initialized_) {
      return MethodResult::Error(
          jsonrpc::kInvalidRequest,
          "Invalid Request: the session is already initialized");
    }
    initialized_ = true;
    protocol_version_ = negotiated;
    client_capabilities_ = std::move(client_capabilities);
  }
  Log("initialized with protocol %s", negotiated);
  return Json{
      {"protocolVersion", negotiated},
      {"capabilities", capabilities_},
      {"serverInfo",
       {{"name", options_.name},
        {"title", "stopframe journal"},
        {"version", options_.version}}},
      {"instructions",
       "A journal you can write to and a year-in-review video of it. "
       "create_wrapped_video streams progress and can be cancelled at any "
       "moment."}};
}

MethodResult McpServer::SetLogLevel(const Json& params) {
  auto level = params.find("level");
  if (level != params.end() && level->is_string()) {
    for (size_t i = 0; i < kLevelNames.size(); ++i) {
      if (*level == kLevelNames[i]) {
        absl::MutexLock lock(&mu_);
        client_log_level_ = static_cast<LogLevel>(i);
        return MethodResult(Json::object());
      }
    }
  }
  return MethodResult::Error(
      jsonrpc::kInvalidParams,
      absl::StrCat("Invalid params: level must be one of ",
                   absl::StrJoin(kLevelNames, ", ")));
}

void McpServer::Notify(std::string_view method, Json params) {
  {
    absl::MutexLock lock(&mu_);
    if (!initialized_) return;
  }
  out_->SendDroppable(
      jsonrpc::Serialize(jsonrpc::MakeNotification(method, std::move(params))),
      /*coalesce_key=*/"");
}

void McpServer::LogToClient(LogLevel level, const std::string& message,
                            bool to_stderr) {
  if (to_stderr) Log("%s", message);
  bool send = false;
  {
    absl::MutexLock lock(&mu_);
    send = client_log_level_.has_value() && level >= *client_log_level_;
  }
  if (send) {
    out_->SendDroppable(jsonrpc::Serialize(jsonrpc::MakeNotification(
                            "notifications/message",
                            {{"level", kLevelNames[static_cast<size_t>(level)]},
                             {"logger", options_.name},
                             {"data", message}})),
                        /*coalesce_key=*/"");
  }
}

bool McpServer::ClientSupports(std::string_view capability) {
  absl::MutexLock lock(&mu_);
  return client_capabilities_.contains(std::string(capability));
}

absl::StatusOr<Json> McpServer::CallClient(const std::string& method,
                                           Json params, CancelSignal& cancel,
                                           absl::Duration timeout) {
  PendingClientCall call;
  std::string id;
  {
    absl::MutexLock lock(&mu_);
    id = absl::StrCat("stopframe-", ++next_client_call_);
    pending_client_calls_[RequestId::FromJson(id)->key()] = &call;
  }
  Send(Json{{"jsonrpc", "2.0"},
            {"id", id},
            {"method", method},
            {"params", std::move(params)}});
  // The hook runs under the in-flight table's lock, which is taken before
  // mu_ everywhere, so taking mu_ inside it keeps one lock order.
  cancel.OnCancel([this, &call] {
    absl::MutexLock lock(&mu_);
    call.cancelled = true;
  });
  bool answered;
  {
    absl::MutexLock lock(&mu_);
    auto done = [&call]() {
      return call.response.has_value() || call.cancelled;
    };
    answered = mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
  }
  cancel.ClearOnCancel();
  std::optional<Json> response;
  bool cancelled;
  {
    absl::MutexLock lock(&mu_);
    pending_client_calls_.erase(RequestId::FromJson(id)->key());
    response = std::move(call.response);
    cancelled = call.cancelled;
  }
  if (cancelled || !answered || !response) {
    // The client should stop asking the user a question nobody awaits.
    Send(jsonrpc::MakeNotification(
        "notifications/cancelled",
        {{"requestId", id},
         {"reason",
          cancelled ? "the request was cancelled" : "no answer in time"}}));
    if (cancelled) return absl::CancelledError("request cancelled");
    return absl::DeadlineExceededError(
        absl::StrCat("the client did not answer ", method, " in time"));
  }
  if (auto error = response->find("error"); error != response->end()) {
    // value("message", "") would throw on a non-string message.
    std::string reason;
    if (error->is_object()) {
      if (auto m = error->find("message");
          m != error->end() && m->is_string()) {
        reason = m->get<std::string>();
      }
    }
    return absl::FailedPreconditionError(
        absl::StrCat("the client refused ", method, ": ", reason));
  }
  return response->value("result", Json::object());
}

void McpServer::Shutdown(absl::Duration timeout) {
  inflight_.CancelAll();
  if (!inflight_.WaitUntilEmpty(timeout)) {
    Log("shutdown: %d requests still winding down", inflight_.size());
  }
}

}  // namespace stopframe::gateway
