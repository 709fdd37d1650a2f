#include "gateway/renderer_process.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/log.h"

namespace stopframe::gateway {
namespace {

constexpr int kReadyFd = 3;  // the child's end of the readiness pipe

// Waits for `pid` to exit for at most `timeout`; true if it was reaped.
bool WaitForExit(pid_t pid, absl::Duration timeout) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd fd{pidfd, POLLIN, 0};
    int ms = static_cast<int>(absl::ToInt64Milliseconds(timeout));
    while (poll(&fd, 1, ms) < 0 && errno == EINTR) {
    }
    close(pidfd);
  }
  int status = 0;
  return waitpid(pid, &status, WNOHANG) == pid;
}

}  // namespace

std::string DefaultRendererBinary() {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return "stopframe-renderer";
  std::string path(self, static_cast<size_t>(n));
  const std::string dir = path.substr(0, path.rfind('/') + 1);
  // Installed side by side, or in the build tree (build/gateway,
  // build/renderer).
  for (const std::string& candidate :
       {dir + "stopframe-renderer", dir + "../renderer/stopframe-renderer"}) {
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return dir + "stopframe-renderer";
}

absl::StatusOr<std::unique_ptr<RendererProcess>> RendererProcess::Spawn(
    const std::string& binary, absl::Duration ready_timeout) {
  if (access(binary.c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat(
        "renderer binary ", binary,
        " is missing or not executable; build it or pass --renderer_binary"));
  }
  std::unique_ptr<RendererProcess> process(
      new RendererProcess(binary, ready_timeout));
  const char* tmp = getenv("TMPDIR");
  std::string templ =
      absl::StrCat(tmp && *tmp ? tmp : "/tmp", "/stopframe-XXXXXX");
  if (mkdtemp(templ.data()) == nullptr) {  // mode 0700
    return absl::InternalError(absl::StrCat(
        "cannot create a private socket directory: ", strerror(errno)));
  }
  process->dir_ = templ;
  process->socket_path_ = templ + "/renderer.sock";
  process->target_ = "unix:" + process->socket_path_;
  process->stop_fd_ = eventfd(0, EFD_CLOEXEC);
  {
    absl::MutexLock lock(&process->mu_);
    if (absl::Status s = process->StartChildLocked(); !s.ok()) return s;
  }
  process->supervisor_ = std::thread([raw = process.get()] { raw->Supervise(); });
  return process;
}

absl::Status RendererProcess::StartChildLocked() {
  unlink(socket_path_.c_str());  // a dead child's socket
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) {
    return absl::InternalError("cannot create the readiness pipe");
  }
  std::vector<std::string> args = {binary_, "--listen=" + target_,
                                   absl::StrCat("--ready_fd=", kReadyFd)};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(ready[0]);
    close(ready[1]);
    return absl::InternalError("cannot fork the renderer");
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);  // the gateway already died
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(2, 1);  // never the gateway's protocol stream
    if (ready[1] == kReadyFd) {
      fcntl(kReadyFd, F_SETFD, 0);  // dup2 onto itself would keep CLOEXEC
    } else {
      dup2(ready[1], kReadyFd);
    }
    execv(binary_.c_str(), argv.data());
    _exit(127);
  }
  close(ready[1]);
  pid_ = pid;

  // The child writes its address and closes the pipe once it is serving;
  // EOF without it means the child died.
  pollfd fd{ready[0], POLLIN, 0};
  int ms = static_cast<int>(absl::ToInt64Milliseconds(ready_timeout_));
  int polled;
  while ((polled = poll(&fd, 1, ms)) < 0 && errno == EINTR) {
  }
  char buffer[256];
  ssize_t n = polled > 0 ? read(ready[0], buffer, sizeof(buffer)) : -1;
  close(ready[0]);
  if (n <= 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return absl::UnavailableError(absl::StrCat(
        "the embedded renderer (", binary_, ") did not start",
        polled == 0 ? " in time" : "; see its messages above"));
  }
  Log("embedded renderer pid %d serving on %s", pid, target_);
  return absl::OkStatus();
}

void RendererProcess::Supervise() {
  absl::Time last_start = absl::Now();
  while (true) {
    pid_t pid;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      pid = pid_;
    }
    int pidfd = pid > 0 ? static_cast<int>(syscall(SYS_pidfd_open, pid, 0)) : -1;
    pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {pidfd, POLLIN, 0}};
    // With no child (a restart failed), retry after a second.
    int ready = poll(fds, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 1000);
    if (pidfd >= 0) close(pidfd);
    if (ready < 0 && errno == EINTR) continue;
    if (fds[0].revents & POLLIN) return;  // Stop()
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    if (pid_ > 0) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) != pid_) continue;
      Log("embedded renderer pid %d exited (status %d); restarting it", pid_,
          status);
      pid_ = -1;
    }
    // No crash loop: at most one start a second (a timed wait on Stop).
    const absl::Duration since = absl::Now() - last_start;
    if (since < absl::Seconds(1)) {
      mu_.Unlock();
      pollfd stop{stop_fd_, POLLIN, 0};
      poll(&stop, 1, static_cast<int>(absl::ToInt64Milliseconds(absl::Seconds(1) - since)));
      mu_.Lock();
      if (stopping_) return;
    }
    last_start = absl::Now();
    if (absl::Status s = StartChildLocked(); !s.ok()) {
      Log("restarting the renderer failed: %s", s.ToString());
    }
  }
}

pid_t RendererProcess::pid() {
  absl::MutexLock lock(&mu_);
  return pid_;
}

void RendererProcess::Stop(absl::Duration grace) {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (stop_fd_ >= 0) {
    uint64_t one = 1;
    if (write(stop_fd_, &one, sizeof(one)) < 0) {
      // The supervisor also checks stopping_ on its next wake-up.
    }
  }
  if (supervisor_.joinable()) supervisor_.join();
  absl::MutexLock lock(&mu_);
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    if (!WaitForExit(pid_, grace)) {
      Log("renderer pid %d ignored SIGTERM; killing it", pid_);
      kill(pid_, SIGKILL);
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    unlink(socket_path_.c_str());
    rmdir(dir_.c_str());
    dir_.clear();
  }
  if (stop_fd_ >= 0) {
    close(stop_fd_);
    stop_fd_ = -1;
  }
}

RendererProcess::~RendererProcess() { Stop(absl::Seconds(5)); }

}  // namespace stopframe::gateway
