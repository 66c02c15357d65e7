// Hands an echo server's connection notes from its loop thread to a reader
// that takes them in bulk (the GUI's tick). push() appends under a short lock
// and never waits for the reader; above the capacity the note is dropped and
// counted, so memory stays bounded when the reader falls behind and the reader
// can say how many it never saw.
//
// Thread contract: safe from any thread; meant for one producer (the loop) and
// one consumer.
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "workload/EchoServer.h"

namespace rs {

class ConnectionNoteQueue {
 public:
  // About 7 MiB of notes at most (~100 B each; peer strings fit std::string's
  // inline buffer).
  static constexpr size_t kDefaultCapacity = size_t{1} << 16;

  explicit ConnectionNoteQueue(size_t capacity = kDefaultCapacity);
  ConnectionNoteQueue(const ConnectionNoteQueue&) = delete;
  ConnectionNoteQueue& operator=(const ConnectionNoteQueue&) = delete;

  void push(ConnectionNote&& note);
  // Replaces *out with every queued note, oldest first, and returns how many
  // were dropped over the capacity since the previous take. *out's old storage
  // becomes the queue's, so a reader that passes the same vector each time
  // lets both sides reuse their allocations.
  uint64_t takeAll(std::vector<ConnectionNote>* out);
  // Applies to later pushes; notes already queued stay.
  void setCapacity(size_t capacity);
  size_t capacity() const;

 private:
  mutable std::mutex mutex_;
  std::vector<ConnectionNote> notes_;
  uint64_t dropped_ = 0;
  size_t capacity_;
};

}  // namespace rs
