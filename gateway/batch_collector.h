#ifndef STOPFRAME_GATEWAY_BATCH_COLLECTOR_H_
#define STOPFRAME_GATEWAY_BATCH_COLLECTOR_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "gateway/output_sink.h"

namespace stopframe::gateway {

// Gathers the responses to the requests of one JSON-RPC batch and sends them
// as one array (JSON-RPC 2.0 section 6) once every request in it has been
// answered or dropped. Dropped requests (cancelled ones: MCP sends nothing
// for those) get no entry; when no entry is left, nothing is sent at all.
// Entries keep the order of the batch's elements.
//
// Usage: the reader calls Add for each request of the batch as it hands the
// request on, then Seal once the whole batch has been read; each request's
// final response reaches Respond or Drop exactly once, from any thread.
// Nothing is sent before Seal, so a fast answer cannot close the batch early.
// Shared (std::shared_ptr) by the reader and the workers serving the batch;
// `out` must outlive it. Thread-safe; Respond and Drop may run under the
// in-flight table's lock (sends under it are allowed), so mu_ is a leaf.
class BatchCollector {
 public:
  explicit BatchCollector(OutputSink* out);
  BatchCollector(const BatchCollector&) = delete;
  BatchCollector& operator=(const BatchCollector&) = delete;

  // Reserves the next entry; returns its index. Before Seal only.
  size_t Add();
  // `line` is one serialized response (no newline). Later calls for the
  // same index are ignored.
  void Respond(size_t index, std::string line);
  // The request was cancelled: it gets no entry.
  void Drop(size_t index);
  // No more Add calls; sends the array now if nothing is pending.
  void Seal();

  // Whether the array has been sent (or there was nothing to send).
  bool done() const;

 private:
  enum class State { kPending, kAnswered, kDropped };
  void SendIfCompleteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  OutputSink* const out_;
  mutable absl::Mutex mu_;
  std::vector<State> states_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
  size_t pending_ ABSL_GUARDED_BY(mu_) = 0;
  bool sealed_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

// Where the final response to one request goes: straight to the sink, or
// into the request's entry in a batch. Copyable; cheap.
class ResponseRoute {
 public:
  static ResponseRoute Direct(OutputSink* out) { return ResponseRoute(out); }
  static ResponseRoute InBatch(std::shared_ptr<BatchCollector> batch,
                               size_t index) {
    return ResponseRoute(std::move(batch), index);
  }

  // Delivers the serialized response.
  void Deliver(std::string line) const;
  // The same, for a worker, which then calls WriteHeld once it holds no
  // lock (see OutputSink::SendHeld).
  void DeliverHeld(std::string line) const;
  void WriteHeld() const;
  // The request was cancelled: no response (in a batch, no entry).
  void Drop() const;

 private:
  explicit ResponseRoute(OutputSink* out) : out_(out) {}
  ResponseRoute(std::shared_ptr<BatchCollector> batch, size_t index)
      : batch_(std::move(batch)), index_(index) {}

  OutputSink* out_ = nullptr;
  std::shared_ptr<BatchCollector> batch_;
  size_t index_ = 0;
};

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_BATCH_COLLECTOR_H_
