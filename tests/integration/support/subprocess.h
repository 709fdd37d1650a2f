#ifndef STOPFRAME_TESTS_INTEGRATION_SUPPORT_SUBPROCESS_H_
#define STOPFRAME_TESTS_INTEGRATION_SUPPORT_SUBPROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace stopframe::testing {

// A child process for tests, with optional pipes for stdin, stdout, stderr
// and a readiness pipe on the child's fd 3. The destructor SIGKILLs and
// reaps a child that is still running, so a failing test leaks nothing.
// Owned by one test; not thread-safe except where noted.
class Subprocess {
 public:
  struct Options {
    std::vector<std::string> argv;
    bool pipe_stdin = false;
    bool pipe_stdout = false;
    bool pipe_stderr = false;
    bool ready_pipe = false;  // child's fd 3 is the write end
    long max_file_bytes = 0;  // RLIMIT_FSIZE for the child; 0 = unlimited
  };
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(Options options);
  ~Subprocess();

  pid_t pid() const { return pid_; }
  int stdin_fd() const { return stdin_fd_; }
  int stdout_fd() const { return stdout_fd_; }
  int stderr_fd() const { return stderr_fd_; }
  int ready_fd() const { return ready_fd_; }
  void CloseStdin();
  void Signal(int signal_number);

  // Waits for the child to exit; the exit code, or 128+signal if killed.
  // nullopt on timeout. Safe to call from any thread, once at a time.
  std::optional<int> WaitForExit(absl::Duration timeout);
  bool exited() const { return exit_code_.has_value(); }

 private:
  Subprocess() = default;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  int ready_fd_ = -1;
  std::optional<int> exit_code_;
};

// Reads one '\n'-terminated line from `fd` within `timeout`.
absl::StatusOr<std::string> ReadLine(int fd, absl::Duration timeout);
// Everything on `fd` until EOF, or an error once `timeout` passes.
absl::StatusOr<std::string> ReadToEnd(int fd, absl::Duration timeout);

// Runs a shell command and returns its stdout (for ffprobe and friends).
absl::StatusOr<std::string> RunCommand(const std::string& command);

// The directory holding the built binaries (STOPFRAME_BIN_DIR from ctest).
std::string BinaryPath(const std::string& relative);

// Whether a process with this pid exists (and is not a zombie).
bool ProcessAlive(pid_t pid);

// A fresh directory under the test temp dir.
std::string MakeTempDir();

// Names in `dir` (not . and ..), sorted.
std::vector<std::string> ListDir(const std::string& dir);

// A file's whole contents.
std::string ReadFile(const std::string& path);

}  // namespace stopframe::testing

#endif  // STOPFRAME_TESTS_INTEGRATION_SUPPORT_SUBPROCESS_H_
