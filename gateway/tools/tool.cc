#include "gateway/tools/tool.h"

#include <utility>

namespace stopframe::gateway {

ToolResult ToolResult::Error(std::string message) {
  ToolResult r;
  r.content.push_back({{"type", "text"}, {"text", std::move(message)}});
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
  r.content.push_back({{"type", "text"}, {"text", std::move(text)}});
  r.structured = std::move(structured);
  return r;
}

Json ToolResult::ToJson() const& {
  Json out{{"content", content}, {"isError", is_error}};
  if (structured) out["structuredContent"] = *structured;
  return out;
}

Json ToolResult::ToJson() && {
  Json out{{"content", std::move(content)}, {"isError", is_error}};
  if (structured) out["structuredContent"] = *std::move(structured);
  return out;
}

bool SupportsStructuredResults(const std::string& protocol_version) {
  // ISO dates compare correctly as strings.
  return protocol_version >= "2025-06-18";
}

}  // namespace stopframe::gateway
