#include "renderer/media/huge_pages.h"

#include <sys/prctl.h>

#include <cerrno>

#include "absl/status/status.h"

namespace stopframe::media {

absl::Status SetTransparentHugePages(bool enabled) {
  if (prctl(PR_SET_THP_DISABLE, enabled ? 0 : 1, 0, 0, 0) != 0) {
    return absl::ErrnoToStatus(errno, "prctl(PR_SET_THP_DISABLE)");
  }
  return absl::OkStatus();
}

}  // namespace stopframe::media
