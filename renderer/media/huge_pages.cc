#include "renderer/media/huge_pages.h"

#include <sys/prctl.h>

#include <cerrno>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace stopframe::media {

absl::Status DisableTransparentHugePages() {
  if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0) {
    return absl::ErrnoToStatus(errno, "prctl(PR_SET_THP_DISABLE)");
  }
  return absl::OkStatus();
}

}  // namespace stopframe::media
