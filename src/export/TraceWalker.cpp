#include "TraceWalker.h"

#include <algorithm>
#include <vector>

namespace rs::exporting {

namespace {

const char* readyName(TraceCause cause) {
  switch (cause) {
    case TraceCause::ReadyRead: return "fd readable";
    case TraceCause::ReadyWrite: return "fd writable";
    case TraceCause::ReadyClosed: return "peer closed";
    case TraceCause::Timeout: return "timeout";
    case TraceCause::Signal: return "signal";
    default: return nullptr;  // not a readiness: no flow
  }
}

}  // namespace

bool TraceWalker::walk(const ExportRange& range, std::string* error) {
  for (const auto& session : reader_.sessions())
    if (!walkSession(session, range, error)) return false;
  return true;
}

uint64_t TraceWalker::declare(int64_t session, uint64_t parent, std::string name, bool counter) {
  ExportTrack track;
  track.uuid = nextUuid_++;
  track.parentUuid = parent;
  track.session = session;
  track.name = std::move(name);
  track.counter = counter;
  sink_.track(track);
  ++counts_.tracks;
  return track.uuid;
}

bool TraceWalker::walkSession(const recording::SessionSummary& session, const ExportRange& range,
                              std::string* error) {
  recording::TimeSpan span;
  if (!reader_.span(session.id, span, error)) return false;
  processTrack_ = declare(session.id, 0, session.info.name.empty() ? session.info.kind : session.info.name, false);
  loopTrack_ = declare(session.id, processTrack_, "loop", false);
  waitOpen_ = false;
  events_.clear();
  counters_.clear();
  labels_.clear();
  std::vector<recording::EventInfo> infos;
  if (!reader_.events(session.id, infos, error)) return false;
  for (const auto& info : infos) labels_[info.eventId] = info.label;
  const uint64_t recordsBefore = counts_.records;
  if (!span.empty && !walkRecords(session, range, span, error)) return false;
  const uint64_t walked = counts_.records - recordsBefore;
  if ((span.empty || (range.fromNs <= span.firstNs && range.toNs >= span.lastNs)) && walked < session.recordCount)
    counts_.shortSessions += (counts_.shortSessions.empty() ? "" : " ") + std::string("session ") +
                             std::to_string(session.id) + ": " + std::to_string(walked) + " of the " +
                             std::to_string(session.recordCount) +
                             " records its session row counts were readable (the file was edited or damaged: "
                             "blocks are missing or out of the time index's reach).";
  return true;
}

bool TraceWalker::walkRecords(const recording::SessionSummary& session, const ExportRange& range,
                              const recording::TimeSpan& span, std::string* error) {
  const int64_t from = std::max(range.fromNs, span.firstNs), to = std::min(range.toNs, span.lastNs);
  std::vector<TraceRecord> chunk;
  int64_t lastTs = from;
  for (int64_t t = from; t <= to;) {
    const int64_t end = to - t < kChunkNs ? to : t + kChunkNs - 1;
    if (!reader_.records(session.id, t, end, chunk, error)) return false;
    // Blocks come in block order; one loop's records are in time order within and across them.
    std::stable_sort(chunk.begin(), chunk.end(),
                     [](const TraceRecord& a, const TraceRecord& b) { return a.tsNs < b.tsNs; });
    for (const auto& r : chunk) apply(session.id, r);
    counts_.records += chunk.size();
    if (!chunk.empty()) lastTs = chunk.back().tsNs;
    if (end == to) break;
    t = end + 1;
  }
  closeOpen(lastTs);
  return true;
}

TraceWalker::EventTracks& TraceWalker::tracksOf(int64_t session, const TraceRecord& r) {
  auto [it, fresh] = events_.try_emplace(r.eventId);
  if (fresh) {
    const auto label = labels_.find(r.eventId);
    std::string name = label != labels_.end() && !label->second.empty()
                           ? label->second
                           : std::string(toString(r.kind)) + (r.fd >= 0 ? " fd " + std::to_string(r.fd) : "");
    name += " #" + std::to_string(r.eventId);
    it->second.callbacks = declare(session, processTrack_, name + " callbacks", false);
    it->second.states = declare(session, processTrack_, name + " states", false);
  }
  return it->second;
}

uint64_t TraceWalker::counterTrack(int64_t session, uint32_t owner, int32_t fd, BufferId buffer) {
  auto [it, fresh] = counters_.try_emplace({owner, buffer});
  if (fresh)
    it->second = declare(session, processTrack_,
                         "conn " + std::to_string(owner) + (fd >= 0 ? " fd " + std::to_string(fd) : "") + " " +
                             toString(buffer),
                         true);
  return it->second;
}

void TraceWalker::apply(int64_t session, const TraceRecord& r) {
  switch (r.type) {
    case TraceType::WaitBegin:
      if (!waitOpen_) sink_.sliceBegin(loopTrack_, r.tsNs, "wait", 0);
      waitOpen_ = true;
      return;
    case TraceType::WaitEnd:
      if (waitOpen_) {
        sink_.sliceEnd(loopTrack_, r.tsNs);
        ++counts_.slices;
      }
      waitOpen_ = false;
      return;
    case TraceType::BufferLevel:
      sink_.counter(counterTrack(session, r.owner, r.fd, r.buffer), r.tsNs, r.value);
      ++counts_.counterValues;
      return;
    default:
      break;
  }
  if (r.eventId == 0) return;
  EventTracks& e = tracksOf(session, r);
  if (r.type == TraceType::Transition) {
    if (e.stateOpen) {
      sink_.sliceEnd(e.states, r.tsNs);
      ++counts_.slices;
    }
    e.stateOpen = r.to != EventState::Invalid;
    if (e.stateOpen) sink_.sliceBegin(e.states, r.tsNs, toString(r.to), 0);
    if (const char* ready = r.to == EventState::Active ? readyName(r.cause) : nullptr) {
      e.pendingFlow = nextFlow_++;
      sink_.instant(e.states, r.tsNs, ready, e.pendingFlow);
    }
  } else if (r.type == TraceType::CallbackBegin) {
    if (e.callbackOpen) {  // its end was lost (dropped records): close it here
      sink_.sliceEnd(e.callbacks, r.tsNs);
      ++counts_.slices;
    }
    sink_.sliceBegin(e.callbacks, r.tsNs, "callback", e.pendingFlow);
    if (e.pendingFlow) ++counts_.flows;
    e.pendingFlow = 0;
    e.callbackOpen = true;
  } else if (r.type == TraceType::CallbackEnd && e.callbackOpen) {
    sink_.sliceEnd(e.callbacks, r.tsNs);
    ++counts_.slices;
    e.callbackOpen = false;
  }
}

void TraceWalker::closeOpen(int64_t tsNs) {
  if (waitOpen_) {
    sink_.sliceEnd(loopTrack_, tsNs);
    ++counts_.slices;
  }
  waitOpen_ = false;
  for (auto& [id, e] : events_) {
    if (e.callbackOpen) sink_.sliceEnd(e.callbacks, tsNs);
    if (e.stateOpen) sink_.sliceEnd(e.states, tsNs);
    counts_.slices += uint64_t{e.callbackOpen} + uint64_t{e.stateOpen};
    e.callbackOpen = e.stateOpen = false;
  }
}

}  // namespace rs::exporting
