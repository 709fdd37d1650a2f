#include "gateway/progress_reporter.h"

#include <utility>

#include "gateway/json_rpc.h"

namespace stopframe::gateway {

ProgressReporter::ProgressReporter(
    std::optional<nlohmann::json> token,
    std::function<bool(const nlohmann::json&)> send)
    : token_(std::move(token)), send_(std::move(send)) {}

bool ProgressReporter::Report(double progress, std::optional<double> total,
                              const std::string& message) {
  if (!token_ || closed_) return false;
  if (last_ && progress <= *last_) return false;
  nlohmann::json params{{"progressToken", *token_}, {"progress", progress}};
  if (total) params["total"] = *total;
  if (!message.empty()) params["message"] = message;
  if (!send_(jsonrpc::MakeNotification("notifications/progress",
                                       std::move(params)))) {
    closed_ = true;  // answered or cancelled: stay quiet from now on
    return false;
  }
  last_ = progress;
  return true;
}

}  // namespace stopframe::gateway
