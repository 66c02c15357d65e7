// Owner tags (core/Trace.h: a connection's or listener's number, shared by its
// events' records) are unique within one process only: every traced process
// counts its own from 1, as the app's engine does, and forked workers go on
// from their parent's count. The app shows them all in one place (rows, buffer
// series, peers), so a process's tags are given tags of the app's own count
// (allocateOwnerTag()) as its records arrive: no two processes' connections
// share a series. One ProcessOwnerTags per process stream (the app's
// ProgramSession; reactorscope-run's --record, whose one file holds every
// process). Bounded: past kMaxTags translations the table starts afresh
// (connections still open then get a second tag: their rows keep the first
// one's series, later levels go to the second: never merged with another's).
// Thread contract: one thread (the stream's reader).
#pragma once
#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "core/Trace.h"

namespace rs::live {

class ProcessOwnerTags {
 public:
  static constexpr size_t kMaxTags = size_t{1} << 18;

  // Rewrites each record's owner (the process's tag; 0 = none, kept) to its app tag.
  void translate(TraceRecord* records, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      uint32_t& owner = records[i].owner;
      if (owner == 0) continue;
      if (owner != lastProcessTag_) {
        lastAppTag_ = appTagOf(owner);
        lastProcessTag_ = owner;
      }
      owner = lastAppTag_;
    }
  }
  size_t size() const { return tags_.size(); }

 private:
  uint32_t appTagOf(uint32_t processTag);

  std::unordered_map<uint32_t, uint32_t> tags_;  // the process's tag -> the app's
  uint32_t lastProcessTag_ = 0;  // the last translation (a connection's records come in runs)
  uint32_t lastAppTag_ = 0;
};

}  // namespace rs::live
