#ifndef STOPFRAME_GATEWAY_RENDERER_PROCESS_H_
#define STOPFRAME_GATEWAY_RENDERER_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace stopframe::gateway {

// The embedded default: a stopframe-renderer child listening on a unix socket
// in a private 0700 directory. The child gets no stdin, sends its stdout to
// our stderr (stdout is the protocol's), and receives SIGTERM if the gateway
// dies. Stop (or the destructor) terminates it and removes the directory.
// Owned by the gateway app. Not thread-safe; Spawn must run before other
// threads start (it forks).
class RendererProcess {
 public:
  static absl::StatusOr<std::unique_ptr<RendererProcess>> Spawn(
      const std::string& binary, absl::Duration ready_timeout);
  ~RendererProcess();
  RendererProcess(const RendererProcess&) = delete;
  RendererProcess& operator=(const RendererProcess&) = delete;

  // "unix:/tmp/stopframe-XXXXXX/renderer.sock"
  const std::string& target() const { return target_; }
  pid_t pid() const { return pid_; }

  // SIGTERM, then SIGKILL after `grace`; reaps the child. Idempotent.
  void Stop(absl::Duration grace);

 private:
  RendererProcess() = default;

  pid_t pid_ = -1;
  std::string dir_;
  std::string socket_path_;
  std::string target_;
};

// The stopframe-renderer next to the running gateway binary.
std::string DefaultRendererBinary();

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_RENDERER_PROCESS_H_
