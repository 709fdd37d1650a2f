#ifndef STOPFRAME_COMMON_THREAD_PRIORITY_H_
#define STOPFRAME_COMMON_THREAD_PRIORITY_H_

#include "absl/status/status.h"

namespace stopframe {

// Sets the calling thread's nice value (Linux keeps it per thread). Threads
// the caller creates afterwards inherit it, so a render worker that lowers
// itself before opening x264 lowers x264's threads too. Raising priority
// (a smaller value than now) needs privileges and fails for most users.
absl::Status SetCurrentThreadNice(int nice);

// The calling thread's nice value.
int CurrentThreadNice();

}  // namespace stopframe

#endif  // STOPFRAME_COMMON_THREAD_PRIORITY_H_
