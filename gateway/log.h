#ifndef STOPFRAME_GATEWAY_LOG_H_
#define STOPFRAME_GATEWAY_LOG_H_

#include <cstdio>
#include <string>

#include "absl/strings/str_format.h"

namespace stopframe::gateway {

// One line to stderr. stdout belongs to the protocol alone.
template <typename... Args>
void Log(const absl::FormatSpec<Args...>& format, const Args&... args) {
  std::string line = absl::StrFormat(format, args...);
  std::fprintf(stderr, "stopframe-gateway: %s\n", line.c_str());
}

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_LOG_H_
