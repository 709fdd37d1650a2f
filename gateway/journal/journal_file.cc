#include "gateway/journal/journal_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace stopframe::journal {

absl::Status CreateParentDirectories(const std::string& path) {
  const std::filesystem::path parent =
      std::filesystem::path(path).parent_path();
  std::filesystem::path prefix;
  for (const std::filesystem::path& part : parent) {
    prefix /= part;
    struct stat st;
    if (stat(prefix.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return absl::FailedPreconditionError(
            absl::StrCat("cannot create journal directory: ", prefix.string(),
                         " exists and is not a directory"));
      }
      continue;
    }
    if (mkdir(prefix.c_str(), 0700) != 0) {
      if (errno == EEXIST) continue;  // Lost a race with another creator.
      return absl::ErrnoToStatus(
          errno,
          absl::StrCat("cannot create journal directory ", prefix.string()));
    }
    if (chmod(prefix.c_str(), 0700) != 0) {
      return absl::ErrnoToStatus(
          errno,
          absl::StrCat("cannot chmod journal directory ", prefix.string()));
    }
  }
  return absl::OkStatus();
}

absl::Status CreatePrivateFile(const std::string& path) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return absl::OkStatus();
    return absl::ErrnoToStatus(
        errno, absl::StrCat("cannot create journal file ", path));
  }
  const int rc = fchmod(fd, 0600);  // Undo a restrictive-in-odd-ways umask.
  const int saved_errno = errno;
  close(fd);
  if (rc != 0) {
    return absl::ErrnoToStatus(
        saved_errno, absl::StrCat("cannot chmod journal file ", path));
  }
  return absl::OkStatus();
}

}  // namespace stopframe::journal
