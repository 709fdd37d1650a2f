#include "common/thread_priority.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace stopframe {
namespace {

// PRIO_PROCESS with a thread id addresses that one thread on Linux.
id_t ThisThread() { return static_cast<id_t>(syscall(SYS_gettid)); }

// The kernel's struct sched_attr (include/uapi/linux/sched/types.h, first
// version); glibc 2.36 has no wrapper for sched_setattr.
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;  // for SCHED_OTHER: the requested slice, in ns
  uint64_t sched_deadline;
  uint64_t sched_period;
};

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

absl::Status SetCurrentThreadLatencySlice(absl::Duration slice) {
  SchedAttr attr{};
  attr.size = sizeof(attr);
  attr.sched_policy = SCHED_OTHER;
  attr.sched_nice = CurrentThreadNice();
  attr.sched_runtime = static_cast<uint64_t>(absl::ToInt64Nanoseconds(slice));
  if (syscall(SYS_sched_setattr, 0, &attr, 0) != 0) {
    return absl::ErrnoToStatus(
        errno, absl::StrCat("cannot set this thread's time slice to ",
                            absl::FormatDuration(slice)));
  }
  return absl::OkStatus();
}

absl::Duration CurrentThreadLatencySlice() {
  SchedAttr attr{};
  if (syscall(SYS_sched_getattr, 0, &attr, sizeof(attr), 0) != 0) {
    return absl::ZeroDuration();
  }
  return absl::Nanoseconds(static_cast<int64_t>(attr.sched_runtime));
}

}  // namespace stopframe
