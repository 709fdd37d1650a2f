#include "gateway/video_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace stopframe::gateway {
namespace {

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  const int err = errno;
  std::string message = absl::StrCat(what, " ", path, ": ", strerror(err));
  if (err == ENOSPC || err == EDQUOT || err == EFBIG) {
    return absl::ResourceExhaustedError(message);
  }
  return absl::InternalError(message);
}

std::string RandomId() {
  std::random_device rd;  // /dev/urandom: ids must be unguessable
  return absl::StrFormat("%08x%08x%08x%08x", rd(), rd(), rd(), rd());
}

absl::Status MakeDirs(const std::string& dir) {
  std::string partial;
  for (size_t pos = 0; pos != std::string::npos;) {
    pos = dir.find('/', pos + 1);
    partial = dir.substr(0, pos);
    if (mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      return ErrnoError("cannot create directory", partial);
    }
  }
  return absl::OkStatus();
}

}  // namespace

PendingVideo::PendingVideo(int fd, std::string id, std::string temp_path,
                           std::string final_path, std::string dir)
    : fd_(fd),
      id_(std::move(id)),
      temp_path_(std::move(temp_path)),
      final_path_(std::move(final_path)),
      dir_(std::move(dir)) {}

PendingVideo::~PendingVideo() {
  if (fd_ >= 0) close(fd_);
  if (!committed_) unlink(temp_path_.c_str());
}

absl::Status PendingVideo::Append(absl::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("cannot write video", temp_path_);
    bytes.remove_prefix(static_cast<size_t>(n));
    size_ += n;
  }
  return absl::OkStatus();
}

absl::Status PendingVideo::Commit() {
  if (fsync(fd_) != 0) return ErrnoError("cannot flush video", temp_path_);
  if (close(fd_) != 0) {
    fd_ = -1;
    return ErrnoError("cannot close video", temp_path_);
  }
  fd_ = -1;
  if (rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    return ErrnoError("cannot publish video", final_path_);
  }
  committed_ = true;
  // Make the rename itself durable.
  int dir_fd = open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync(dir_fd);
    close(dir_fd);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<VideoStore>> VideoStore::Open(
    const std::string& dir) {
  if (dir.empty() || dir[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("videos directory must be an absolute path: ", dir));
  }
  if (absl::Status s = MakeDirs(dir); !s.ok()) return s;
  // Leftovers from a gateway that was killed mid-render.
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (absl::EndsWith(e->d_name, kTempSuffix)) {
        unlinkat(dirfd(d), e->d_name, 0);
      }
    }
    closedir(d);
  }
  return std::unique_ptr<VideoStore>(new VideoStore(dir));
}

absl::StatusOr<std::unique_ptr<PendingVideo>> VideoStore::Begin() {
  std::string id = RandomId();
  std::string temp = absl::StrCat(dir_, "/.", id, kTempSuffix);
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("cannot create video file", temp);
  std::string final_path = absl::StrCat(dir_, "/", id, ".mp4");
  return std::unique_ptr<PendingVideo>(
      new PendingVideo(fd, id, std::move(temp), std::move(final_path), dir_));
}

absl::StatusOr<std::string> VideoStore::PathOf(absl::string_view id) const {
  bool ok = id.size() == 32;
  for (char c : id)
    ok = ok && absl::ascii_isxdigit(c) && !absl::ascii_isupper(c);
  if (!ok) {
    return absl::NotFoundError(
        "not a video id: ids are 32 lowercase hex digits");
  }
  std::string path = absl::StrCat(dir_, "/", id, ".mp4");
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return absl::NotFoundError(absl::StrCat("no video with id ", id));
  }
  return path;
}

}  // namespace stopframe::gateway
