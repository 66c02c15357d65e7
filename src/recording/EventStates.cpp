#include "EventStates.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace rs::recording {

namespace {

constexpr char kMagic[4] = {'R', 'S', 'K', '1'};
// header: magic, events count (u64), levels count (u64), records applied (u64)
constexpr size_t kHeaderBytes = 4 + 8 + 8 + 8;
// id, kind, state, cause, fd, owner, activations, transitions, lastChange, lastCallback, totalCallback
constexpr size_t kEventBytes = 8 + 1 + 1 + 1 + 4 + 4 + 8 + 8 + 8 + 8 + 8;
// owner, buffer, bytes
constexpr size_t kLevelBytes = 4 + 1 + 8;

// Writes at p and advances it (the buffer is sized beforehand). Host order: the
// project builds for little-endian hosts (Trace.h).
template <typename T>
void put(uint8_t*& p, T value) {
  std::memcpy(p, &value, sizeof(T));
  p += sizeof(T);
}

template <typename T>
T get(const uint8_t*& p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  p += sizeof(T);
  return value;
}

}  // namespace

void EventStates::apply(const TraceRecord& r) {
  ++recordsApplied_;
  if (r.type == TraceType::BufferLevel) {
    levels_[levelKey(r.owner, r.buffer)] = r.value;
    return;
  }
  if (r.eventId == 0) return;  // loop-level (waits)
  EventSnapshot& e = events_[r.eventId];
  e.kind = r.kind;
  e.fd = r.fd;
  e.owner = r.owner;
  switch (r.type) {
    case TraceType::Transition:
      if (changesStateAfterSnapshot(r.tsNs, snapshotNs_)) e.state = r.to;
      e.lastCause = r.cause;
      e.lastChangeNs = r.tsNs;
      ++e.transitions;
      if (r.to == EventState::Active && r.from != EventState::Active) ++e.activations;
      break;
    case TraceType::CallbackEnd:
      e.lastCallbackNs = r.value;
      e.totalCallbackNs += r.value;
      break;
    default:
      break;
  }
}

void EventStates::resync(int64_t takenNs, const SnapshotEvents& snapshot) {
  std::unordered_map<uint64_t, EventSnapshot> events;
  events.reserve(std::max(snapshot.size(), events_.size()));
  for (const auto& [id, taken] : snapshot) {
    EventSnapshot e = taken;
    const auto known = events_.find(id);
    e.transitions = known == events_.end() ? 0 : known->second.transitions;
    e.lastChangeNs = known == events_.end() ? 0 : known->second.lastChangeNs;
    events[id] = e;
  }
  for (const auto& [id, known] : events_) {
    if (events.count(id)) continue;
    EventSnapshot gone = known;
    if (gone.state != EventState::Invalid) {
      gone.state = EventState::Invalid;
      gone.lastCause = TraceCause::Free;
      gone.lastChangeNs = takenNs;
    }
    events.emplace(id, gone);
  }
  events_ = std::move(events);
  snapshotNs_ = takenNs;
}

std::vector<uint8_t> EventStates::encode() const {
  std::vector<uint8_t> out(kHeaderBytes + events_.size() * kEventBytes + levels_.size() * kLevelBytes);
  uint8_t* p = out.data();
  std::memcpy(p, kMagic, sizeof kMagic);
  p += sizeof kMagic;
  put<uint64_t>(p, events_.size());
  put<uint64_t>(p, levels_.size());
  put<uint64_t>(p, recordsApplied_);
  std::vector<uint64_t> keys;
  keys.reserve(std::max(events_.size(), levels_.size()));
  for (const auto& [id, e] : events_) keys.push_back(id);
  std::sort(keys.begin(), keys.end());
  for (const uint64_t id : keys) {
    const EventSnapshot& e = events_.at(id);
    put<uint64_t>(p, id);
    put<uint8_t>(p, static_cast<uint8_t>(e.kind));
    put<uint8_t>(p, static_cast<uint8_t>(e.state));
    put<uint8_t>(p, static_cast<uint8_t>(e.lastCause));
    put<int32_t>(p, e.fd);
    put<uint32_t>(p, e.owner);
    put<uint64_t>(p, e.activations);
    put<uint64_t>(p, e.transitions);
    put<int64_t>(p, e.lastChangeNs);
    put<int64_t>(p, e.lastCallbackNs);
    put<int64_t>(p, e.totalCallbackNs);
  }
  keys.clear();
  for (const auto& [key, bytes] : levels_) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  for (const uint64_t key : keys) {
    put<uint32_t>(p, static_cast<uint32_t>(key >> 8));
    put<uint8_t>(p, static_cast<uint8_t>(key & 0xff));
    put<int64_t>(p, levels_.at(key));
  }
  return out;
}

