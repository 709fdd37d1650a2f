#ifndef STOPFRAME_GATEWAY_TOOLS_JOURNAL_TOOLS_H_
#define STOPFRAME_GATEWAY_TOOLS_JOURNAL_TOOLS_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/journal/journal_store.h"
#include "gateway/tools/tool.h"
#include "gateway/tools/tool_registry.h"

namespace stopframe::gateway {

// Told about every change a journal tool makes, after it commits; the MCP
// server turns these into resource update notifications. May be null.
class JournalChangeListener {
 public:
  virtual ~JournalChangeListener() = default;
  virtual void EntryChanged(int64_t id) = 0;  // created, updated or deleted
  virtual void TagChanged(int64_t id) = 0;
  virtual void TagSetChanged() = 0;    // a tag created or deleted
  virtual void EntrySetChanged() = 0;  // an entry created or deleted
};

// Asks the user whether to go ahead with the deletion `message` describes;
// true means go ahead. Runs on the worker serving `call` and may block until
// the user answers or `call.cancel` fires.
using ConfirmDeleteFn = std::function<absl::StatusOr<bool>(
    const std::string& message, ToolCall& call)>;

// The journal as JSON (shared by tools, resources and prompts).
Json EntryToJson(const journal::Entry& entry);
Json TagToJson(const journal::Tag& tag);

// Adds the journal tools to `registry`: create_entry, get_entry,
// list_entries, update_entry, delete_entry, create_tag, get_tag, list_tags,
// update_tag, delete_tag, add_tag_to_entry and remove_tag_from_entry.
// The tools are owned by the registry; `journal` and `listener` (may be
// null) must outlive it. delete_entry and delete_tag call `confirm_delete`
// (may be empty: delete without asking) before deleting anything.
// The tools are thread-safe if the listener and confirm_delete are.
void AddJournalTools(ToolRegistry& registry, journal::JournalStore* journal,
                     JournalChangeListener* listener,
                     ConfirmDeleteFn confirm_delete = nullptr);

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_TOOLS_JOURNAL_TOOLS_H_
