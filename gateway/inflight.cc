#include "gateway/inflight.h"

#include <utility>

namespace stopframe::gateway {

class InflightTable::Signal final : public CancelSignal {
 public:
  Signal(InflightTable* table, std::string key)
      : table_(table), key_(std::move(key)) {}

  bool cancelled() const override {
    absl::MutexLock lock(&table_->mu_);
    auto it = table_->entries_.find(key_);
    return it == table_->entries_.end() || it->second.cancelled;
  }

  void OnCancel(std::function<void()> hook) override {
    absl::MutexLock lock(&table_->mu_);
    auto it = table_->entries_.find(key_);
    if (it == table_->entries_.end() || it->second.cancelled) {
      hook();
      return;
    }
    it->second.on_cancel = std::move(hook);
  }

  void ClearOnCancel() override {
    absl::MutexLock lock(&table_->mu_);
    auto it = table_->entries_.find(key_);
    if (it != table_->entries_.end()) it->second.on_cancel = nullptr;
  }

 private:
  InflightTable* const table_;
  const std::string key_;
};

bool InflightTable::Register(const jsonrpc::RequestId& id) {
  absl::MutexLock lock(&mu_);
  return entries_.try_emplace(id.key()).second;
}

bool InflightTable::Cancel(const jsonrpc::RequestId& id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id.key());
  if (it == entries_.end() || it->second.cancelled) return false;
  it->second.cancelled = true;
  if (it->second.on_cancel) std::exchange(it->second.on_cancel, nullptr)();
  return true;
}

void InflightTable::CancelAll() {
  absl::MutexLock lock(&mu_);
  for (auto& [key, entry] : entries_) {
    if (entry.cancelled) continue;
    entry.cancelled = true;
    if (entry.on_cancel) std::exchange(entry.on_cancel, nullptr)();
  }
}

bool InflightTable::SendIfActive(const jsonrpc::RequestId& id,
                                 absl::FunctionRef<void()> send) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id.key());
  if (it == entries_.end() || it->second.cancelled) return false;
  send();
  return true;
}

bool InflightTable::Complete(const jsonrpc::RequestId& id,
                             absl::FunctionRef<void()> send) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id.key());
  if (it == entries_.end()) return false;
  const bool cancelled = it->second.cancelled;
  entries_.erase(it);
  if (cancelled) return false;
  send();
  return true;
}

bool InflightTable::IsCancelled(const jsonrpc::RequestId& id) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id.key());
  return it != entries_.end() && it->second.cancelled;
}

size_t InflightTable::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

bool InflightTable::WaitUntilEmpty(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto empty = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return entries_.empty();
  };
  return mu_.AwaitWithTimeout(absl::Condition(&empty), timeout);
}

std::unique_ptr<CancelSignal> InflightTable::SignalFor(
    const jsonrpc::RequestId& id) {
  return std::make_unique<Signal>(this, id.key());
}

}  // namespace stopframe::gateway
