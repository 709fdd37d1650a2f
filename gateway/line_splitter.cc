#include "gateway/line_splitter.h"

#include <utility>

namespace stopframe::gateway {

LineSplitter::LineSplitter(size_t max_line_bytes, Callbacks callbacks)
    : max_line_bytes_(max_line_bytes), callbacks_(std::move(callbacks)) {}

void LineSplitter::Feed(std::string_view bytes) {
  while (!bytes.empty()) {
    const size_t newline = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, newline);
    if (!discarding_) {
      if (buffer_.size() + piece.size() > max_line_bytes_ + 1) {
        // +1 leaves room for a CR that is not part of the message.
        discarding_ = true;
        buffer_.clear();
        buffer_.shrink_to_fit();
        callbacks_.on_oversized(max_line_bytes_);
      } else {
        buffer_.append(piece);
      }
    }
    if (newline == std::string_view::npos) return;
    if (discarding_) {
      discarding_ = false;
    } else {
      more_lines_buffered_ =
          bytes.find('\n', newline + 1) != std::string_view::npos;
      Emit();
      more_lines_buffered_ = false;
    }
    bytes.remove_prefix(newline + 1);
  }
}

void LineSplitter::Finish() {
  if (!discarding_) Emit();
  discarding_ = false;
}

void LineSplitter::Emit() {
  std::string_view line = buffer_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > max_line_bytes_) {
    callbacks_.on_oversized(max_line_bytes_);
  } else if (line.find_first_not_of(" \t") != std::string_view::npos) {
    callbacks_.on_line(line);
  }
  buffer_.clear();
}

}  // namespace stopframe::gateway
