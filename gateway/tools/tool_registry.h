#ifndef STOPFRAME_GATEWAY_TOOLS_TOOL_REGISTRY_H_
#define STOPFRAME_GATEWAY_TOOLS_TOOL_REGISTRY_H_

#include <memory>
#include <string_view>
#include <vector>

#include "gateway/tools/tool.h"

namespace stopframe::gateway {

// The server's tools, in the order tools/list shows them.
// Filled once at startup, then read-only: thread-safe for concurrent reads.
class ToolRegistry {
 public:
  void Add(std::unique_ptr<Tool> tool) { tools_.push_back(std::move(tool)); }
  Tool* Find(std::string_view name) const {
    for (const auto& t : tools_) {
      // get_ref: comparing the Json with `name` would build a Json per tool.
      if (t->definition().at("name").get_ref<const std::string&>() == name) {
        return t.get();
      }
    }
    return nullptr;
  }
  Json List() const {
    Json list = Json::array();
    for (const auto& t : tools_) list.push_back(t->definition());
    return list;
  }

 private:
  std::vector<std::unique_ptr<Tool>> tools_;
};

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_TOOLS_TOOL_REGISTRY_H_
