#include "gateway/mcp_server.h"

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/json_rpc.h"
#include "gateway/output_sink.h"
#include "gateway/tools/arguments.h"
#include "gateway/tools/tool.h"
#include "gateway/tools/tool_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stopframe::gateway {
namespace {

using jsonrpc::RequestId;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::Duration kWait = absl::Seconds(5);

bool IsResponse(const Json& m) {
  return m.is_object() && m.contains("id") &&
         (m.contains("result") || m.contains("error"));
}

bool IsProgress(const Json& m) {
  return m.is_object() && m.value("method", "") == "notifications/progress";
}

// Captures every line the server sends. Thread-safe: tool responses and
// progress arrive from worker threads.
class CapturingSink : public OutputSink {
 public:
  void Send(std::string line) override {
    Json message = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.push_back(std::move(line));
      messages_.push_back(std::move(message));
    }
    cv_.notify_all();
  }

  // Blocks until `pred` holds for the captured messages. Fails the test (and
  // returns false) if it does not within `timeout`.
  bool WaitFor(const std::function<bool(const std::vector<Json>&)>& pred,
               const std::string& what, absl::Duration timeout = kWait) {
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                     [&] { return pred(messages_); })) {
      return true;
    }
    ADD_FAILURE() << "timed out waiting for " << what << "; captured:\n"
                  << DumpLocked();
    return false;
  }

  // Waits for the response to `id`; null (and a failure) on timeout.
  Json WaitForResponse(const Json& id) {
    Json found;
    WaitFor(
        [&](const std::vector<Json>& messages) {
          for (const Json& m : messages) {
            if (IsResponse(m) && m["id"] == id) {
              found = m;
              return true;
            }
          }
          return false;
        },
        "the response to id " + id.dump());
    return found;
  }

  std::vector<Json> Messages() const {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }
  std::vector<std::string> Lines() const {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_.size();
  }
  std::vector<Json> ResponsesTo(const Json& id) const {
    std::vector<Json> out;
    for (const Json& m : Messages()) {
      if (IsResponse(m) && m["id"] == id) out.push_back(m);
    }
    return out;
  }
  std::vector<Json> ProgressFor(const Json& token) const {
    std::vector<Json> out;
    for (const Json& m : Messages()) {
      if (IsProgress(m) && m["params"]["progressToken"] == token) {
        out.push_back(m);
      }
    }
    return out;
  }
  int ProgressCount() const {
    int n = 0;
    for (const Json& m : Messages()) n += IsProgress(m) ? 1 : 0;
    return n;
  }

 private:
  std::string DumpLocked() const {
    std::ostringstream out;
    for (const std::string& line : lines_) out << "  " << line << "\n";
    return out.str();
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  std::vector<Json> messages_;
};

Json Definition(const std::string& name) {
  return Json{{"name", name},
              {"description", "test tool " + name},
              {"inputSchema", {{"type", "object"}}}};
}

// Echoes `text`; with `with_version` also returns the negotiated version as
// structured content.
class EchoTool : public Tool {
 public:
  const Json& definition() const override { return definition_; }
  ToolResult Call(ToolCall& call) override {
    absl::StatusOr<std::string> text =
        args::RequiredString(call.arguments, "text", 1000);
    if (!text.ok())
      return ToolResult::Error(std::string(text.status().message()));
    std::optional<Json> structured;
    if (call.arguments.value("with_version", false)) {
      structured = Json{{"protocolVersion", call.protocol_version}};
    }
    return ToolResult::Text(*text, structured);
  }

 private:
  const Json definition_ = Definition("echo");
};

// Reports each of `values` as progress (with `total` if given), then returns.
class CountTool : public Tool {
 public:
  const Json& definition() const override { return definition_; }
  ToolResult Call(ToolCall& call) override {
    std::optional<double> total;
    if (call.arguments.contains("total")) {
      total = call.arguments["total"].get<double>();
    }
    for (const Json& v : call.arguments.value("values", Json::array())) {
      call.progress.Report(v.get<double>(), total, "counting");
    }
    return ToolResult::Text("counted", std::nullopt);
  }

 private:
  const Json definition_ = Definition("count");
};

// Runs inline (like a read by id): records each call's thread and whether
// it might wait. While busy, like a journal another request holds, a call
// that may not wait answers WouldWait and one that may waits for release();
// `broken` answers WouldWait even where waiting is allowed (a handler bug).
class InlineTool : public Tool {
 public:
  struct Seen {
    std::thread::id thread;
    bool may_wait;
  };
  const Json& definition() const override { return definition_; }
  bool runs_inline() const override { return true; }
  ToolResult Call(ToolCall& call) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back({std::this_thread::get_id(), call.may_wait});
    if (broken_ || (busy_ && !call.may_wait)) return ToolResult::WouldWait();
    auto free = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !busy_; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&free), kWait)) {
      return ToolResult::Error("never released");
    }
    if (call.arguments.value("fail", false)) {
      return ToolResult::Error("asked to fail");
    }
    return ToolResult::Text(call.arguments.value("text", ""), std::nullopt);
  }
  void set_busy(bool busy) {
    absl::MutexLock lock(&mu_);
    busy_ = busy;
  }
  void set_broken(bool broken) {
    absl::MutexLock lock(&mu_);
    broken_ = broken;
  }
  std::vector<Seen> calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  const Json definition_ = Definition("inline");
  mutable absl::Mutex mu_;
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<Seen> calls_ ABSL_GUARDED_BY(mu_);
};

class ThrowingTool : public Tool {
 public:
  const Json& definition() const override { return definition_; }
  ToolResult Call(ToolCall& call) override { throw std::runtime_error("boom"); }

 private:
  const Json definition_ = Definition("boom");
};

// Reports progress 1..steps (of total steps), then waits until cancelled. It
// gives up after kWait so a broken cancel path fails instead of hanging.
class BlockTool : public Tool {
 public:
  const Json& definition() const override { return definition_; }

  ToolResult Call(ToolCall& call) override {
    const int steps = call.arguments.value("steps", 0);
    for (int i = 1; i <= steps; ++i) {
      call.progress.Report(i, steps, "step " + std::to_string(i));
    }
    absl::Notification cancelled;
    call.cancel.OnCancel([&cancelled] { cancelled.Notify(); });
    {
      absl::MutexLock lock(&mu_);
      ++waiting_;
    }
    const bool woken = cancelled.WaitForNotificationWithTimeout(kWait);
    call.cancel.ClearOnCancel();  // before `cancelled` goes away
    // Try to report more: nothing may reach the client after a cancel.
    const bool late = call.progress.Report(steps + 1, steps + 1, "late");
    {
      absl::MutexLock lock(&mu_);
      --waiting_;
      ++finished_;
      if (late) ++late_progress_sent_;
    }
    return ToolResult::Text(woken ? "cancelled" : "timed out", std::nullopt);
  }

