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
// The table is direct-mapped: a process's tag t has slot t mod kSlots (its tags
// are counted, so the live ones rarely share a slot), holding t and its app
// tag; a record costs an indexed load, not a hash lookup (this runs for every
// record the app receives). Bounded (kSlots slots, 2 MiB, allocated as tags
// arrive). A tag whose slot was taken since by a tag kSlots later (a connection
// still open after 2^18 newer ones) gets a new app tag: its later rows and
// levels go to a second series, never merged with another connection's.
// Thread contract: one thread (the stream's reader).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/Trace.h"

namespace rs::live {

class ProcessOwnerTags {
 public:
  static constexpr size_t kSlots = size_t{1} << 18;

  // Rewrites each record's owner (the process's tag; 0 = none, kept) to its app tag.
  void translate(TraceRecord* records, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      uint32_t& owner = records[i].owner;
      if (owner == 0) continue;
      const size_t slot = owner & (kSlots - 1);
      if (slot < slots_.size() && slots_[slot].processTag == owner) [[likely]] {
        owner = slots_[slot].appTag;
      } else {
        owner = assign(owner);
      }
    }
  }
  // Process tags that have an app tag now.
  size_t size() const { return assigned_; }

 private:
  struct Slot {
    uint32_t processTag = 0;  // 0: free
    uint32_t appTag = 0;
  };
  [[gnu::noinline]] uint32_t assign(uint32_t processTag);

  std::vector<Slot> slots_;  // grows (doubling) to kSlots as higher tags arrive
  size_t assigned_ = 0;
};

}  // namespace rs::live
