#ifndef STOPFRAME_GATEWAY_RESOURCES_RESOURCE_METHODS_H_
#define STOPFRAME_GATEWAY_RESOURCES_RESOURCE_METHODS_H_

#include "gateway/journal/journal_store.h"
#include "gateway/mcp_server.h"
#include "gateway/resources/resource_subscriptions.h"
#include "gateway/video_store.h"

namespace stopframe::gateway {

// Registers resources/list, resources/templates/list, resources/read,
// resources/subscribe, resources/unsubscribe and completion/complete, and
// declares the resources and completions capabilities. Everything passed in
// must outlive `server`'s serving.
void AddResourceMethods(McpServer& server, journal::JournalStore* journal,
                        VideoStore* videos,
                        ResourceSubscriptions* subscriptions);

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_RESOURCES_RESOURCE_METHODS_H_