  // Waits until `n` calls are parked waiting for their cancel.
  bool WaitUntilWaiting(int n) {
    absl::MutexLock lock(&mu_);
    auto ready = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return waiting_ >= n;
    };
    if (mu_.AwaitWithTimeout(absl::Condition(&ready), kWait)) return true;
    ADD_FAILURE() << "timed out waiting for " << n << " blocked calls; "
                  << waiting_ << " are";
    return false;
  }
  // Waits until `n` calls have returned.
  bool WaitUntilFinished(int n) {
    absl::MutexLock lock(&mu_);
    auto ready = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return finished_ >= n;
    };
    if (mu_.AwaitWithTimeout(absl::Condition(&ready), kWait)) return true;
    ADD_FAILURE() << "timed out waiting for " << n << " finished calls; "
                  << finished_ << " are";
    return false;
  }
  int waiting() const {
    absl::MutexLock lock(&mu_);
    return waiting_;
  }
  int finished() const {
    absl::MutexLock lock(&mu_);
    return finished_;
  }
  int late_progress_sent() const {
    absl::MutexLock lock(&mu_);
    return late_progress_sent_;
  }

 private:
  const Json definition_ = Definition("block");
  mutable absl::Mutex mu_;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
  int finished_ ABSL_GUARDED_BY(mu_) = 0;
  int late_progress_sent_ ABSL_GUARDED_BY(mu_) = 0;
};

Json Request(const Json& id, const std::string& method,
             Json params = Json::object()) {
  return Json{{"jsonrpc", "2.0"},
              {"id", id},
              {"method", method},
              {"params", std::move(params)}};
}

Json NotificationMessage(const std::string& method, Json params) {
  return Json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}};
}

Json CancelOf(const Json& request_id) {
  return NotificationMessage("notifications/cancelled",
                             {{"requestId", request_id}, {"reason", "test"}});
}

Json CallParams(const std::string& tool, Json arguments = Json::object()) {
  return Json{{"name", tool}, {"arguments", std::move(arguments)}};
}

Json WithToken(Json params, const Json& token) {
  params["_meta"] = {{"progressToken", token}};
  return params;
}

void ExpectError(const Json& response, int code) {
  ASSERT_TRUE(response.is_object()) << response.dump();
  ASSERT_TRUE(response.contains("error")) << response.dump();
  EXPECT_EQ(response["jsonrpc"], "2.0");
  EXPECT_EQ(response["error"]["code"], code) << response.dump();
  EXPECT_TRUE(response["error"]["message"].is_string());
  EXPECT_FALSE(response.contains("result"));
}

class McpServerTest : public ::testing::Test {
 protected:
  McpServerTest() {
    auto block = std::make_unique<BlockTool>();
    block_ = block.get();
    auto inline_tool = std::make_unique<InlineTool>();
    inline_ = inline_tool.get();
    registry_.Add(std::make_unique<EchoTool>());
    registry_.Add(std::make_unique<CountTool>());
    registry_.Add(std::move(block));
    registry_.Add(std::make_unique<ThrowingTool>());
    registry_.Add(std::move(inline_tool));
    server_ = std::make_unique<McpServer>(McpServerOptions{.worker_threads = 4},
                                          &registry_, &sink_);
  }

  void Send(const Json& message) { server_->HandleLine(message.dump()); }

  // Sends a request and waits for its response.
  Json Call(const Json& id, const std::string& method,
            Json params = Json::object()) {
    Send(Request(id, method, std::move(params)));
    return sink_.WaitForResponse(id);
  }

  void Initialize(const std::string& version = "2025-06-18") {
    Json r = Call("init", "initialize",
                  {{"protocolVersion", version},
                   {"capabilities", Json::object()},
                   {"clientInfo", {{"name", "test"}, {"version", "1"}}}});
    ASSERT_TRUE(r.contains("result")) << r.dump();
    Send(NotificationMessage("notifications/initialized", Json::object()));
  }

  bool WaitUntilIdle() {
    if (server_->inflight().WaitUntilEmpty(kWait)) return true;
    ADD_FAILURE() << "requests still in flight: " << server_->inflight().size();
    return false;
  }

  bool IsCancelled(const Json& id) const {
    return server_->inflight().IsCancelled(*RequestId::FromJson(id));
  }

  CapturingSink sink_;
  ToolRegistry registry_;
  BlockTool* block_ = nullptr;
  InlineTool* inline_ = nullptr;
  std::unique_ptr<McpServer> server_;  // last: destroyed first
};

// Lifecycle and version negotiation.

TEST_F(McpServerTest, InitializeEchoesEachSupportedVersion) {
  for (const char* version :
       {"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"}) {
    SCOPED_TRACE(version);
    CapturingSink sink;
    McpServer server(McpServerOptions{.worker_threads = 1}, &registry_, &sink);
    server.HandleLine(
        Request(1, "initialize", {{"protocolVersion", version}}).dump());
    Json r = sink.WaitForResponse(1);
    ASSERT_TRUE(r.contains("result")) << r.dump();
    EXPECT_EQ(r["jsonrpc"], "2.0");
    EXPECT_EQ(r["result"]["protocolVersion"], version);
    EXPECT_TRUE(r["result"]["capabilities"].contains("tools"));
    EXPECT_EQ(r["result"]["serverInfo"]["name"], "stopframe");
    EXPECT_TRUE(r["result"]["serverInfo"]["version"].is_string());
  }
}

TEST_F(McpServerTest, InitializeUnknownVersionOffersLatest) {
  Json r = Call(1, "initialize", {{"protocolVersion", "1999-01-01"}});
  ASSERT_TRUE(r.contains("result")) << r.dump();
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-11-25");
}

TEST_F(McpServerTest, InitializeWithoutProtocolVersionIsInvalidParams) {
  ExpectError(Call(1, "initialize", Json::object()), jsonrpc::kInvalidParams);
  ExpectError(Call(2, "initialize", {{"protocolVersion", 20250618}}),
              jsonrpc::kInvalidParams);
  // The failed attempts did not initialize the session...
  ExpectError(Call(3, "tools/list"), jsonrpc::kInvalidRequest);
  // ...and a correct one still can.
  Json r = Call(4, "initialize", {{"protocolVersion", "2025-03-26"}});
  ASSERT_TRUE(r.contains("result")) << r.dump();
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-03-26");
}

TEST_F(McpServerTest, SecondInitializeIsAnError) {
  Initialize();
  Json r = Call(2, "initialize", {{"protocolVersion", "2025-06-18"}});
  ExpectError(r, jsonrpc::kInvalidRequest);
  EXPECT_THAT(r["error"]["message"].get<std::string>(),
              HasSubstr("already initialized"));
  // The session keeps working.
  EXPECT_TRUE(Call(3, "tools/list").contains("result"));
}

