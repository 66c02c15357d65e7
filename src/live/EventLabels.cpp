#include "live/EventLabels.h"

#include <iterator>

namespace rs::live {

namespace {

// By CallbackRole: the label's tag, and what a callback message says.
constexpr const char* kRoleTags[] = {"", "bufferevent-read", "bufferevent-write", "bufferevent-read", "listener"};
constexpr const char* kRoleNames[] = {"event", "bufferevent readcb", "bufferevent writecb", "bufferevent eventcb",
                                      "listener"};
static_assert(std::size(kRoleTags) == kLastRole + 1 && std::size(kRoleNames) == kLastRole + 1);

}  // namespace

const char* roleName(CallbackRole role) {
  const auto i = static_cast<size_t>(role);
  return i < std::size(kRoleNames) ? kRoleNames[i] : "?";
}

std::string EventLabels::add(const CallbackInfo& info) {
  Label& label = labels_[{info.base, info.eventId}];
  // (Address 0: the callback was cleared, or never set, as a bufferevent's
  // writecb often is: the label keeps its role, with no name.)
  std::string name = info.address == 0 ? std::string() : symbols_.resolve(info.module, info.fileAddress);
  if (info.role == CallbackRole::BufferEventCb) {
    label.eventCb = name;
  } else {
    label.callback = name;
  }
  const auto role = static_cast<size_t>(info.role);
  label.role = role < std::size(kRoleTags) ? kRoleTags[role] : "?";
  return name;
}

std::string EventLabels::callback(uint64_t base, uint64_t eventId) const {
  const auto it = labels_.find({base, eventId});
  return it == labels_.end() ? std::string() : it->second.callback;
}

std::string EventLabels::label(uint64_t base, uint64_t eventId) const {
  const auto it = labels_.find({base, eventId});
  if (it == labels_.end()) return "-";
  const Label& l = it->second;
  std::string text = l.callback.empty() ? "-" : l.callback;
  std::string extra = l.role;
  if (!l.eventCb.empty()) extra += (extra.empty() ? "" : ",") + l.eventCb;
  if (!extra.empty()) text += "[" + extra + "]";
  return text;
}

}  // namespace rs::live
