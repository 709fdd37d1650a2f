#include "gateway/stdout_writer.h"

#include <errno.h>
#include <unistd.h>

#include <utility>

namespace stopframe::gateway {

StdoutWriter::StdoutWriter(int fd) : fd_(fd), thread_([this] { Loop(); }) {}

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
  queue_.push_back(std::move(line));
}

void StdoutWriter::Loop() {
  bool broken = false;  // the reader went away: drop output, keep serving
  while (true) {
    std::deque<std::string> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](StdoutWriter* w) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return w->stopping_ || !w->queue_.empty();
          },
          this));
      if (queue_.empty()) return;
      batch.swap(queue_);
    }
    for (const std::string& line : batch) {
      size_t written = 0;
      while (!broken && written < line.size()) {
        ssize_t n = write(fd_, line.data() + written, line.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          broken = true;
          break;
        }
        written += static_cast<size_t>(n);
      }
    }
  }
}

}  // namespace stopframe::gateway
