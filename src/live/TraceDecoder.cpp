#include "live/TraceDecoder.h"

#include <string.h>

#include <algorithm>
#include <cstring>
#include <new>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "records are copied in their wire layout");
static_assert(sizeof(rs::TraceRecord) == rs::live::kRecordBytes);

namespace rs::live {

namespace {

// Bounds-checked little-endian reads over one frame body.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool ok() const { return ok_; }
  size_t left() const { return size_ - pos_; }
  uint64_t uint(int bytes) {
    if (!take(static_cast<size_t>(bytes))) return 0;
    uint64_t v = 0;
    const uint8_t* first = data_ + pos_ - static_cast<size_t>(bytes);
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | first[i];
    return v;
  }
  std::string str() {
    const size_t n = static_cast<size_t>(uint(2));
    if (!ok_ || n > kMaxStringBytes || !take(n)) {
      ok_ = false;
      return {};
    }
    return std::string(reinterpret_cast<const char*>(data_ + pos_ - n), n);
  }
  const uint8_t* bytes(size_t n) { return take(n) ? data_ + pos_ - n : nullptr; }

 private:
  bool take(size_t n) {
    if (!ok_ || n > left()) {
      ok_ = false;
      return false;
    }
    pos_ += n;
    return true;
  }
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  bool ok_ = true;
};

const char* typeName(uint16_t type) {
  switch (static_cast<MessageType>(type)) {
    case MessageType::Hello: return "hello";
    case MessageType::BaseCreated: return "base-created";
    case MessageType::BaseFreed: return "base-freed";
    case MessageType::Callback: return "callback";
    case MessageType::Records: return "records";
    case MessageType::Log: return "log";
    case MessageType::Dropped: return "dropped";
    case MessageType::Exit: return "exit";
  }
  return "?";
}

// Why a record is out of range, or null when it is valid.
const char* recordProblem(const TraceRecord& r) {
  if (static_cast<uint8_t>(r.type) >= static_cast<uint8_t>(TraceType::Count)) return "unknown record type";
  if (static_cast<uint8_t>(r.kind) > static_cast<uint8_t>(EventKind::Internal)) return "unknown event kind";
  if (static_cast<uint8_t>(r.from) > static_cast<uint8_t>(EventState::Active) ||
      static_cast<uint8_t>(r.to) > static_cast<uint8_t>(EventState::Active))
    return "unknown event state";
  if (static_cast<uint8_t>(r.cause) >= static_cast<uint8_t>(TraceCause::Count)) return "unknown transition cause";
  if (static_cast<uint8_t>(r.buffer) >= static_cast<uint8_t>(BufferId::Count)) return "unknown buffer";
  return nullptr;
}

}  // namespace

std::string signalName(int signal) {
  const char* abbrev = ::sigabbrev_np(signal);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
}

std::string exitText(const ProgramExit& x) {
  if (!x.signaled) return "exit code " + std::to_string(x.code);
  const std::string name = signalName(x.code);
  return "signal " + std::to_string(x.code) + (name.rfind("SIG", 0) == 0 ? " (" + name + ")" : std::string());
}

bool TraceDecoder::fail(std::string what) {
  error_ = "trace stream: " + std::move(what);
  return false;
}

bool TraceDecoder::feed(const void* data, size_t n, TraceSink& sink) {
  if (!error_.empty()) return false;
  const auto* bytes = static_cast<const uint8_t*>(data);
  // A frame cut short by the previous feed is completed from only the bytes it
  // still needs (its header first, then its body), so the rest of this feed is
  // decoded where it lies instead of being copied behind it.
  while (!buffer_.empty() && n > 0) {
    size_t frameBytes = kFrameHeaderBytes;
    if (buffer_.size() >= kFrameHeaderBytes)
      frameBytes += frameBodyBytes(buffer_.data());
    const size_t take = std::min(n, frameBytes - buffer_.size());
    buffer_.insert(buffer_.end(), bytes, bytes + take);
    bytes += take;
    n -= take;
    // A whole header is checked now (a hostile length is refused before its body
    // is awaited); a whole frame is decoded.
    const size_t used = decodeFrames(buffer_.data(), buffer_.size(), sink);
    if (!error_.empty()) {
      buffer_.clear();
      return false;
    }
    if (used > 0) {
      offset_ += used;
      buffer_.clear();
    }
  }
  if (!buffer_.empty()) return true;  // all of this feed went into the cut frame
  const size_t used = decodeFrames(bytes, n, sink);
  if (!error_.empty()) return false;
  buffer_.assign(bytes + used, bytes + n);
  offset_ += used;
  return true;
}