TEST_F(McpServerTest, PingBeforeInitialize) {
  Json r = Call("p", "ping");
  ASSERT_TRUE(r.contains("result")) << r.dump();
  EXPECT_EQ(r["result"], Json::object());
  EXPECT_EQ(r["id"], "p");
}

TEST_F(McpServerTest, ToolsListBeforeInitializeIsRejected) {
  Json r = Call(1, "tools/list");
  ExpectError(r, jsonrpc::kInvalidRequest);
  const std::string message = r["error"]["message"];
  EXPECT_THAT(message, HasSubstr("not initialized"));
  EXPECT_THAT(message, HasSubstr("initialize"));
  EXPECT_THAT(message, HasSubstr("tools/list"));
  ExpectError(Call(2, "tools/call", CallParams("echo", {{"text", "x"}})),
              jsonrpc::kInvalidRequest);
  EXPECT_EQ(server_->inflight().size(), 0u);
}

TEST_F(McpServerTest, ToolsList) {
  Initialize();
  Json r = Call(1, "tools/list");
  ASSERT_TRUE(r.contains("result")) << r.dump();
  std::vector<std::string> names;
  for (const Json& t : r["result"]["tools"]) names.push_back(t["name"]);
  EXPECT_THAT(names, ElementsAre("echo", "count", "block", "boom", "inline"));
}

TEST_F(McpServerTest, UnknownMethod) {
  Initialize();
  Json r = Call(1, "resources/list");
  ExpectError(r, jsonrpc::kMethodNotFound);
  EXPECT_THAT(r["error"]["message"].get<std::string>(),
              HasSubstr("resources/list"));
}

TEST_F(McpServerTest, UnknownNotificationIgnored) {
  Initialize();
  const size_t before = sink_.size();
  Send(NotificationMessage("notifications/whatever", Json::object()));
  EXPECT_EQ(sink_.size(), before);
}

TEST_F(McpServerTest, ClientResponsesIgnored) {
  Send(Json{{"jsonrpc", "2.0"}, {"id", 1}, {"result", Json::object()}});
  EXPECT_EQ(sink_.size(), 0u);
}

// Framing and JSON-RPC errors.

TEST_F(McpServerTest, ParseErrorHasNullId) {
  server_->HandleLine("{\"jsonrpc\":\"2.0\",");
  ASSERT_EQ(sink_.size(), 1u);
  Json r = sink_.Messages()[0];
  ExpectError(r, jsonrpc::kParseError);
  ASSERT_TRUE(r.contains("id"));
  EXPECT_TRUE(r["id"].is_null());
}

TEST_F(McpServerTest, InvalidRequestKeepsValidId) {
  server_->HandleLine(R"({"jsonrpc":"1.0","id":3,"method":"ping"})");
  server_->HandleLine(R"({"jsonrpc":"2.0","id":{"x":1},"method":"ping"})");
  std::vector<Json> out = sink_.Messages();
  ASSERT_EQ(out.size(), 2u);
  ExpectError(out[0], jsonrpc::kInvalidRequest);
  EXPECT_EQ(out[0]["id"], 3);
  ExpectError(out[1], jsonrpc::kInvalidRequest);
  EXPECT_TRUE(out[1]["id"].is_null());
}

TEST_F(McpServerTest, OversizedLineIsInvalidRequestWithNullId) {
  server_->HandleOversizedLine(1048576);
  ASSERT_EQ(sink_.size(), 1u);
  Json r = sink_.Messages()[0];
  ExpectError(r, jsonrpc::kInvalidRequest);
  ASSERT_TRUE(r.contains("id"));
  EXPECT_TRUE(r["id"].is_null());
  EXPECT_THAT(r["error"]["message"].get<std::string>(), HasSubstr("1048576"));
}

TEST_F(McpServerTest, DeeplyNestedMessageRefusedAndServerSurvives) {
  Initialize();
  // ~400 KB, far below the framing limit; used to crash the reader thread.
  const int levels = 200000;
  server_->HandleLine(
      R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":)"
      R"({"name":"echo","arguments":{"text":"x","deep":)" +
      std::string(levels, '[') + std::string(levels, ']') + "}}}");
  std::vector<Json> out = sink_.Messages();
  ASSERT_FALSE(out.empty());
  ExpectError(out.back(), jsonrpc::kInvalidRequest);
  EXPECT_TRUE(out.back()["id"].is_null());
  EXPECT_TRUE(Call("alive", "ping").contains("result"));
}

// tools/call validation.

TEST_F(McpServerTest, ToolsCallMissingName) {
  Initialize();
  ExpectError(Call(1, "tools/call", Json::object()), jsonrpc::kInvalidParams);
  ExpectError(Call(2, "tools/call", {{"name", 5}}), jsonrpc::kInvalidParams);
  EXPECT_EQ(server_->inflight().size(), 0u);
}

TEST_F(McpServerTest, ToolsCallUnknownTool) {
  Initialize();
  Json r = Call(1, "tools/call", CallParams("nope"));
  ExpectError(r, jsonrpc::kInvalidParams);
  const std::string message = r["error"]["message"];
  EXPECT_THAT(message, HasSubstr("nope"));
  EXPECT_THAT(message, HasSubstr("echo"));  // lists what exists
}

TEST_F(McpServerTest, ToolsCallArgumentsNotObject) {
  Initialize();
  ExpectError(Call(1, "tools/call", {{"name", "echo"}, {"arguments", {1, 2}}}),
              jsonrpc::kInvalidParams);
  ExpectError(Call(2, "tools/call", {{"name", "echo"}, {"arguments", "x"}}),
              jsonrpc::kInvalidParams);
  EXPECT_EQ(server_->inflight().size(), 0u);
}

TEST_F(McpServerTest, EchoResultShape) {
  Initialize();
  Json r = Call(1, "tools/call", CallParams("echo", {{"text", "hello"}}));
  ASSERT_TRUE(r.contains("result")) << r.dump();
  EXPECT_EQ(r["jsonrpc"], "2.0");
  EXPECT_EQ(r["id"], 1);
  EXPECT_EQ(r["result"], Json::parse(R"({
      "content": [{"type": "text", "text": "hello"}],
      "isError": false})"));
  EXPECT_TRUE(WaitUntilIdle());
}

TEST_F(McpServerTest, ToolSeesNegotiatedVersion) {
  Initialize("2025-03-26");
  Json r = Call(1, "tools/call",
                CallParams("echo", {{"text", "v"}, {"with_version", true}}));
  ASSERT_TRUE(r.contains("result")) << r.dump();
  EXPECT_EQ(r["result"]["structuredContent"]["protocolVersion"], "2025-03-26");
}

