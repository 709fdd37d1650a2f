#include "gateway/elicitation.h"

namespace stopframe::gateway {

absl::StatusOr<bool> ConfirmWithUser(McpServer& server,
                                     const std::string& question,
                                     CancelSignal& cancel) {
  if (!server.ClientSupports("elicitation")) return true;
  nlohmann::json params{{"message", question},
                        {"requestedSchema",
                         {{"type", "object"},
                          {"properties",
                           {{"confirm",
                             {{"type", "boolean"},
                              {"title", "Confirm"},
                              {"description", "Yes, go ahead"}}}}},
                          {"required", {"confirm"}}}}};
  absl::StatusOr<nlohmann::json> answer = server.CallClient(
      "elicitation/create", std::move(params), cancel, absl::Minutes(5));
  if (!answer.ok()) return answer.status();
  // Anything malformed is a no. (value("action", "") would throw on a
  // result that is not an object, or on an action that is not a string.)
  if (!answer->is_object()) return false;
  auto action = answer->find("action");
  if (action == answer->end() || *action != "accept") return false;
  auto content = answer->find("content");
  if (content == answer->end() || !content->is_object()) return false;
  auto confirm = content->find("confirm");
  return confirm != content->end() && confirm->is_boolean() &&
         confirm->get<bool>();
}

}  // namespace stopframe::gateway
