#ifndef STOPFRAME_GATEWAY_PROGRESS_REPORTER_H_
#define STOPFRAME_GATEWAY_PROGRESS_REPORTER_H_

#include <functional>
#include <optional>
#include <string>

#include "nlohmann/json.hpp"

namespace stopframe::gateway {

// Turns a request's progress into notifications/progress, and only when the
// request carried _meta.progressToken. Enforces what clients rely on:
// `progress` strictly increases (stale or repeated values are dropped).
// Owned by the worker serving one request; not thread-safe.
class ProgressReporter {
 public:
  // `send` delivers one notification and returns false once the request is
  // no longer active (answered or cancelled); nothing is sent after that.
  ProgressReporter(std::optional<nlohmann::json> token,
                   std::function<bool(const nlohmann::json&)> send);

  bool enabled() const { return token_.has_value(); }
  // Returns whether a notification was sent.
  bool Report(double progress, std::optional<double> total,
              const std::string& message);

 private:
  std::optional<nlohmann::json> token_;
  std::function<bool(const nlohmann::json&)> send_;
  std::optional<double> last_;
  bool closed_ = false;
};

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_PROGRESS_REPORTER_H_
