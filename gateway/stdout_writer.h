#ifndef STOPFRAME_GATEWAY_STDOUT_WRITER_H_
#define STOPFRAME_GATEWAY_STDOUT_WRITER_H_

#include <cstdint>
#include <deque>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "gateway/output_sink.h"

namespace stopframe::gateway {

// Writes protocol lines to a file descriptor (stdout) from one thread of its
// own, so senders never block on a slow reader and lines never interleave.
//
// Policy when the client stops reading: responses are always kept (the
// protocol needs them; at most one per request in flight). Progress is
// coalesced to the newest value per request. Other droppable notifications
// (logs, resource changes) are dropped while more than `droppable_cap` bytes
// are queued. So memory stays bounded by the cap plus in-flight responses,
// and the reader thread, which never writes, keeps reading and cancelling.
// Owns its thread; the destructor writes what is queued, then joins.
// Thread-safe: Send may be called from any thread.
class StdoutWriter final : public OutputSink {
 public:
  explicit StdoutWriter(int fd, size_t droppable_cap = 4 << 20);
  ~StdoutWriter() override;

  void Send(std::string line) override;
  void SendDroppable(std::string line, const std::string& coalesce_key) override;

  // For tests and diagnostics.
  size_t queued_bytes();
  int64_t dropped();

 private:
  struct Item {
    std::string line;  // with its newline
    std::string coalesce_key;
  };
  void Loop();

  const int fd_;
  const size_t droppable_cap_;
  absl::Mutex mu_;
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  size_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_STDOUT_WRITER_H_
