#ifndef STOPFRAME_GATEWAY_STDOUT_WRITER_H_
#define STOPFRAME_GATEWAY_STDOUT_WRITER_H_

#include <deque>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "gateway/output_sink.h"

namespace stopframe::gateway {

// Writes protocol lines to a file descriptor (stdout) from one thread of its
// own, so senders never block on a slow reader and lines never interleave.
// Owns its thread; the destructor writes what is queued, then joins.
// Thread-safe: Send may be called from any thread.
class StdoutWriter final : public OutputSink {
 public:
  explicit StdoutWriter(int fd);
  ~StdoutWriter() override;

  void Send(std::string line) override;

 private:
  void Loop();

  const int fd_;
  absl::Mutex mu_;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_STDOUT_WRITER_H_
