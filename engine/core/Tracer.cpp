#include "core/Tracer.h"

namespace rs {

namespace {
// Enough for a consumer ticking at 30 Hz to look up labels of short-lived events.
constexpr size_t kMaxRetired = 65536;
}

void Tracer::publishInfo(const EventInfo& info) {
  std::lock_guard lock(mutex_);
  infos_[info.id] = info;
}

void Tracer::retireInfo(uint64_t id) {
  std::lock_guard lock(mutex_);
  retired_.push_back(id);
  while (retired_.size() > kMaxRetired) {
    infos_.erase(retired_.front());
    retired_.pop_front();
  }
}

std::optional<EventInfo> Tracer::info(uint64_t id) const {
  std::lock_guard lock(mutex_);
  auto it = infos_.find(id);
  if (it == infos_.end()) return std::nullopt;
  return it->second;
}

}  // namespace rs
