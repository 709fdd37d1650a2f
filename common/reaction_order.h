#ifndef STOPFRAME_COMMON_REACTION_ORDER_H_
#define STOPFRAME_COMMON_REACTION_ORDER_H_

// gRPC promises that a reactor's OnDone runs after every other reaction
// (OnCancel, OnWriteDone, ...) has returned, but it keeps that promise with
// atomics inside Debian's uninstrumented libgrpc++, where ThreadSanitizer
// cannot see them. These two calls state the promise to TSan: end every
// reaction with ReactionFinished(this) and begin OnDone with
// AllReactionsFinished(this). They compile to nothing in other builds.

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace stopframe {

inline void ReactionFinished(const void* reactor) {
#if defined(__SANITIZE_THREAD__)
  __tsan_release(const_cast<void*>(reactor));
#else
  (void)reactor;
#endif
}

inline void AllReactionsFinished(const void* reactor) {
#if defined(__SANITIZE_THREAD__)
  __tsan_acquire(const_cast<void*>(reactor));
#else
  (void)reactor;
#endif
}

}  // namespace stopframe

#endif  // STOPFRAME_COMMON_REACTION_ORDER_H_
