#include "gateway/resources/resource_subscriptions.h"

#include "gateway/resources/resource_uris.h"

namespace stopframe::gateway {

void ResourceSubscriptions::Subscribe(const std::string& uri) {
  absl::MutexLock lock(&mu_);
  uris_.insert(uri);
}

void ResourceSubscriptions::Unsubscribe(const std::string& uri) {
  absl::MutexLock lock(&mu_);
  uris_.erase(uri);
}

void ResourceSubscriptions::Updated(const std::string& uri) {
  {
    absl::MutexLock lock(&mu_);
    if (!uris_.contains(uri)) return;
  }
  server_->Notify("notifications/resources/updated", {{"uri", uri}});
}

void ResourceSubscriptions::ListChanged() {
  server_->Notify("notifications/resources/list_changed", Json::object());
}

void ResourceSubscriptions::EntryChanged(int64_t id) { Updated(EntryUri(id)); }

void ResourceSubscriptions::TagChanged(int64_t id) {
  Updated(TagUri(id));
  Updated(kTagListUri);  // the list shows names and counts
}

void ResourceSubscriptions::TagSetChanged() {
  Updated(kTagListUri);
  ListChanged();
}

void ResourceSubscriptions::EntrySetChanged() { ListChanged(); }

void ResourceSubscriptions::VideoAdded(const std::string& id) {
  Updated(VideoUri(id));
  ListChanged();
}

}  // namespace stopframe::gateway
