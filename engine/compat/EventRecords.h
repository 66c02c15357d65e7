// Internal to the C API: the engine records behind C programs' struct events.
//
// A C program's struct event is libevent's 128 bytes (event2/event_struct.h);
// the engine's state for it (an rs::Event) is a record owned by the event's
// base. The storage holds the record's address and index in
// ev_evcallback.evcb_active_next; the record holds the storage's address
// (owner). A record belongs to a storage exactly when record->owner == that
// storage, so stale bytes in recycled memory are never trusted: event_assign
// looks the stored index up in its base (bounds-checked) and accepts the record
// only if its owner is this very storage.
//
// Records stay with their storage while it is not freed; a non-pending record
// whose storage a program released with plain free() is reclaimed when the base
// needs a record and already has kReclaimFloor of them (a clock hand over the
// records, skipping pending, active and running ones), so per-connection
// structs freed without event_free leak at most that many. A storage whose
// record was reclaimed gets a new one from its own fields (ev_fd, ev_events,
// callback, arg, priority) on its next use. Which idle storage the program
// still holds cannot be known, so a reclaimed one it still holds reads in a
// trace as freed and back under a new id: below the floor (every program with
// fewer events) that never happens.
//
// Thread contract: the base's loop thread, as the base's events.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/Event.h"

struct event;

namespace rs::compat {

struct EventRecord {
  rs::Event event;
  const ::event* owner = nullptr;  // the struct event it serves; null while free
  uint32_t index = 0;              // its place in EventRecords
  uint32_t nextFree = 0;           // free list link (index + 1; 0 ends it)
};

class EventRecords {
 public:
  EventRecords() = default;
  // Frees every record: pending ones are deleted from the base first (traced),
  // so the base must still be alive (event_base's member, destroyed before it).
  ~EventRecords() = default;
  EventRecords(const EventRecords&) = delete;
  EventRecords& operator=(const EventRecords&) = delete;

  // The record at `index`, or null when no record has it (any value is safe).
  EventRecord* at(uint64_t index) const {
    if (index >= count_) return nullptr;
    return &chunks_[index / kChunk][index % kChunk];
  }
  // The record whose event `e` is, or null when `e` is not one of these
  // records' (an engine event of a bufferevent or listener). O(chunks).
  const EventRecord* recordOf(const rs::Event* e) const;
  // A record for `owner`: a free one, an idle one reclaimed, or a new one.
  // Never `running` (the event whose callback runs now, when the base knows it).
  // Reclaiming a non-pending event inside its own callback is safe as well: the
  // record's memory stays, the untraced dispatch does not touch the event after
  // its callback and the traced one only through the running-event pointer,
  // which release() clears. Null if out of memory.
  EventRecord* acquire(const ::event* owner, const rs::Event* running);
  // Releases `r`'s event (deleting it first if pending) and frees the record.
  void release(EventRecord* r);
  size_t size() const { return count_; }

 private:
  static constexpr uint32_t kChunk = 64;
  static constexpr int kReclaimProbes = 8;
  static constexpr uint32_t kReclaimFloor = 1024;  // records a base has before it reclaims idle ones
  EventRecord* reclaimIdle(const rs::Event* running);

  std::vector<std::unique_ptr<EventRecord[]>> chunks_;
  uint32_t count_ = 0;
  uint32_t freeHead_ = 0;  // index + 1 of the first free record; 0: none
  uint32_t hand_ = 0;      // the clock hand of reclaimIdle()
};

}  // namespace rs::compat
