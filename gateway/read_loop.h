#ifndef STOPFRAME_GATEWAY_READ_LOOP_H_
#define STOPFRAME_GATEWAY_READ_LOOP_H_

#include "gateway/line_splitter.h"
#include "gateway/output_sink.h"

namespace stopframe::gateway {

enum class ReadLoopEnd { kEndOfInput, kStopRequested, kReadError };

// Reads `input_fd` into `splitter` until end of input, a read error, or
// `stop_fd` becoming readable (a signalfd or an eventfd). `out` is corked
// while each chunk read is handled (see OutputSink::Cork), so the answers
// given on this thread to a burst of requests leave in one write. Runs on
// the caller's thread: the gateway's dedicated reader thread.
ReadLoopEnd RunReadLoop(int input_fd, int stop_fd, LineSplitter& splitter,
                        OutputSink& out);

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_READ_LOOP_H_
