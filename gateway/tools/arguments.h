#ifndef STOPFRAME_GATEWAY_TOOLS_ARGUMENTS_H_
#define STOPFRAME_GATEWAY_TOOLS_ARGUMENTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

// Typed reads of tools/call arguments. Every error message names the
// argument, says what was expected and what arrived, so a model can fix it.
namespace stopframe::gateway::args {

using Json = nlohmann::json;

// Rejects arguments not in `known` (a typo should not be silently ignored).
absl::Status CheckKnown(const Json& arguments,
                        const std::vector<absl::string_view>& known);

absl::StatusOr<std::string> RequiredString(const Json& arguments,
                                           absl::string_view name,
                                           size_t max_bytes);
absl::StatusOr<std::optional<std::string>> OptionalString(
    const Json& arguments, absl::string_view name, size_t max_bytes);
// Absent: nullopt. JSON null: a set outer optional holding nullopt (clear
// the field). A string: that string.
absl::StatusOr<std::optional<std::optional<std::string>>> NullableString(
    const Json& arguments, absl::string_view name, size_t max_bytes);
// Rejects an explicit JSON null for an argument that cannot be cleared;
// absent is fine.
absl::Status NotNull(const Json& arguments, absl::string_view name);
absl::StatusOr<int64_t> RequiredInt(const Json& arguments,
                                    absl::string_view name, int64_t min,
                                    int64_t max);
absl::StatusOr<std::optional<int64_t>> OptionalInt(const Json& arguments,
                                                   absl::string_view name,
                                                   int64_t min, int64_t max);
absl::StatusOr<std::optional<double>> OptionalNumber(const Json& arguments,
                                                     absl::string_view name,
                                                     double min, double max);
absl::StatusOr<std::optional<bool>> OptionalBool(const Json& arguments,
                                                 absl::string_view name);
absl::StatusOr<std::vector<std::string>> OptionalStringList(
    const Json& arguments, absl::string_view name, size_t max_items,
    size_t max_bytes_each);
// Empty when absent; each item an integer from min to max.
absl::StatusOr<std::vector<int64_t>> OptionalIntList(const Json& arguments,
                                                     absl::string_view name,
                                                     size_t max_items,
                                                     int64_t min, int64_t max);
// One of `allowed`; nullopt when absent.
absl::StatusOr<std::optional<std::string>> OptionalEnum(
    const Json& arguments, absl::string_view name,
    const std::vector<absl::string_view>& allowed);

}  // namespace stopframe::gateway::args

#endif  // STOPFRAME_GATEWAY_TOOLS_ARGUMENTS_H_