// The bytes of the whole frames at the start of [bytes, bytes + n), each decoded
// (an error stops it: error_ says why and at which stream byte).
size_t TraceDecoder::decodeFrames(const uint8_t* bytes, size_t n, TraceSink& sink) {
  size_t pos = 0;
  while (n - pos >= kFrameHeaderBytes) {
    const uint8_t* h = bytes + pos;
    const uint32_t length = frameBodyBytes(h);
    const uint16_t type = frameType(h);
    const uint16_t reserved = frameReserved(h);
    const auto at = [&] { return " at byte " + std::to_string(offset_ + pos); };
    bool good = true;
    if (length > kMaxBodyBytes) {
      good = fail("frame of " + std::to_string(length) + " bytes" + at() + " exceeds the limit of " +
                  std::to_string(kMaxBodyBytes));
    } else if (type < kFirstType || type > kLastType) {
      good = fail("unknown message type " + std::to_string(type) + at());
    } else if (reserved != 0) {
      good = fail("reserved header field is " + std::to_string(reserved) + at() + " (must be 0)");
    } else if (!sawHello_ && type != static_cast<uint16_t>(MessageType::Hello)) {
      good = fail(std::string("the stream must start with hello, not ") + typeName(type));
    } else if (sawExit_) {
      good = fail(std::string(typeName(type)) + " message after the exit message" + at() + " (exit is the last)");
    } else if (n - pos - kFrameHeaderBytes < length) {
      nextFrameOffset_ = offset_ + pos + kFrameHeaderBytes + length;
      return pos;  // the rest of the frame comes with a later feed()
    } else {
      good = decodeFrame(type, h + kFrameHeaderBytes, length, sink);
      if (!good) error_ += at();
      pos += kFrameHeaderBytes + length;
      ++messages_;
    }
    if (!good) break;
  }
  nextFrameOffset_ = offset_ + pos;  // (its header, if any, comes with a later feed())
  return pos;
}

bool TraceDecoder::finish() {
  if (!error_.empty()) return false;
  if (!buffer_.empty())
    return fail("ended inside a frame (" + std::to_string(buffer_.size()) + " bytes of it at byte " +
                std::to_string(offset_) + ")");
  return true;
}

