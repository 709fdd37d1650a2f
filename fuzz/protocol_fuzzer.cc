// libFuzzer target for the MCP protocol engine: the input bytes are the
// client's stdin. They go through the LineSplitter into an McpServer that
// serves the real journal tools (over a real SQLite journal, deletions
// confirmed through ConfirmWithUser), the resource and prompt methods and a
// small echo tool, as gateway_app.cc wires them, minus the renderer.
//
// Per input: a new server on an emptied journal (ids start at 1 again), so
// that every input runs from the same state and a finding reproduces from
// its file alone; the tools and the journal connection are made once.
// Unless the input's first line mentions "initialize", a valid initialize
// (declaring elicitation) is sent first, so that the fuzzer starts past the
// lifecycle check. After the last byte the fuzzer waits for every request
// to finish, answering the server's elicitation requests like a client
// would (the input's last byte picks the answer, malformed ones included),
// then shuts the server down and joins its workers.
//
// Every line the server writes must be one line of valid JSON-RPC, and must
// not be the "Internal error" a handler's exception turns into; either
// aborts. Nothing is written to stdout; the server's log goes to stderr
// (scripts/fuzz.sh silences it with -close_fd_mask=2). To replay a finding
// with the server's output on stderr:
//   STOPFRAME_FUZZ_ECHO=1 protocol_fuzzer <file>

#include <sanitizer/common_interface_defs.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/elicitation.h"
#include "gateway/journal/journal_store.h"
#include "gateway/json_rpc.h"
#include "gateway/line_splitter.h"
#include "gateway/mcp_server.h"
#include "gateway/output_sink.h"
#include "gateway/prompts/prompt_methods.h"
#include "gateway/resources/resource_methods.h"
#include "gateway/resources/resource_subscriptions.h"
#include "gateway/tools/journal_tools.h"
#include "gateway/tools/tool.h"
#include "gateway/tools/tool_registry.h"
#include "gateway/video_store.h"

namespace stopframe::gateway {
namespace {

using jsonrpc::Json;

// Small enough that the oversized-line path is reachable under
// -max_len=65536, large enough for every argument limit below 16 KiB.
constexpr size_t kMaxLineBytes = 16 * 1024;

constexpr std::string_view kInitialize =
    R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{)"
    R"("protocolVersion":"2025-06-18","capabilities":{"elicitation":{}},)"
    R"("clientInfo":{"name":"fuzz","version":"1"}}})"
    "\n"
    R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
    "\n";

// Reports through the sanitizer, whose output survives -close_fd_mask=2.
[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::string summary = std::string("protocol_fuzzer: ") + what + ": ";
  summary.append(detail.substr(0, 2000));
  __sanitizer_report_error_summary(summary.c_str());
  std::abort();
}

// Discards what the server writes (or, with STOPFRAME_FUZZ_ECHO set, copies
// it to stderr), after checking that each message is one line of JSON-RPC
// 2.0, and remembers the requests it makes of the client.
class CheckingSink final : public OutputSink {
 public:
  void Send(std::string line) override {
    static const bool echo = std::getenv("STOPFRAME_FUZZ_ECHO") != nullptr;
    if (echo) std::fprintf(stderr, "<- %s\n", line.c_str());
    if (line.find_first_of("\r\n") != std::string::npos) {
      Fail("an output message spans lines", line);
    }
    Json parsed = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    // A 2025-03-26 batch is answered with one array of responses.
    if (parsed.is_array()) {
      if (parsed.empty()) Fail("an empty batch response was sent", line);
      for (const Json& element : parsed) {
        if (!element.is_object() || element.contains("method")) {
          Fail("a batch response holds a non-response", line);
        }
        Check(element, line);
      }
      return;
    }
    Check(parsed, line);
  }

  std::vector<Json> TakeClientRequests() {
    absl::MutexLock lock(&mu_);
    return std::exchange(client_requests_, {});
  }

 private:
  void Check(const Json& message, const std::string& line) {
    if (!message.is_object() || message.value("jsonrpc", "") != "2.0") {
      Fail("an output line is not a JSON-RPC 2.0 message", line);
    }
    // RunRequest's answer when a handler threw, which its comment calls a
    // bug: client input must get a proper error.
    if (auto error = message.find("error");
        error != message.end() && error->is_object() &&
        error->value("message", "") == "Internal error") {
      Fail("a request handler threw", line);
    }
    auto id = message.find("id");
    if (message.contains("method") && id != message.end()) {
      absl::MutexLock lock(&mu_);
      client_requests_.push_back(*id);
    }
  }

