#include "gateway/read_loop.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <string_view>

namespace stopframe::gateway {
namespace {

// Holds `out` corked while one chunk of input is handled, however that ends.
class CorkedOutput {
 public:
  explicit CorkedOutput(OutputSink& out) : out_(out) { out_.Cork(); }
  ~CorkedOutput() { out_.Uncork(); }
  CorkedOutput(const CorkedOutput&) = delete;
  CorkedOutput& operator=(const CorkedOutput&) = delete;

 private:
  OutputSink& out_;
};

}  // namespace

ReadLoopEnd RunReadLoop(int input_fd, int stop_fd, LineSplitter& splitter,
                        OutputSink& out) {
  char buffer[64 * 1024];
  pollfd fds[2] = {{input_fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
  const nfds_t nfds = stop_fd >= 0 ? 2 : 1;
  while (true) {
    int ready = poll(fds, nfds, /*timeout=*/-1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return ReadLoopEnd::kReadError;
    }
    if (nfds == 2 && (fds[1].revents & POLLIN)) {
      return ReadLoopEnd::kStopRequested;
    }
    if (fds[0].revents == 0) continue;
    ssize_t n = read(input_fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return ReadLoopEnd::kReadError;
    }
    if (n == 0) {
      splitter.Finish();
      return ReadLoopEnd::kEndOfInput;
    }
    CorkedOutput corked(out);
    splitter.Feed(std::string_view(buffer, static_cast<size_t>(n)));
  }
}

}  // namespace stopframe::gateway
