#include "gateway/stdout_writer.h"

#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

#include <utility>
#include <vector>

namespace stopframe::gateway {

StdoutWriter::StdoutWriter(int fd, size_t droppable_cap)
    : fd_(fd), droppable_cap_(droppable_cap), thread_([this] { Loop(); }) {}

StdoutWriter::~StdoutWriter() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void StdoutWriter::Send(std::string line) {
  line.push_back('\n');
  absl::MutexLock lock(&mu_);
  queued_bytes_ += line.size();
  queue_.push_back({std::move(line), ""});
}

void StdoutWriter::SendDroppable(std::string line,
                                 const std::string& coalesce_key) {
  line.push_back('\n');
  absl::MutexLock lock(&mu_);
  if (!coalesce_key.empty()) {
    // Newest first: a queued progress of the same request is usually near
    // the back.
    for (auto it = queue_.rbegin(); it != queue_.rend(); ++it) {
      if (it->coalesce_key == coalesce_key) {
        queued_bytes_ += line.size();
        queued_bytes_ -= it->line.size();
        it->line = std::move(line);
        ++dropped_;
        return;
      }
    }
  }
  if (queued_bytes_ > droppable_cap_) {
    ++dropped_;
    return;
  }
  queued_bytes_ += line.size();
  queue_.push_back({std::move(line), coalesce_key});
}

size_t StdoutWriter::queued_bytes() {
  absl::MutexLock lock(&mu_);
  return queued_bytes_;
}

int64_t StdoutWriter::dropped() {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

void StdoutWriter::SendHeld(std::string line) {
  line.push_back('\n');
  absl::MutexLock lock(&mu_);
  queued_bytes_ += line.size();
  queue_.push_back({std::move(line), ""});
  ++held_;
}

void StdoutWriter::WriteHeld() {
  std::vector<std::string> batch;
  bool broken;
  {
    absl::MutexLock lock(&mu_);
    --held_;
    // Someone else is writing (and will come back for the rest), or what was
    // held went out with another batch.
    if (writing_ || queue_.empty()) return;
    broken = TakeBatchLocked(batch);
  }
  WriteTaken(batch, broken);  // the writer thread takes over what is left
}

void StdoutWriter::Cork() {
  absl::MutexLock lock(&mu_);
  corked_ = true;
}

void StdoutWriter::Uncork() {
  std::vector<std::string> batch;
  {
    absl::MutexLock lock(&mu_);
    corked_ = false;
    // The writer thread (or the worker holding a line) writes it instead.
    if (!nowait_ || writing_ || held_ > 0 || broken_ || queue_.empty()) return;
    TakeBatchLocked(batch);
  }
  bool failed;
  ReturnUnwritten(batch, WriteLines(batch, /*no_wait=*/true, failed));
}

void StdoutWriter::ReturnUnwritten(std::vector<std::string>& batch,
                                   size_t written) {
  size_t first = 0;  // the first line not fully written
  while (first < batch.size() && written >= batch[first].size()) {
    written -= batch[first].size();
    ++first;
  }
  if (first < batch.size()) batch[first].erase(0, written);
  absl::MutexLock lock(&mu_);
  for (size_t i = batch.size(); i > first; --i) {
    queued_bytes_ += batch[i - 1].size();
    queue_.push_front({std::move(batch[i - 1]), ""});
  }
  writing_ = false;
}

bool StdoutWriter::TakeBatchLocked(std::vector<std::string>& batch) {
  // Whatever is queued, up to kMaxBatchBytes (and at least one line), goes
  // out in one writev. Lines left queued can still be coalesced, and taken
  // lines stay few enough that the droppable cap still bounds memory.
  size_t bytes = 0;
  while (
      !queue_.empty() && batch.size() < kMaxBatchLines &&
      (batch.empty() || bytes + queue_.front().line.size() <= kMaxBatchBytes)) {
    bytes += queue_.front().line.size();
    batch.push_back(std::move(queue_.front().line));
    queue_.pop_front();
  }
  queued_bytes_ -= bytes;
  writing_ = true;
  return broken_;
}

void StdoutWriter::WriteTaken(const std::vector<std::string>& batch,
                              bool broken) {
  // Once the reader went away, output is dropped and serving goes on.
  bool failed = false;
  if (!broken) WriteLines(batch, /*no_wait=*/false, failed);
  absl::MutexLock lock(&mu_);
  writing_ = false;
  if (failed) broken_ = true;
}

size_t StdoutWriter::WriteLines(const std::vector<std::string>& batch,
                                bool no_wait, bool& failed) {
  std::vector<iovec> iov;
  iov.reserve(batch.size());
  size_t total = 0;
  for (const std::string& line : batch) {
    iov.push_back({const_cast<char*>(line.data()), line.size()});
    total += line.size();
  }
  failed = false;
  size_t written = 0;
  size_t next = 0;  // the first iovec not fully written
  while (written < total) {
    const int count = static_cast<int>(iov.size() - next);
    ssize_t n = no_wait
                    ? pwritev2(fd_, iov.data() + next, count, -1, RWF_NOWAIT)
                    : writev(fd_, iov.data() + next, count);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // Without waiting, EAGAIN means full; a broken fd is left for the
      // writer thread's next write to find.
      if (!no_wait) failed = true;
      if (no_wait && n < 0 && (errno == EOPNOTSUPP || errno == EINVAL)) {
        nowait_ = false;
      }
      break;
    }
    written += static_cast<size_t>(n);
    // Skip what was written; a partly written line continues where it
    // stopped.
    size_t left = static_cast<size_t>(n);
    while (next < iov.size() && left >= iov[next].iov_len) {
      left -= iov[next].iov_len;
      ++next;
    }
    if (left > 0) {
      iov[next].iov_base = static_cast<char*>(iov[next].iov_base) + left;
      iov[next].iov_len -= left;
    }
  }
  return written;
}

void StdoutWriter::Loop() {
  std::vector<std::string> batch;
  while (true) {
    batch.clear();
    bool broken;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        // Corked or not, a stopping writer drains the queue and exits.
        return !writing_ && held_ == 0 &&
               (stopping_ || (!corked_ && !queue_.empty()));
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;
      broken = TakeBatchLocked(batch);
    }
    WriteTaken(batch, broken);
  }
}

}  // namespace stopframe::gateway
