#ifndef STOPFRAME_GATEWAY_PROMPTS_PROMPT_METHODS_H_
#define STOPFRAME_GATEWAY_PROMPTS_PROMPT_METHODS_H_

#include "gateway/journal/journal_store.h"
#include "gateway/mcp_server.h"

namespace stopframe::gateway {

// Registers prompts/list and prompts/get with the suggest_tags prompt, and
// declares the prompts capability. `journal` must outlive serving.
void AddPromptMethods(McpServer& server, journal::JournalStore* journal);

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_PROMPTS_PROMPT_METHODS_H_