  absl::Mutex mu_;
  std::vector<Json> client_requests_ ABSL_GUARDED_BY(mu_);
};

// Echoes its arguments; `steps` (0-20) progress notifications first, and
// `fail: true` makes it a tool error.
class EchoTool final : public Tool {
 public:
  EchoTool()
      : definition_(Json{{"name", "echo"},
                         {"title", "Echo"},
                         {"description", "Returns its arguments."},
                         {"inputSchema",
                          {{"type", "object"},
                           {"properties",
                            {{"text", {{"type", "string"}}},
                             {"steps", {{"type", "integer"}}},
                             {"fail", {{"type", "boolean"}}}}}}}}) {}

  const Json& definition() const override { return definition_; }

  ToolResult Call(ToolCall& call) override {
    const Json& a = call.arguments;
    int steps = 0;
    if (auto s = a.find("steps"); s != a.end() && s->is_number_integer()) {
      steps = static_cast<int>(std::clamp<int64_t>(s->get<int64_t>(), 0, 20));
    }
    for (int i = 1; i <= steps && !call.cancel.cancelled(); ++i) {
      call.progress.Report(i, steps, "echoing");
    }
    if (auto f = a.find("fail"); f != a.end() && *f == true) {
      return ToolResult::Error("asked to fail");
    }
    return ToolResult::Text(jsonrpc::Serialize(a),
                            SupportsStructuredResults(call.protocol_version)
                                ? std::optional<Json>(a)
                                : std::nullopt);
  }

 private:
  const Json definition_;
};

// A client's answer to the server's request `id` (elicitation/create);
// `variant` picks which, malformed ones included.
std::string ClientAnswer(const Json& id, uint8_t variant) {
  Json answer{{"jsonrpc", "2.0"}, {"id", id}};
  switch (variant % 8) {
    case 0:
      answer["result"] = {{"action", "accept"},
                          {"content", {{"confirm", true}}}};
      break;
    case 1:
      answer["result"] = {{"action", "accept"},
                          {"content", {{"confirm", false}}}};
      break;
    case 2:
      answer["result"] = {{"action", "decline"}};
      break;
    case 3:
      answer["error"] = {{"code", -32601}, {"message", "no elicitation"}};
      break;
    case 4:
      answer["result"] = {{"action", "accept"}, {"content", "yes"}};
      break;
    case 5:
      answer["result"] = "accept";
      break;
    case 6:
      answer["result"] = {{"action", 1}, {"content", {{"confirm", 1}}}};
      break;
    default:
      answer["error"] = {{"code", "x"}, {"message", {{"text", "no"}}}};
      break;
  }
  return jsonrpc::Serialize(answer);
}

// Hands the journal tools' change reports to the subscriptions of the
// input being run (the tools are built once, the server once per input).
class ForwardingListener final : public JournalChangeListener {
 public:
  void set_target(JournalChangeListener* target) { target_ = target; }

  void EntryChanged(int64_t id) override { target_.load()->EntryChanged(id); }
  void TagChanged(int64_t id) override { target_.load()->TagChanged(id); }
  void TagSetChanged() override { target_.load()->TagSetChanged(); }
  void EntrySetChanged() override { target_.load()->EntrySetChanged(); }

 private:
  std::atomic<JournalChangeListener*> target_ = nullptr;
};

// What outlives the inputs: a scratch directory (on tmpfs when there is one,
// since the journal fsyncs every commit), the journal, the video store, and
// the tool registry. Never destroyed; the directory is removed at exit.
struct Environment {
  static Environment* Create();
  // Empties every table of the journal through a second connection, so
  // that each input starts from an empty journal whose ids start at 1.
  void ResetJournal();

