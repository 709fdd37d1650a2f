#include "gateway/stdout_writer.h"

#include <errno.h>
#include <unistd.h>

#include <utility>

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

void StdoutWriter::Loop() {
  bool broken = false;  // the reader went away: drop output, keep serving
  while (true) {
    Item item;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;
      // One at a time, so that lines still queued can be coalesced.
      item = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= item.line.size();
    }
    size_t written = 0;
    while (!broken && written < item.line.size()) {
      ssize_t n = write(fd_, item.line.data() + written,
                        item.line.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        broken = true;
        break;
      }
      written += static_cast<size_t>(n);
    }
  }
}

}  // namespace stopframe::gateway
