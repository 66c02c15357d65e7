#include "live/OwnerTags.h"

#include <algorithm>
#include <bit>

namespace rs::live {

namespace {

uint32_t newAppTag() {
  const uint32_t appTag = allocateOwnerTag();
  return appTag != 0 ? appTag : allocateOwnerTag();  // (the count wrapped: 0 means "no owner")
}

}  // namespace

uint32_t ProcessOwnerTags::appTagOfOther(uint32_t processTag) {
  if (const auto it = moved_.find(processTag); it != moved_.end()) {
    it->second.lookedUp = true;
    return it->second.appTag;
  }
  if (slotsUsed_ == 0) firstTag_ = processTag;
  if (processTag < firstTag_) {  // (older than the first seen: a forked worker's inherited listener)
    makeRoomInMoved();
    return moved_.emplace(processTag, Moved{newAppTag(), true}).first->second.appTag;
  }
  const size_t slot = slotOf(processTag);
  if (slot >= slots_.size()) slots_.resize(std::min(kSlots, std::max<size_t>(64, std::bit_ceil(slot + 1))));
  Slot& s = slots_[slot];
  if (s.processTag == 0) {
    ++slotsUsed_;
  } else {
    makeRoomInMoved();
    moved_.emplace(s.processTag, Moved{s.appTag, false});
  }
  s = {processTag, newAppTag()};
  return s.appTag;
}

// A full map keeps the tags looked up since it was last full and forgets the
// rest; if every one was, it starts afresh.
void ProcessOwnerTags::makeRoomInMoved() {
  if (moved_.size() < kMoved) return;
  std::erase_if(moved_, [](const auto& entry) { return !entry.second.lookedUp; });
  if (moved_.size() >= kMoved) moved_.clear();
  for (auto& [tag, moved] : moved_) moved.lookedUp = false;
}

}  // namespace rs::live
