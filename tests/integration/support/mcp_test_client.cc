#include "tests/integration/support/mcp_test_client.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace stopframe::testing {

std::unique_ptr<McpTestClient> McpTestClient::Start(
    const std::vector<std::string>& args, long max_file_bytes) {
  signal(SIGPIPE, SIG_IGN);  // a gateway that exits must not kill the test
  Subprocess::Options options;
  options.argv = {BinaryPath("gateway/stopframe-gateway")};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.pipe_stdin = options.pipe_stdout = options.pipe_stderr = true;
  options.max_file_bytes = max_file_bytes;
  auto process = Subprocess::Start(std::move(options));
  if (!process.ok()) return nullptr;
  return std::unique_ptr<McpTestClient>(new McpTestClient(*std::move(process)));
}

McpTestClient::McpTestClient(std::unique_ptr<Subprocess> process)
    : process_(std::move(process)),
      stdout_reader_([this] { ReadStdout(); }),
      stderr_reader_([this] { ReadStderr(); }) {}

McpTestClient::~McpTestClient() {
  ResumeReading();
  process_->CloseStdin();
  if (!process_->WaitForExit(absl::Seconds(10))) process_->Signal(SIGKILL);
  process_->WaitForExit(absl::Seconds(10));
  stdout_reader_.join();
  stderr_reader_.join();
}

void McpTestClient::ReadStdout() {
  std::string buffer;
  char chunk[65536];
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto reading = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !paused_;
      };
      mu_.Await(absl::Condition(&reading));
    }
    ssize_t n = read(process_->stdout_fd(), chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<size_t>(n));
    size_t newline;
    while ((newline = buffer.find('\n')) != std::string::npos) {
      Json message = Json::parse(buffer.substr(0, newline), nullptr, false);
      buffer.erase(0, newline + 1);
      absl::MutexLock lock(&mu_);
      // A line that is not JSON is a protocol violation worth seeing.
      messages_.push_back(message.is_discarded()
                              ? Json{{"__invalid_line__", true}}
                              : std::move(message));
    }
  }
  absl::MutexLock lock(&mu_);
  stdout_closed_ = true;
}

void McpTestClient::ReadStderr() {
  char chunk[4096];
  while (true) {
    ssize_t n = read(process_->stderr_fd(), chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    fwrite(chunk, 1, static_cast<size_t>(n), stderr);  // for test logs
    absl::MutexLock lock(&mu_);
    stderr_.append(chunk, static_cast<size_t>(n));
  }
}

void McpTestClient::SendRaw(const std::string& line) { SendBytes(line + "\n"); }

void McpTestClient::SendBytes(const std::string& data) {
  size_t written = 0;
  while (written < data.size() && process_->stdin_fd() >= 0) {
    ssize_t n = write(process_->stdin_fd(), data.data() + written,
                      data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    written += static_cast<size_t>(n);
  }
}

void McpTestClient::Send(const Json& message) { SendRaw(message.dump()); }

Json McpTestClient::Initialize(const std::string& version) {
  Request("init", "initialize",
          {{"protocolVersion", version},
           {"capabilities", Json::object()},
           {"clientInfo", {{"name", "stopframe-tests"}, {"version", "1"}}}});
  std::optional<Json> response = WaitForResponse("init", absl::Seconds(10));
  Send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  return response ? (*response)["result"] : Json();
}

void McpTestClient::Request(const Json& id, const std::string& method,
                            Json params) {
  Send({{"jsonrpc", "2.0"},
        {"id", id},
        {"method", method},
        {"params", std::move(params)}});
}

void McpTestClient::CallTool(const Json& id, const std::string& tool,
                             Json arguments, bool with_progress) {
  Json params{{"name", tool}, {"arguments", std::move(arguments)}};
  if (with_progress) params["_meta"] = {{"progressToken", id}};
  Request(id, "tools/call", std::move(params));
}

void McpTestClient::Cancel(const Json& id, const std::string& reason) {
  Send({{"jsonrpc", "2.0"},
        {"method", "notifications/cancelled"},
        {"params", {{"requestId", id}, {"reason", reason}}}});
}

namespace {

bool IsResponseTo(const Json& m, const Json& id) {
  return m.is_object() && m.contains("id") && m["id"] == id &&
         !m.contains("method") && (m.contains("result") || m.contains("error"));
}

}  // namespace

std::optional<Json> McpTestClient::WaitForResponse(const Json& id,
                                                   absl::Duration timeout) {
  std::optional<Json> found;
  WaitForMessages(
      [&](const std::vector<Json>& messages) {
        for (const Json& m : messages) {
          if (IsResponseTo(m, id)) {
            found = m;
            return true;
          }
        }
        return false;
      },
      timeout);
  return found;
}

bool McpTestClient::WaitForMessages(
    const std::function<bool(const std::vector<Json>&)>& predicate,
    absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return predicate(messages_) || stdout_closed_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  return predicate(messages_);
}

bool McpTestClient::WaitForStderr(const std::string& substring,
                                  absl::Duration timeout, int occurrences) {
  absl::MutexLock lock(&mu_);
  auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    int found = 0;
    for (size_t at = stderr_.find(substring); at != std::string::npos;
         at = stderr_.find(substring, at + 1)) {
      if (++found >= occurrences) return true;
    }
    return false;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
}

bool McpTestClient::WaitForStdoutClosed(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stdout_closed_;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
}

std::vector<Json> McpTestClient::Messages() {
  absl::MutexLock lock(&mu_);
  return messages_;
}

bool McpTestClient::HasResponse(const Json& id) {
  absl::MutexLock lock(&mu_);
  for (const Json& m : messages_) {
    if (IsResponseTo(m, id)) return true;
  }
  return false;
}

std::vector<Json> McpTestClient::ProgressFor(const Json& token) {
  absl::MutexLock lock(&mu_);
  std::vector<Json> out;
  for (const Json& m : messages_) {
    if (m.is_object() && m.value("method", "") == "notifications/progress" &&
        m["params"]["progressToken"] == token) {
      out.push_back(m["params"]);
    }
  }
  return out;
}

void McpTestClient::PauseReading() {
  absl::MutexLock lock(&mu_);
  paused_ = true;
}

void McpTestClient::ResumeReading() {
  absl::MutexLock lock(&mu_);
  paused_ = false;
}

int64_t McpTestClient::GatewayRssKb() {
  std::string status =
      ReadFile(absl::StrCat("/proc/", process_->pid(), "/status"));
  size_t at = status.find("VmRSS:");
  if (at == std::string::npos) return -1;
  return std::strtoll(status.c_str() + at + 6, nullptr, 10);
}

std::string McpTestClient::Stderr() {
  absl::MutexLock lock(&mu_);
  return stderr_;
}

}  // namespace stopframe::testing
