#ifndef STOPFRAME_GATEWAY_INFLIGHT_H_
#define STOPFRAME_GATEWAY_INFLIGHT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "gateway/cancel_signal.h"
#include "gateway/json_rpc.h"

namespace stopframe::gateway {

// The requests that are in flight, keyed by JSON-RPC id, and the one lock
// that orders "cancel" against "send a message for this request". Because
// sends for a request happen under that lock only while it is active, nothing
// (progress or response) can be sent for it once it has been cancelled.
// Owned by McpServer. Thread-safe.
class InflightTable {
 public:
  // Registers `id` before its request is handed to a worker, so a cancel that
  // arrives at once is not lost. False if that id is already in flight.
  bool Register(const jsonrpc::RequestId& id);

  // Marks the request cancelled and runs its cancel hook. False (and no
  // effect) for ids that are unknown or already finished.
  bool Cancel(const jsonrpc::RequestId& id);
  // Cancels every request in flight (shutdown).
  void CancelAll();

  // Runs `send` under the lock iff the request is in flight and not cancelled.
  bool SendIfActive(const jsonrpc::RequestId& id,
                    absl::FunctionRef<void()> send);
  // Removes the request; runs `send` under the lock unless it was cancelled.
  // Returns whether `send` ran.
  bool Complete(const jsonrpc::RequestId& id, absl::FunctionRef<void()> send);

  bool IsCancelled(const jsonrpc::RequestId& id) const;
  size_t size() const;
  // Blocks until no request is in flight or `timeout` passes; true if empty.
  bool WaitUntilEmpty(absl::Duration timeout) const;

  // A CancelSignal view of one registered request. The table must outlive it.
  std::unique_ptr<CancelSignal> SignalFor(const jsonrpc::RequestId& id);

 private:
  class Signal;
  struct Entry {
    bool cancelled = false;
    std::function<void()> on_cancel;
  };

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_INFLIGHT_H_
