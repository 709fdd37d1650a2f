#ifndef STOPFRAME_GATEWAY_STDOUT_WRITER_H_
#define STOPFRAME_GATEWAY_STDOUT_WRITER_H_

#include <cstdint>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "gateway/output_sink.h"

namespace stopframe::gateway {

// Writes protocol lines to a file descriptor (stdout) from one thread of its
// own, so senders never block on a slow reader and lines never interleave.
// The one exception is WriteHeld, for a worker that holds no lock and has
// just queued a response with SendHeld: it writes on its own thread (and may
// block there), which saves a thread hand-off per response. The other is
// Uncork (see OutputSink::Cork), for the reader thread: it writes what is
// queued only as far as the file descriptor takes it without blocking
// (RWF_NOWAIT) and leaves the rest to the writer thread.
//
// Policy when the client stops reading: responses are always kept (the
// protocol needs them; at most one per request in flight). Progress is
// coalesced to the newest value per request. Other droppable notifications
// (logs, resource changes) are dropped while more than `droppable_cap` bytes
// are queued. So memory stays bounded by the cap plus in-flight responses
// (plus the one batch being written, at most kMaxBatchBytes or one line),
// and the reader thread, which never writes, keeps reading and cancelling.
// Lines queued together go out in one writev (one syscall and one wake-up
// of the client for a burst of responses).
// Owns its thread; the destructor writes what is queued, then joins.
// Thread-safe: Send may be called from any thread.
class StdoutWriter final : public OutputSink {
 public:
  explicit StdoutWriter(int fd, size_t droppable_cap = 4 << 20);
  ~StdoutWriter() override;

  void Send(std::string line) override;
  void SendDroppable(std::string line,
                     const std::string& coalesce_key) override;
  // While any line is held, the writer thread waits; WriteHeld writes the
  // queue (up to one batch) on the caller's thread unless a write is already
  // under way, saving the hand-off to the writer thread.
  void SendHeld(std::string line) override;
  void WriteHeld() override;
  // While corked the writer thread waits; Uncork writes the queue (up to
  // one batch) on the caller's thread as far as that cannot block, unless a
  // write is under way or a line is held.
  void Cork() override ABSL_LOCKS_EXCLUDED(mu_);
  void Uncork() override ABSL_LOCKS_EXCLUDED(mu_);

  // For tests and diagnostics.
  size_t queued_bytes();
  int64_t dropped();

 private:
  struct Item {
    std::string line;  // with its newline
    std::string coalesce_key;
  };
  // One writev takes at most this much of the queue (IOV_MAX is 1024).
  static constexpr size_t kMaxBatchBytes = 256 << 10;
  static constexpr size_t kMaxBatchLines = 256;
  void Loop();
  // Moves the next batch out of the queue and claims the write (writing_);
  // returns whether output is already broken (then the batch is dropped).
  bool TakeBatchLocked(std::vector<std::string>& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writes a batch TakeBatchLocked returned, then releases the write.
  void WriteTaken(const std::vector<std::string>& batch, bool broken)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Writes `batch` in order and returns the bytes written: all of it, unless
  // the fd fails (`failed`: the reader went away) or, with `no_wait`, as much
  // as it takes without blocking (RWF_NOWAIT; clears nowait_ where the fd
  // cannot do that).
  size_t WriteLines(const std::vector<std::string>& batch, bool no_wait,
                    bool& failed);
  // Puts what WriteLines(no_wait) left of `batch` back at the queue's front, in
  // order, and releases the write.
  void ReturnUnwritten(std::vector<std::string>& batch, size_t written)
      ABSL_LOCKS_EXCLUDED(mu_);

  const int fd_;
  const size_t droppable_cap_;
  absl::Mutex mu_;
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  size_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // One writer at a time (the thread or a WriteHeld caller), so lines go out
  // whole and in queue order.
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  int held_ ABSL_GUARDED_BY(mu_) = 0;         // SendHeld not yet WriteHeld
  bool corked_ ABSL_GUARDED_BY(mu_) = false;  // between Cork and Uncork
  // The fd takes non-blocking writes (pipes, sockets, most files do; a
  // terminal may not). Used by the Uncork caller only.
  bool nowait_ = true;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;  // output is dropped
  std::thread thread_;
};

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_STDOUT_WRITER_H_
