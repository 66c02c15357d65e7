// Owner tags (core/Trace.h: a connection's or listener's number, shared by its
// events' records) are unique within one process only: every traced process
// counts its own from 1, as the app's engine does, and forked workers go on
// from their parent's count. The app shows them all in one place (rows, buffer
// series, peers), so a process's tags are given tags of the app's own count
// (allocateOwnerTag()) as its records arrive: no two processes' connections
// share a series. One ProcessOwnerTags per process stream (the app's
// ProgramSession; reactorscope-run's --record, whose one file holds every
// process).
//
// Direct-mapped, as this runs for every record the app receives: tag t has
// slot (t - the first tag seen) mod kSlots, holding t and its app tag, so a
// record costs an indexed load, not a hash lookup; the slots grow (to powers
// of two) as the count goes on from the first tag seen (a forked worker's own
// first connection, or the listener it inherited if that shows first). Tags
// older than the first seen, and a tag whose slot a tag kSlots later took
// (usually closed by then, but a listener lives on), are kept in a hash map
// beside the slots: translated the same, at a hash lookup's cost. Bounded:
// kSlots slots (2 MiB) and kMoved map entries (about 3 MiB). A full map keeps
// the tags looked up since it was last full (a listener's, at every accept)
// and forgets the others (closed connections' tags); only if every one was
// looked up does it start afresh (a tag of it still in use then gets a second
// app tag: its later rows and levels go to a second series, never to another
// connection's).
// Thread contract: one thread (the stream's reader).
#pragma once
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/Trace.h"

namespace rs::live {

class ProcessOwnerTags {
 public:
  static constexpr size_t kSlots = size_t{1} << 18;
  static constexpr size_t kMoved = kSlots / 4;

  // Rewrites each record's owner (the process's tag; 0 = none, kept) to its app tag.
  void translate(TraceRecord* records, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      uint32_t& owner = records[i].owner;
      if (owner == 0) continue;
      const size_t slot = slotOf(owner);
      if (slot < slots_.size() && slots_[slot].processTag == owner) [[likely]] {
        owner = slots_[slot].appTag;
      } else {
        owner = appTagOfOther(owner);
      }
    }
  }
  // Process tags that have an app tag now.
  size_t size() const { return slotsUsed_ + moved_.size(); }

 private:
  struct Slot {
    uint32_t processTag = 0;  // 0: free
    uint32_t appTag = 0;
  };
  size_t slotOf(uint32_t processTag) const { return (processTag - firstTag_) & (kSlots - 1); }
  // A tag not in its slot: a moved one, or a new one (which takes the slot).
  [[gnu::noinline]] uint32_t appTagOfOther(uint32_t processTag);

  uint32_t firstTag_ = 0;    // the first tag seen (slot 0)
  std::vector<Slot> slots_;  // grows to kSlots as the count goes on
  size_t slotsUsed_ = 0;
  struct Moved {
    uint32_t appTag = 0;
    bool lookedUp = false;  // since the map was last full
  };
  void makeRoomInMoved();

  std::unordered_map<uint32_t, Moved> moved_;  // tags older than firstTag_, or whose slot a later tag took
};

}  // namespace rs::live