TEST_F(McpServerTest, ToolErrorIsResultWithIsError) {
  Initialize();
  // Null arguments count as none; echo then misses its required `text`.
  Json r = Call(1, "tools/call", {{"name", "echo"}, {"arguments", nullptr}});
  ASSERT_TRUE(r.contains("result")) << r.dump();
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_THAT(r["result"]["content"][0]["text"].get<std::string>(),
              HasSubstr("`text`"));
}

// A tool that runs inline is answered by the thread that handed in the
// line, before HandleLine returns: no worker, no hand-off. Its errors are
// results with isError, as on a worker.
TEST_F(McpServerTest, InlineToolIsAnsweredOnTheReaderThread) {
  Initialize();
  for (int i = 0; i < 20; ++i) {
    Send(Request(i, "tools/call", CallParams("inline", {{"text", "hi"}})));
    std::vector<Json> responses = sink_.ResponsesTo(i);
    ASSERT_EQ(responses.size(), 1u) << "not answered within HandleLine";
    EXPECT_EQ(responses[0]["result"]["content"][0]["text"], "hi");
  }
  Send(Request("bad", "tools/call", CallParams("inline", {{"fail", true}})));
  std::vector<Json> failed = sink_.ResponsesTo("bad");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]["result"]["isError"], true) << failed[0].dump();
  for (const InlineTool::Seen& seen : inline_->calls()) {
    EXPECT_EQ(seen.thread, std::this_thread::get_id());
    EXPECT_FALSE(seen.may_wait);
  }
  EXPECT_EQ(server_->inflight().size(), 0u);
}

// One that would wait goes to a worker, which may wait; meanwhile the reader
// is free: a ping sent after it is answered at once, before it.
TEST_F(McpServerTest, InlineToolThatWouldWaitGoesToAWorker) {
  Initialize();
  inline_->set_busy(true);
  Send(Request(1, "tools/call", CallParams("inline", {{"text", "later"}})));
  Send(Request(2, "ping"));
  EXPECT_EQ(sink_.ResponsesTo(2).size(), 1u) << "the ping waited";
  EXPECT_TRUE(sink_.ResponsesTo(1).empty());
  inline_->set_busy(false);
  Json response = sink_.WaitForResponse(1);
  EXPECT_EQ(response["result"]["content"][0]["text"], "later");
  ASSERT_TRUE(WaitUntilIdle());
  EXPECT_EQ(sink_.ResponsesTo(1).size(), 1u);
  std::vector<InlineTool::Seen> calls = inline_->calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].thread, std::this_thread::get_id());
  EXPECT_FALSE(calls[0].may_wait);
  EXPECT_NE(calls[1].thread, std::this_thread::get_id());
  EXPECT_TRUE(calls[1].may_wait);
}

// With more input already read behind it, an inline request goes to a
// worker like any other, so that a burst runs on every core.
TEST_F(McpServerTest, InlineToolInABurstGoesToAWorker) {
  Initialize();
  server_->HandleLine(
      Request(1, "tools/call", CallParams("inline", {{"text", "burst"}}))
          .dump(),
      /*more_input=*/true);
  Json response = sink_.WaitForResponse(1);
  EXPECT_EQ(response["result"]["content"][0]["text"], "burst");
  std::vector<InlineTool::Seen> calls = inline_->calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_NE(calls[0].thread, std::this_thread::get_id());
  EXPECT_TRUE(calls[0].may_wait);
}

// A handler that answers "would wait" on a worker, where it may wait, is a
// bug: the request still gets exactly one answer, an internal error.
TEST_F(McpServerTest, WouldWaitOnAWorkerIsAnInternalError) {
  Initialize();
  inline_->set_broken(true);
  Json response = Call(1, "tools/call", CallParams("inline"));
  ExpectError(response, jsonrpc::kInternalError);
  ASSERT_TRUE(WaitUntilIdle());
  EXPECT_EQ(sink_.ResponsesTo(1).size(), 1u);
}

// An inline call keeps the single-message rules: an id already in flight is
// refused without running the tool.
TEST_F(McpServerTest, InlineToolKeepsIdRules) {
  Initialize();
  Send(Request("dup", "tools/call", CallParams("block")));
  ASSERT_TRUE(block_->WaitUntilWaiting(1));
  Send(Request("dup", "tools/call", CallParams("inline", {{"text", "x"}})));
  Json refused = sink_.WaitForResponse("dup");
  ExpectError(refused, jsonrpc::kInvalidRequest);
  Send(CancelOf("dup"));
  ASSERT_TRUE(WaitUntilIdle());
  EXPECT_EQ(inline_->calls().size(), 0u);
}

TEST_F(McpServerTest, ThrowingToolIsInternalError) {
  Initialize();
  Json r = Call(1, "tools/call", CallParams("boom"));
  ExpectError(r, jsonrpc::kInternalError);
  EXPECT_TRUE(WaitUntilIdle());
}

TEST_F(McpServerTest, ResultsCarryStringAndIntegerIdsUnchanged) {
  Initialize();
  Json s = Call("abc", "tools/call", CallParams("echo", {{"text", "s"}}));
  EXPECT_EQ(s["id"], "abc");
  Json n = Call(77, "tools/call", CallParams("echo", {{"text", "n"}}));
  EXPECT_TRUE(n["id"].is_number_integer());
  EXPECT_EQ(n["id"], 77);
}

// Progress.

TEST_F(McpServerTest, NoProgressWithoutToken) {
  Initialize();
  Json r = Call(1, "tools/call",
                CallParams("count", {{"values", {1, 2, 3}}, {"total", 3}}));
  ASSERT_TRUE(r.contains("result")) << r.dump();
  EXPECT_EQ(sink_.ProgressCount(), 0);
}

TEST_F(McpServerTest, NoProgressWithInvalidToken) {
  Initialize();
  Json params = CallParams("count", {{"values", {1, 2}}});
  params["_meta"] = {{"progressToken", 1.5}};
  ASSERT_TRUE(Call(1, "tools/call", params).contains("result"));
  params["_meta"] = {{"progressToken", {{"a", 1}}}};
  ASSERT_TRUE(Call(2, "tools/call", params).contains("result"));
  params["_meta"] = "tok";
  ASSERT_TRUE(Call(3, "tools/call", params).contains("result"));
  EXPECT_EQ(sink_.ProgressCount(), 0);
}

