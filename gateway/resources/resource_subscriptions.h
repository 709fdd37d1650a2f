#ifndef STOPFRAME_GATEWAY_RESOURCES_RESOURCE_SUBSCRIPTIONS_H_
#define STOPFRAME_GATEWAY_RESOURCES_RESOURCE_SUBSCRIPTIONS_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "gateway/mcp_server.h"
#include "gateway/tools/journal_tools.h"

namespace stopframe::gateway {

// The client's resource subscriptions, and the journal changes that turn
// into notifications/resources/updated (for subscribed URIs) and
// notifications/resources/list_changed (when the set of resources changes).
// Owned by the gateway app; `server` must outlive it.
// Thread-safe: tools report changes from worker threads.
class ResourceSubscriptions final : public JournalChangeListener {
 public:
  explicit ResourceSubscriptions(McpServer* server) : server_(server) {}

  void Subscribe(const std::string& uri);
  void Unsubscribe(const std::string& uri);

  void EntryChanged(int64_t id) override;
  void TagChanged(int64_t id) override;
  void TagSetChanged() override;
  void EntrySetChanged() override;
  void VideoAdded(const std::string& id);

 private:
  void Updated(const std::string& uri);
  void ListChanged();

  McpServer* const server_;
  absl::Mutex mu_;
  absl::flat_hash_set<std::string> uris_ ABSL_GUARDED_BY(mu_);
};

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_RESOURCES_RESOURCE_SUBSCRIPTIONS_H_