  std::filesystem::path dir;
  std::unique_ptr<journal::JournalStore> journal;
  sqlite3* resetter = nullptr;
  std::vector<std::string> tables;
  std::unique_ptr<VideoStore> videos;
  ForwardingListener listener;
  std::atomic<McpServer*> server = nullptr;  // the current input's
  ToolRegistry tools;
};

std::filesystem::path* scratch_dir = nullptr;

void RemoveScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(*scratch_dir, ignored);
}

Environment* Environment::Create() {
  auto* env = new Environment;
  // A crash skips the atexit cleanup; scripts/fuzz.sh passes a directory
  // of its own and removes it.
  std::string base = "/tmp";
  if (const char* dir = std::getenv("STOPFRAME_FUZZ_TMPDIR"); dir != nullptr) {
    base = dir;
  } else if (std::error_code ec;
             std::filesystem::is_directory("/dev/shm", ec)) {
    base = "/dev/shm";
  }
  std::string dir = base + "/stopframe-fuzz-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) Fail("mkdtemp failed", dir);
  env->dir = dir;
  scratch_dir = &env->dir;
  std::atexit(RemoveScratchDir);

  const std::string path = (env->dir / "journal.db").string();
  auto journal = journal::JournalStore::Open(path);
  if (!journal.ok()) Fail("cannot open the journal", path);
  env->journal = *std::move(journal);
  if (sqlite3_open(path.c_str(), &env->resetter) != SQLITE_OK ||
      sqlite3_busy_timeout(env->resetter, 5000) != SQLITE_OK) {
    Fail("cannot open a second connection to the journal", path);
  }
  sqlite3_stmt* list = nullptr;
  if (sqlite3_prepare_v2(env->resetter,
                         "SELECT name FROM sqlite_master WHERE type = 'table' "
                         "AND name NOT LIKE 'sqlite_%'",
                         -1, &list, nullptr) != SQLITE_OK) {
    Fail("cannot list the journal's tables", sqlite3_errmsg(env->resetter));
  }
  while (sqlite3_step(list) == SQLITE_ROW) {
    env->tables.emplace_back(
        reinterpret_cast<const char*>(sqlite3_column_text(list, 0)));
  }
  sqlite3_finalize(list);
  if (env->tables.empty()) Fail("the journal has no tables", path);

  auto videos = VideoStore::Open((env->dir / "videos").string());
  if (!videos.ok()) Fail("cannot open the video store", dir);
  env->videos = *std::move(videos);

  // As in gateway_app.cc. Run answers the questions once the input is in.
  AddJournalTools(env->tools, env->journal.get(), &env->listener,
                  [env](const std::string& question, ToolCall& call) {
                    return ConfirmWithUser(*env->server.load(), question,
                                           call.cancel);
                  });
  env->tools.Add(std::make_unique<EchoTool>());
  return env;
}

void Environment::ResetJournal() {
  // No foreign keys on this connection, so the order does not matter.
  std::string sql = "BEGIN;";
  for (const std::string& table : tables) {
    absl::StrAppend(&sql, "DELETE FROM \"", table, "\";");
  }
  absl::StrAppend(&sql, "COMMIT;");
  char* error = nullptr;
  if (sqlite3_exec(resetter, sql.c_str(), nullptr, nullptr, &error) !=
      SQLITE_OK) {
    Fail("cannot empty the journal", error != nullptr ? error : "");
  }
}

void Run(Environment& env, std::string_view input) {
  env.ResetJournal();
  CheckingSink sink;
  McpServerOptions options;
  options.worker_threads = 2;
  options.max_inflight = 8;
  McpServer server(options, &env.tools, &sink);
  ResourceSubscriptions subscriptions(&server);
  AddResourceMethods(server, env.journal.get(), env.videos.get(),
                     &subscriptions);
  AddPromptMethods(server, env.journal.get());
  env.server = &server;
  env.listener.set_target(&subscriptions);

  LineSplitter splitter(
      kMaxLineBytes,
      {.on_line = [&](std::string_view line) { server.HandleLine(line); },
       .on_oversized =
           [&](size_t limit) { server.HandleOversizedLine(limit); }});
  if (input.substr(0, input.find('\n')).find("initialize") ==
      std::string_view::npos) {
    splitter.Feed(kInitialize);
  }
  // Chunks of a size the input picks, to cut lines at varied places.
  size_t chunk = 1;
  for (unsigned char c : input.substr(0, 8)) chunk = chunk * 31 + c;
  chunk = 1 + chunk % 997;
  for (std::string_view rest = input; !rest.empty();) {
    const size_t n = std::min(chunk, rest.size());
    splitter.Feed(rest.substr(0, n));
    rest.remove_prefix(n);
  }
  splitter.Finish();

  // Quiescence: every request answered, the server's questions included.
  const uint8_t variant = input.empty() ? 0 : input.back();
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!server.inflight().WaitUntilEmpty(absl::Milliseconds(1))) {
    for (const Json& id : sink.TakeClientRequests()) {
      server.HandleLine(ClientAnswer(id, variant));
    }
    if (absl::Now() > deadline) Fail("requests never finished", input);
  }
  server.Shutdown(absl::Seconds(20));
  server.JoinWorkers();
  env.listener.set_target(nullptr);
  env.server = nullptr;
}

}  // namespace
}  // namespace stopframe::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static stopframe::gateway::Environment* const env =
      stopframe::gateway::Environment::Create();
  stopframe::gateway::Run(
      *env, std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
