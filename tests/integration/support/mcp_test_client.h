#ifndef STOPFRAME_TESTS_INTEGRATION_SUPPORT_MCP_TEST_CLIENT_H_
#define STOPFRAME_TESTS_INTEGRATION_SUPPORT_MCP_TEST_CLIENT_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tests/integration/support/subprocess.h"

namespace stopframe::testing {

using Json = nlohmann::json;

// Drives a real stopframe-gateway process over its stdio, the way a desktop
// MCP client does. Two reader threads collect every stdout message and every
// stderr line; waits are on those events with timeouts that return false
// (so the test fails) instead of hanging.
// Owned by one test. Thread-safe.
class McpTestClient {
 public:
  // Starts the gateway with `args` (after the binary path).
  static std::unique_ptr<McpTestClient> Start(
      const std::vector<std::string>& args, long max_file_bytes = 0);
  ~McpTestClient();

  void SendRaw(const std::string& line);  // a newline is appended
  // Exactly these bytes (no newline): a line can be sent in pieces.
  void SendBytes(const std::string& bytes);
  void Send(const Json& message);
  // Sends initialize + notifications/initialized; returns the result.
  Json Initialize(const std::string& version = "2025-06-18");
  // Sends a request with the given id and returns immediately.
  void Request(const Json& id, const std::string& method, Json params);
  // tools/call with a progress token equal to the id.
  void CallTool(const Json& id, const std::string& tool, Json arguments,
                bool with_progress = true);
  void Cancel(const Json& id, const std::string& reason = "test");

  std::optional<Json> WaitForResponse(const Json& id, absl::Duration timeout);
  // Waits until the messages so far satisfy `predicate`.
  bool WaitForMessages(
      const std::function<bool(const std::vector<Json>&)>& predicate,
      absl::Duration timeout);
  bool WaitForStderr(const std::string& substring, absl::Duration timeout,
                     int occurrences = 1);
  bool WaitForStdoutClosed(absl::Duration timeout);

  std::vector<Json> Messages();
  bool HasResponse(const Json& id);
  std::vector<Json> ProgressFor(const Json& token);
  std::string Stderr();

  Subprocess& process() { return *process_; }

  // Stops and restarts reading the gateway's stdout: a client that stalls.
  void PauseReading();
  void ResumeReading();
  // The gateway's resident memory (VmRSS) in kB, or -1.
  int64_t GatewayRssKb();

 private:
  explicit McpTestClient(std::unique_ptr<Subprocess> process);
  void ReadStdout();
  void ReadStderr();

  std::unique_ptr<Subprocess> process_;
  absl::Mutex mu_;
  std::vector<Json> messages_ ABSL_GUARDED_BY(mu_);
  std::string stderr_ ABSL_GUARDED_BY(mu_);
  bool stdout_closed_ ABSL_GUARDED_BY(mu_) = false;
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
  std::thread stdout_reader_;
  std::thread stderr_reader_;
};

}  // namespace stopframe::testing

#endif  // STOPFRAME_TESTS_INTEGRATION_SUPPORT_MCP_TEST_CLIENT_H_
