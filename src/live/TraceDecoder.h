// Reads a live trace stream (docs/trace-protocol.md) from untrusted bytes:
// frames are reassembled across feed() calls, every field validated, and each
// message handed to a TraceSink. The first bad byte ends the stream: feed()
// returns false and error() says what failed and where; nothing after it is
// delivered. Hostile input (truncation, huge lengths, a bad version, unknown
// types, out-of-range enum values) never crashes it or allocates more than one
// frame's bound (kMaxBodyBytes).
// Thread contract: one instance per stream, used by one thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "compat/LiveProtocol.h"
#include "core/Trace.h"

namespace rs::live {

struct Hello {
  uint32_t version = 0;
  uint32_t pid = 0;
  int64_t startNs = 0;  // CLOCK_MONOTONIC, as the records' stamps
  std::string processName;
  std::string executable;
};

struct CallbackInfo {
  uint64_t base = 0;
  uint64_t eventId = 0;
  CallbackRole role = CallbackRole::Event;
  int16_t events = 0;
  int32_t fd = -1;
  uint64_t address = 0;
  uint64_t fileAddress = 0;  // in `module`'s own address space (symbol values)
  std::string module;
};

struct DropCounts {
  uint64_t base = 0;
  uint64_t ring = 0;    // the base's ring was full
  uint64_t stream = 0;  // the collector could not send (reader too slow)
};

// How the program ended (the relay's exit frame).
struct ProgramExit {
  bool signaled = false;
  int32_t code = 0;  // exit status, or the signal that ended it
};

// "SIGTERM", or "signal 77" for a number without a name: a signal as every view names it.
std::string signalName(int signal);
// "exit code 3", "signal 15 (SIGTERM)": how the log, the session row and the text form say it.
std::string exitText(const ProgramExit& x);

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void hello(const Hello& h) = 0;
  virtual void baseCreated(uint64_t base, const std::string& method) = 0;
  virtual void baseFreed(uint64_t base) = 0;
  virtual void callback(const CallbackInfo& info) = 0;
  // `records` stays valid for the call only.
  virtual void records(uint64_t base, const TraceRecord* records, size_t count) = 0;
  virtual void log(int severity, const std::string& text) = 0;
  virtual void dropped(const DropCounts& counts) = 0;
  // The last message (only from reactorscope-run; a sink that has no use for it ignores it).
  virtual void exited(const ProgramExit&) {}
};

class TraceDecoder {
 public:
  // What one stream may make the app hold; past either the stream is bad (a
  // runaway or hostile writer grew the app by ~1 KB an event, and by an ELF
  // reader per module). A real program has far fewer of each.
  static constexpr int64_t kMaxLiveEvents = 500'000;  // created and not freed
  static constexpr size_t kMaxModules = 1024;           // distinct module paths of callback messages

  // Consumes `n` bytes; false once the stream is bad (error() says why).
  bool feed(const void* data, size_t n, TraceSink& sink);
  // The stream ended: false (with error()) when it stopped inside a frame.
  bool finish();
  // Whether what was fed is a whole stream so far: it began with hello, no
  // error, no frame cut short (what may follow it from elsewhere: an exit).
  bool atWholeFrame() const { return sawHello_ && error_.empty() && buffer_.empty(); }
  const std::string& error() const { return error_; }
  // Where a reader should put the next bytes it feeds: this many bytes past an
  // 8-byte aligned address. The next frame then starts aligned, and so do the
  // frames after it as long as their lengths are multiples of 8 (records frames
  // are): their records reach the sink where they lie instead of copied (a
  // records frame that is not aligned is copied: correct either way).
  size_t readShift() const { return static_cast<size_t>((offset_ + buffer_.size() - nextFrameOffset_) % 8); }
  uint64_t messages() const { return messages_; }

 private:
  size_t decodeFrames(const uint8_t* bytes, size_t n, TraceSink& sink);
  bool decodeFrame(uint16_t type, const uint8_t* body, size_t size, TraceSink& sink);
  bool fail(std::string what);

  std::vector<uint8_t> buffer_;  // bytes of an incomplete frame
  std::vector<TraceRecord> records_;  // a records frame not aligned, copied for the sink (its first `count`)
  int64_t liveEvents_ = 0;                  // New transitions minus Free ones
  std::unordered_set<std::string> modules_;  // module paths seen (at most kMaxModules)
  bool sawHello_ = false;
  bool sawExit_ = false;
  uint64_t messages_ = 0;
  uint64_t offset_ = 0;  // stream offset of buffer_[0], for messages
  uint64_t nextFrameOffset_ = 0;  // stream offset where the next frame starts, as far as known (readShift())
  std::string error_;
};

}  // namespace rs::live
