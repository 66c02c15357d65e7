#include "live/TextTraceWriter.h"

#include <cinttypes>
#include <iterator>

#include "live/PeerAddress.h"

namespace rs::live {

namespace {

// names[value], or "?" out of range (the decoder lets no such value through).
template <size_t N>
const char* nameOf(const char* const (&names)[N], size_t value) {
  return value < N ? names[value] : "?";
}

}  // namespace

const char* stateName(EventState s) {
  static constexpr const char* kNames[] = {"invalid", "non_pending", "pending", "active"};
  return nameOf(kNames, static_cast<size_t>(s));
}

const char* causeName(TraceCause c) {
  static constexpr const char* kNames[] = {"none",       "event_new",      "event_add",       "event_del",
                                           "event_free", "fd ready: read", "fd ready: write", "fd ready: peer closed",
                                           "timeout",    "signal",         "event_active",    "callback dispatched"};
  static_assert(std::size(kNames) == static_cast<size_t>(TraceCause::Count));
  return nameOf(kNames, static_cast<size_t>(c));
}

namespace {

// By libevent's EVENT_LOG_* severity.
constexpr const char* kSeverities[] = {"debug", "msg", "warn", "err"};

}  // namespace

void TextTraceWriter::hello(const Hello& h) {
  pid_ = h.pid;
  peers_.setPid(static_cast<pid_t>(h.pid));
  startNs_ = h.startNs;
  std::fprintf(out_, "# pid %" PRIu32 " (%s) %s, trace protocol %" PRIu32 "\n", h.pid, h.processName.c_str(),
               h.executable.c_str(), h.version);
}

void TextTraceWriter::baseCreated(uint64_t base, const std::string& method) {
  std::fprintf(out_, "pid=%" PRIu32 " base=%" PRIu64 " created (%s)\n", pid_, base, method.c_str());
}

void TextTraceWriter::baseFreed(uint64_t base) {
  std::fprintf(out_, "pid=%" PRIu32 " base=%" PRIu64 " freed\n", pid_, base);
  std::fflush(out_);
  running_.erase(base);
}

void TextTraceWriter::callback(const CallbackInfo& info) {
  const std::string name = labels_.add(info);
  const std::string where = labels_.symbols().sourceLine(info.module, info.fileAddress);
  const std::string peer = peers_.of(info.fd);
  std::fprintf(out_, "pid=%" PRIu32 " base=%" PRIu64 " ev=%" PRIu64 " callback %s (%s)%s%s%s%s\n", pid_, info.base,
               info.eventId, name.empty() ? "-" : name.c_str(), roleName(info.role), where.empty() ? "" : " at ", where.c_str(),
               peer.empty() ? "" : ", peer ", peer.c_str());
}

void TextTraceWriter::records(uint64_t base, const TraceRecord* records, size_t count) {
  for (size_t i = 0; i < count; ++i) writeRecord(base, records[i]);
  std::fflush(out_);
}

void TextTraceWriter::writeRecord(uint64_t base, const TraceRecord& r) {
  std::fprintf(out_, "%.6f pid=%" PRIu32 " base=%" PRIu64 " ", seconds(r.tsNs), pid_, base);
  switch (r.type) {
    case TraceType::WaitBegin:
      if (r.value < 0)
        std::fprintf(out_, "loop wait (no timeout)\n");
      else
        std::fprintf(out_, "loop wait (timeout %.3f ms)\n", static_cast<double>(r.value) / 1e6);
      return;
    case TraceType::WaitEnd:
      std::fprintf(out_, "loop woke (%" PRId64 " ready)\n", r.value);
      return;
    default:
      break;
  }
  std::fprintf(out_, "ev=%" PRIu64 " %s %s fd=%d ", r.eventId, labels_.label(base, r.eventId).c_str(), toString(r.kind), r.fd);
  switch (r.type) {
    case TraceType::Transition:
      std::fprintf(out_, "%s -> %s (%s)\n", stateName(r.from), stateName(r.to), causeName(r.cause));
      if (freesEvent(r)) {
        const auto running = running_.find(base);
        if (running != running_.end() && running->second.eventId == r.eventId && r.eventId != 0)
          running->second.freed = true;
        else
          labels_.forget(base, r.eventId);
      }
      return;
    case TraceType::CallbackBegin:
      std::fprintf(out_, "callback begin (%s)\n", eventFlagsToString(r.flags).c_str());
      if (running_.size() < kMaxBasesTracked || running_.count(base)) running_[base] = {r.eventId, false};
      return;
    case TraceType::CallbackEnd: {
      std::fprintf(out_, "callback end (%.1f us)\n", static_cast<double>(r.value) / 1e3);
      const auto running = running_.find(base);
      if (running == running_.end()) return;
      if (running->second.freed) labels_.forget(base, running->second.eventId);
      running_.erase(running);
      return;
    }
    case TraceType::BufferLevel:
      std::fprintf(out_, "buffer %s = %" PRId64 " bytes (owner %" PRIu32 ")\n", toString(r.buffer), r.value, r.owner);
      return;
    default:
      std::fprintf(out_, "record type %d\n", static_cast<int>(r.type));
      return;
  }
}

void TextTraceWriter::log(int severity, const std::string& text) {
  std::fprintf(out_, "pid=%" PRIu32 " log [%s] %s\n", pid_, nameOf(kSeverities, static_cast<size_t>(severity)),
               text.c_str());
}

void TextTraceWriter::dropped(const DropCounts& counts) {
  std::fprintf(out_,
               "pid=%" PRIu32 " base=%" PRIu64 " dropped: %" PRIu64 " in the ring, %" PRIu64
               " by the collector (totals)\n",
               pid_, counts.base, counts.ring, counts.stream);
}

void TextTraceWriter::exited(const ProgramExit& x) {
  std::fprintf(out_, "pid=%" PRIu32 " exited: %s\n", pid_, exitText(x).c_str());
  std::fflush(out_);
}

}  // namespace rs::live
