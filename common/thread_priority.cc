#include "common/thread_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace stopframe {
namespace {

// PRIO_PROCESS with a thread id addresses that one thread on Linux.
id_t ThisThread() { return static_cast<id_t>(syscall(SYS_gettid)); }

}  // namespace

absl::Status SetCurrentThreadNice(int nice) {
  if (setpriority(PRIO_PROCESS, ThisThread(), nice) != 0) {
    return absl::ErrnoToStatus(
        errno, absl::StrCat("cannot set this thread's nice value to ", nice));
  }
  return absl::OkStatus();
}

int CurrentThreadNice() {
  errno = 0;
  return getpriority(PRIO_PROCESS, ThisThread());
}

}  // namespace stopframe
