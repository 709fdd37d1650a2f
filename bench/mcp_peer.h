#ifndef STOPFRAME_BENCH_MCP_PEER_H_
#define STOPFRAME_BENCH_MCP_PEER_H_

// A lean, single-threaded MCP client over a child's stdio, for benchmarks
// that compare servers: the same bytes and the same client work for every
// server, and no per-message bookkeeping (McpTestClient keeps every message
// for tests to inspect, which would dominate sub-millisecond round trips).
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tests/integration/support/subprocess.h"

namespace stopframe::bench {

using Json = nlohmann::json;

// Owned by one thread.
class McpPeer {
 public:
  // Starts `argv` with piped stdin and stdout (stderr too if asked; else it
  // is inherited). nullptr if it could not start.
  static std::unique_ptr<McpPeer> Start(std::vector<std::string> argv,
                                        bool pipe_stderr = false) {
    signal(SIGPIPE, SIG_IGN);
    testing::Subprocess::Options options;
    options.argv = std::move(argv);
    options.pipe_stdin = options.pipe_stdout = true;
    options.pipe_stderr = pipe_stderr;
    auto process = testing::Subprocess::Start(std::move(options));
    if (!process.ok()) return nullptr;
    return std::unique_ptr<McpPeer>(new McpPeer(*std::move(process)));
  }

  ~McpPeer() {
    process_->CloseStdin();
    if (!process_->WaitForExit(absl::Seconds(10))) {
      process_->Signal(SIGKILL);
      process_->WaitForExit(absl::Seconds(10));
    }
  }

  testing::Subprocess& process() { return *process_; }

  // Writes `line` and a newline. False if the child stopped reading.
  bool SendLine(std::string line) {
    line.push_back('\n');
    size_t written = 0;
    while (written < line.size()) {
      ssize_t n = write(process_->stdin_fd(), line.data() + written,
                        line.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      written += static_cast<size_t>(n);
    }
    return true;
  }

  bool Request(const Json& id, const std::string& method, Json params) {
    return SendLine(Json{{"jsonrpc", "2.0"},
                         {"id", id},
                         {"method", method},
                         {"params", std::move(params)}}
                        .dump());
  }

  // tools/call; with a progress token equal to the id if `progress`.
  bool CallTool(const Json& id, const std::string& tool, Json arguments,
                bool progress = false) {
    Json params{{"name", tool}, {"arguments", std::move(arguments)}};
    if (progress) params["_meta"] = {{"progressToken", id}};
    return Request(id, "tools/call", std::move(params));
  }

  bool Cancel(const Json& id) {
    return SendLine(
        Json{{"jsonrpc", "2.0"},
             {"method", "notifications/cancelled"},
             {"params", {{"requestId", id}, {"reason", "benchmark"}}}}
            .dump());
  }

  // The next message on the child's stdout; nullopt on timeout or EOF.
  std::optional<Json> Next(absl::Duration timeout) {
    std::optional<std::string> line = NextLine(timeout);
    if (!line) return std::nullopt;
    return Json::parse(*line, nullptr, false);
  }

  // Whether a whole line is already read and waiting.
  bool LineBuffered() const {
    return buffer_.find('\n', start_) != std::string::npos;
  }

  // The next line on the child's stdout, unparsed, without its newline;
  // nullopt on timeout or EOF. Lets a benchmark keep JSON parsing out of
  // what it times.
  std::optional<std::string> NextLine(absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (true) {
      const size_t newline = buffer_.find('\n', start_);
      if (newline != std::string::npos) {
        std::string line = buffer_.substr(start_, newline - start_);
        start_ = newline + 1;
        if (start_ == buffer_.size()) {
          buffer_.clear();
          start_ = 0;
        }
        return line;
      }
      if (start_ > 0) {
        buffer_.erase(0, start_);
        start_ = 0;
      }
      pollfd p{process_->stdout_fd(), POLLIN, 0};
      const int ms = static_cast<int>(std::max<int64_t>(
          0, absl::ToInt64Milliseconds(deadline - absl::Now())));
      const int ready = poll(&p, 1, ms);
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return std::nullopt;
      char chunk[65536];
      const ssize_t n = read(process_->stdout_fd(), chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  // Reads until the response to `id`, skipping everything else.
  std::optional<Json> WaitForResponse(const Json& id, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (true) {
      std::optional<Json> m = Next(deadline - absl::Now());
      if (!m) return std::nullopt;
      if (IsResponse(*m) && (*m)["id"] == id) return m;
    }
  }

  // initialize + notifications/initialized. False if it did not answer.
  bool Initialize() {
    Request("init", "initialize",
            {{"protocolVersion", "2025-06-18"},
             {"capabilities", Json::object()},
             {"clientInfo", {{"name", "stopframe-bench"}, {"version", "1"}}}});
    if (!WaitForResponse("init", absl::Seconds(30))) return false;
    return SendLine(
        R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  }

  static bool IsResponse(const Json& m) {
    return m.is_object() && m.contains("id") && !m.contains("method") &&
           (m.contains("result") || m.contains("error"));
  }

 private:
  explicit McpPeer(std::unique_ptr<testing::Subprocess> process)
      : process_(std::move(process)) {}

  std::unique_ptr<testing::Subprocess> process_;
  std::string buffer_;
  size_t start_ = 0;
};

// The p-th quantile (0..1) by nearest rank; 0 for no samples.
inline double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

inline double Median(std::vector<double> v) { return Percentile(v, 0.5); }

}  // namespace stopframe::bench

#endif  // STOPFRAME_BENCH_MCP_PEER_H_