TEST_F(McpServerTest, ProgressWithTokenStrictlyIncreasingWithTotal) {
  Initialize();
  Json r = Call(
      1, "tools/call",
      WithToken(CallParams("count",
                           {{"values", {1, 1, 0.5, 2, 1.5, 3}}, {"total", 3}}),
                "tok-1"));
  ASSERT_TRUE(r.contains("result")) << r.dump();
  std::vector<Json> progress = sink_.ProgressFor("tok-1");
  std::vector<double> values;
  for (const Json& p : progress) {
    EXPECT_EQ(p["jsonrpc"], "2.0");
    EXPECT_FALSE(p.contains("id"));
    EXPECT_EQ(p["params"]["total"], 3);
    EXPECT_EQ(p["params"]["message"], "counting");
    values.push_back(p["params"]["progress"]);
  }
  EXPECT_THAT(values, ElementsAre(1, 2, 3));
  EXPECT_EQ(sink_.ProgressCount(), 3);

  // Every notification precedes the response.
  std::vector<Json> all = sink_.Messages();
  size_t response_at = all.size();
  size_t last_progress_at = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    if (IsResponse(all[i]) && all[i]["id"] == 1) response_at = i;
    if (IsProgress(all[i])) last_progress_at = i;
  }
  EXPECT_LT(last_progress_at, response_at);
}

TEST_F(McpServerTest, IntegerProgressTokenEchoed) {
  Initialize();
  Json r = Call(1, "tools/call",
                WithToken(CallParams("count", {{"values", {1}}}), 99));
  ASSERT_TRUE(r.contains("result")) << r.dump();
  std::vector<Json> progress = sink_.ProgressFor(99);
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_TRUE(progress[0]["params"]["progressToken"].is_number_integer());
  EXPECT_FALSE(progress[0]["params"].contains("total"));
}

// Cancellation.

TEST_F(McpServerTest, CancelMidCall) {
  Initialize();
  Send(Request(42, "tools/call",
               WithToken(CallParams("block", {{"steps", 3}}), "blk")));
  ASSERT_TRUE(sink_.WaitFor(
      [](const std::vector<Json>& messages) {
        for (const Json& m : messages) {
          if (IsProgress(m) && m["params"]["progress"] == 3) return true;
        }
        return false;
      },
      "progress 3 of the blocked call"));
  ASSERT_TRUE(block_->WaitUntilWaiting(1));
  EXPECT_EQ(server_->inflight().size(), 1u);

  Send(CancelOf(42));
  // The worker winds down; Complete (which would send) has run once the
  // table is empty, so anything it sent would be captured by now.
  ASSERT_TRUE(WaitUntilIdle());
  EXPECT_EQ(block_->finished(), 1);

  // The reader still works: a ping after the cancel gets its answer.
  Json ping = Call("after", "ping");
  EXPECT_TRUE(ping.contains("result"));

  EXPECT_TRUE(sink_.ResponsesTo(42).empty());
  std::vector<Json> progress = sink_.ProgressFor("blk");
  std::vector<double> values;
  for (const Json& p : progress) values.push_back(p["params"]["progress"]);
  EXPECT_THAT(values, ElementsAre(1, 2, 3));  // the late 4 never went out
  EXPECT_EQ(block_->late_progress_sent(), 0);

  // The id is free again once the cancelled call is gone.
  Json again = Call(42, "tools/call", CallParams("echo", {{"text", "again"}}));
  EXPECT_EQ(again["result"]["content"][0]["text"], "again");
}

TEST_F(McpServerTest, CancelBeforeWorkerStarts) {
  // One worker, parked in a blocked call: the next call queues behind it.
  CapturingSink sink;
  McpServer server(McpServerOptions{.worker_threads = 1}, &registry_, &sink);
  server.HandleLine(
      Request(0, "initialize", {{"protocolVersion", "2025-06-18"}}).dump());
  sink.WaitForResponse(0);
  server.HandleLine(Request(1, "tools/call", CallParams("block")).dump());
  ASSERT_TRUE(block_->WaitUntilWaiting(1));
  server.HandleLine(
      Request(2, "tools/call", CallParams("echo", {{"text", "q"}})).dump());
  EXPECT_EQ(server.inflight().size(), 2u);
  // Cancel the queued call, then release the worker.
  server.HandleLine(CancelOf(2).dump());
  server.HandleLine(CancelOf(1).dump());
  ASSERT_TRUE(server.inflight().WaitUntilEmpty(kWait));
  server.HandleLine(Request(3, "ping").dump());
  sink.WaitForResponse(3);
  EXPECT_TRUE(sink.ResponsesTo(1).empty());
  EXPECT_TRUE(sink.ResponsesTo(2).empty());
}

TEST_F(McpServerTest, StringIdCancelDoesNotCancelIntegerId) {
  Initialize();
  Send(Request(7, "tools/call", CallParams("block")));
  Send(Request("7", "tools/call", CallParams("block")));
  ASSERT_TRUE(block_->WaitUntilWaiting(2));
  ASSERT_EQ(server_->inflight().size(), 2u);

  const size_t before = sink_.size();
  Send(CancelOf("7"));
  // Only the string-id call winds down; the integer one keeps waiting.
  ASSERT_TRUE(block_->WaitUntilFinished(1));
  EXPECT_GE(server_->inflight().size(), 1u);
  EXPECT_FALSE(IsCancelled(7));
  EXPECT_EQ(block_->waiting(), 1);
  EXPECT_EQ(sink_.size(), before);

  Send(CancelOf(7));
  ASSERT_TRUE(WaitUntilIdle());
  EXPECT_EQ(block_->finished(), 2);
  Json ping = Call("ping", "ping");
  EXPECT_TRUE(ping.contains("result"));
  EXPECT_TRUE(sink_.ResponsesTo(7).empty());
  EXPECT_TRUE(sink_.ResponsesTo("7").empty());
}

TEST_F(McpServerTest, MalformedCancelsIgnoredSilently) {
  Initialize();
  Send(Request(11, "tools/call", CallParams("block")));
  ASSERT_TRUE(block_->WaitUntilWaiting(1));
  const size_t before = sink_.size();

  const std::vector<std::string> lines = {
      R"({"jsonrpc":"2.0","method":"notifications/cancelled"})",
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{}})",
      R"({"jsonrpc":"2.0","method":"notifications/cancelled",)"
      R"("params":{"reason":"no id"}})",
      R"({"jsonrpc":"2.0","method":"notifications/cancelled",)"
      R"("params":{"requestId":null}})",
      R"({"jsonrpc":"2.0","method":"notifications/cancelled",)"
      R"("params":{"requestId":{"id":11}}})",
      R"({"jsonrpc":"2.0","method":"notifications/cancelled",)"
      R"("params":{"requestId":[11]}})",
      R"({"jsonrpc":"2.0","method":"notifications/cancelled",)"
      R"("params":{"requestId":true}})",
      R"({"jsonrpc":"2.0","method":"notifications/cancelled",)"
      R"("params":{"requestId":11.5}})",
      // Unknown ids.
      R"({"jsonrpc":"2.0","method":"notifications/cancelled",)"
      R"("params":{"requestId":999}})",
      R"({"jsonrpc":"2.0","method":"notifications/cancelled",)"
      R"("params":{"requestId":"11"}})",
  };
  for (const std::string& line : lines) {
    SCOPED_TRACE(line);
    server_->HandleLine(line);
    EXPECT_EQ(sink_.size(), before);
    EXPECT_FALSE(IsCancelled(11));
    EXPECT_EQ(server_->inflight().size(), 1u);
  }
  EXPECT_EQ(block_->finished(), 0);

  Send(CancelOf(11));
  ASSERT_TRUE(WaitUntilIdle());
  EXPECT_TRUE(sink_.ResponsesTo(11).empty());
}

