#include "tests/integration/support/subprocess.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace stopframe::testing {
namespace {

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(Options options) {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1},
      ready[2] = {-1, -1};
  if ((options.pipe_stdin && pipe2(in, O_CLOEXEC) != 0) ||
      (options.pipe_stdout && pipe2(out, O_CLOEXEC) != 0) ||
      (options.pipe_stderr && pipe2(err, O_CLOEXEC) != 0) ||
      (options.ready_pipe && pipe2(ready, O_CLOEXEC) != 0)) {
    return absl::InternalError("pipe failed");
  }
  std::vector<char*> argv;
  for (std::string& a : options.argv) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::unique_ptr<Subprocess> p(new Subprocess());
  p->pid_ = fork();
  if (p->pid_ < 0) return absl::InternalError("fork failed");
  if (p->pid_ == 0) {
    if (in[0] >= 0) dup2(in[0], 0);
    if (out[1] >= 0) dup2(out[1], 1);
    if (err[1] >= 0) dup2(err[1], 2);
    if (ready[1] == 3) fcntl(3, F_SETFD, 0);
    if (ready[1] > 3 || (ready[1] >= 0 && ready[1] < 3)) dup2(ready[1], 3);
    if (options.max_file_bytes > 0) {
      rlimit limit{static_cast<rlim_t>(options.max_file_bytes),
                   static_cast<rlim_t>(options.max_file_bytes)};
      setrlimit(RLIMIT_FSIZE, &limit);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  auto close_if = [](int fd) {
    if (fd >= 0) close(fd);
  };
  close_if(in[0]);
  close_if(out[1]);
  close_if(err[1]);
  close_if(ready[1]);
  p->stdin_fd_ = in[1];
  p->stdout_fd_ = out[0];
  p->stderr_fd_ = err[0];
  p->ready_fd_ = ready[0];
  return p;
}

Subprocess::~Subprocess() {
  if (!exit_code_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    WaitForExit(absl::Seconds(10));
  }
  for (int fd : {stdin_fd_, stdout_fd_, stderr_fd_, ready_fd_}) {
    if (fd >= 0) close(fd);
  }
}

void Subprocess::CloseStdin() {
  if (stdin_fd_ >= 0) close(stdin_fd_);
  stdin_fd_ = -1;
}

void Subprocess::Signal(int signal_number) {
  if (!exit_code_) kill(pid_, signal_number);
}

std::optional<int> Subprocess::WaitForExit(absl::Duration timeout) {
  if (exit_code_) return exit_code_;
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd < 0) return std::nullopt;
  pollfd fd{pidfd, POLLIN, 0};
  int ready;
  while ((ready = poll(&fd, 1,
                       static_cast<int>(absl::ToInt64Milliseconds(timeout)))) <
             0 &&
         errno == EINTR) {
  }
  close(pidfd);
  if (ready <= 0) return std::nullopt;
  int status = 0;
  if (waitpid(pid_, &status, 0) != pid_) return std::nullopt;
  exit_code_ = ExitCodeOf(status);
  return exit_code_;
}

namespace {

// Waits until `fd` is readable (or at EOF); false once `deadline` passes.
bool WaitReadable(int fd, absl::Time deadline) {
  while (true) {
    pollfd p{fd, POLLIN, 0};
    int ms = static_cast<int>(std::max<int64_t>(
        0, absl::ToInt64Milliseconds(deadline - absl::Now())));
    int ready = poll(&p, 1, ms);
    if (ready < 0 && errno == EINTR) continue;
    return ready > 0;
  }
}

}  // namespace

absl::StatusOr<std::string> ReadLine(int fd, absl::Duration timeout) {
  std::string line;
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (!WaitReadable(fd, deadline)) {
      return absl::DeadlineExceededError("no line in time");
    }
    char c;
    ssize_t n = read(fd, &c, 1);
    if (n <= 0) return absl::UnavailableError("end of stream before a line");
    if (c == '\n') return line;
    line.push_back(c);
  }
}

absl::StatusOr<std::string> ReadToEnd(int fd, absl::Duration timeout) {
  std::string out;
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (!WaitReadable(fd, deadline)) {
      return absl::DeadlineExceededError("no EOF in time");
    }
    char buffer[4096];
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buffer, static_cast<size_t>(n));
  }
}

absl::StatusOr<std::string> RunCommand(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("popen failed");
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    out.append(buffer, n);
  int status = pclose(pipe);
  if (status != 0) {
    return absl::InternalError(
        absl::StrCat("`", command, "` exited with ", status, ": ", out));
  }
  return out;
}

std::string BinaryPath(const std::string& relative) {
  const char* dir = getenv("STOPFRAME_BIN_DIR");
  return absl::StrCat(dir ? dir : ".", "/", relative);
}

bool ProcessAlive(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat) return false;
  std::string content((std::istreambuf_iterator<char>(stat)), {});
  size_t paren = content.rfind(')');
  return paren != std::string::npos && paren + 2 < content.size() &&
         content[paren + 2] != 'Z';
}

std::string MakeTempDir() {
  const char* base = getenv("TEST_TMPDIR");
  std::string templ =
      absl::StrCat(base && *base ? base : "/tmp", "/stopframe-test-XXXXXX");
  if (mkdtemp(templ.data()) == nullptr) abort();
  return templ;
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace stopframe::testing
