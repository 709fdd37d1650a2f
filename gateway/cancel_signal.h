#ifndef STOPFRAME_GATEWAY_CANCEL_SIGNAL_H_
#define STOPFRAME_GATEWAY_CANCEL_SIGNAL_H_

#include <functional>

namespace stopframe::gateway {

// The cancellation state of one request, as seen by the code serving it.
// Thread-safe: cancellation arrives on the reader thread while the request is
// served on a worker.
class CancelSignal {
 public:
  virtual ~CancelSignal() = default;
  virtual bool cancelled() const = 0;
  // Arranges for `hook` to run once when the request is cancelled; if it
  // already is, runs it now. The hook runs under an internal lock, so it must
  // be quick and must not call back into the CancelSignal (TryCancel is fine).
  // Call ClearOnCancel before anything the hook touches is destroyed.
  virtual void OnCancel(std::function<void()> hook) = 0;
  virtual void ClearOnCancel() = 0;
};

}  // namespace stopframe::gateway

#endif  // STOPFRAME_GATEWAY_CANCEL_SIGNAL_H_