TEST_F(McpServerTest, CancelOfUnknownOrFinishedIdIgnored) {
  Initialize();
  const size_t before = sink_.size();
  Send(CancelOf(12345));
  Send(CancelOf("init"));  // initialize is never in flight
  EXPECT_EQ(sink_.size(), before);
  Json r = Call(5, "tools/call", CallParams("echo", {{"text", "done"}}));
  ASSERT_TRUE(r.contains("result"));
  ASSERT_TRUE(WaitUntilIdle());
  const size_t after = sink_.size();
  Send(CancelOf(5));  // already answered
  EXPECT_EQ(sink_.size(), after);
  EXPECT_EQ(sink_.ResponsesTo(5).size(), 1u);
}

TEST_F(McpServerTest, DuplicateInflightIdRejected) {
  Initialize();
  Send(Request(5, "tools/call", CallParams("block")));
  ASSERT_TRUE(block_->WaitUntilWaiting(1));

  Json dup = Call(5, "tools/call", CallParams("echo", {{"text", "dup"}}));
  ExpectError(dup, jsonrpc::kInvalidRequest);
  EXPECT_EQ(dup["id"], 5);
  EXPECT_THAT(dup["error"]["message"].get<std::string>(),
              HasSubstr("in flight"));
  // The original call is untouched.
  EXPECT_FALSE(IsCancelled(5));
  EXPECT_EQ(server_->inflight().size(), 1u);
  EXPECT_EQ(block_->finished(), 0);

  Send(CancelOf(5));
  ASSERT_TRUE(WaitUntilIdle());
  EXPECT_EQ(sink_.ResponsesTo(5).size(), 1u);  // only the duplicate error
}

TEST_F(McpServerTest, ShutdownCancelsInflightCalls) {
  Initialize();
  Send(Request(1, "tools/call", WithToken(CallParams("block"), "a")));
  Send(Request(2, "tools/call", CallParams("block", {{"steps", 1}})));
  ASSERT_TRUE(block_->WaitUntilWaiting(2));
  ASSERT_EQ(server_->inflight().size(), 2u);

  const absl::Time start = absl::Now();
  server_->Shutdown(kWait);
  EXPECT_LT(absl::Now() - start, kWait);
  EXPECT_EQ(server_->inflight().size(), 0u);
  EXPECT_EQ(block_->finished(), 2);
  EXPECT_EQ(block_->late_progress_sent(), 0);
  EXPECT_TRUE(sink_.ResponsesTo(1).empty());
  EXPECT_TRUE(sink_.ResponsesTo(2).empty());
  EXPECT_EQ(sink_.ProgressCount(), 0);
}

TEST_F(McpServerTest, RequestsBeyondTheInflightLimitAreRefused) {
  server_ = std::make_unique<McpServer>(
      McpServerOptions{.worker_threads = 4, .max_inflight = 2}, &registry_,
      &sink_);
  Initialize();
  Send(Request(1, "tools/call", CallParams("block")));
  Send(Request(2, "tools/call", CallParams("block")));
  ASSERT_TRUE(block_->WaitUntilWaiting(2));
  Json refused = Call(3, "tools/call", CallParams("echo", {{"text", "x"}}));
  ExpectError(refused, -32000);
  EXPECT_THAT(refused["error"]["message"].get<std::string>(),
              ::testing::HasSubstr("busy"));
  Send(NotificationMessage("notifications/cancelled", {{"requestId", 1}}));
  Send(NotificationMessage("notifications/cancelled", {{"requestId", 2}}));
  ASSERT_TRUE(WaitUntilIdle());
  // Room again once they are done.
  Json echo = Call(4, "tools/call", CallParams("echo", {{"text", "x"}}));
  EXPECT_TRUE(echo.contains("result")) << echo.dump();
}

TEST_F(McpServerTest, ShutdownWithNothingInFlightReturns) {
  Initialize();
  server_->Shutdown(kWait);
  EXPECT_EQ(server_->inflight().size(), 0u);
}

TEST_F(McpServerTest, ConcurrentCallsAllAnswered) {
  Initialize();
  constexpr int kCalls = 50;
  for (int i = 0; i < kCalls; ++i) {
    Send(Request(i + 100, "tools/call",
                 CallParams("echo", {{"text", std::to_string(i)}})));
  }
  ASSERT_TRUE(sink_.WaitFor(
      [](const std::vector<Json>& messages) {
        int n = 0;
        for (const Json& m : messages) {
          n += IsResponse(m) && m["id"].is_number() && m["id"] >= 100 ? 1 : 0;
        }
        return n == kCalls;
      },
      "all echo responses"));
  for (int i = 0; i < kCalls; ++i) {
    std::vector<Json> r = sink_.ResponsesTo(i + 100);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0]["result"]["content"][0]["text"], std::to_string(i));
  }
  EXPECT_TRUE(WaitUntilIdle());
}

// A client's error answer of any shape is a refusal, not an exception that
// the worker would turn into "Internal error" (found by fuzz/).
TEST_F(McpServerTest, CallClientToleratesMalformedErrorAnswer) {
  server_->AddMethod("test/ask", [this](const Json&, RequestContext& context) {
    absl::StatusOr<Json> answer = server_->CallClient(
        "elicitation/create", Json::object(), context.cancel, kWait);
    if (answer.ok()) return MethodResult(*answer);
    return MethodResult::Error(1, std::string(answer.status().message()));
  });
  Initialize();
  Send(Request(7, "test/ask"));
  ASSERT_TRUE(sink_.WaitFor(
      [](const std::vector<Json>& messages) {
        for (const Json& m : messages) {
          if (m.value("method", "") == "elicitation/create") return true;
        }
        return false;
      },
      "the request to the client"));
  Send(Json{{"jsonrpc", "2.0"},
            {"id", "stopframe-1"},
            {"error", {{"code", "x"}, {"message", {{"text", "no"}}}}}});
  Json response = sink_.WaitForResponse(7);
  ExpectError(response, 1);
  EXPECT_THAT(response["error"]["message"].get<std::string>(),
              HasSubstr("the client refused elicitation/create"));
}

