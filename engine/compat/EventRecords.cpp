#include "EventRecords.h"

#include <new>

namespace rs::compat {

EventRecord* EventRecords::acquire(const ::event* owner, const rs::Event* running) {
  EventRecord* r = nullptr;
  if (freeHead_) {
    r = at(freeHead_ - 1);
    freeHead_ = r->nextFree;
  } else if (!(r = reclaimIdle(running))) {
    if (count_ % kChunk == 0) {
      std::unique_ptr<EventRecord[]> chunk(new (std::nothrow) EventRecord[kChunk]);
      if (!chunk) return nullptr;
      chunks_.push_back(std::move(chunk));
    }
    r = &chunks_.back()[count_ % kChunk];
    r->index = count_++;
    r->event.setDetachWhenIdle(true);  // the base lists it only while pending or active
  }
  r->owner = owner;
  r->nextFree = 0;
  return r;
}

const EventRecord* EventRecords::recordOf(const rs::Event* e) const {
  const auto* address = reinterpret_cast<const char*>(e);
  for (const auto& chunk : chunks_) {
    const auto* first = reinterpret_cast<const char*>(chunk.get());
    if (address < first || address >= first + sizeof(EventRecord) * kChunk) continue;
    const EventRecord* r = &chunk[static_cast<size_t>(address - first) / sizeof(EventRecord)];
    return &r->event == e ? r : nullptr;
  }
  return nullptr;
}

void EventRecords::release(EventRecord* r) {
  if (r->event.initialized()) r->event.release();
  r->owner = nullptr;
  r->nextFree = freeHead_;
  freeHead_ = r->index + 1;
}

// A record nobody needs now: its event is neither pending nor active, nor
// running its callback. Its storage may still exist; it gets a new record when
// it is next used (its fields say everything a non-pending event is).
EventRecord* EventRecords::reclaimIdle(const rs::Event* running) {
  if (count_ < kReclaimFloor) return nullptr;
  for (int probe = 0; probe < kReclaimProbes; ++probe) {
    EventRecord* r = at(hand_);
    hand_ = (hand_ + 1) % count_;
    const rs::EventState state = r->event.state();
    if (&r->event == running || (state != rs::EventState::NonPending && state != rs::EventState::Invalid)) continue;
    if (r->event.initialized()) r->event.release();
    return r;
  }
  return nullptr;
}

}  // namespace rs::compat
