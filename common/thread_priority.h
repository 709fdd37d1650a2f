#ifndef STOPFRAME_COMMON_THREAD_PRIORITY_H_
#define STOPFRAME_COMMON_THREAD_PRIORITY_H_

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace stopframe {

// Sets the calling thread's nice value (Linux keeps it per thread). Threads
// the caller creates afterwards inherit it, so a render worker that lowers
// itself before opening x264 lowers x264's threads too. Raising priority
// (a smaller value than now) needs privileges and fails for most users.
absl::Status SetCurrentThreadNice(int nice);

// The calling thread's nice value.
int CurrentThreadNice();

// Asks the kernel for time slices of this length for the calling thread
// (EEVDF's latency hint, Linux 6.12 and later; between 0.1 and 100 ms).
// A waking thread may preempt a running thread with a longer slice at once,
// instead of waiting for that thread's slice or the next tick to end: a
// short slice is for a thread that must answer fast, a long one for batch
// work that others should cut into. Threads it creates afterwards inherit
// it. Keeps the thread's nice value. Older kernels accept and ignore it.
// Zero restores the kernel's default.
absl::Status SetCurrentThreadLatencySlice(absl::Duration slice);

// The calling thread's slice as the kernel reports it: its default (about
// a millisecond or two) unless set; zero on kernels without the hint.
absl::Duration CurrentThreadLatencySlice();

}  // namespace stopframe

#endif  // STOPFRAME_COMMON_THREAD_PRIORITY_H_