// JSON-RPC batches: served in 2025-03-26 only, answered with one array.

constexpr char kBatchingVersion[] = "2025-03-26";

std::string Batch(std::vector<Json> elements) {
  return Json(std::move(elements)).dump();
}

std::vector<Json> Arrays(const CapturingSink& sink) {
  std::vector<Json> out;
  for (const Json& m : sink.Messages()) {
    if (m.is_array()) out.push_back(m);
  }
  return out;
}

// Waits for the first batch response; null (and a failure) on timeout.
Json WaitForArray(CapturingSink& sink) {
  Json found;
  sink.WaitFor(
      [&](const std::vector<Json>& messages) {
        for (const Json& m : messages) {
          if (m.is_array()) {
            found = m;
            return true;
          }
        }
        return false;
      },
      "a batch response");
  return found;
}

TEST_F(McpServerTest, BatchOfPingsAnsweredWithOneArray) {
  Initialize(kBatchingVersion);
  server_->HandleLine(Batch({Request(1, "ping"), Request("two", "ping")}));
  Json array = WaitForArray(sink_);
  ASSERT_EQ(array.size(), 2u) << array.dump();
  EXPECT_EQ(array[0]["jsonrpc"], "2.0");
  EXPECT_EQ(array[0]["id"], 1);
  EXPECT_EQ(array[0]["result"], Json::object());
  EXPECT_EQ(array[1]["id"], "two");
  EXPECT_EQ(array[1]["result"], Json::object());
  // Not also answered one by one.
  EXPECT_TRUE(sink_.ResponsesTo(1).empty());
  EXPECT_TRUE(sink_.ResponsesTo("two").empty());
  EXPECT_EQ(Arrays(sink_).size(), 1u);
}

TEST_F(McpServerTest, BatchRequestsRunConcurrentlyAndCancelledOnesGetNoEntry) {
  Initialize(kBatchingVersion);
  server_->HandleLine(
      Batch({Request(1, "tools/call", CallParams("block")),
             Request(2, "tools/call", CallParams("echo", {{"text", "hi"}})),
             Request(3, "ping")}));
  ASSERT_TRUE(block_->WaitUntilWaiting(1));
  // The array waits for the blocked call, not for the others.
  EXPECT_TRUE(Arrays(sink_).empty());
  Send(CancelOf(1));
  Json array = WaitForArray(sink_);
  ASSERT_EQ(array.size(), 2u) << array.dump();
  EXPECT_EQ(array[0]["id"], 2);
  EXPECT_EQ(array[0]["result"]["content"][0]["text"], "hi");
  EXPECT_EQ(array[1]["id"], 3);
  ASSERT_TRUE(WaitUntilIdle());
  EXPECT_TRUE(sink_.ResponsesTo(1).empty());
  EXPECT_EQ(Arrays(sink_).size(), 1u);
}

TEST_F(McpServerTest, BatchWithNotificationsAndInvalidElements) {
  Initialize(kBatchingVersion);
  server_->HandleLine(Batch({
      Request(1, "ping"),
      NotificationMessage("notifications/initialized", Json::object()),
      Json(42),
      Json{{"jsonrpc", "2.0"}, {"id", "x"}},              // no method
      Json::array({Request(9, "ping")}),                  // batches do not nest
      NotificationMessage("tools/list", Json::object()),  // never answered
      Request(2, "tools/list"),
  }));
  Json array = WaitForArray(sink_);
  ASSERT_EQ(array.size(), 5u) << array.dump();
  EXPECT_EQ(array[0]["id"], 1);
  EXPECT_TRUE(array[0].contains("result"));
  ExpectError(array[1], jsonrpc::kInvalidRequest);
  EXPECT_TRUE(array[1]["id"].is_null());
  ExpectError(array[2], jsonrpc::kInvalidRequest);
  EXPECT_EQ(array[2]["id"], "x");
  ExpectError(array[3], jsonrpc::kInvalidRequest);
  EXPECT_TRUE(array[3]["id"].is_null());
  EXPECT_EQ(array[4]["id"], 2);
  EXPECT_TRUE(array[4]["result"]["tools"].is_array());
  // An unknown method is refused in its place.
  server_->HandleLine(Batch({Request(3, "no/such/method")}));
  ASSERT_TRUE(sink_.WaitFor(
      [](const std::vector<Json>& m) {
        int n = 0;
        for (const Json& x : m) n += x.is_array() ? 1 : 0;
        return n == 2;
      },
      "the second batch response"));
  Json second = Arrays(sink_)[1];
  ASSERT_EQ(second.size(), 1u);
  ExpectError(second[0], jsonrpc::kMethodNotFound);
  EXPECT_EQ(second[0]["id"], 3);
}

TEST_F(McpServerTest, BatchOfOnlyNotificationsSendsNothing) {
  Initialize(kBatchingVersion);
  const size_t before = sink_.size();
  server_->HandleLine(
      Batch({NotificationMessage("notifications/initialized", Json::object()),
             CancelOf(999)}));
  EXPECT_EQ(sink_.size(), before);
  Json ping = Call("fence", "ping");
  EXPECT_TRUE(ping.contains("result"));
  EXPECT_EQ(sink_.size(), before + 1);
}

TEST_F(McpServerTest, EmptyBatchIsOneInvalidRequestWithNullId) {
  Initialize(kBatchingVersion);
  const size_t before = sink_.size();
  server_->HandleLine("[]");
  ASSERT_EQ(sink_.size(), before + 1);  // answered by the reader, at once
  Json error = sink_.Messages().back();
  ASSERT_TRUE(error.is_object()) << error.dump();
  ExpectError(error, jsonrpc::kInvalidRequest);
  EXPECT_TRUE(error["id"].is_null());
  EXPECT_THAT(error["error"]["message"].get<std::string>(),
              HasSubstr("empty batch"));
}

TEST_F(McpServerTest, InitializeInABatchIsRefused) {
  Initialize(kBatchingVersion);
  server_->HandleLine(Batch(
      {Request("again", "initialize", {{"protocolVersion", kBatchingVersion}}),
       Request(2, "ping")}));
  Json array = WaitForArray(sink_);
  ASSERT_EQ(array.size(), 2u) << array.dump();
  ExpectError(array[0], jsonrpc::kInvalidRequest);
  EXPECT_EQ(array[0]["id"], "again");
  EXPECT_THAT(array[0]["error"]["message"].get<std::string>(),
              HasSubstr("batch"));
  EXPECT_EQ(array[1]["id"], 2);
}

