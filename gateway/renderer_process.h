#ifndef STOPFRAME_GATEWAY_RENDERER_PROCESS_H_
#define STOPFRAME_GATEWAY_RENDERER_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace stopframe::gateway {

// The embedded default: a stopframe-renderer child listening on a unix socket
// in a private 0700 directory. The child gets no stdin, sends its stdout to
// our stderr (stdout is the protocol's), and receives SIGTERM if the gateway
// dies. A supervisor thread restarts the child on the same socket if it
// exits on its own (at most once a second), so the gateway's channel simply
// reconnects. Stop (or the destructor) ends supervision, terminates the
// child and removes the directory.
// Owned by the gateway app. Thread-safe.
class RendererProcess {
 public:
  static absl::StatusOr<std::unique_ptr<RendererProcess>> Spawn(
      const std::string& binary, absl::Duration ready_timeout);
  ~RendererProcess();
  RendererProcess(const RendererProcess&) = delete;
  RendererProcess& operator=(const RendererProcess&) = delete;

  // "unix:/tmp/stopframe-XXXXXX/renderer.sock"
  const std::string& target() const { return target_; }
  pid_t pid();

  // Stops supervising; SIGTERM, then SIGKILL after `grace`; reaps the child.
  // Idempotent.
  void Stop(absl::Duration grace);

 private:
  RendererProcess(std::string binary, absl::Duration ready_timeout)
      : binary_(std::move(binary)), ready_timeout_(ready_timeout) {}

  // Forks and execs the child, waits until it serves. Needs mu_.
  absl::Status StartChildLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Supervise();

  const std::string binary_;
  const absl::Duration ready_timeout_;
  std::string dir_;
  std::string socket_path_;
  std::string target_;
  int stop_fd_ = -1;  // eventfd that ends supervision

  absl::Mutex mu_;
  pid_t pid_ ABSL_GUARDED_BY(mu_) = -1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread supervisor_;
};

// The stopframe-renderer next to the running gateway binary.
std::string DefaultRendererBinary();

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_RENDERER_PROCESS_H_
