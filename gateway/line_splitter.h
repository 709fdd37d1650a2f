#ifndef STOPFRAME_GATEWAY_LINE_SPLITTER_H_
#define STOPFRAME_GATEWAY_LINE_SPLITTER_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace stopframe::gateway {

// Cuts a byte stream into newline-delimited messages: strips a trailing CR,
// skips empty lines, and refuses lines longer than a limit without ever
// buffering more than that limit.
// Owned by one reader; not thread-safe.
class LineSplitter {
 public:
  struct Callbacks {
    std::function<void(std::string_view line)> on_line;
    // A line passed max_line_bytes; its bytes up to the next newline are
    // dropped. Called once per such line.
    std::function<void(size_t max_line_bytes)> on_oversized;
  };

  LineSplitter(size_t max_line_bytes, Callbacks callbacks);

  void Feed(std::string_view bytes);
  // During on_line: whether the bytes fed so far hold another complete line
  // after this one (a burst of messages, read at once).
  bool more_lines_buffered() const { return more_lines_buffered_; }
  // End of input: a final line without a newline still counts.
  void Finish();

 private:
  void Emit();

  const size_t max_line_bytes_;
  Callbacks callbacks_;
  std::string buffer_;
  bool discarding_ = false;  // inside an oversized line
  bool more_lines_buffered_ = false;
};

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_LINE_SPLITTER_H_
