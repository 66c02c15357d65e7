#include "live/OwnerTags.h"

#include <algorithm>

namespace rs::live {

namespace {

uint32_t newAppTag() {
  const uint32_t appTag = allocateOwnerTag();
  return appTag != 0 ? appTag : allocateOwnerTag();  // (the count wrapped: 0 means "no owner")
}

}  // namespace

uint32_t ProcessOwnerTags::appTagOfOther(uint32_t processTag) {
  if (const auto it = moved_.find(processTag); it != moved_.end()) return it->second;
  if (slotsUsed_ == 0) firstTag_ = processTag;
  if (processTag < firstTag_) {  // (older than the first seen: a forked worker's inherited listener)
    if (moved_.size() >= kSlots) moved_.clear();
    return moved_.emplace(processTag, newAppTag()).first->second;
  }
  const size_t slot = slotOf(processTag);
  if (slot >= slots_.size()) slots_.resize(std::min(kSlots, std::max<size_t>(slot + 1, slots_.size() * 2)));
  Slot& s = slots_[slot];
  if (s.processTag == 0) {
    ++slotsUsed_;
  } else {
    if (moved_.size() >= kSlots) moved_.clear();
    moved_.emplace(s.processTag, s.appTag);
  }
  s = {processTag, newAppTag()};
  return s.appTag;
}

}  // namespace rs::live
