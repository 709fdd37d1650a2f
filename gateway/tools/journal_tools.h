#ifndef STOPFRAME_GATEWAY_TOOLS_JOURNAL_TOOLS_H_
#define STOPFRAME_GATEWAY_TOOLS_JOURNAL_TOOLS_H_

#include <memory>

#include "gateway/journal/journal_store.h"
#include "gateway/tools/tool.h"

namespace stopframe::gateway {

// The journal as JSON (shared by tools and, later, resources).
Json EntryToJson(const journal::Entry& entry);

// create_entry and list_entries. Each is owned by the ToolRegistry; the
// store must outlive them. Thread-safe (the store is).
std::unique_ptr<Tool> MakeCreateEntryTool(journal::JournalStore* journal);
std::unique_ptr<Tool> MakeListEntriesTool(journal::JournalStore* journal);

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_TOOLS_JOURNAL_TOOLS_H_