bool EventStates::decode(const uint8_t* data, size_t size, std::string* error) {
  auto fail = [&](const std::string& why) {
    if (error) *error = "bad keyframe: " + why;
    return false;
  };
  if (size < kHeaderBytes) return fail("shorter than its header");
  if (std::memcmp(data, kMagic, 4) != 0) return fail("wrong magic");
  const uint8_t* p = data + 4;
  const auto eventCount = get<uint64_t>(p), levelCount = get<uint64_t>(p), applied = get<uint64_t>(p);
  if (eventCount > kMaxEntries || levelCount > kMaxEntries) return fail("more entries than a keyframe may hold");
  if (size != kHeaderBytes + eventCount * kEventBytes + levelCount * kLevelBytes)
    return fail("size " + std::to_string(size) + " does not match its counts");
  std::unordered_map<uint64_t, EventSnapshot> events;
  std::unordered_map<uint64_t, int64_t> levels;
  events.reserve(static_cast<size_t>(std::min<uint64_t>(eventCount, size / kEventBytes)));
  uint64_t previousId = 0, previousLevel = 0;
  for (uint64_t i = 0; i < eventCount; ++i) {
    const auto id = get<uint64_t>(p);
    const auto kind = get<uint8_t>(p), state = get<uint8_t>(p), cause = get<uint8_t>(p);
    if (kind > static_cast<uint8_t>(EventKind::Internal) || state > static_cast<uint8_t>(EventState::Active) ||
        cause >= static_cast<uint8_t>(TraceCause::Count))
      return fail("event " + std::to_string(id) + " holds an enum value out of range");
    EventSnapshot e;
    e.kind = static_cast<EventKind>(kind);
    e.state = static_cast<EventState>(state);
    e.lastCause = static_cast<TraceCause>(cause);
    e.fd = get<int32_t>(p);
    e.owner = get<uint32_t>(p);
    e.activations = get<uint64_t>(p);
    e.transitions = get<uint64_t>(p);
    e.lastChangeNs = get<int64_t>(p);
    e.lastCallbackNs = get<int64_t>(p);
    e.totalCallbackNs = get<int64_t>(p);
    if (i > 0 && id <= previousId)
      return fail("event " + std::to_string(id) + " is out of order (ids ascend, each once)");
    previousId = id;
    events.emplace(id, e);
  }
  for (uint64_t i = 0; i < levelCount; ++i) {
    const auto owner = get<uint32_t>(p);
    const auto buffer = get<uint8_t>(p);
    const auto bytes = get<int64_t>(p);
    if (buffer >= static_cast<uint8_t>(BufferId::Count)) return fail("a buffer id out of range");
    const uint64_t key = levelKey(owner, static_cast<BufferId>(buffer));
    if (i > 0 && key <= previousLevel)
      return fail("buffer levels out of order (ascending owner and buffer, each once)");
    previousLevel = key;
    levels.emplace(key, bytes);
  }
  events_ = std::move(events);
  levels_ = std::move(levels);
  recordsApplied_ = applied;
  return true;
}

}  // namespace rs::recording
