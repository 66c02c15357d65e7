// The label each traced event carries, built from the stream's `callback`
// messages: the callback's function name (SymbolResolver), then `[role]` for a
// bufferevent's or listener's internal events and the bufferevent's event
// callback, e.g. "read_cb[bufferevent-read,event_cb]" ("-" when no callback
// was reported). The one place this rule lives: the text form and the app's
// program sessions both use it.
// Thread contract: one thread.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "live/SymbolResolver.h"
#include "live/TraceDecoder.h"

namespace rs::live {

class EventLabels {
 public:
  // Notes the callback on its event; returns the function's resolved name.
  std::string add(const CallbackInfo& info);
  // The label the event carries now ("-" when none was reported).
  std::string label(uint64_t base, uint64_t eventId) const;
  // Its callback's function name ("" when none was reported).
  std::string callback(uint64_t base, uint64_t eventId) const;
  // The event was freed: its id is not reused, its label goes.
  void forget(uint64_t base, uint64_t eventId) { labels_.erase({base, eventId}); }
  SymbolResolver& symbols() { return symbols_; }

 private:
  struct Label {
    std::string callback;  // function name
    std::string role;      // "", "bufferevent-read", ...
    std::string eventCb;   // a bufferevent's event callback, on its read event
  };
  SymbolResolver symbols_;
  std::map<std::pair<uint64_t, uint64_t>, Label> labels_;  // (base, event id)
};

// What a callback message's role is called in text ("bufferevent readcb", ...).
const char* roleName(CallbackRole role);

}  // namespace rs::live
