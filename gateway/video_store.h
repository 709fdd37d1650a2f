#ifndef STOPFRAME_GATEWAY_VIDEO_STORE_H_
#define STOPFRAME_GATEWAY_VIDEO_STORE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace stopframe::gateway {

// A video being written: a temp file in the videos directory that becomes
// visible only through an atomic rename in Commit. Destroying it uncommitted
// removes the temp file, so a cancel or failure leaves nothing behind.
// Owned by the one worker writing it; not thread-safe.
class PendingVideo {
 public:
  ~PendingVideo();
  PendingVideo(const PendingVideo&) = delete;
  PendingVideo& operator=(const PendingVideo&) = delete;

  absl::Status Append(absl::string_view bytes);
  int64_t size() const { return size_; }
  // fsyncs, renames to <id>.mp4, fsyncs the directory.
  absl::Status Commit();

  const std::string& id() const { return id_; }
  const std::string& final_path() const { return final_path_; }

 private:
  friend class VideoStore;
  PendingVideo(int fd, std::string id, std::string temp_path,
               std::string final_path, std::string dir);

  int fd_;
  const std::string id_;
  const std::string temp_path_;
  const std::string final_path_;
  const std::string dir_;
  int64_t size_ = 0;
  bool committed_ = false;
};

// The directory of finished videos. Names are random 128-bit ids, never
// built from user text. Creates the directory 0700 and clears temp files a
// crashed gateway left behind.
// Owned by the gateway app. Thread-safe: Begin may be called concurrently.
class VideoStore {
 public:
  static absl::StatusOr<std::unique_ptr<VideoStore>> Open(
      const std::string& dir);

  absl::StatusOr<std::unique_ptr<PendingVideo>> Begin();
  // The path of a finished video, or NOT_FOUND; `id` must look like one of
  // ours (32 hex digits), so no path is ever built from arbitrary text.
  absl::StatusOr<std::string> PathOf(absl::string_view id) const;
  const std::string& dir() const { return dir_; }

  static constexpr absl::string_view kTempSuffix = ".mp4.part";

 private:
  explicit VideoStore(std::string dir) : dir_(std::move(dir)) {}
  const std::string dir_;
};

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_VIDEO_STORE_H_
