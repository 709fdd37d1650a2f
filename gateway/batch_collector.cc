#include "gateway/batch_collector.h"

#include <utility>

namespace stopframe::gateway {

BatchCollector::BatchCollector(OutputSink* out) : out_(out) {}

size_t BatchCollector::Add() {
  absl::MutexLock lock(&mu_);
  states_.push_back(State::kPending);
  lines_.emplace_back();
  ++pending_;
  return states_.size() - 1;
}

void BatchCollector::Respond(size_t index, std::string line) {
  absl::MutexLock lock(&mu_);
  if (index >= states_.size() || states_[index] != State::kPending) return;
  states_[index] = State::kAnswered;
  lines_[index] = std::move(line);
  --pending_;
  SendIfCompleteLocked();
}

void BatchCollector::Drop(size_t index) {
  absl::MutexLock lock(&mu_);
  if (index >= states_.size() || states_[index] != State::kPending) return;
  states_[index] = State::kDropped;
  --pending_;
  SendIfCompleteLocked();
}

void BatchCollector::Seal() {
  absl::MutexLock lock(&mu_);
  sealed_ = true;
  SendIfCompleteLocked();
}

bool BatchCollector::done() const {
  absl::MutexLock lock(&mu_);
  return done_;
}

void BatchCollector::SendIfCompleteLocked() {
  if (!sealed_ || pending_ > 0 || done_) return;
  done_ = true;
  // Each entry is already a serialized JSON value: joining them is cheap,
  // and this may run under the in-flight table's lock.
  std::string array = "[";
  bool first = true;
  for (size_t i = 0; i < states_.size(); ++i) {
    if (states_[i] != State::kAnswered) continue;
    if (!first) array += ',';
    first = false;
    array += lines_[i];
  }
  lines_.clear();
  if (first) return;  // only cancelled requests: nothing to send
  array += ']';
  out_->Send(std::move(array));
}

void ResponseRoute::Deliver(std::string line) const {
  if (batch_ != nullptr) {
    batch_->Respond(index_, std::move(line));
  } else {
    out_->Send(std::move(line));
  }
}

void ResponseRoute::DeliverHeld(std::string line) const {
  if (batch_ != nullptr) {
    batch_->Respond(index_, std::move(line));
  } else {
    out_->SendHeld(std::move(line));
  }
}

void ResponseRoute::WriteHeld() const {
  if (batch_ == nullptr) out_->WriteHeld();
}

void ResponseRoute::Drop() const {
  if (batch_ != nullptr) batch_->Drop(index_);
}

}  // namespace stopframe::gateway
