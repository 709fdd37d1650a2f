#ifndef STOPFRAME_GATEWAY_JOURNAL_STATUS_MACROS_H_
#define STOPFRAME_GATEWAY_JOURNAL_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Local status plumbing; Abseil 20220623 ships no RETURN_IF_ERROR.
#define JOURNAL_RETURN_IF_ERROR(expr)                \
  do {                                               \
    const absl::Status journal_status = (expr);      \
    if (!journal_status.ok()) return journal_status; \
  } while (0)

#define JOURNAL_CONCAT_INNER(a, b) a##b
#define JOURNAL_CONCAT(a, b) JOURNAL_CONCAT_INNER(a, b)
#define JOURNAL_ASSIGN_OR_RETURN(lhs, expr)                                  \
  JOURNAL_ASSIGN_OR_RETURN_IMPL(JOURNAL_CONCAT(journal_statusor_, __LINE__), \
                                lhs, expr)
#define JOURNAL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return std::move(tmp).status();      \
  lhs = std::move(tmp).value()

#endif  // STOPFRAME_GATEWAY_JOURNAL_STATUS_MACROS_H_
