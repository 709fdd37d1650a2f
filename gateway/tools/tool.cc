#include "gateway/tools/tool.h"

#include <utility>

namespace stopframe::gateway {

namespace {

// {"type": "text", "text": text}, field by field (see ToJson).
Json TextContent(std::string text) {
  Json item = Json::object();
  item["type"] = "text";
  item["text"] = std::move(text);
  return item;
}

}  // namespace

ToolResult ToolResult::Error(std::string message) {
  ToolResult r;
  r.content.push_back(TextContent(std::move(message)));
  r.is_error = true;
  return r;
}

ToolResult ToolResult::WouldWait() {
  ToolResult r;
  r.would_wait = true;
  return r;
}

ToolResult ToolResult::Text(std::string text, std::optional<Json> structured) {
  ToolResult r;
  r.content.push_back(TextContent(std::move(text)));
  r.structured = std::move(structured);
  return r;
}

// Objects are built field by field: a braced list first builds a
// two-element array per field, on every reply.
Json ToolResult::ToJson() const& {
  Json out = Json::object();
  out["content"] = content;
  out["isError"] = is_error;
  if (structured) out["structuredContent"] = *structured;
  return out;
}

Json ToolResult::ToJson() && {
  Json out = Json::object();
  out["content"] = std::move(content);
  out["isError"] = is_error;
  if (structured) out["structuredContent"] = *std::move(structured);
  return out;
}

bool SupportsStructuredResults(const std::string& protocol_version) {
  // ISO dates compare correctly as strings.
  return protocol_version >= "2025-06-18";
}

}  // namespace stopframe::gateway
