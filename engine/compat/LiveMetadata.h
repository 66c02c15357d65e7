// What a reader joining a live trace stream late must be told first
// (docs/trace-protocol.md, "Lifecycles"): the stream's hello, a base-created
// for each base still alive, and the callback messages of its events not yet
// freed. Kept as the stream's own whole frames (header included) and replayed
// unchanged, so the one encoder (LiveProtocol.h) stays the only writer of
// them. Used by the target's collector (a forked child announces the bases it
// inherited, with their labels, on its own stream) and by reactorscope-run (an
// app that starts after the program gets what it missed).
// Bounded: at most kMaxCallbacks callback frames (past that new ones are not
// kept; a late reader then lacks those labels). The caller vouches for the
// frames it notes (its own encoder's, or frames the relay split whole);
// anything it does not recognise is ignored.
// Thread contract: none (the caller serialises).
#pragma once
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <tuple>

#include "LiveProtocol.h"
#include "core/Trace.h"

namespace rs::live {

class MetadataMemory {
 public:
  static constexpr size_t kMaxCallbacks = 65536;

  // A whole frame of the stream (any type; records frames forget freed events).
  void note(std::string_view frame) {
    if (frame.size() < kFrameHeaderBytes) return;
    const auto type = static_cast<MessageType>(readLe(frame, 4, 2));
    const std::string_view body = frame.substr(kFrameHeaderBytes);
    switch (type) {
      case MessageType::Hello:
        hello_.assign(frame);
        break;
      case MessageType::BaseCreated:
        if (body.size() >= 8) bases_[readLe(body, 0, 8)].assign(frame);
        break;
      case MessageType::BaseFreed:
        if (body.size() >= 8) forgetBase(readLe(body, 0, 8));
        break;
      case MessageType::Callback:
        if (body.size() >= 17) {
          const Key key{readLe(body, 0, 8), readLe(body, 8, 8), static_cast<uint8_t>(body[16])};
          const auto it = callbacks_.find(key);
          if (it != callbacks_.end())
            it->second.assign(frame);
          else if (callbacks_.size() < kMaxCallbacks)
            callbacks_.emplace(key, std::string(frame));
        }
        break;
      case MessageType::Records:
        if (body.size() >= 16) {
          const uint64_t base = readLe(body, 0, 8);
          for (size_t at = 16; at + kRecordBytes <= body.size(); at += kRecordBytes) {
            TraceRecord r;
            std::memcpy(&r, body.data() + at, sizeof r);
            forgetIfFreed(base, r);
          }
        }
        break;
      default:
        break;
    }
  }
  void forgetIfFreed(uint64_t base, const TraceRecord& r) {
    if (!freesEvent(r)) return;
    callbacks_.erase(callbacks_.lower_bound(Key{base, r.eventId, 0}), callbacks_.upper_bound(Key{base, r.eventId, 0xff}));
  }
  void forgetBase(uint64_t base) {
    bases_.erase(base);
    callbacks_.erase(callbacks_.lower_bound(Key{base, 0, 0}), callbacks_.upper_bound(Key{base, UINT64_MAX, 0xff}));
  }
  bool hasHello() const { return !hello_.empty(); }
  bool hasBases() const { return !bases_.empty(); }

  // Hello (when noted and `withHello`), then each live base and its events' callbacks.
  std::string replay(bool withHello) const {
    std::string out = withHello ? hello_ : std::string();
    for (const auto& [base, frame] : bases_) {
      out += frame;
      for (auto it = callbacks_.lower_bound(Key{base, 0, 0}); it != callbacks_.end() && std::get<0>(it->first) == base; ++it)
        out += it->second;
    }
    return out;
  }

 private:
  using Key = std::tuple<uint64_t, uint64_t, uint8_t>;  // base, event id, role
  static uint64_t readLe(std::string_view s, size_t at, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t{static_cast<uint8_t>(s[at + i])} << (8 * i);
    return v;
  }

  std::string hello_;
  std::map<uint64_t, std::string> bases_;
  std::map<Key, std::string> callbacks_;
};

}  // namespace rs::live
