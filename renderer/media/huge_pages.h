#ifndef STOPFRAME_RENDERER_MEDIA_HUGE_PAGES_H_
#define STOPFRAME_RENDERER_MEDIA_HUGE_PAGES_H_

#include "absl/status/status.h"

namespace stopframe::media {

// Turns transparent huge pages off for the whole process, or back to the
// machine's policy: every thread, and children across fork and exec
// (prctl PR_SET_THP_DISABLE, Linux 3.15+).
//
// Why: x264 asks for huge pages (madvise MADV_HUGEPAGE) on each buffer of
// 1.75 MB or more, i.e. every 1080p frame it holds. A huge page is resident
// whole, so the padding and tails x264 never touches count as memory too:
// ~8 MB per 1080p job, against a budget of 150 MB. Render speed was the same
// within noise (docs/performance.md, section 4). The renderer calls it with
// false early in main.
absl::Status SetTransparentHugePages(bool enabled);

}  // namespace stopframe::media

#endif  // STOPFRAME_RENDERER_MEDIA_HUGE_PAGES_H_