TEST_F(McpServerTest, CancelInsideTheBatchDropsItsRequest) {
  Initialize(kBatchingVersion);
  const size_t before = sink_.size();
  // The only request is cancelled by the next element: nothing at all.
  server_->HandleLine(
      Batch({Request(1, "tools/call", CallParams("block")), CancelOf(1)}));
  ASSERT_TRUE(WaitUntilIdle());
  EXPECT_EQ(sink_.size(), before);
  // With another request, the array holds only that one.
  server_->HandleLine(Batch({Request(2, "tools/call", CallParams("block")),
                             Request(3, "ping"), CancelOf(2)}));
  Json array = WaitForArray(sink_);
  ASSERT_EQ(array.size(), 1u) << array.dump();
  EXPECT_EQ(array[0]["id"], 3);
  ASSERT_TRUE(WaitUntilIdle());
  EXPECT_TRUE(sink_.ResponsesTo(1).empty());
  EXPECT_TRUE(sink_.ResponsesTo(2).empty());
  EXPECT_EQ(Arrays(sink_).size(), 1u);
}

TEST_F(McpServerTest, DuplicateIdsInABatchFollowTheSingleMessageRules) {
  Initialize(kBatchingVersion);
  // Twice the same id for pings: each answered, as if sent alone.
  server_->HandleLine(Batch({Request(7, "ping"), Request(7, "ping")}));
  Json pings = WaitForArray(sink_);
  ASSERT_EQ(pings.size(), 2u) << pings.dump();
  EXPECT_EQ(pings[0]["id"], 7);
  EXPECT_EQ(pings[1]["id"], 7);

  // An id in flight (from this batch or before) is refused for the second.
  Send(Request(4, "tools/call", CallParams("block")));
  ASSERT_TRUE(block_->WaitUntilWaiting(1));
  server_->HandleLine(
      Batch({Request(5, "tools/call", CallParams("block")),
             Request(5, "tools/call", CallParams("echo", {{"text", "d"}})),
             Request(4, "tools/call", CallParams("echo", {{"text", "d"}}))}));
  ASSERT_TRUE(block_->WaitUntilWaiting(2));
  Send(CancelOf(5));
  ASSERT_TRUE(sink_.WaitFor(
      [](const std::vector<Json>& m) {
        int n = 0;
        for (const Json& x : m) n += x.is_array() ? 1 : 0;
        return n == 2;
      },
      "the second batch response"));
  Json array = Arrays(sink_)[1];
  ASSERT_EQ(array.size(), 2u) << array.dump();
  ExpectError(array[0], jsonrpc::kInvalidRequest);
  EXPECT_EQ(array[0]["id"], 5);
  EXPECT_THAT(array[0]["error"]["message"].get<std::string>(),
              HasSubstr("in flight"));
  ExpectError(array[1], jsonrpc::kInvalidRequest);
  EXPECT_EQ(array[1]["id"], 4);
  // The request from before the batch is untouched and answered alone.
  EXPECT_FALSE(IsCancelled(4));
  Send(CancelOf(4));
  ASSERT_TRUE(WaitUntilIdle());
  EXPECT_TRUE(sink_.ResponsesTo(4).empty());
  EXPECT_EQ(Arrays(sink_).size(), 2u);
}

TEST_F(McpServerTest, ProgressOfABatchRequestGoesOutAtOnce) {
  Initialize(kBatchingVersion);
  server_->HandleLine(
      Batch({Request(1, "tools/call",
                     WithToken(CallParams("block", {{"steps", 2}}), "bp")),
             Request(2, "ping")}));
  ASSERT_TRUE(sink_.WaitFor(
      [](const std::vector<Json>& messages) {
        for (const Json& m : messages) {
          if (IsProgress(m) && m["params"]["progress"] == 2) return true;
        }
        return false;
      },
      "progress 2 of the batched call"));
  ASSERT_TRUE(block_->WaitUntilWaiting(1));
  EXPECT_TRUE(Arrays(sink_).empty());
  EXPECT_EQ(sink_.ProgressFor("bp").size(), 2u);
  Send(CancelOf(1));
  Json array = WaitForArray(sink_);
  ASSERT_EQ(array.size(), 1u);
  EXPECT_EQ(array[0]["id"], 2);
  ASSERT_TRUE(WaitUntilIdle());
  EXPECT_EQ(sink_.ProgressFor("bp").size(), 2u);  // nothing after the cancel
}

TEST_F(McpServerTest, ShutdownDuringABatchSendsOnlyWhatWasAnswered) {
  Initialize(kBatchingVersion);
  server_->HandleLine(Batch(
      {Request(1, "tools/call", CallParams("block")), Request(2, "ping")}));
  ASSERT_TRUE(block_->WaitUntilWaiting(1));
  server_->Shutdown(kWait);
  Json array = WaitForArray(sink_);  // from the worker, as it winds down
  ASSERT_EQ(array.size(), 1u) << array.dump();
  EXPECT_EQ(array[0]["id"], 2);
  server_->JoinWorkers();
  EXPECT_EQ(Arrays(sink_).size(), 1u);
}

TEST_F(McpServerTest, BatchesRefusedInOtherVersionsAndBeforeInitialize) {
  const std::string pings = Batch({Request(1, "ping"), Request(2, "ping")});
  {
    SCOPED_TRACE("before initialize");
    CapturingSink sink;
    McpServer server(McpServerOptions{.worker_threads = 1}, &registry_, &sink);
    server.HandleLine(pings);
    ASSERT_EQ(sink.size(), 1u);
    Json error = sink.Messages()[0];
    ExpectError(error, jsonrpc::kInvalidRequest);
    EXPECT_TRUE(error["id"].is_null());
    EXPECT_THAT(error["error"]["message"].get<std::string>(),
                HasSubstr("batches are not supported"));
  }
  for (const char* version : {"2024-11-05", "2025-06-18", "2025-11-25"}) {
    SCOPED_TRACE(version);
    CapturingSink sink;
    McpServer server(McpServerOptions{.worker_threads = 1}, &registry_, &sink);
    server.HandleLine(
        Request(0, "initialize", {{"protocolVersion", version}}).dump());
    ASSERT_EQ(sink.WaitForResponse(0)["result"]["protocolVersion"], version);
    for (const std::string& line : {pings, std::string("[]")}) {
      SCOPED_TRACE(line);
      const size_t before = sink.size();
      server.HandleLine(line);
      ASSERT_EQ(sink.size(), before + 1);
      Json error = sink.Messages().back();
      ASSERT_TRUE(error.is_object()) << error.dump();
      ExpectError(error, jsonrpc::kInvalidRequest);
      EXPECT_TRUE(error["id"].is_null());
      const std::string message = error["error"]["message"];
      EXPECT_THAT(message, HasSubstr("batches are not supported"));
      EXPECT_THAT(message, HasSubstr(version));
    }
    EXPECT_TRUE(sink.ResponsesTo(1).empty());
    EXPECT_TRUE(sink.ResponsesTo(2).empty());
  }
}

}  // namespace
}  // namespace stopframe::gateway
