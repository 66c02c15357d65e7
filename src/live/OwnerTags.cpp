#include "live/OwnerTags.h"

namespace rs::live {

uint32_t ProcessOwnerTags::appTagOf(uint32_t processTag) {
  if (const auto it = tags_.find(processTag); it != tags_.end()) return it->second;
  if (tags_.size() >= kMaxTags) tags_.clear();
  uint32_t appTag = allocateOwnerTag();
  if (appTag == 0) appTag = allocateOwnerTag();  // (the count wrapped: 0 means "no owner")
  tags_.emplace(processTag, appTag);
  return appTag;
}

}  // namespace rs::live
