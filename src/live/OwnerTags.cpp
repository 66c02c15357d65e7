#include "live/OwnerTags.h"

#include <algorithm>

namespace rs::live {

uint32_t ProcessOwnerTags::assign(uint32_t processTag) {
  const size_t slot = processTag & (kSlots - 1);
  if (slot >= slots_.size()) slots_.resize(std::min(kSlots, std::max<size_t>(slot + 1, slots_.size() * 2)));
  Slot& s = slots_[slot];
  if (s.processTag == 0) ++assigned_;
  uint32_t appTag = allocateOwnerTag();
  if (appTag == 0) appTag = allocateOwnerTag();  // (the count wrapped: 0 means "no owner")
  s = {processTag, appTag};
  return appTag;
}

}  // namespace rs::live