bool TraceDecoder::decodeFrame(uint16_t type, const uint8_t* body, size_t size, TraceSink& sink) {
  Reader in(body, size);
  switch (static_cast<MessageType>(type)) {
    case MessageType::Hello: {
      if (sawHello_) return fail("a second hello");
      Hello h;
      h.version = static_cast<uint32_t>(in.uint(4));
      if (in.ok() && h.version != kProtocolVersion)
        return fail("protocol version " + std::to_string(h.version) + ", this reader knows version " +
                    std::to_string(kProtocolVersion));
      h.pid = static_cast<uint32_t>(in.uint(4));
      h.startNs = static_cast<int64_t>(in.uint(8));
      h.processName = in.str();
      h.executable = in.str();
      if (!in.ok() || in.left() != 0) break;
      sawHello_ = true;
      sink.hello(h);
      return true;
    }
    case MessageType::BaseCreated: {
      const uint64_t base = in.uint(8);
      const std::string method = in.str();
      if (!in.ok() || in.left() != 0) break;
      sink.baseCreated(base, method);
      return true;
    }
    case MessageType::BaseFreed: {
      const uint64_t base = in.uint(8);
      if (!in.ok() || in.left() != 0) break;
      sink.baseFreed(base);
      return true;
    }
    case MessageType::Callback: {
      CallbackInfo c;
      c.base = in.uint(8);
      c.eventId = in.uint(8);
      const uint64_t role = in.uint(1);
      const uint64_t zero = in.uint(1);
      c.events = static_cast<int16_t>(in.uint(2));
      c.fd = static_cast<int32_t>(in.uint(4));
      c.address = in.uint(8);
      c.fileAddress = in.uint(8);
      c.module = in.str();
      if (!in.ok() || in.left() != 0) break;
      if (role > kLastRole) return fail("callback message with unknown role " + std::to_string(role));
      if (zero != 0) return fail("callback message with a non-zero reserved byte");
      c.role = static_cast<CallbackRole>(role);
      if (!modules_.count(c.module)) {
        if (modules_.size() >= kMaxModules)
          return fail("callback messages name more than " + std::to_string(kMaxModules) + " modules");
        modules_.insert(c.module);
      }
      sink.callback(c);
      return true;
    }
    case MessageType::Records: {
      const uint64_t base = in.uint(8);
      const uint64_t count = in.uint(4);
      const uint64_t zero = in.uint(4);
      if (!in.ok()) break;
      if (zero != 0) return fail("records message with a non-zero reserved field");
      if (count > kMaxRecordsPerFrame || in.left() != count * kRecordBytes)
        return fail("records message says " + std::to_string(count) + " records but holds " +
                    std::to_string(in.left()) + " bytes (" + std::to_string(kRecordBytes) + " each, at most " +
                    std::to_string(kMaxRecordsPerFrame) + ")");
      const auto n = static_cast<size_t>(count);
      const uint8_t* raw = in.bytes(n * kRecordBytes);
      const TraceRecord* recs = nullptr;
      if (reinterpret_cast<uintptr_t>(raw) % alignof(TraceRecord) == 0) {
        // Aligned (readShift()): handed over where they lie, no copy. (The bytes
        // are the records' object representation: TraceRecord is trivially copyable.)
        recs = std::launder(reinterpret_cast<const TraceRecord*>(raw));
      } else {
        // Copied: a buffer reused and never shrunk (no allocation, and no
        // default-constructed records written only to be overwritten, per frame).
        if (records_.size() < n) records_.resize(n);
        if (n > 0) std::memcpy(static_cast<void*>(records_.data()), raw, n * kRecordBytes);
        recs = records_.data();
      }
      for (size_t i = 0; i < n; ++i) {
        if (const char* problem = recordProblem(recs[i]))
          return fail(std::string("record ") + std::to_string(i) + " of a records message: " + problem);
        if (recs[i].type == TraceType::Transition) [[likely]]
          liveEvents_ += (recs[i].cause == TraceCause::New) - (recs[i].cause == TraceCause::Free);
      }
      if (liveEvents_ > kMaxLiveEvents)
        return fail("more than " + std::to_string(kMaxLiveEvents) + " live events (created, not freed)");
      sink.records(base, recs, n);
      return true;
    }
    case MessageType::Log: {
      const uint64_t severity = in.uint(4);
      const std::string text = in.str();
      if (!in.ok() || in.left() != 0) break;
      sink.log(static_cast<int>(static_cast<int32_t>(severity)), text);
      return true;
    }
    case MessageType::Dropped: {
      DropCounts d;
      d.base = in.uint(8);
      d.ring = in.uint(8);
      d.stream = in.uint(8);
      if (!in.ok() || in.left() != 0) break;
      sink.dropped(d);
      return true;
    }
    case MessageType::Exit: {
      ProgramExit x;
      const uint64_t signaled = in.uint(1);
      const uint64_t zero = in.uint(1) | in.uint(2);
      x.code = static_cast<int32_t>(in.uint(4));
      if (!in.ok() || in.left() != 0) break;
      if (signaled > 1 || zero != 0) return fail("exit message with a bad flag or non-zero reserved bytes");
      if (x.code < 0 || (signaled && (x.code == 0 || x.code > 64)))
        return fail("exit message with an impossible " + std::string(signaled ? "signal " : "exit code ") +
                    std::to_string(x.code));
      x.signaled = signaled == 1;
      sawExit_ = true;
      sink.exited(x);
      return true;
    }
  }
  return fail(std::string(typeName(type)) + " message of " + std::to_string(size) + " bytes is malformed (" +
              (in.ok() ? "bytes left over" : "truncated or a string too long") + ")");
}

}  // namespace rs::live
